"""The review queue's order: postings where rules and classifier disagree, or where the
classifier is least sure, come first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..filter.decision import DEFAULT_CONFIG, FilterConfig
from ..filter.pipeline import rule_decisions
from ..filter.rules import RuleSet, normalise

if TYPE_CHECKING:
    from ..filter.classifier import LineScorer
    from ..io.posting import Posting


@dataclass(frozen=True)
class PostingSignals:
    """What the queue order needs to know about one posting.

    disagreements: units a rule decided one way while the classifier scored them the other;
    uncertainty: sum over classifier-decided units of ``1 - |2p - 1|`` (1 at p = 0.5);
    least_margin: the smallest ``|p - 0.5|`` among classifier-decided units.
    """

    key: Any
    disagreements: int
    uncertainty: float
    least_margin: float
    units: int


def posting_signals(key: Any, posting: Posting, rules: RuleSet, classifier: LineScorer,
                    config: FilterConfig = DEFAULT_CONFIG) -> PostingSignals:
    """The disagreement and uncertainty figures of one posting."""
    units = posting.units()
    norms = {i: normalise(posting.lines[i]) for i in units}
    dec = rule_decisions(posting, units, norms, rules, config)
    scores = classifier.score(posting, units, norms, dec, all_units=True) if units else {}
    dis = sum(1 for i, d in dec.items() if (scores[i] >= config.threshold) != d.keep)
    open_p = [scores[i] for i in units if i not in dec]
    unc = sum(1 - abs(2 * p - 1) for p in open_p)
    margin = min((abs(p - 0.5) for p in open_p), default=0.5)
    return PostingSignals(key, dis, round(unc, 6), round(margin, 6), len(units))


def review_order(signals: Iterable[PostingSignals]) -> list[Any]:
    """Keys of postings, most worth a person's time first: where rules and classifier
    disagree most, then where the classifier is least sure (total uncertainty, then the
    single least sure line). Ties keep their input order.

    >>> s = [PostingSignals("calm", 0, 0.1, 0.4, 10), PostingSignals("unsure", 0, 3.0, 0.01, 10),
    ...      PostingSignals("fight", 4, 0.2, 0.3, 10)]
    >>> review_order(s)
    ['fight', 'unsure', 'calm']
    """
    items = list(signals)
    order = sorted(range(len(items)), key=lambda k: (-items[k].disagreements,
                                                     -round(items[k].uncertainty, 3),
                                                     items[k].least_margin, k))
    return [items[k].key for k in order]
