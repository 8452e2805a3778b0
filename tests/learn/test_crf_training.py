"""Training the region CRF (jdreview.learn.crf): the exported table decodes as
crfsuite's own tagger does, and a trained CRF takes a menu run the line-by-line
classifier keeps."""

from __future__ import annotations

import os

import pytest

from jdreview.filter.crf import attributes
from jdreview.filter.pipeline import auto_filter, rule_decisions
from jdreview.filter.rules import Rule, RuleSet, normalise
from jdreview.io.posting import Posting
from jdreview.learn.gold import GoldPosting

pycrfsuite = pytest.importorskip("pycrfsuite")
pytest.importorskip("sklearn")

BODY = ["We are looking for a data engineer to join our platform team in {c}.",
        "You will design and build batch and streaming pipelines in Python and SQL.",
        "You will work closely with analysts, product managers and other engineers.",
        "Experience with cloud warehouses and orchestration tools is a plus."]
MENU = ["Industries", "Automotive", "Energy", "Media and Publishing", "Retail", "Healthcare"]


def _posting(k: int, menu: list[str]) -> tuple[Posting, dict[int, bool]]:
    lines = ["Sign in", *menu, "", *(b.format(c=f"city {k}") for b in BODY), "", "Cookie settings"]
    p = Posting.from_text("\n".join(lines) + "\n", id=f"p{k}", site=f"s{k}")
    labels = {i: not (x in menu or x in ("Sign in", "Cookie settings"))
              for i, x in enumerate(p.lines) if x.strip()}
    return p, labels


def _examples() -> list[GoldPosting]:
    out = []
    for k in range(9):
        p, labels = _posting(k, MENU[k % 3: k % 3 + 3])
        out.append(GoldPosting(p, labels, f"s{k}"))
    return out


RULES = RuleSet([Rule("chrome", "exact", ("sign in", "cookie settings"))])


def test_the_exported_table_decodes_as_crfsuite_tags(tmp_path) -> None:
    from jdreview.learn.crf import export, sequences

    examples = _examples()
    prepared = []
    for ex in examples:
        units = [i for i, x in enumerate(ex.posting.lines) if x.strip()]
        norms = {i: normalise(ex.posting.lines[i]) for i in units}
        prepared.append((ex, units, norms, rule_decisions(ex.posting, units, norms, RULES)))
    states = ("chrome", "header", "body", "inner", "footer")
    seqs = sequences(prepared, states=states, min_postings=2)
    assert {y for _, ys in seqs for y in ys} == {"chrome", "body", "footer"}
    trainer = pycrfsuite.Trainer(verbose=False)
    for xs, ys in seqs:
        trainer.append(pycrfsuite.ItemSequence(xs), ys)
    trainer.set_params({"c1": 0.0, "c2": 0.5, "max_iterations": 100, "feature.possible_transitions": True})
    path = str(tmp_path / "m.crfsuite")
    trainer.train(path)
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    crf = export(tagger.info(), states)
    # a posting not trained on, with a different menu
    p, _ = _posting(42, ["Industries", "Logistics", "Retail", "Energy"])
    units = [i for i, x in enumerate(p.lines) if x.strip()]
    norms = {i: normalise(p.lines[i]) for i in units}
    attrs = attributes(p, units, norms, rule_decisions(p, units, norms, RULES))
    ours = [states[s] for s in crf.decode(crf.emissions(attrs), [None] * len(units))]
    theirs = tagger.tag(pycrfsuite.ItemSequence([dict(f) for f in attrs]))
    tagger.close()
    assert ours == theirs
    assert os.path.exists(path)


def test_training_adds_a_crf_the_filter_decides_by() -> None:
    from jdreview.filter.classifier import Classifier
    from jdreview.learn.train import train

    examples = _examples()
    clf = train(examples, RULES, min_postings=2, stack=3,
                crf={"states": ("drop", "keep"), "c1": 0.0, "c2": 0.5})
    crf = clf.crf
    assert crf is not None and crf.meta["sequences"] == len(examples)
    assert any(any(row) for row in crf.trans)  # transitions learned with the emissions
    back = Classifier.from_json(clf.to_json())
    assert back.version == clf.version and back.crf is not None and back.crf.weights == crf.weights
    p, _ = _posting(42, ["Industries", "Logistics", "Consulting", "Energy"])
    res = auto_filter(p, RULES, clf)
    for lr in res.lines:
        if lr.decision is None:
            continue
        if lr.text in ("Sign in", "Cookie settings"):
            assert lr.decision.reason == "rule:chrome" and not lr.decision.keep
        else:
            assert " crf:" in lr.decision.reason, lr.decision.reason
            assert lr.decision.keep == (lr.text in {b.format(c="city 42") for b in BODY}), lr.text
