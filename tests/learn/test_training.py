"""Training on everything: rule-decided lines are rows too, with the rule's verdict a feature."""

from __future__ import annotations

from jdreview.filter.rules import Rule, RuleSet
from jdreview.io.posting import Posting
from jdreview.learn.gold import GoldPosting
from jdreview.learn.train import training_rows


def _example() -> GoldPosting:
    p = Posting.from_text("Data Engineer\nApply now\nWe build data pipelines in Python and SQL.\n", id="p1")
    return GoldPosting(p, {0: True, 1: False, 2: True}, "demo")


def test_rule_decided_lines_are_rows_with_their_verdict() -> None:
    rules = RuleSet([Rule("button", "exact", ("apply now",))])
    X, y, _ = training_rows([_example()], rules)
    assert len(y) == 2  # by default only the lines the rules leave to the classifier
    owners: list[str] = []
    X, y, _ = training_rows([_example()], rules, everything=True, owners=owners)
    assert len(y) == 3 and owners == ["p1"] * 3
    apply_row = X[1]
    assert ("rule:drop", 1.0) in apply_row and y[1] == 0
    assert not any(name.startswith("rule:") for name, _ in X[0] + X[2])
