"""The region decoder: classifier decisions revised by their neighbours (jdreview.regions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jdreview.errors import InputError
from jdreview.filter.classifier import Classifier
from jdreview.filter.decision import FilterConfig
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.regions import decode, transition_costs
from jdreview.filter.rules import Rule, RuleSet
from jdreview.io.posting import Posting

CASES = json.loads((Path(__file__).parents[1] / "data" / "regions_cases.json").read_text("utf-8"))["cases"]


def _kept(res) -> list[str]:
    return [lr.text for lr in res.lines if lr.decision is not None and lr.decision.keep]


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_region_case(case: dict) -> None:
    posting = Posting.from_text("\n".join(case["input"]) + "\n")
    rules = RuleSet([Rule("chrome", "exact", tuple(case["drop_rule"]))])
    plain = Classifier({}, bias=case["bias"])
    assert _kept(auto_filter(posting, rules, plain)) == case["line_by_line"]
    regional = Classifier({}, bias=case["bias"], transitions=case["transitions"])
    res = auto_filter(posting, rules, regional)
    assert _kept(res) == case["regions"]
    # every line the decoder turned around says so; the rule's own line keeps its rule
    for lr in res.lines:
        if lr.decision is not None and lr.text in case["line_by_line"] and lr.text not in case["regions"]:
            assert lr.decision.reason.endswith("region:drop"), lr.decision.reason
    # and the config can switch the decoder off
    assert _kept(auto_filter(posting, rules, regional, FilterConfig(regions=False))) == case["line_by_line"]


def test_zero_costs_give_the_line_by_line_decisions() -> None:
    z = [2.0, -1.0, 0.5, -0.2, 3.0]
    assert decode(list(range(5)), [False] * 5, z, {}, {}) == [v > 0 for v in z]


def test_costs_are_learned_from_labels() -> None:
    # labels that never change inside a block and always change at blank lines
    seqs = [(["fragment", "blank", "fragment"], [True, True, False, False])] * 5
    costs = transition_costs(seqs, weight=1.0)
    assert costs["fragment"] > 2.0 and costs["blank"] == 0.0


def test_transitions_are_saved_checksummed_and_refused_when_tampered(tmp_path: Path) -> None:
    clf = Classifier({"w:apply": -2.0}, bias=0.5, transitions={"line": 1.5, "blank": 0.0, "rule": 2.0})
    path = tmp_path / "clf.json"
    clf.save(str(path))
    back = Classifier.from_json(json.loads(path.read_text("utf-8")))
    assert back.transitions == clf.transitions and back.version == clf.version
    assert Classifier({"w:apply": -2.0}, bias=0.5).version != clf.version
    obj = json.loads(path.read_text("utf-8"))
    obj["transitions"]["line"] = 9.0
    with pytest.raises(InputError, match="checksum"):
        Classifier.from_json(obj)
    obj["transitions"] = {"line": -1.0}
    with pytest.raises(InputError, match="transitions"):
        Classifier.from_json(obj)
