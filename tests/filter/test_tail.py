"""The posting's tail (issue 13 items 4-5): sign-offs, the contact card for questions and
boilerplate prose after the body go as blocks, and a block never runs into the body."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from jdreview.filter.decision import Decision
from jdreview.filter.lexicon import DROP_CUES, cues, lexicon
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import default_rules
from jdreview.io.posting import Posting

BODY = [
    "Wir suchen eine Data Engineerin, die unsere Datenplattform mit Python und SQL aufbaut und betreibt.",
    "Du entwickelst Batch- und Streaming-Jobs, begleitest Reviews und unterstützt zwei Kolleginnen im Team.",
]


class KeepAll:
    """A classifier stand-in that keeps every line it scores (0.9), as the one of issue 13
    kept the tails of unseen sites at 0.9-0.98: what the filter then drops is its own doing."""

    version = "keep-all"

    def score(self, posting: Posting, units: list[int], norms: Mapping[int, str],
              dec: Mapping[int, Decision], all_units: bool = False) -> dict[int, float]:
        return {i: 0.9 for i in units if all_units or i not in dec}


def _clean(lines: list[str]) -> tuple[str, dict[str, str]]:
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), default_rules(), KeepAll())
    reasons = {lr.text: lr.decision.reason for lr in result.lines if lr.decision is not None}
    return result.cleaned_text(), reasons


def test_a_contact_card_after_the_body_goes_whole_and_stops_at_a_label() -> None:
    card = ["Kontakt:", "Hast du Fragen? Dann melde dich gern per Mail an jobs@example.com.",
            "Milena Muster", "People Operations Manager", "+49 30 1234 5678", "Acme SE | Acme Labs"]
    out, why = _clean(["Data Engineer (w/m/d)", *BODY, *card, "Vertragsart:", "Feste Anstellung"])
    for line in card:
        assert line not in out, (line, out)
        # the phone number is a bare number: a rule dropped it, and the card went on past it
        assert why[line] in ("structure:tail:contact", "rule:number-only"), (line, why[line])
    assert why["Acme SE | Acme Labs"] == "structure:tail:contact"
    assert "Vertragsart:" in out and "Feste Anstellung" in out  # the label ends the card
    assert BODY[1] in out


@pytest.mark.parametrize("lines", [
    ["We look forward to hearing from you!"],
    ["Neugierig geworden?", "Alles Weitere erzählen wir dir gerne in einem persönlichen Gespräch!"],
    ["Tešíme sa na Teba!"],
    ["¡Si quieres ser parte de un gran equipo no dudes en postular!"],
    ["Ready to go further?", "Let's grow - together!"],
    ["Best of luck !"],
])
def test_a_sign_off_after_the_body_goes(lines: list[str]) -> None:
    out, why = _clean(["Data Engineer", *BODY, "Benefits", "30 Tage Urlaub und ein Jobrad.", *lines])
    for line in lines:
        assert line not in out, (line, out)
        assert why[line] == "structure:tail:signoff", why[line]
    assert "30 Tage Urlaub und ein Jobrad." in out


def test_a_tail_block_never_runs_into_a_section_of_the_body() -> None:
    about = ("Acme ist ein europäischer Bezahldienst mit mehr als siebzig Menschen in Wien, Berlin, "
             "Zürich und weiteren Städten, die gemeinsam an der Zukunft des Bezahlens arbeiten.")
    perks = ["Zamestnanecké výhody, benefity", "Čo ti ponúkame?", "Moderná kancelária v Bratislave"]
    out, why = _clean(["Data Engineer", *BODY, "Neugierig geworden?", "Über uns", about,
                       "Tešíme sa na Teba!", *perks])
    assert "Neugierig geworden?" not in out and "Tešíme sa na Teba!" not in out
    # a heading over kept prose, and a short heading with its list, are the body's own
    assert "Über uns" in out and about in out
    assert all(p in out for p in perks), out


def test_a_tail_cue_in_the_header_or_a_long_line_is_left_alone() -> None:
    # before the body starts nothing is a tail; a long paragraph that ends with a pointer is
    # the employer's about text, for the classifier to judge
    about = ("At Acme we build tools for the people who build things, in twelve countries and on four "
             "continents, with a team of two hundred engineers, designers and operators who care about "
             "craft; for more information, visit acme.example.")
    out, _ = _clean(["Your contact", "Data Engineer", *BODY, about])
    assert "Your contact" in out and about in out


def test_the_shipped_filter_drops_a_contact_block_it_kept_before() -> None:
    # the shape of hetzner's and uranus's tails, on the shipped classifier
    from jdreview.filter.classifier import default_classifier

    body = [
        "We are looking for a data engineer to build and run the pipelines that feed our analytics platform.",
        "You will design batch and streaming jobs in Python and SQL, review code, and mentor two engineers.",
        "Three or more years of experience with Spark or Flink and a cloud data warehouse such as BigQuery.",
    ]
    tail = ["Contact:", "If you have any questions, please contact our recruiting team by e-mail.",
            "Jane Doe", "Talent Acquisition Partner", "jane.doe@example.com"]
    posting = Posting.from_text("\n".join(["Data Engineer", "", *body, "", *tail]) + "\n")
    out = auto_filter(posting, default_rules(), default_classifier()).cleaned_text()
    assert body[2] in out
    assert not any(t in out for t in tail), out


@pytest.mark.parametrize(("text", "cue"), [
    ("We look forward to hearing from you!", "signoff"),
    ("Wir freuen uns auf deine Bewerbung!", "signoff"),
    ("N'hésitez pas à postuler !", "signoff"),
    ("Czekamy na Twoją aplikację!", "signoff"),
    ("Ждём тебя в команде!", "signoff"),
    ("期待你的加入！", "signoff"),
    ("ご応募お待ちしております。", "signoff"),
    ("لا تتردد في التقديم", "signoff"),
    ("Kontaktná osoba: Ing. Ján Novák", "contact_person"),
    ("Tiedusteluihin vastaa", "contact_person"),
    ("Persona de contacto: Ana López", "contact_person"),
    ("Контактное лицо: Иван Петров", "contact_person"),
    ("联系人：王先生", "contact_person"),
    ("Osoba kontaktowa: Anna Kowalska", "contact_person"),
    ("للاستفسار يرجى التواصل", "contact_person"),
])
def test_the_tail_cues_in_many_languages(text: str, cue: str) -> None:
    assert cue in cues(text)


def test_the_tail_cues_are_no_lexicon_drop_cues() -> None:
    # a rule never drops a sentence for them: only the tail stage, on short lines after the body
    assert "signoff" not in DROP_CUES and "contact_person" not in DROP_CUES
    assert len(lexicon()["signoff"]) >= 17 and len(lexicon()["contact_person"]) >= 17


def test_an_escaped_ampersand_does_not_hide_a_cue() -> None:
    assert "eeo" in cues("Diversity &amp; Inclusion are at our core.")
    assert "eeo" in cues("Diversity & Inclusion are at our core.")


@pytest.mark.parametrize(("line", "dropped"), [
    # the eeo rule named these body lines: a benefit bullet naming an inclusive culture is an offer
    ("Join an inclusive team", False),
    ("Strong focus on wellbeing, growth, and inclusive culture", False),
    ("Regardless of your role type, collaboration and innovation are critical to our business.", False),
    # the statements stay dropped
    ("We are committed to fostering an inclusive workplace where everyone feels valued and respected.", True),
    ("We welcome applicants regardless of your background or beliefs.", True),
])
def test_the_eeo_rule_does_not_drop_body_lines(line: str, dropped: bool) -> None:
    result = auto_filter(Posting.from_text("Data Engineer\n" + line + "\n"), default_rules(), KeepAll())
    lr = result.lines[1]
    assert lr.decision is not None
    assert (lr.kept_text().strip() != line) is dropped, (line, lr.decision.reason, lr.kept_text())


def test_a_heading_over_a_paragraph_that_opens_with_boilerplate_goes_with_it() -> None:
    # the segment stage drops the paragraph from its first sentence on; its heading goes too
    statement = ("Acme is an equal opportunity employer. What does that mean? It means that at our company "
                 "every one of our colleagues is welcome.")
    out, why = _clean(["Data Engineer", *BODY, "Posting Statement", statement, "Benefits",
                       "Thirty days of paid leave and a pension plan for everyone."])
    assert "Posting Statement" not in out and "equal opportunity" not in out, out
    assert why["Posting Statement"] == "structure:empty-heading"
    assert "Benefits" in out and "Thirty days" in out
