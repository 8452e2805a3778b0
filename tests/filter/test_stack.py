"""The classifier's second pass: each line judged against the core the first pass found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jdreview.errors import InputError
from jdreview.filter.classifier import Classifier, load_classifier, restack, stack_features
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import RuleSet
from jdreview.io.posting import Posting

BODY = [f"We build data pipeline number {k} in Python and SQL for the whole company, end to end."
        for k in range(12)]
MENU = [f"Menu entry {k}" for k in range(22)]
#: a body, a long menu the first pass drops, then one short line it would keep on its own
#: (after a sentence, so that it is no part of the menu's run of short lines, which is
#: decided as one: jdreview.filter.pipeline.short_line_runs)
LINES = [*BODY, *MENU, "Find us.", "Our offices"]
#: first pass: long prose keeps, short lines ("nw:2", "nw:3") drop, "offices" keeps
WEIGHTS = {"nw:10-19": 3.0, "nw:2": -2.0, "nw:3": -2.0, "w:offices": 6.0}
STACK = {"bias": 0.0, "own": 1.0, "offset": 0.0, "core:in": 1.0, "core:21+": -6.0}


def test_core_is_the_max_sum_run_of_first_pass_logits_and_rules_count() -> None:
    z = [3.0, 3.0, -2.0, -2.0, 3.0]
    feats = stack_features({"offset": 0.0}, z, [None] * 5)
    # 3 + 3 = 6 beats 3 + 3 - 2 - 2 + 3 = 5: the core is the first two units
    assert [b for _, b in feats] == ["core:in", "core:in", "core:1", "core:2-3", "core:2-3"]
    assert [v for v, _ in stack_features({"clip": 2.5}, [9.0, -9.0], [None, None])] == [2.5, -2.5]
    # a rule-dropped line counts -rule, however the first pass scored it
    feats = stack_features({"offset": 0.0, "rule": 3.0}, [3.0, 3.0, 9.0], [None, None, False])
    assert feats[2] == (-3.0, "core:1")
    # a rule-decided line keeps its own logit: the rule decides it
    assert restack({"own": 0.5, "bias": -1.0}, [3.0, 8.0], [None, True]) == [0.5, 8.0]


def test_a_lone_keep_far_below_the_body_goes_and_says_why() -> None:
    p = Posting.from_text("\n".join(LINES) + "\n")
    one_pass = auto_filter(p, RuleSet(), Classifier(WEIGHTS))
    two_pass = auto_filter(p, RuleSet(), Classifier(WEIGHTS, stack=STACK))
    last = len(LINES) - 1
    assert one_pass.lines[last].decision.keep            # the first pass alone keeps it
    d = two_pass.lines[last].decision
    assert not d.keep and d.source == "classifier"
    assert d.reason.startswith("classifier:") and "context:drop" in d.reason
    # the body stays whole
    assert all(two_pass.lines[k].decision.keep for k in range(len(BODY)))
    assert two_pass.cleaned_text().splitlines() == BODY


def test_stack_table_is_saved_checksummed_and_validated(tmp_path: Path) -> None:
    clf = Classifier(WEIGHTS, stack=STACK)
    assert clf.version != Classifier(WEIGHTS).version
    path = tmp_path / "clf.json"
    clf.save(str(path))
    again = load_classifier(str(path))
    assert again.stack == clf.stack and again.version == clf.version
    obj = json.loads(path.read_text())
    obj["stack"]["core:21+"] = 0.0
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="checksum"):
        load_classifier(str(path))
    obj["stack"] = {"own": "1"}
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="stack"):
        load_classifier(str(path))
    obj["stack"] = {"nonsense": 1.0}
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="stack"):
        load_classifier(str(path))


def test_training_learns_the_second_pass_out_of_fold() -> None:
    pytest.importorskip("sklearn")
    from jdreview.learn.gold import GoldPosting
    from jdreview.learn.train import train

    examples = []
    for k in range(8):
        lines = [*(b.replace("company", f"team {k}") for b in BODY[:6]), *MENU[:4],
                 *(f"Footer link {k} {j}" for j in range(25)), "Contact us"]
        labels = {i: i < 6 for i in range(len(lines))}
        examples.append(GoldPosting(Posting.from_text("\n".join(lines) + "\n", site=f"s{k}"), labels, f"s{k}"))
    clf = train(examples, RuleSet(), min_postings=2, stack=4)
    assert set(clf.stack) >= {"bias", "own", "core:in", "core:21+"}
    assert clf.stack["own"] > 0            # the first pass's own verdict still counts
    # too few sites to fold: no second pass
    assert not train(examples[:3], RuleSet(), min_postings=2, stack=4).stack
