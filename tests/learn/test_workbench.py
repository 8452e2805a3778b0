"""The rule workbench on a small hand-made labelled case whose answers are known."""

from __future__ import annotations

import re

import pytest

from jdreview.filter.classifier import Classifier
from jdreview.filter.rules import Rule, RuleSet, parse_rules
from jdreview.io.posting import Posting
from jdreview.learn.labelled import LabelledPosting
from jdreview.learn.workbench import generalise, rule_stats, suggest_rules
from jdreview.workspace.queue import PostingSignals, posting_signals, review_order


def _lp(pid, lines, drop, site="demo"):
    p = Posting.from_text("\n".join(lines) + "\n", id=pid, site=site)
    return LabelledPosting(p, {i: i not in drop for i in range(len(lines))}, site=site)


@pytest.fixture
def labelled():
    a = _lp("a", ["Data Engineer", "Share this job", "36 applicants", "Benefits",
                  "We build pipelines in Python.", "Similar jobs", "Analyst at Acme", "Engineer at Beta",
                  "About the company", "Acme makes widgets."],
            {1, 2, 3, 5, 6, 7})
    b = _lp("b", ["Data Analyst", "Share this job", "12 applicants", "Benefits",
                  "We measure things with SQL.", "Similar jobs", "Designer at Gamma", "Manager at Delta",
                  "About the company", "Beta sells books."],
            {1, 2, 3, 5, 6, 7})
    c = _lp("c", ["Product Owner", "Share this job", "Benefits", "Free lunch and a pension.",
                  "We plan the roadmap."], {1})
    return [a, b, c]


def _by_pattern(sugs):
    return {(s.rule.kind, s.rule.pattern[0]): s for s in sugs}


def test_suggest_exact_regex_and_section(labelled):
    sugs = suggest_rules(labelled, RuleSet())
    got = _by_pattern(sugs)
    share = got[("exact", "share this job")]
    assert (share.support, share.matched, share.precision) == (3, 3, 1.0)
    assert share.rule.scope == "demo"  # all support from one site
    num = got[("regex", generalise("36 applicants"))]
    assert (num.support, num.matched, num.precision) == (2, 2, 1.0)
    assert re.search(num.rule.pattern[0], "  7 applicants", re.I)
    # "Benefits" was dropped twice but kept once: proposed, with its honest precision
    ben = got[("exact", "benefits")]
    assert (ben.support, ben.matched) == (2, 3) and ben.precision == pytest.approx(2 / 3)
    # a section from "Similar jobs" to "About the company": start line always dropped,
    # a run of 3, ended each time by the same kept line
    sec = got[("section", generalise("similar jobs"))]
    assert sec.rule.end == generalise("about the company") and sec.rule.max_lines == 0
    assert (sec.support, sec.matched, sec.precision) == (2, 6, 1.0)
    assert sec.gain == 6
    # no section is proposed from a start line that was ever kept
    assert ("section", generalise("benefits")) not in got
    # the best come first
    assert [s.precision for s in sugs] == sorted((s.precision for s in sugs), reverse=True)
    # a line dropped in one posting only is not a rule
    assert ("exact", "analyst at acme") not in got


def test_open_sections_only_on_request(labelled):
    for lp in labelled[:2]:  # the similar-jobs list now runs to the end of the posting
        lp.posting.lines[8:] = []
        for i in (8, 9):
            del lp.labels[i]
    assert not [s for s in suggest_rules(labelled, RuleSet()) if s.rule.kind == "section"]
    got = _by_pattern(suggest_rules(labelled, RuleSet(), sections="all"))
    sec = got[("section", generalise("similar jobs"))]
    assert sec.rule.end == "" and (sec.support, sec.matched, sec.precision) == (2, 6, 1.0)


def test_suggested_rules_are_valid_rule_file_entries(labelled):
    sugs = suggest_rules(labelled, RuleSet(), min_precision=1.0)
    assert sugs and all(s.precision == 1.0 for s in sugs)
    text = "schema = 1\n\n" + "\n".join(s.rule.to_toml() for s in sugs)
    rs = parse_rules(text, "<suggested>")
    assert len(rs) == len(sugs)


def test_existing_rules_are_not_suggested_again(labelled):
    rs = RuleSet([Rule("share", "exact", ("share this job",))])
    got = _by_pattern(suggest_rules(labelled, rs))
    assert ("exact", "share this job") not in got
    assert ("exact", "similar jobs") in got


def test_scope_is_all_when_support_spans_sites(labelled):
    labelled[1].site = labelled[1].posting.site = "other"
    got = _by_pattern(suggest_rules(labelled, RuleSet()))
    assert got[("exact", "share this job")].rule.scope == "all"


def test_min_support(labelled):
    got = _by_pattern(suggest_rules(labelled, RuleSet(), min_support=3))
    assert set(got) == {("exact", "share this job")}


def test_rule_stats_known_answers(labelled):
    rules = RuleSet([
        Rule("chrome", "exact", ("share this job", "benefits")),
        Rule("applicants", "regex", (r"\d+ applicants$",)),
        Rule("keep-benefits", "regex", (r"^benefits$",), action="keep"),
        Rule("unused", "exact", ("nothing like this",)),
    ])
    stats = {s.rule.id: s for s in rule_stats(rules, labelled)}
    ch = stats["chrome"]
    assert (ch.matched, ch.postings, ch.fired, ch.overridden) == (6, 3, 3, 0)
    assert ch.precision == pytest.approx(5 / 6)
    assert ch.overlaps == {"keep-benefits": 3} and ch.conflicts == {"keep-benefits": 3}
    kb = stats["keep-benefits"]
    assert (kb.matched, kb.fired, kb.overridden) == (3, 3, 2)
    assert kb.precision == pytest.approx(1 / 3)
    assert kb.often_overridden and not ch.often_overridden
    ap = stats["applicants"]
    assert (ap.matched, ap.postings, ap.precision, ap.overlaps) == (2, 2, 1.0, {})
    assert stats["unused"].matched == 0 and stats["unused"].precision is None


def test_posting_signals_count_rule_classifier_disagreement(labelled):
    rules = RuleSet([Rule("chrome", "exact", ("share this job", "benefits"))])
    # a classifier that likes "benefits" and "share": it disagrees with the rule there
    clf = Classifier({"w:benefits": 6.0, "w:share": 6.0, "w:job": 0.0}, bias=-1.0)
    sig = posting_signals("a", labelled[0].posting, rules, clf)
    assert sig.disagreements == 2 and sig.units == 10
    calm = Classifier({"w:benefits": -6.0, "w:share": -6.0}, bias=-1.0)
    assert posting_signals("a", labelled[0].posting, rules, calm).disagreements == 0


def test_review_order_puts_disagreement_then_uncertainty_first():
    sig = [PostingSignals("sure", 0, 0.2, 0.45, 10), PostingSignals("unsure", 0, 4.0, 0.01, 10),
           PostingSignals("disputed", 3, 0.1, 0.4, 10), PostingSignals("sure2", 0, 0.2, 0.45, 10)]
    assert review_order(sig) == ["disputed", "unsure", "sure", "sure2"]
    assert review_order([]) == []
