"""Training the line classifier (scikit-learn, an optional extra) on gold postings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..filter.classifier import Classifier
from ..filter.features import line_key, posting_features, site_repeat_names

if TYPE_CHECKING:
    from ..filter.rules import RuleSet
    from .gold import GoldPosting


def site_tables(examples: Iterable[GoldPosting]) -> dict[str, dict[str, int]]:
    """site -> line hash -> how many of the site's postings hold the line, with the
    number of the site's postings under ``"#postings"``."""
    from ..filter.rules import normalise

    tables: dict[str, dict[str, int]] = {}
    for ex in examples:
        site = ex.site or ex.posting.site
        if not site:
            continue
        table = tables.setdefault(site, {})
        table["#postings"] = table.get("#postings", 0) + 1
        for key in {line_key(normalise(x)) for x in ex.posting.lines if x.strip()}:
            table[key] = table.get(key, 0) + 1
    return tables




# --------------------------------------------------------------------------- training


def training_rows(examples: Iterable[GoldPosting], rules: RuleSet,
                  sites: Mapping[str, Mapping[str, int]] | None = None, *,
                  everything: bool = False, owners: list[str] | None = None
                  ) -> tuple[list[list[tuple[str, float]]], list[int], list[str]]:
    """Features, labels and site groups of the labelled lines: all of them
    (``everything``: a line a rule decided teaches the classifier its words and shape
    too, though at cleaning time the rule keeps its authority over it), or only those
    the rules leave to the classifier. With ``sites`` (tables over these same examples),
    each line also gets its site-repetition feature, counting the *other* postings of
    its site. ``owners``, when given, collects each row's posting id."""
    from ..filter.pipeline import rule_decisions
    from ..filter.rules import normalise

    X: list[list[tuple[str, float]]] = []
    y: list[int] = []
    groups: list[str] = []
    for ex in examples:
        p = ex.posting
        units = [i for i, line in enumerate(p.lines) if line.strip()]
        norms = {i: normalise(p.lines[i]) for i in units}
        dec = rule_decisions(p, units, norms, rules)
        feats = posting_features(p, units, norms, dec)
        rep = (site_repeat_names(ex.site or p.site, [norms[i] for i in units], sites, self_included=True)
               if sites else [None] * len(units))
        for k, i in enumerate(units):
            if i not in ex.labels or (i in dec and not everything):
                continue
            extra = rep[k]
            row = feats[k] + [(extra, 1.0)] if extra else feats[k]
            d = dec.get(i)
            if d is not None:
                # the rule's verdict is a feature of its own rows: it explains their label,
                # so the shared features learn what the rule does not say (never present
                # when scoring: there, a rule-decided line keeps the rule's decision)
                row = [*row, ("rule:keep" if d.keep else "rule:drop", 1.0)]
            X.append(row)
            y.append(1 if ex.labels[i] else 0)
            groups.append(ex.site or p.id)
            if owners is not None:
                owners.append(p.id)
    return X, y, groups


def region_sequences(examples: Iterable[GoldPosting]) -> Iterator[tuple[list[str], list[bool]]]:
    """Per labelled posting: the boundary kinds between its consecutive labelled units
    and their labels, for :func:`jdreview.regions.transition_costs`."""
    from ..filter.features import blocks
    from ..filter.regions import boundaries

    for ex in examples:
        lines = ex.posting.lines
        units = [i for i, line in enumerate(lines) if line.strip() and i in ex.labels]
        if len(units) < 2:
            continue
        block_of = blocks(lines, units)
        same = [k > 0 and block_of[k] == block_of[k - 1] for k in range(len(units))]
        yield boundaries(units, same), [ex.labels[i] for i in units]


def train(examples: Iterable[GoldPosting], rules: RuleSet, *, c: float = 1.0,
          min_postings: int = 3, smoothing: float = 0.3, meta: Mapping[str, Any] | None = None,
          site_repeats: bool = True, everything: bool = False, regions: float = 0.0,
          rule_anchor: float = 2.0) -> Classifier:
    """Fit a classifier on labelled postings (scikit-learn's logistic regression).

    Deterministic: the same examples give the same weights. ``everything`` makes every
    labelled line a training row, a rule-decided one with its rule's verdict as a feature
    (off by default: measured leave-one-site-out it gained 0.001 F1, and it cost the
    seeds' exact reproduction); ``regions`` weighs the learned costs of the region decoder
    (:mod:`jdreview.filter.regions`; 0, the default: decide line by line, which measured better
    leave-one-site-out than weights 0.5 and 1). Word features seen in
    fewer than ``min_postings`` postings are left out so that one employer's words
    are not learned as content or noise. With ``site_repeats``, the classifier also
    remembers how often each line recurs across a site's postings (hashed, no text).
    """
    from ..filter.regions import transition_costs

    examples = list(examples)
    sites = site_tables(examples) if site_repeats else {}
    owners: list[str] = []
    X, y, groups = training_rows(examples, rules, sites, everything=everything, owners=owners)
    clf = fit_rows(X, y, [g for g in groups], c=c, min_postings=min_postings,
                   smoothing=smoothing, meta={**(meta or {}), "postings": len(examples),
                                              "lines": len(y)}, posting_ids=owners)
    trans = transition_costs(region_sequences(examples), regions, rule_anchor) if regions > 0 else {}
    if sites or trans:
        clf = Classifier(clf.weights, clf.bias, clf.smoothing, clf.meta, sites, trans)
    return clf


def fit_rows(X: list[list[tuple[str, float]]], y: list[int], groups: list[str], *, c: float,
             min_postings: int, smoothing: float, meta: Mapping[str, Any],
             posting_ids: list[str] | None = None) -> Classifier:
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise InputError("train", "training needs scikit-learn: pip install 'jdreview[learn]'") from None
    if len(set(y)) < 2:
        raise InputError("train", "the labels hold only one class (all keep or all drop); label both")
    owners = posting_ids or groups
    seen_in: dict[str, set[str]] = {}
    for feats, g in zip(X, owners, strict=True):
        for name, _ in feats:
            if name.startswith("w:"):
                seen_in.setdefault(name, set()).add(g)
    allowed = {n for n, gs in seen_in.items() if len(gs) >= min_postings}
    rows = [{name: v for name, v in feats if not name.startswith("w:") or name in allowed} for feats in X]
    vec = DictVectorizer(sparse=True)
    M = vec.fit_transform(rows)
    # balance sites: each site's lines weigh the same in total, so one long page
    # (a 500-line LinkedIn capture) does not dictate the model
    per_group: dict[str, int] = {}
    for g in groups:
        per_group[g] = per_group.get(g, 0) + 1
    sw = [len(y) / (len(per_group) * per_group[g]) for g in groups]
    model = LogisticRegression(C=c, max_iter=5000, solver="lbfgs")
    model.fit(M, y, sample_weight=sw)
    names = vec.get_feature_names_out()
    weights = {str(n): round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) > 1e-4}
    return Classifier(weights, round(float(model.intercept_[0]), 5), smoothing, meta)
