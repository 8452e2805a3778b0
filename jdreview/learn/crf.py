"""Training the region CRF (:mod:`jdreview.filter.crf`) with python-crfsuite.

python-crfsuite is a training-time dependency only (the ``learn`` extra): its model file
is binary, so it is never shipped; the learned state features and transitions are read
back (``Tagger.info()``) into a :class:`~jdreview.filter.crf.CRF`, saved as JSON inside
the classifier file, and decoded by our own Viterbi.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..filter.crf import CRF, STACK_PREFIXES, STATE_SETS, attributes

if TYPE_CHECKING:
    from .train import Prepared

#: words (``w:``) count when this many training postings hold them (as for the classifier)
MIN_POSTINGS = 3
#: a kept line of at least this many words opens the body (the region states)
BODY_WORDS = 8


def region_states(nws: Sequence[int], keep: Sequence[bool], states: tuple[str, ...]) -> list[str]:
    """Gold states of a posting's labelled units from their keep labels: with the region
    states, kept units before the first kept line of prose (``BODY_WORDS`` words) are the
    header, dropped ones before it chrome, dropped ones between it and the last kept unit
    inner, after it footer.

    >>> region_states([2, 3, 12, 1, 9, 4], [False, True, True, False, True, False],
    ...               ("chrome", "header", "body", "inner", "footer"))
    ['chrome', 'header', 'body', 'inner', 'body', 'footer']
    """
    if states == ("drop", "keep"):
        return ["keep" if k else "drop" for k in keep]
    start = next((k for k, (w, kp) in enumerate(zip(nws, keep, strict=True)) if kp and w >= BODY_WORDS),
                 None)
    last = max((k for k, kp in enumerate(keep) if kp), default=-1)
    if start is None:
        start = last + 1
    out = []
    for k, kp in enumerate(keep):
        if k < start:
            out.append("header" if kp else "chrome")
        elif kp:
            out.append("body")
        else:
            out.append("inner" if k < last else "footer")
    return out


def sequences(prepared: Sequence[Prepared], first: Mapping[str, Sequence[float]] | None = None, *,
              states: Sequence[str] = ("drop", "keep"), min_postings: int = MIN_POSTINGS,
              kind: str = "all") -> list[tuple[list[dict[str, float]], list[str]]]:
    """The training sequences: per posting, the attributes of its labelled units (a word
    only when ``min_postings`` postings hold it) and their gold states. ``kind`` says which
    attributes: ``all``, ``context`` (no words), ``stack`` (the first pass, the rules and
    the gaps only: :data:`jdreview.filter.crf.STACK_PREFIXES`)."""
    from ..filter.words import word_count

    states = tuple(states)
    seqs = []
    for ex, units, norms, dec in prepared:
        fp = first.get(ex.posting.id) if first is not None else None
        attrs = attributes(ex.posting, units, norms, dec, fp)
        keep = [k for k, i in enumerate(units) if i in ex.labels]
        if len(keep) < 2:
            continue
        labels = [ex.labels[units[k]] for k in keep]
        nws = [word_count(ex.posting.lines[units[k]]) for k in keep]
        seqs.append((ex.posting.id, [attrs[k] for k in keep], region_states(nws, labels, states)))
    seen: dict[str, set[str]] = {}
    for pid, attrs, _ in seqs:
        for f in attrs:
            for name, _v in f:
                if name.startswith("w:"):
                    seen.setdefault(name, set()).add(pid)
    allowed = {n for n, s in seen.items() if len(s) >= min_postings}

    def wanted(name: str) -> bool:
        if kind == "stack":
            return name.startswith(STACK_PREFIXES)
        if name.startswith("w:"):
            return kind == "all" and name in allowed
        return True

    return [([{name: v for name, v in f if wanted(name)} for f in attrs], ys) for _pid, attrs, ys in seqs]


def copies(prepared: Sequence[Prepared], most: int = 8) -> dict[str, int]:
    """How many times each posting's sequence is given to the trainer so that the sites
    weigh about alike (crfsuite takes no weights): a site with a tenth of the mean site's
    labelled lines counts up to ``most`` times, a long one once."""
    per_site: dict[str, int] = {}
    site_of: dict[str, str] = {}
    for ex, _units, _norms, _dec in prepared:
        g = ex.site or ex.posting.id
        site_of[ex.posting.id] = g
        per_site[g] = per_site.get(g, 0) + len(ex.labels)
    if not per_site:
        return {}
    mean = sum(per_site.values()) / len(per_site)
    return {pid: max(1, min(most, round(mean / max(1, per_site[g])))) for pid, g in site_of.items()}


def export(info: Any, states: Sequence[str], meta: Mapping[str, Any] | None = None) -> CRF:
    """A :class:`CRF` of the state features and transitions of a crfsuite model
    (``pycrfsuite.Tagger().info()``)."""
    index = {s: k for k, s in enumerate(states)}
    S = len(states)
    weights: dict[str, list[float]] = {}
    for (attr, label), w in info.state_features.items():
        if label in index and abs(w) > 1e-4:
            weights.setdefault(attr, [0.0] * S)[index[label]] = round(float(w), 5)
    trans = [[0.0] * S for _ in range(S)]
    for (a, b), w in info.transitions.items():
        if a in index and b in index:
            trans[index[a]][index[b]] = round(float(w), 5)
    return CRF(tuple(states), weights, trans, meta)


def train_crf(prepared: Sequence[Prepared], first: Mapping[str, Sequence[float]] | None = None, *,
              states: Sequence[str] = ("drop", "keep"), use_first: bool = True,
              c1: float = 0.1, c2: float = 0.1, max_iterations: int = 200,
              min_postings: int = MIN_POSTINGS, kind: str = "all", balance: bool = False) -> CRF:
    """Fit the CRF on every labelled unit of ``prepared`` (each example with its units,
    normalised lines and rule decisions), L-BFGS with L1 ``c1`` and L2 ``c2``; ``first``
    maps a posting id to its first-pass logits (scored by a classifier that did not train
    on it), used as attributes with ``use_first``."""
    try:
        import pycrfsuite
    except ImportError:
        raise InputError("train", "the region CRF needs python-crfsuite: pip install 'jdreview[learn]'") from None

    states = tuple(states)
    if states not in STATE_SETS:
        raise InputError("train", f"unknown CRF states {states!r}")
    seqs = sequences(prepared, first if use_first else None, states=states, min_postings=min_postings,
                     kind=kind)
    trainer = pycrfsuite.Trainer(verbose=False)
    reps = copies(prepared) if balance else {}
    ids = [ex.posting.id for ex, units, _n, _d in prepared if sum(i in ex.labels for i in units) >= 2]
    for pid, (xs, ys) in zip(ids, seqs, strict=True):
        item = pycrfsuite.ItemSequence(xs)
        for _ in range(reps.get(pid, 1)):
            trainer.append(item, ys)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations,
                        "feature.possible_transitions": True})
    fd, path = tempfile.mkstemp(suffix=".crfsuite")
    os.close(fd)
    try:
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        info = tagger.info()
        tagger.close()
    finally:
        os.unlink(path)
    return export(info, states, {"c1": c1, "c2": c2, "sequences": len(seqs), "use_first": use_first,
                                 "kind": kind, "balance": balance})
