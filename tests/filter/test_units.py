"""Units that belong together (issue 13 item 7): runs of short lines, the header block."""

from __future__ import annotations

import pytest
from table_scorer import BODY, TableScorer

from jdreview.filter.decision import FilterResult
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import RuleSet, default_rules
from jdreview.io.posting import Posting


def test_a_menu_of_short_lines_is_decided_as_one() -> None:
    menu = ["Industries", "Automotive", "Public Sector", "Energy", "Media and Publishing",
            "Retail and E-commerce", "Utilities", "Travel and Transport"]
    # most of the menu scores as chrome; the lines whose words look like content do not
    scores = dict.fromkeys(menu, 0.2) | {"Energy": 0.58, "Retail and E-commerce": 0.55}
    posting = Posting.from_text("\n".join(["Data Engineer", *menu, *BODY]) + "\n")
    result = auto_filter(posting, RuleSet(), TableScorer(scores))
    out = result.cleaned_text()
    assert "Energy" not in out and "Retail" not in out, out
    assert BODY[0] in out
    energy = next(lr for lr in result.lines if lr.text == "Energy")
    assert energy.decision is not None and "run:drop" in energy.decision.reason


def test_a_skills_list_is_not_cut_in_two() -> None:
    skills = ["Skills", "Decision Support", "Prototyping", "Data Quality", "Data Governance",
              "Extract", "Transform", "Load", "Cloud Computing", "Dashboard", "Reporting"]
    # the first tags look like chrome to the classifier one by one, the rest like content
    scores = {s: (0.2 if k < 4 else 0.95) for k, s in enumerate(skills)}
    posting = Posting.from_text("\n".join(["Data Engineer", "", *skills, "", *BODY]) + "\n")
    out = auto_filter(posting, RuleSet(), TableScorer(scores)).cleaned_text()
    assert all(s in out for s in skills), out


def test_a_run_needs_enough_scored_lines_and_stops_at_a_sentence() -> None:
    lines = ["Remote", "Contract", "Apply now to join us today.", "Benefits", "Pension", "Gym"]
    scores = {"Remote": 0.9, "Contract": 0.9, "Benefits": 0.2, "Pension": 0.2, "Gym": 0.2}
    posting = Posting.from_text("\n".join([*lines, *BODY]) + "\n")
    result = auto_filter(posting, default_rules(), TableScorer(scores))
    reasons = [lr.decision.reason for lr in result.lines if lr.decision is not None]
    assert not any("run:" in r for r in reasons), reasons


CHROME = ["Company Logo", "Match Score", "Profile Visibility"]


def _header_under_chrome(header: list[str]) -> tuple[FilterResult, str]:
    """A board page's ``header`` between its own chrome, cleaned with a classifier that,
    one line at a time, takes the header for chrome; every header line must be kept."""
    lines = ["Acme Jobs", "Apply", *header, *CHROME, *BODY]
    scores = dict.fromkeys([*header, *CHROME, "Acme Jobs"], 0.05)
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores))
    out = result.cleaned_text()
    assert all(h in out for h in header), out
    return result, out


def test_the_header_block_is_found_without_a_page_title() -> None:
    header = ["Data Engineer - Clearance Required", "Remote • Posted 3 days ago", "Contract W2", "Remote",
              "USD $101,000.00 - 170,000.00 per year"]
    result, out = _header_under_chrome(header)
    assert not any(c in out for c in [*CHROME, "Acme Jobs", "Apply\n"]), out
    title = next(lr for lr in result.lines if lr.text == header[0])
    assert title.decision is not None and title.decision.reason.endswith("header")


@pytest.mark.parametrize("pay", ["5-15 Lacs P.A.", "12 LPA", "50k - 60k", "12.60 per hour"])
def test_a_pay_line_without_a_currency_is_a_fact_of_the_header(pay: str) -> None:
    header = ["Software Developer", "Posted 3 days ago", pay]
    _, out = _header_under_chrome(header)
    assert not any(c in out for c in CHROME), out


def test_a_line_with_the_page_url_is_no_title_of_the_header() -> None:
    lines = ["Saved with a page grabber from https://jobs.example.in/postings/1234", "Posted 3 days ago",
             "Remote", *BODY]
    scores = dict.fromkeys(lines[:3], 0.05)
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores))
    out = result.cleaned_text()
    assert "Posted 3 days ago" in out and "https://" not in out, out


def test_the_first_copy_of_a_repeated_header_is_kept_and_a_repeated_banner_is_not() -> None:
    header = ["Analytics Engineer", "Acme", "Paris, France"]
    banner = ["Data Summit", "June 15-18 in Paris", "Join the largest data event"]
    nav = ["Pricing plans", "Customer stories", "Product tour"]
    lines = [*banner, "Close", *banner, *nav, "Sign in", *header, "Apply", *header, "5 hours ago", *BODY]
    scores = dict.fromkeys([*header, *banner, *nav, "5 hours ago"], 0.1)
    out = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores)).cleaned_text()
    assert out.count("Analytics Engineer") == 1 and "Paris, France" in out and "5 hours ago" in out, out
    assert "Data Summit" not in out, out


def test_page_chrome_rules_name_widgets_in_general_words() -> None:
    # without a classifier every line no rule decides is kept: these are the rules' own
    chrome = {"Share on your newsfeed": "share-help", "Email this job to a friend": "share-help",
              "Need help finding the right job?": "share-help", "Diesen Job teilen": "share-help",
              "1001-5000 employees": "company-widget", "13,893 on LinkedIn": "company-widget",
              "250 Mitarbeiter": "company-widget", "In the meantime, check out our": "application-notice",
              "&nbsp;": "markup-entity"}
    lines = [*BODY, *chrome, "Share your ideas with the team every week."]
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules())
    got = {lr.text: lr.decision.reason for lr in result.lines if lr.decision is not None}
    assert {t: got[t] for t in chrome} == {t: f"rule:{r}" for t, r in chrome.items()}
    assert all(got[b] == "default" for b in BODY)
    assert got["Share your ideas with the team every week."] == "default"


def test_an_indented_label_keeps_its_value_against_the_button_and_number_rules() -> None:
    # "date posted" is a sort button and "2026-01-27" a bare number; as a label and its
    # value (indented, as a copy from a page often leaves it) they are a job fact
    lines = [*BODY, " Date Posted:", "", "2026-01-27"]
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules())
    got = {lr.text: lr.decision.reason for lr in result.lines if lr.decision is not None}
    assert got[" Date Posted:"] == got["2026-01-27"] == "rule:job-fact-label"


def test_a_search_forms_work_types_go_with_the_form() -> None:
    # a board's search form above the posting: the facet "Job Type" with its options
    form = ["Salary Min", "Salary Max", "Per", "annum", "hour", "Job Type", "Any", "Permanent", "Contract",
            "Part Time", "Temporary", "Apprenticeship", "Find jobs now"]
    header = ["Data Engineer", "Leeds", "Permanent"]
    lines = [*form, "", *header, "", *BODY]
    scores = dict.fromkeys(form, 0.02) | {"Data Engineer": 0.9, "Leeds": 0.9}
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores))
    got = {(lr.index, lr.text): lr.decision for lr in result.lines if lr.decision is not None}
    for k, text in enumerate(lines[:len(form)]):
        assert not got[(k, text)].keep, (text, got[(k, text)])
    contract = got[(form.index("Contract"), "Contract")]
    assert contract.reason == "structure:filter-form"
    # the posting's own work type, in its header, stays
    assert got[(len(form) + 3, "Permanent")].keep
    assert BODY[0] in result.cleaned_text()


def test_a_work_type_among_a_menus_items_goes_with_the_menu() -> None:
    menu = ["Who we are", "Graduate", "Professional", "Executive", "Disciplines", "Our Brands", "Our Stories"]
    lines = [*menu, "", "Data Engineer", "Full-time", "", *BODY]
    scores = dict.fromkeys(menu, 0.03) | {"Data Engineer": 0.9}
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores))
    out = result.cleaned_text()
    assert "Executive" not in out and "Full-time" in out and BODY[0] in out, out


def test_a_fact_line_is_the_headers_not_the_bodys_start() -> None:
    # a long line of facts ("place · 5 days ago · 100 people clicked apply") is no prose:
    # the title above it is the header's; a sentence between the facts is not
    lines = ["Acme logo", "Share", "Software Developer Intern", "Markham, ON · 5 days ago · Over 100 people clicked apply",
             "On-site", "Matches your job preferences, workplace type is On-site.", "Full-time", "Apply", *BODY]
    scores = dict.fromkeys(lines[:8], 0.02)
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores))
    out = result.cleaned_text()
    assert "Software Developer Intern" in out and "Full-time" in out, out
    assert "Matches your job preferences" not in out and "Acme logo" not in out, out


def test_labels_and_values_of_the_header_are_one_fact_each() -> None:
    # "Location:" / "Alton", "Salary/Rate:" / "£30,000": a label between two facts does not
    # count as a line between them, so the header block holds all of them
    header = ["Software Engineer", "Posted 3 days ago by Acme Recruitment", "Location:", "Alton, Hampshire",
              "Salary/Rate:", "£30,000 - £50,000/annum"]
    lines = ["Recently viewed jobs", "View all jobs", *header, "Apply Now", *BODY]
    scores = dict.fromkeys([*header, "Recently viewed jobs", "View all jobs"], 0.15)
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores))
    out = result.cleaned_text()
    assert all(h in out for h in header), out
    assert "Recently viewed jobs" not in out, out


def test_a_label_follows_the_value_a_keep_rule_kept() -> None:
    lines = [*BODY, "Type:", "Permanent"]
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer({"Type:": 0.3}))
    got = {lr.text: lr.decision for lr in result.lines if lr.decision is not None}
    assert got["Type:"].keep and got["Type:"].reason == "structure:label-value", got["Type:"]


def test_a_label_over_prose_is_not_a_word_of_a_language_picker() -> None:
    prose = "English is our working language, and German helps with the source systems we read."
    lines = [*BODY, "Language:", prose, "", "Language", "English", "Deutsch"]
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer({}))
    got = {(lr.index, lr.text): lr.decision for lr in result.lines if lr.decision is not None}
    assert got[(3, "Language:")].keep and got[(3, "Language:")].reason == "structure:label-value"
    # the picker itself still goes
    assert not got[(6, "Language")].keep and not got[(7, "English")].keep


def test_widgets_go_after_scoring_and_still_teach_the_classifier() -> None:
    from jdreview.filter.pipeline import rule_decisions

    widgets = ["Acme Systems logo", "Resume Match", "5 of 13 keywords", "Be one of the first applicants",
               "Passt hervorragend", "£50K - £78K (Board Est.)"]
    lines = ["Data Engineer", *widgets, *BODY]
    posting = Posting.from_text("\n".join(lines) + "\n")
    # the classifier takes them for content, one by one
    result = auto_filter(posting, default_rules(), TableScorer(dict.fromkeys(widgets, 0.95)))
    got = {lr.text: lr.decision.reason for lr in result.lines if lr.decision is not None}
    assert all(got[w] == "structure:widget" for w in widgets), got
    assert got[BODY[0]].startswith("classifier")
    # no rule decides them: training (which learns from the lines no rule decided) sees them
    units = [i for i, x in enumerate(posting.lines) if x.strip()]
    rules = default_rules()
    dec = rule_decisions(posting, units, {i: rules.normalised(posting.lines[i]) for i in units}, rules)
    assert not any(posting.lines[i] in widgets for i in dec)


def test_a_deadline_is_a_fact_of_the_header() -> None:
    header = ["Senior Data Analyst", "Animal Health Agency", "Apply before 11:55 pm on Thursday 20th November 2025"]
    lines = ["Civil Service Jobs", "Sign in", *header, "Details", "Salary", "£42,665 - £50,495", *BODY]
    scores = dict.fromkeys([*header, "Civil Service Jobs", "Details"], 0.15)
    out = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), TableScorer(scores)).cleaned_text()
    assert header[1] in out and header[2] in out, out
    assert "Civil Service Jobs" not in out, out
