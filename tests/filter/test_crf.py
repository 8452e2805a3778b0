"""The region CRF's decoder (jdreview.filter.crf): Viterbi and marginals against brute
force, the authority of rule-decided lines, and the table in the classifier file."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import pytest

from jdreview.errors import InputError
from jdreview.filter.classifier import Classifier
from jdreview.filter.crf import CRF, STATE_SETS
from jdreview.filter.decision import FilterConfig
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import Rule, RuleSet
from jdreview.io.posting import Posting

FIVE = ("chrome", "header", "body", "inner", "footer")


def _random_crf(states: tuple[str, ...], rng: random.Random) -> CRF:
    S = len(states)
    trans = [[rng.uniform(-2, 2) for _ in range(S)] for _ in range(S)]
    return CRF(states, {"bias": [rng.uniform(-1, 1) for _ in range(S)]}, trans)


def _path_score(m: CRF, em: list[list[float]], path: tuple[int, ...]) -> float:
    return sum(em[k][s] for k, s in enumerate(path)) + sum(m.trans[a][b] for a, b in itertools.pairwise(path))


def _allowed(m: CRF, fixed: list[bool | None], path: tuple[int, ...]) -> bool:
    return all(f is None or m.keeps[s] == f for s, f in zip(path, fixed, strict=True))


@pytest.mark.parametrize("states", list(STATE_SETS))
def test_viterbi_and_marginals_agree_with_brute_force(states: tuple[str, ...]) -> None:
    rng = random.Random(7)
    for _ in range(25):
        m = _random_crf(states, rng)
        n = rng.randint(1, 5)
        em = [[rng.uniform(-3, 3) for _ in states] for _ in range(n)]
        fixed = [rng.choice([None, None, True, False]) for _ in range(n)]
        paths = [p for p in itertools.product(range(len(states)), repeat=n) if _allowed(m, fixed, p)]
        best = max(paths, key=lambda p: _path_score(m, em, p))
        got = m.decode(em, fixed)
        assert math.isclose(_path_score(m, em, tuple(got)), _path_score(m, em, best))
        assert _allowed(m, fixed, tuple(got))
        z = sum(math.exp(_path_score(m, em, p)) for p in paths)
        want = [sum(math.exp(_path_score(m, em, p)) for p in paths if m.keeps[p[k]]) / z for k in range(n)]
        for a, b in zip(m.keep_marginals(em, fixed), want, strict=True):
            assert math.isclose(a, b, abs_tol=1e-9)


def _menu_posting() -> Posting:
    return Posting.from_text("\n".join([
        "Sign in", "Industries", "Automotive", "Energy", "Careers",
        "We are hiring a data engineer to build pipelines in Python and SQL for our team.",
        "You will own the warehouse and work with analysts every day.",
        "Remote", "Privacy", "Terms", "Cookies", "Contact us", "Sitemap",
    ]) + "\n")


def _menu_crf() -> CRF:
    # chrome states stay chrome; short lines lean to drop, prose to keep
    return CRF(("drop", "keep"), {"bias": (0.0, 0.5), "nw:1": (1.5, 0.0), "nw:2": (1.5, 0.0), "nw:3": (1.5, 0.0),
                                  "end:stop": (0.0, 3.0)},
               ((1.5, -1.5), (-1.5, 1.5)))


def test_a_menu_between_a_dropped_line_and_the_body_goes_and_rules_keep_authority() -> None:
    posting = _menu_posting()
    rules = RuleSet([Rule("chrome", "exact", ("sign in",)), Rule("keep-remote", "exact", ("remote",),
                                                                action="keep")])
    plain = Classifier({}, bias=1.0)  # keeps everything no rule decided
    kept_plain = [lr.text for lr in auto_filter(posting, rules, plain).lines if lr.decision and lr.decision.keep]
    assert "Automotive" in kept_plain
    res = auto_filter(posting, rules, plain.with_crf(_menu_crf()))
    by_text = {lr.text: lr.decision for lr in res.lines if lr.decision is not None}
    assert not any(by_text[x].keep for x in ("Industries", "Automotive", "Energy", "Careers", "Privacy", "Terms",
                                     "Cookies", "Contact us", "Sitemap"))
    # the keep rule holds its line inside the footer run, the drop rule its own
    assert by_text["Remote"].keep and by_text["Remote"].reason == "rule:keep-remote"
    assert not by_text["Sign in"].keep and by_text["Sign in"].reason == "rule:chrome"
    assert by_text["We are hiring a data engineer to build pipelines in Python and SQL for our team."].keep
    # the reason names the CRF and the line's own score it overruled
    reason = by_text["Automotive"].reason
    assert reason.startswith("classifier:0.73 crf:drop 0."), reason
    assert by_text["We are hiring a data engineer to build pipelines in Python and SQL for our team."
                   ].reason.startswith("classifier:0.73 crf:keep ")
    # and the config switches it off
    off = auto_filter(posting, rules, plain.with_crf(_menu_crf()), FilterConfig(crf=False))
    assert [lr.text for lr in off.lines if lr.decision and lr.decision.keep] == kept_plain


def test_the_crf_table_is_checksummed_and_validated(tmp_path: Path) -> None:
    clf = Classifier({"w:apply": -2.0}, bias=0.5).with_crf(
        CRF(FIVE, {"bias": [0.1, 0.2, 0.3, 0.4, 0.5]}, [[0.0] * 5 for _ in range(5)]))
    path = tmp_path / "clf.json"
    clf.save(str(path))
    back = Classifier.from_json(json.loads(path.read_text("utf-8")))
    assert back.crf is not None and back.crf.weights == clf.crf.weights and back.version == clf.version  # type: ignore[union-attr]
    assert Classifier({"w:apply": -2.0}, bias=0.5).version != clf.version
    obj = json.loads(path.read_text("utf-8"))
    obj["crf"]["transitions"][0][1] = 3.0
    with pytest.raises(InputError, match="checksum"):
        Classifier.from_json(obj)
    for bad in ({"states": ["a", "b"]}, {"transitions": [[0.0]]}, {"weights": {"bias": [1.0, "x"]}},
                {"weights": {"bias": [float("inf")] * 5}}):
        broken = json.loads(path.read_text("utf-8"))
        broken["crf"].update(bad)
        with pytest.raises(InputError, match="crf"):
            Classifier.from_json(broken)
