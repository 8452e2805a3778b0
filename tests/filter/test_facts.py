"""A job's facts that structure rules took for links or copies (issue 13 items 6, 7, 9):
the decision stage :func:`jdreview.filter.pipeline.fact_runs` (cases in tests/cases/facts.json)."""

from __future__ import annotations

from collections.abc import Mapping

from table_scorer import BODY, TableScorer

from jdreview.filter.decision import Decision
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import default_rules
from jdreview.io.posting import Posting


def _decisions(lines: list[str], scores: Mapping[str, float]) -> dict[str, Decision]:
    posting = Posting.from_text("\n".join(lines) + "\n")
    result = auto_filter(posting, default_rules(), TableScorer(scores))
    return {lr.text: lr.decision for lr in result.lines if lr.decision is not None}


def test_an_unsure_pair_between_kept_pairs_goes_with_its_block() -> None:
    facts = ["Career level:", "Experienced", "Contract:", "Permanent", "Hours model:", "Full-time",
             "Remote work:", "Fully remote possible", "Application deadline:",
             "As long as this posting is online on our careers page, we keep looking for the right people."]
    scores = {"Remote work:": 0.45, "Fully remote possible": 0.3}
    dec = _decisions([*BODY, "", *facts], scores)
    assert dec["Remote work:"].keep and dec["Fully remote possible"].keep, dec["Remote work:"]
    assert dec["Remote work:"].reason == "structure:facts"


def test_a_pair_the_classifier_is_sure_of_stays_dropped() -> None:
    facts = ["Career level:", "Experienced", "Contract:", "Permanent", "Hours model:", "Full-time",
             "Contact name:", "Log in to see", "Application deadline:",
             "As long as this posting is online on our careers page, we keep looking for the right people."]
    scores = {"Contact name:": 0.1, "Log in to see": 0.1}
    dec = _decisions([*BODY, "", *facts], scores)
    assert not dec["Contact name:"].keep and not dec["Log in to see"].keep
