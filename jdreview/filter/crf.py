"""Decide regions with a linear-chain CRF over a posting's lines: learned emissions and
learned transitions, decoded by our own Viterbi (no CRF library needed to clean).

Each unit (non-blank line) is described by attributes (:func:`attributes`): the line
classifier's features (:func:`jdreview.filter.features.posting_features`), the rules'
verdicts on it and on its neighbours (item 3 of issue 13: rule hits are evidence, not
exclusions), what separates it from its neighbours (a blank line, a block, a line break),
and the first pass's score bucketed. The model gives each (attribute, state) pair a
weight and each pair of consecutive states a transition weight; both are learned
jointly by python-crfsuite at training time (:mod:`jdreview.learn.crf`) and exported
into the classifier file as plain numbers.

States name regions, each of them keep or drop (:data:`STATE_SETS`); a unit a rule, a
section, a structural rule or a person decided is held in a state of its decision and
only conditions its neighbours.

>>> m = CRF(("drop", "keep"), {"bias": (0.0, 0.2), "short": (1.0, -1.0)},
...         ((0.5, -0.5), (-0.5, 0.5)))
>>> attrs = [[("short", 1.0)], [("short", 1.0)], [("bias", 1.0)], [("short", 1.0)]]
>>> m.decode(m.emissions(attrs), [None, None, True, None])
[0, 0, 1, 0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .features import blocks, posting_features

if TYPE_CHECKING:
    from ..io.posting import Posting
    from .decision import Decision

#: the state sets a model may use, and which of their states keep
STATE_SETS: dict[tuple[str, ...], tuple[bool, ...]] = {
    ("drop", "keep"): (False, True),
    ("chrome", "header", "body", "inner", "footer"): (False, True, True, False, False),
}
#: a weight beyond this is a damaged file
MAX_WEIGHT = 1e4
_NEG = -1e18
#: the first-pass logit buckets (upper bounds)
_FP_BOUNDS = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)


def fp_bucket(z: float) -> str:
    for k, bound in enumerate(_FP_BOUNDS):
        if z < bound:
            return f"fp:{k}"
    return f"fp:{len(_FP_BOUNDS)}"


def _clip(z: float) -> float:
    """A first-pass logit as a real-valued attribute: clipped to +/- 6, halved."""
    return (z if -6.0 < z < 6.0 else 6.0 if z > 0 else -6.0) / 2.0


#: the attributes a model of the ``stack`` kind reads: the first pass, the rules, the gaps
STACK_PREFIXES = ("bias", "gap:", "ngap:", "r:", "rid:", "p:", "n:", "p2:", "n2:", "fp")


def _gap(units: Sequence[int], block_of: Sequence[int], k: int) -> str:
    """What separates unit ``k`` from unit ``k - 1``."""
    if k == 0:
        return "start"
    if units[k] > units[k - 1] + 1:
        return "blank"
    return "frag" if block_of[k] == block_of[k - 1] else "line"


def attributes(posting: Posting, units: list[int], norms: Mapping[int, str],
               dec: Mapping[int, Decision], first: Sequence[float] | None = None
               ) -> list[list[tuple[str, float]]]:
    """The CRF's attributes of every unit, in ``units`` order; ``first`` the first
    pass's logits (a rule-decided unit's is ignored)."""
    feats = posting_features(posting, units, norms, dec)
    block_of = blocks(posting.lines, units)
    n = len(units)
    rid: list[str | None] = []
    verdict: list[str | None] = []
    for i in units:
        d = dec.get(i)
        rid.append(f"{d.source}:{d.rule}" if d is not None else None)
        verdict.append(None if d is None else "keep" if d.keep else "drop")
    gaps = [_gap(units, block_of, k) for k in range(n)]
    out: list[list[tuple[str, float]]] = []
    for k in range(n):
        f = [("bias", 1.0), *feats[k], ("gap:" + gaps[k], 1.0),
             ("ngap:" + (gaps[k + 1] if k + 1 < n else "end"), 1.0)]
        if verdict[k] is not None:
            f.append(("r:" + verdict[k], 1.0))  # type: ignore[operator]
            f.append(("rid:" + rid[k], 1.0))  # type: ignore[operator]
        elif first is not None:
            f.append((fp_bucket(first[k]), 1.0))
            f.append(("fp", _clip(first[k])))
        for side, j in (("p", k - 1), ("n", k + 1), ("p2", k - 2), ("n2", k + 2)):
            if 0 <= j < n:
                v = verdict[j]
                f.append((f"{side}:r:{v or 'none'}", 1.0))
                if v is not None and side in ("p", "n"):
                    f.append((f"{side}:rid:{rid[j]}", 1.0))
                if first is not None and v is None and side in ("p", "n"):
                    f.append((f"{side}:{fp_bucket(first[j])}", 1.0))
                    f.append((f"{side}:fp", _clip(first[j])))
        out.append(f)
    return out


class CRF:
    """A linear-chain CRF's learned weights: ``weights[attr][s]`` of each attribute in
    each state, ``trans[s][t]`` of moving from state ``s`` to ``t``."""

    def __init__(self, states: Sequence[str], weights: Mapping[str, Sequence[float]],
                 trans: Sequence[Sequence[float]], meta: Mapping[str, Any] | None = None) -> None:
        self.states = tuple(states)
        if self.states not in STATE_SETS:
            raise ValueError(f"unknown CRF states {self.states!r}")
        self.keeps = STATE_SETS[self.states]
        self.weights = {k: tuple(float(x) for x in v) for k, v in weights.items()}
        self.trans = tuple(tuple(float(x) for x in row) for row in trans)
        self.meta = dict(meta or {})

    def emissions(self, attrs: list[list[tuple[str, float]]]) -> list[list[float]]:
        S = len(self.states)
        get = self.weights.get
        out = []
        for f in attrs:
            e = [0.0] * S
            for name, v in f:
                w = get(name)
                if w is not None:
                    for s in range(S):
                        e[s] += v * w[s]
            out.append(e)
        return out

    def _allowed(self, fixed: Sequence[bool | None], k: int) -> list[bool]:
        f = fixed[k]
        return [True] * len(self.states) if f is None else [kp == f for kp in self.keeps]

    def decode(self, em: list[list[float]], fixed: Sequence[bool | None]) -> list[int]:
        """The best state sequence (Viterbi); ``fixed[k]`` holds unit ``k`` in a keep
        (True) or a drop (False) state."""
        n = len(em)
        if not n:
            return []
        S = len(self.states)
        tr = self.trans
        ok = self._allowed(fixed, 0)
        score = [em[0][s] if ok[s] else _NEG for s in range(S)]
        back: list[list[int]] = []
        for k in range(1, n):
            ok = self._allowed(fixed, k)
            new = [_NEG] * S
            bk = [0] * S
            for t in range(S):
                if not ok[t]:
                    continue
                best, arg = _NEG, 0
                for s in range(S):
                    v = score[s] + tr[s][t]
                    if v > best:
                        best, arg = v, s
                new[t] = best + em[k][t]
                bk[t] = arg
            back.append(bk)
            score = new
        state = max(range(S), key=score.__getitem__)
        path = [state]
        for k in range(n - 2, -1, -1):
            state = back[k][state]
            path.append(state)
        path.reverse()
        return path

    def keep_marginals(self, em: list[list[float]], fixed: Sequence[bool | None]) -> list[float]:
        """Each unit's probability of being in a keep state (forward-backward)."""
        n = len(em)
        S = len(self.states)
        if not n:
            return []
        tr = self.trans

        def lse(xs: list[float]) -> float:
            m = max(xs)
            return m if m <= _NEG / 2 else m + math.log(sum(math.exp(x - m) for x in xs))

        oks = [self._allowed(fixed, k) for k in range(n)]
        alpha = [[em[0][s] if oks[0][s] else _NEG for s in range(S)]]
        for k in range(1, n):
            prev = alpha[-1]
            alpha.append([lse([prev[s] + tr[s][t] for s in range(S)]) + em[k][t] if oks[k][t] else _NEG
                          for t in range(S)])
        beta = [[0.0] * S for _ in range(n)]
        for k in range(n - 2, -1, -1):
            nxt = beta[k + 1]
            beta[k] = [lse([tr[s][t] + em[k + 1][t] + nxt[t] for t in range(S) if oks[k + 1][t]] or [_NEG])
                       for s in range(S)]
        out = []
        for k in range(n):
            tot = [alpha[k][s] + beta[k][s] for s in range(S)]
            z = lse(tot)
            out.append(sum(math.exp(tot[s] - z) for s in range(S) if self.keeps[s]))
        return out

    # ---- persistence (a table inside the classifier file, covered by its checksum)
    def digest_body(self) -> Any:
        return {"states": list(self.states), "w": sorted((k, list(v)) for k, v in self.weights.items()),
                "t": [list(r) for r in self.trans]}

    def to_json(self) -> dict[str, Any]:
        return {"states": list(self.states), "meta": self.meta,
                "transitions": [list(r) for r in self.trans],
                "weights": {k: list(v) for k, v in sorted(self.weights.items())}}

    @classmethod
    def from_json(cls, obj: Any, source: str) -> CRF:
        def bad(what: str) -> InputError:
            return InputError(source, f"classifier 'crf' {what}; the file is damaged")

        if not isinstance(obj, dict):
            raise bad("must be an object")
        states = obj.get("states")
        if not isinstance(states, list) or tuple(states) not in STATE_SETS:
            raise bad(f"states must be one of {', '.join('/'.join(s) for s in STATE_SETS)}")
        S = len(states)

        def row(v: Any) -> bool:
            return isinstance(v, list) and len(v) == S and all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                and abs(x) <= MAX_WEIGHT for x in v)

        trans = obj.get("transitions")
        if not isinstance(trans, list) or len(trans) != S or not all(row(r) for r in trans):
            raise bad(f"transitions must be {S} rows of {S} finite numbers")
        w = obj.get("weights")
        if not isinstance(w, dict) or not all(isinstance(k, str) and row(v) for k, v in w.items()):
            raise bad(f"weights must map attributes to {S} finite numbers")
        meta = obj.get("meta", {})
        if not isinstance(meta, dict):
            raise bad("meta must be an object")
        return cls(states, w, trans, meta)
