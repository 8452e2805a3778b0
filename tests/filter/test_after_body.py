"""After the body (issue 13 items 4-5): a board's company card and activity widgets go as
blocks, and the job's own requirements stated among the tail's boilerplate stay."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from jdreview.filter.decision import Decision
from jdreview.filter.lexicon import DROP_CUES, KEEP_CUES, cues, keep_cues, lexicon
from jdreview.filter.pipeline import (
    _CONTENTS,
    activity_widgets,
    auto_filter,
    company_cards,
    navigation_blocks,
)
from jdreview.filter.rules import default_rules
from jdreview.io.posting import Posting

BODY = [
    "Data Engineer",
    "You will build and run the data pipelines of our platform in Python and SQL, with two colleagues.",
    "You review code, keep the warehouse tidy and help our analysts find the numbers they need every week.",
]


class Scores:
    """A classifier stand-in: every line it scores keeps at 0.9, except the lines named in
    ``low`` (0.2), as the classifier of issue 13 read the tails of unseen sites."""

    version = "scores"

    def __init__(self, low: tuple[str, ...] = ()) -> None:
        self.low = set(low)

    def score(self, posting: Posting, units: list[int], norms: Mapping[int, str],
              dec: Mapping[int, Decision], all_units: bool = False) -> dict[int, float]:
        return {i: 0.2 if posting.lines[i] in self.low else 0.9 for i in units if all_units or i not in dec}


def _clean(lines: list[str], low: tuple[str, ...] = ()) -> tuple[str, dict[str, str]]:
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), Scores(low))
    reasons = {lr.text: lr.decision.reason for lr in result.lines if lr.decision is not None}
    return result.cleaned_text(), reasons


@pytest.mark.parametrize("card", [
    # LinkedIn's card: the heading, the name, the follower count (a rule), the industry, the headcount
    ["About the company", "Apex Systems", "1,998,783 followers", "Follow", "IT Services and IT Consulting",
     "1001-5000 employees"],
    # Dice's: the heading, the board's copy of the company's profile, the link to the board's company page
    ["Company Info", "About LMI Consulting",
     "At LMI, we are reimagining the path from insight to outcome, with sixty years of federal expertise.",
     "LMI is currently accepting resumes for a variety of positions in the database.", "Go to company profile"],
    ["Über das Unternehmen", "Acme GmbH", "Maschinenbau", "12.345 Follower", "Folgen"],
])
def test_a_boards_company_card_after_the_body_goes_whole(card: list[str]) -> None:
    out, why = _clean([*BODY, *card, "Similar jobs"])
    for line in card:
        assert line not in out, (line, why[line], out)
    assert why[card[0]] == "structure:company-card"
    assert BODY[1] in out and BODY[2] in out


def test_the_employers_own_about_text_is_no_card() -> None:
    # Naukri's "About company" block is the poster's own text: no board widget in it
    block = ["About company", "Prime Apps is a global IT outsourcing company delivering web and mobile apps.",
             "Company Info", "Address:", "B - 609, Mondeal Heights, Ahmedabad, Gujarat, India"]
    out, _why = _clean([*BODY, *block, "Beware of imposters!"])
    for line in block:
        assert line in out, (line, out)


@pytest.mark.parametrize("widget", [
    ["Applicants: 100+"], ["Interviewing:", "0"], ["Invites sent:", "0"], ["Proposals: 5 to 10"],
    ["Continue with Google"], ["Continuar con Google"], ["Mit LinkedIn anmelden"], ["Continuer avec Google"],
    ["6 Ratings"], ["Bewerber: 12"], ["Candidatures : 40+"], ["Откликов: 12"],
])
def test_a_boards_activity_widget_goes_wherever_it_sits(widget: list[str]) -> None:
    for where in ("header", "tail"):
        lines = [BODY[0], *widget, *BODY[1:]] if where == "header" else [*BODY, *widget]
        out, why = _clean(lines)
        for line in widget:
            assert line not in out.splitlines(), (where, line, why[line])
        assert why[widget[0]] == "structure:widget"
        assert BODY[1] in out


def test_a_job_fact_with_a_count_is_no_activity_widget() -> None:
    out, _why = _clean([BODY[0], "Openings: 3", "Experience: 2 - 5 years", *BODY[1:]])
    assert "Openings: 3" in out and "Experience: 2 - 5 years" in out


@pytest.mark.parametrize("line", [
    "This role requires candidates to have eligibility to work within the UK.",
    "This role requires candidates to already be located in the Netherlands. Are you living there?",
    "The deadline to apply to this position is 5/08/2026. Postings may be extended at our discretion.",
    "Note: Applications will be accepted until 11:59 PM on the day prior to the application deadline.",
    "Please note that we do not hold a Skilled Worker Licence and cannot offer visa sponsorship.",
    "Bewerbungsfrist ist der 30.06.2026, eine Arbeitserlaubnis für die EU setzen wir voraus.",
    "Hakuaika päättyy 15.3.2026.",
    "Please address applications (cover letter and resume) to Jane Doe, Program Coordinator.",
    "Bitte sende uns dein Anschreiben und deinen Lebenslauf als ein PDF.",
])
def test_a_requirement_the_classifier_dropped_after_the_body_stays(line: str) -> None:
    out, why = _clean([*BODY, line, "Follow us"], low=(line, "Follow us"))
    assert line in out, (line, why[line])
    assert why[line] == "structure:requirement"
    assert "Follow us" not in out  # the stand-in's other drop stands


@pytest.mark.parametrize("line", [
    "Do you now or in the future require sponsorship for employment visa status?",  # a form's question
    "Further information on nationality requirements (opens in a new window)",  # a pointer
    "Your Cover Letter",  # a form's field
])
def test_a_form_question_or_a_pointer_is_no_requirement(line: str) -> None:
    out, why = _clean([*BODY, line], low=(line,))
    assert line not in out, (line, why[line])


def test_the_requirement_cues_are_no_drop_cues() -> None:
    assert not set(KEEP_CUES) & set(DROP_CUES)
    assert keep_cues("Candidates must have the right to work in the UK.") == ("requirement",)
    assert keep_cues("Please send your cover letter and CV.") == ("documents",)
    assert keep_cues("You will build data pipelines in Python.") == ()
    # looked up apart: the drop rules' cues never name them
    assert cues("Candidates must have the right to work in the UK.") == ()
    assert set(KEEP_CUES) <= set(lexicon())


def test_a_table_of_contents_of_the_pages_own_headings_goes() -> None:
    contents = ["Contents", "About the job", "Benefits", "Things you need to know"]
    sections = ["About the job", BODY[1] + " " + BODY[2], "Benefits",
                "Thirty days of paid leave, a pension plan for everyone, a yearly budget for books and courses, "
                "and a train ticket to the office whenever you want to come in.",
                "Things you need to know", "You will need the right to work in the UK for this role, and a laptop."]
    out, why = _clean([BODY[0], *contents, *sections])
    assert why["Contents"] == "structure:navigation"
    assert out.count("Benefits") == 1 and out.count("Things you need to know") == 1, out
    for line in sections:
        assert line in out


def test_a_list_of_reference_links_goes_and_stops_at_a_section() -> None:
    links = ["Reference Links", "Hourly salary", "Approved internship programs", "Self-assessment language tests"]
    section = ["Security Requirements",
               "Candidates must be eligible to receive a security clearance; the process takes several months "
               "and starts after the offer."]
    out, why = _clean([*BODY, *links, *section])
    for line in links:
        assert line not in out, (line, why[line])
    assert why["Reference Links"] == "structure:navigation"
    for line in section:
        assert line in out


def test_a_contents_word_over_lines_said_once_is_no_table_of_contents() -> None:
    block = ["Contents", "Two laptops", "A monitor"]
    out, _why = _clean([*BODY, *block])
    for line in block:
        assert line in out


@pytest.mark.parametrize("line", [
    "applicants: 12", "interviewing:", "invites sent: 0", "bewerbungen: 3", "candidatures : 4", "sökande: 6",
    "hakijoita: 9", "uchádzačov: 3", "откликов: 9", "应聘人数: 3", "応募者数: 5", "عدد المتقدمين: 7", "ứng viên: 8",
    "continue with google", "log in with facebook", "mit google fortfahren", "continuer avec google",
    "entrar con google", "continua con google", "doorgaan met google", "fortsätt med google",
    "продолжить с google", "googleで続行", "通过微信登录", "6 ratings", "12 bewertungen",
])
def test_the_activity_widgets_first_characters_let_every_widget_through(line: str) -> None:
    # the stage looks at a line's first two characters before its patterns: none may be missed
    assert activity_widgets([0], {0: line}, {}) == [0]


@pytest.mark.parametrize("line", [
    "about the company", "company info", "über das unternehmen", "à propos de l'entreprise", "sobre a empresa",
    "informazioni sull'azienda", "over het bedrijf", "om företaget", "tietoa yrityksestä", "o spoločnosti",
    "о компании", "про компанію", "关于公司", "会社概要", "عن الشركة", "về công ty",
])
def test_the_company_card_headings_first_characters_let_every_heading_through(line: str) -> None:
    d = {0: Decision(True, "classifier", "", 0.9), 1: Decision(True, "classifier", "", 0.9),
         2: Decision(False, "rule", "company-widget")}
    norms = {0: BODY[1].lower(), 1: line, 2: "1,200 followers"}
    assert company_cards([0, 1, 2], norms, d) == [1]


@pytest.mark.parametrize("line", [
    "reference links", "related pages", "see also", "nützliche links", "liens utiles", "enlaces útiles",
    "veja também", "link utili", "handige links", "hyödyllisiä linkkejä", "полезные ссылки", "相关链接",
])
def test_the_links_headings_last_words_let_every_heading_through(line: str) -> None:
    d = {0: Decision(True, "classifier", "", 0.9), 1: Decision(True, "classifier", "", 0.9)}
    assert navigation_blocks([0, 1], {0: line, 1: "hourly salary"}, d) == [0, 1]


@pytest.mark.parametrize("heading", sorted(_CONTENTS))
@pytest.mark.parametrize("colon", ["", ":", " :"])
def test_every_contents_heading_gets_through_the_quick_test(heading: str, colon: str) -> None:
    units = list(range(5))
    norms = {0: heading + colon, 1: "about the job", 2: "benefits", 3: "about the job", 4: "benefits"}
    d = {i: Decision(True, "classifier", "", 0.9) for i in units}
    assert navigation_blocks(units, norms, d) == [0, 1, 2]


EEO = ("Acme is an equal opportunity employer. We do not discriminate on the basis of race, religion, colour, "
       "sex, age or disability, and we welcome every applicant.")


def test_a_list_goes_on_past_an_item_the_classifier_dropped() -> None:
    # the last item over the EEO paragraph is an item of the list, not its heading
    items = ["Why Acme?", "Work on data products used in twenty countries", "Lead our move to streaming",
             "Competitive pay and benefits", "A dynamic, international team", "Room to grow in a scale-up"]
    out, why = _clean([*BODY, *items, EEO], low=("A dynamic, international team",))
    assert "Room to grow in a scale-up" in out
    assert why["Room to grow in a scale-up"].startswith("classifier")


def test_a_heading_in_capitals_under_a_value_is_no_item_of_its_list() -> None:
    # "HOURS" over its value, then "INCLUSION" over an EEO statement: a heading of its own
    out, why = _clean([*BODY, "HOURS", "Monday to Friday, office hours", "INCLUSION", EEO, "Who we are",
                       "Acme builds the tools that data teams use every day, in twenty countries and on four continents."])
    assert "INCLUSION" not in out and why["INCLUSION"] == "structure:empty-heading"
    assert "Monday to Friday, office hours" in out and "Who we are" in out


def test_a_section_of_two_dropped_paragraphs_takes_its_heading() -> None:
    # the second paragraph's first sentence is a segment drop rule's: it goes whole, as the first
    second = ("We are an equal opportunity employer. Our offices in Leeds and London are open to everyone "
              "who works with us, every day of the week.")
    out, why = _clean([*BODY, "Inclusion", EEO, second, "Who we are",
                       "Acme builds the tools that data teams use every day, in twenty countries and on four continents."])
    assert why["Inclusion"] == "structure:empty-heading"
    assert "Acme builds the tools" in out
