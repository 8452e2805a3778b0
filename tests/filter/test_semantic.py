"""The semantic signal: wordllama's bundled embeddings as classifier features (opt-in)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("wordllama")
np = pytest.importorskip("numpy")

from jdreview.errors import InputError  # noqa: E402
from jdreview.filter import semantic  # noqa: E402
from jdreview.filter.classifier import Classifier, core_cosines, load_classifier, restack  # noqa: E402
from jdreview.filter.rules import RuleSet, normalise  # noqa: E402
from jdreview.io.posting import Posting  # noqa: E402

SEM = {"model": semantic.MODEL, "dims": 16}


def _cos(a: Any, b: Any) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_the_model_loads_from_the_installed_package_with_the_network_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the semantic model tried the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(semantic, "_LOADED", None)
    monkeypatch.setattr(semantic, "_CACHE", {})
    v = semantic.embed(["Share on your newsfeed", ""], 64)
    assert v[0].shape == (64,)
    assert abs(float(np.linalg.norm(v[0])) - 8.0) < 1e-3      # unit length times sqrt(dims)
    assert not v[1].any()                                       # no tokens: no direction


def test_chrome_in_other_words_reads_like_chrome() -> None:
    share, other_share, prose = semantic.embed(
        ["share on your newsfeed", "share this job on facebook",
         "you will design data pipelines in python and sql for our analysts"], 64)
    assert _cos(share, other_share) > _cos(share, prose) + 0.2
    # the features are the vector, the same numbers every call (cached by text)
    feats = semantic.features(["share on your newsfeed"], 64)[0]
    assert [v for _, v in feats] == [float(x) for x in share if x]
    assert feats[0][0] == "sem:0"


def test_semantic_weights_move_the_score_and_both_scorers_agree() -> None:
    text = "Share on your newsfeed\nWe build data pipelines in Python and SQL for the company.\n"
    p = Posting.from_text(text)
    units = [0, 1]
    norms = {i: normalise(p.lines[i]) for i in units}
    chrome = semantic.embed([norms[0]], 16)[0]
    w = {f"sem:{k}": -float(x) / 16 for k, x in enumerate(chrome)}   # "unlike this line: keep"
    plain = Classifier({}, bias=0.5)
    sem = Classifier(w, bias=0.5, semantic=SEM)
    z0 = plain.open_logits(p, units, norms, {})
    z1 = sem.open_logits(p, units, norms, {})
    assert z0 == [0.5, 0.5]
    assert z1[0] == pytest.approx(0.5 - 16 / 16, abs=1e-3)   # its own direction: -|v|^2 / 16
    assert z1[1] > z1[0]
    assert sem.reference_logits(p, units, norms, {}) == pytest.approx(z1, abs=1e-9)
    # without the "semantic" table the sem: weights are not read
    assert Classifier(w, bias=0.5).open_logits(p, units, norms, {}) == z0


def test_the_semantic_table_is_saved_checksummed_and_validated(tmp_path: Path) -> None:
    clf = Classifier({"sem:0": 1.0}, semantic=SEM)
    assert clf.version != Classifier({"sem:0": 1.0}).version
    path = tmp_path / "clf.json"
    clf.save(str(path))
    again = load_classifier(str(path))
    assert again.semantic == SEM and again.version == clf.version
    obj = json.loads(path.read_text())
    obj["semantic"]["dims"] = 32
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="checksum"):
        load_classifier(str(path))
    for bad in ({"model": "other", "dims": 16}, {"model": semantic.MODEL, "dims": 999},
                {"model": semantic.MODEL, "dims": True}, {"model": semantic.MODEL}):
        obj["semantic"] = bad
        path.write_text(json.dumps(obj))
        with pytest.raises(InputError, match="semantic"):
            load_classifier(str(path))


def test_the_second_pass_reads_how_like_the_core_a_line_is() -> None:
    texts = [f"you will build data pipeline {k} in python and sql for our analysts" for k in range(6)]
    texts += ["share on your newsfeed", "you will also build reports in python and sql"]
    vecs = semantic.embed(texts, 64)
    z = [3.0] * 6 + [0.5, 0.5]
    st = {"offset": 2.0, "own": 1.0, "bias": -0.5, "sem:core": 2.0}
    sims = core_cosines(st, z, [None] * 8, vecs)
    assert sims[7] > sims[6] + 0.2                 # more body-like than the share button
    out = restack(st, z, [None] * 8, vecs)
    assert out[7] > 0 > out[6] - 1.0 and out[7] > out[6]
    assert restack(st, z, [None] * 8) == restack({**st, "sem:core": 0.0}, z, [None] * 8)


def test_training_with_semantic_features_writes_them_and_learns_a_direction() -> None:
    pytest.importorskip("sklearn")
    from jdreview.learn.gold import GoldPosting
    from jdreview.learn.train import train

    body = "You will build data pipelines in Python and SQL for our analysts, end to end."
    chrome = ["Share on Facebook", "Share on LinkedIn", "Share via email", "Tweet this job",
              "Share on Twitter", "Copy the link to share"]
    examples = []
    for k in range(6):
        lines = [body.replace("analysts", f"team {k}"), chrome[k], body.replace("SQL", f"tool {k}")]
        examples.append(GoldPosting(Posting.from_text("\n".join(lines) + "\n", site=f"s{k}"),
                                    {0: True, 1: False, 2: True}, f"s{k}"))
    clf = train(examples, RuleSet(), min_postings=3, stack=0, site_repeats=False, semantic=16)
    assert clf.semantic == SEM
    assert sum(1 for n in clf.weights if n.startswith("sem:")) == 16
    # an unseen share button in words no training posting used scores lower than new prose
    p = Posting.from_text("Share on your newsfeed\nYou will run our warehouse on Postgres daily.\n")
    s = clf.score(p, [0, 1], {0: "share on your newsfeed",
                              1: "you will run our warehouse on postgres daily."}, {})
    assert s[0] < s[1]
    # the cosine to the core alone: a second-pass weight, no first-pass sem: weights
    only_core = train(examples, RuleSet(), min_postings=3, stack=3, site_repeats=False, semantic=16,
                      semantic_core=True, semantic_first=False)
    assert "sem:core" in only_core.stack
    assert not any(n.startswith("sem:") for n in only_core.weights)
    again = Classifier.from_json(json.loads(json.dumps(only_core.to_json())))
    assert again.score(p, [0, 1], {0: "share on your newsfeed",
                                   1: "you will run our warehouse on postgres daily."}, {}) \
        == only_core.score(p, [0, 1], {0: "share on your newsfeed",
                                       1: "you will run our warehouse on postgres daily."}, {})
