"""Lines of no word (issue 13, sidebars and stray lines): a "," between kept lines, the
bullet of a dropped menu, a mojibake space go with the lines round them."""

from __future__ import annotations

from jdreview.filter.decision import Decision
from jdreview.filter.pipeline import auto_filter, repeated_titles, wordless_lines
from jdreview.filter.rules import RuleSet
from jdreview.io.posting import Posting

BODY = [
    "We are looking for a data engineer to build and run the pipelines that feed our analytics platform.",
    "You will design batch and streaming jobs in Python and SQL, review code, and mentor two engineers.",
]


def _norms(lines: list[str]) -> dict[int, str]:
    return {i: x.casefold() for i, x in enumerate(lines) if x.strip()}


def test_a_line_of_no_word_goes_with_the_lines_round_it() -> None:
    lines = ["Eindhoven", ",", "Noord-Brabant", ",", "Netherlands", "Share", "•", "Apply", "┬á", *BODY]
    units = list(range(len(lines)))
    dec = {i: Decision(True, "classifier", "", 0.9) for i in units}
    dec[1] = dec[3] = Decision(False, "classifier", "", 0.3)
    dec[5] = Decision(False, "rule", "button")
    dec[7] = Decision(False, "rule", "button")
    got = wordless_lines(units, _norms(lines), dec)
    assert got == {1: True, 3: True, 6: False, 8: False}
    # a rule's decision on such a line stands
    dec[6] = Decision(True, "rule", "x")
    assert 6 not in wordless_lines(units, _norms(lines), dec)


def test_a_comma_said_twice_is_no_repeated_title() -> None:
    from jdreview.filter.rules import default_rules

    lines = ["Senior Analytics Engineer", "Hybrid", "Eindhoven", ",", "Noord-Brabant", ",", "Netherlands",
             *BODY]
    posting = Posting.from_text("\n".join(lines) + "\n")
    units = list(range(len(lines)))
    assert 5 in repeated_titles(posting, units, _norms(lines), {})  # the rule sees a repeat
    result = auto_filter(posting, default_rules(), _Keep())
    second = result.lines[5]
    assert second.decision is not None and second.decision.keep, second.decision
    assert second.decision.reason == "structure:wordless"


class _Keep:
    version = "keep"

    def score(self, posting: Posting, units: list[int], norms: object, dec: dict[int, Decision],
              all_units: bool = False) -> dict[int, float]:
        return {i: (0.2 if posting.lines[i] in (",", "•") else 0.9) for i in units if all_units or i not in dec}


def test_the_filter_keeps_a_comma_between_kept_lines() -> None:
    lines = ["Eindhoven", ",", "Noord-Brabant", *BODY]
    result = auto_filter(Posting.from_text("\n".join(lines) + "\n"), RuleSet(), _Keep())
    comma = result.lines[1]
    assert comma.decision is not None and comma.decision.keep and comma.decision.reason == "structure:wordless"
