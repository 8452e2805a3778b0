"""Decide regions, not lines: a two-state (keep / drop) Viterbi decoder over a posting's units.

The classifier scores each line on its own (with a little context); the decoder then
revises those scores by their neighbours, as jusText revises each paragraph's first
class by its context. Each unit lends its classifier logit to the keep state; a unit a
rule (or a section, a structural rule, a person) decided is fixed in its state and only
pulls its neighbours. Changing state between two consecutive units costs a learned
penalty that depends on what separates them:

``blank``     a blank line (a paragraph boundary): regions usually change here
``line``      a line break between two blocks
``fragment``  a break inside one block (a sentence a capture split over lines)

The costs are log-odds of staying against switching, counted on the training labels
(:func:`transition_costs`), scaled by ``weight``: the classifier's context features
already see the neighbours, so the decoder only adds what they miss. With all costs
zero the decoder returns the classifier's own decisions.

>>> costs = {"blank": 0.0, "line": 2.0, "fragment": 4.0}
>>> decode([1, 2, 3], [False, True, False], [-3.0, 0.5, -3.0], {}, costs)  # a lone weak keep
[False, False, False]
>>> decode([1, 2, 3], [False, True, False], [-3.0, 0.5, -3.0], {1: True}, {"blank": 0.0, "line": 0.0})
[False, True, False]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

BOUNDARIES = ("blank", "line", "fragment")
#: keys a classifier's ``transitions`` table may hold: the boundary costs, and ``rule``,
#: the logit a rule-decided unit lends the decoder
COST_KEYS = (*BOUNDARIES, "rule")
_FIXED = 1e9


def boundaries(units: Sequence[int], same_block: Sequence[bool]) -> list[str]:
    """The boundary before each unit after the first: ``blank`` when blank lines lie
    between the two units, ``fragment`` when both are in one block, else ``line``.
    ``same_block[k]`` tells whether unit ``k`` continues unit ``k - 1``'s block."""
    out = []
    for k in range(1, len(units)):
        out.append("blank" if units[k] > units[k - 1] + 1 else "fragment" if same_block[k] else "line")
    return out


def decode(units: Sequence[int], same_block: Sequence[bool], logits: Sequence[float],
           fixed: Mapping[int, bool], costs: Mapping[str, float]) -> list[bool]:
    """The most likely keep/drop sequence: each unit ``k`` gains ``logits[k]`` when kept,
    a unit in ``fixed`` (by position) is held in its state, and each change of state
    costs ``costs[boundary]``."""
    n = len(units)
    if not n:
        return []
    kinds = boundaries(units, same_block)
    # scores of the best path ending in drop (0) / keep (1) at each unit
    back: list[tuple[int, int]] = []

    def emit(k: int) -> tuple[float, float]:
        f = fixed.get(k)
        if f is None:
            return 0.0, logits[k]
        return (-_FIXED, 0.0) if f else (0.0, -_FIXED)

    d, kp = emit(0)
    for k in range(1, n):
        c = costs.get(kinds[k - 1], 0.0)
        e0, e1 = emit(k)
        # into drop: stay in drop or switch from keep
        if d >= kp - c:
            nd, bd = d + e0, 0
        else:
            nd, bd = kp - c + e0, 1
        if kp >= d - c:
            nk, bk = kp + e1, 1
        else:
            nk, bk = d - c + e1, 0
        back.append((bd, bk))
        d, kp = nd, nk
    state = 1 if kp > d else 0
    out = [False] * n
    for k in range(n - 1, -1, -1):
        out[k] = bool(state)
        if k:
            state = back[k - 1][state]
    return out


def transition_costs(sequences: Iterable[tuple[Sequence[str], Sequence[bool]]], weight: float = 0.5,
                     rule: float | None = None) -> dict[str, float]:
    """Learned costs: for each boundary kind, ``weight`` times the log-odds of the labels
    staying the same across it rather than switching (add-one smoothed), never below 0.

    >>> transition_costs([(["line", "line", "blank"], [True, True, True, False])], weight=1.0)
    {'blank': 0.0, 'line': 1.0986, 'fragment': 0.0}
    """
    import math

    stay = dict.fromkeys(BOUNDARIES, 0)
    switch = dict.fromkeys(BOUNDARIES, 0)
    for kinds, labels in sequences:
        for k, kind in enumerate(kinds):
            if labels[k] == labels[k + 1]:
                stay[kind] += 1
            else:
                switch[kind] += 1
    out = {b: round(max(0.0, weight * math.log((stay[b] + 1) / (switch[b] + 1))), 4) for b in BOUNDARIES}
    if rule is not None:
        out["rule"] = rule
    return out
