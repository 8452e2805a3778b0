"""Training the line classifier (scikit-learn, an optional extra) on gold postings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..filter.classifier import Classifier
from ..filter.features import line_key, posting_features, site_repeat_names
from ..filter.memory import SiteMemory

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
          rule_anchor: float = 2.0, memory: bool = False) -> Classifier:
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
    With ``memory`` (what ``jdreview train`` does), it also carries the site memory of the
    examples (:func:`site_memory`): on a site it has seen, a line the reviewer decided
    alike on the site's postings is decided so again. Off for the shipped classifier and
    the leave-one-site-out trainer: a page that site detection takes for another site
    (a Civil Service page detected as LinkedIn) would meet that site's memory.
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
    mem = site_memory(examples) if memory else None
    if sites or trans or mem:
        clf = Classifier(clf.weights, clf.bias, clf.smoothing, clf.meta, sites, trans, mem)
    return clf


def site_memory(examples: Iterable[GoldPosting]) -> SiteMemory | None:
    """The site memory of labelled postings, each under its site (the example's, else
    the posting's); None when no example has a site."""
    examples = list(examples)
    mem = SiteMemory.learn(((ex.posting, ex.labels) for ex in examples),
                           {k: ex.site or ex.posting.site for k, ex in enumerate(examples)})
    return mem if mem else None


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


# --------------------------------------------------------------------------- adapting to sites


def adapt(base: Classifier, examples: Iterable[GoldPosting], rules: RuleSet, *, c: float = 1.0,
          min_lines: int = 20) -> Classifier:
    """``base`` adapted to the sites of ``examples`` (reviewed postings), without retraining
    it: the site memory of their lines (:func:`site_memory`) and, for each site with at
    least ``min_lines`` lines the rules leave to the classifier, a correction of the
    classifier fitted on them (:func:`fit_correction`, on top of ``base``'s own logits,
    so it learns only what ``base`` gets wrong on that site).

    ``base``'s logits on the examples are out of sample when ``base`` never saw them (the
    shipped classifier and a person's own reviews): what the correction is fitted against
    is then what it will meet.
    """
    from ..filter.pipeline import rule_decisions
    from ..filter.rules import normalise

    examples = list(examples)
    mem = site_memory(examples)
    if mem is None:
        return base.with_memory(None)
    plain = base.with_memory(None)
    rows: dict[str, tuple[list[list[tuple[str, float]]], list[float], list[int]]] = {}
    for ex in examples:
        site = ex.site or ex.posting.site
        if not site:
            continue
        p = ex.posting
        units = [i for i, line in enumerate(p.lines) if line.strip()]
        norms = {i: normalise(p.lines[i]) for i in units}
        dec = rule_decisions(p, units, norms, rules)
        z = plain.open_logits(p, units, norms, dec)
        feats = posting_features(p, units, norms, dec)
        X, off, y = rows.setdefault(site, ([], [], []))
        for k, i in enumerate(units):
            if i in dec or i not in ex.labels:
                continue
            X.append(feats[k])
            off.append(z[k])
            y.append(1 if ex.labels[i] else 0)
    for site, (X, off, y) in rows.items():
        if len(y) >= min_lines and site in mem.sites:
            bias, weights = fit_correction(X, off, y, c=c)
            if weights or bias:
                mem.set_model(site, bias, weights)
    return base.with_memory(mem)


def fit_correction(X: list[list[tuple[str, float]]], offset: list[float], y: list[int], *,
                   c: float = 1.0, fit_bias: bool = False,
                   words_only: bool = True) -> tuple[float, dict[str, float]]:
    """A logistic correction on top of fixed logits: minimises the log loss of
    ``offset + bias + w . x`` plus ``|w|^2 / (2c)``, so with little data the correction
    stays near zero and the base decides. By default over word features only and without
    a bias: measured on ``benchmarks/learning_curve.py``, a bias learned on one kind of
    capture of a site (its HTML pages, mostly chrome) and the position and context
    features mislead on another (its copied text, mostly content). Returns the bias and the weights (by hashed
    feature name, :func:`jdreview.filter.memory.feature_key`), rounded, without zeros."""
    try:
        import numpy as np
        from scipy.optimize import minimize
        from scipy.sparse import csr_matrix
    except ImportError:
        raise InputError("train", "adapting needs scikit-learn: pip install 'jdreview[learn]'") from None
    from ..filter.memory import feature_key

    index: dict[str, int] = {}
    data, cols, ptr = [], [], [0]
    for feats in X:
        for name, v in feats:
            if words_only and not name.startswith("w:"):
                continue
            cols.append(index.setdefault(feature_key(name), len(index)))
            data.append(float(v))
        ptr.append(len(cols))
    M = csr_matrix((data, cols, ptr), shape=(len(X), len(index)))
    z0 = np.asarray(offset, dtype=float)
    t = np.asarray(y, dtype=float)
    lam = 1.0 / c

    def loss(theta: Any) -> tuple[float, Any]:
        b, w = theta[0], theta[1:]
        if not fit_bias:
            b = 0.0
        z = z0 + b + M @ w
        # log(1 + e^z) - t z, computed stably
        ll = np.logaddexp(0.0, z) - t * z
        g = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))) - t
        grad = np.concatenate(([g.sum() if fit_bias else 0.0], M.T @ g + lam * w))
        return float(ll.sum() + 0.5 * lam * float(w @ w)), grad

    res = minimize(loss, np.zeros(len(index) + 1), jac=True, method="L-BFGS-B",
                   options={"maxiter": 500})
    theta = res.x
    names = sorted(index, key=index.__getitem__)
    weights = {n: round(float(theta[1 + k]), 5) for k, n in enumerate(names) if abs(theta[1 + k]) > 1e-3}
    return (round(float(theta[0]), 5) if fit_bias else 0.0), weights
