"""Training the line classifier (scikit-learn, an optional extra) on gold postings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..filter.classifier import Classifier, restack
from ..filter.features import line_key, posting_features, site_repeat_names
from ..filter.memory import SiteMemory
from ..filter.semantic import MODEL as SEM_MODEL

if TYPE_CHECKING:
    from ..filter.decision import Decision
    from ..filter.rules import RuleSet
    from .gold import GoldPosting

    #: an example with its units, their normalised text and the rules' decisions
    Prepared = tuple[GoldPosting, list[int], dict[int, str], dict[int, Decision]]
    #: one reviewed posting's classifier rows: features, base logits, labels, line hashes
    Rows = tuple[list[list[tuple[str, float]]], list[float], list[int], list[str]]


#: folds of the second pass's out-of-fold training (:func:`fit_stack`); 0 trains one pass
STACK_FOLDS = 3
#: the inverse regularisation of the line classifier, chosen leave one site out (with the
#: second pass: C 3 F1 0.9699 against C 2 0.9694; C 0.3, 1 and 3 alone 0.9650, 0.9666, 0.9678)
DEFAULT_C = 3.0


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
                  everything: bool = False, owners: list[str] | None = None,
                  prepared: list[Prepared] | None = None, sem_dims: int = 0
                  ) -> tuple[list[list[tuple[str, float]]], list[int], list[str]]:
    """Features, labels and site groups of the labelled lines: all of them
    (``everything``: a line a rule decided teaches the classifier its words and shape
    too, though at cleaning time the rule keeps its authority over it), or only those
    the rules leave to the classifier. With ``sites`` (tables over these same examples),
    each line also gets its site-repetition feature, counting the *other* postings of
    its site. ``owners``, when given, collects each row's posting id; ``prepared``, each
    example with its units, normalised lines and rule decisions."""
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
        if prepared is not None:
            prepared.append((ex, units, norms, dec))
        feats = posting_features(p, units, norms, dec, sem_dims)
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


def train(examples: Iterable[GoldPosting], rules: RuleSet, *, c: float = DEFAULT_C,
          min_postings: int = 3, smoothing: float = 0.3, meta: Mapping[str, Any] | None = None,
          site_repeats: bool = True, everything: bool = False, regions: float = 0.0,
          rule_anchor: float = 2.0, memory: bool = False, drop_weight: float = 1.0,
          stack: int = STACK_FOLDS, stack_offset: float = 2.0,
          crf: Mapping[str, Any] | None = None, semantic: int = 0,
          semantic_core: bool = False, semantic_first: bool = True) -> Classifier:
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
    ``drop_weight`` weighs the drop rows against the keep rows (1: as they come; 1.6
    measured leave-one-site-out raised precision and lost more recall, F1 0.965 against 0.967).
    ``stack`` (folds, 0 for none) adds the second pass (:func:`fit_stack`,
    :func:`jdreview.filter.classifier.restack`): each line's first-pass logit judged
    against the core of the posting the first pass found, learned out of fold, its core
    being the maximum-sum run of first-pass logits less ``stack_offset``.
    ``semantic`` (dimensions, 0 for none) adds the first dimensions of each line's
    wordllama embedding (:mod:`jdreview.filter.semantic`) as features of the first pass
    (``semantic_first``), and with ``semantic_core`` its cosine to the core's mean
    embedding as a feature of the second pass; off by default: measured leave one site
    out it did not pay for its cost (README, Quality).
    With ``memory`` (what ``jdreview train`` does), it also carries the site memory of the
    examples (:func:`site_memory`): on a site it has seen, a line the reviewer decided
    alike on the site's postings is decided so again. Off for the shipped classifier and
    the leave-one-site-out trainer: a page that site detection takes for another site
    (a Civil Service page detected as LinkedIn) would meet that site's memory.
    ``crf`` (keyword arguments of :func:`jdreview.learn.crf.train_crf`, needs python-crfsuite)
    adds the region CRF (:mod:`jdreview.filter.crf`), trained on every labelled line with
    the second pass's out-of-fold logits as its first-pass scores.
    """
    from ..filter.regions import transition_costs

    examples = list(examples)
    sites = site_tables(examples) if site_repeats else {}
    owners: list[str] = []
    prepared: list[Prepared] = []
    X, y, groups = training_rows(examples, rules, sites, everything=everything, owners=owners,
                                 prepared=prepared, sem_dims=semantic if semantic_first else 0)
    sem = {"model": SEM_MODEL, "dims": semantic} if semantic else {}
    if len(set(y)) < 2:
        raise InputError("train", "the labels hold only one class (all keep or all drop); label both")
    M, names = design(X, owners, min_postings)
    model = _fit_model(M, y, groups, c=c, drop_weight=drop_weight)
    weights = {n: round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) > 1e-4}
    bias = round(float(model.intercept_[0]), 5)
    clf = Classifier(weights, bias, smoothing, {**(meta or {}), "postings": len(examples), "lines": len(y)},
                     semantic=sem)
    trans = transition_costs(region_sequences(examples), regions, rule_anchor) if regions > 0 else {}
    mem = site_memory(examples) if memory else None
    oof: dict[str, tuple[list[float], list[bool | None]]] = {}
    st = (fit_stack(prepared, (M, names), y, groups, sites, c=c, smoothing=smoothing,
                    folds=stack, offset=stack_offset, start=model,
                    collect=oof if crf is not None else None, semantic=sem,
                    semantic_core=semantic_core)
          if stack else {})
    region_crf = None
    if crf is not None:
        from .crf import train_crf

        first = {pid: restack(st, z, ruled) if st else z for pid, (z, ruled) in oof.items()} if oof else None
        region_crf = train_crf(prepared, first, **crf)
    if mem:
        # on a site the memory holds, what the reviewer decided about each recurring line
        # replaces how often it recurs: the repetition count of a few reviewed postings
        # moved the site's borderline lines the wrong way (learning_curve part 2, retrained:
        # Greenhouse 1.50 -> 2.50 and LinkedIn 2.70 -> 3.10 after three reviewed postings
        # with the site's table, 2.00 and 2.70 without it)
        sites = {s: t for s, t in sites.items() if s not in mem.sites}
    if sites or trans or mem or st or region_crf or sem:
        clf = Classifier(clf.weights, clf.bias, clf.smoothing, clf.meta, sites, trans, mem, st, region_crf,
                         sem)
    return clf


def fit_stack(prepared: list[Prepared], matrix: tuple[Any, list[str]], y: list[int],
              groups: list[str], sites: Mapping[str, Mapping[str, int]], *,
              c: float, smoothing: float, folds: int = 5,
              offset: float = 2.0, start: Any = None,
              collect: dict[str, Any] | None = None,
              semantic: Mapping[str, Any] | None = None, semantic_core: bool = False
              ) -> dict[str, float]:
    """The second pass's weights (:func:`jdreview.filter.classifier.restack`), learned on
    first-pass logits the first pass did not see: the sites are dealt into ``folds``
    folds, a first pass is trained on the rows of the other folds (without the fold's
    site tables, as an unseen site meets it) and scores the fold's postings. A pass
    trained on a line and scored on it would be surer than it is on a new site, and the
    second pass would learn to trust it. ``matrix`` is the rows' design and column names
    (:func:`design`), ``y`` and ``groups`` their labels and sites. Empty when there are too
    few sites to fold. ``collect``, when given, receives each posting's out-of-fold
    first-pass logits and rule verdicts (posting id -> (logits, verdicts))."""
    from sklearn.linear_model import LogisticRegression

    from ..filter.classifier import CORE_BUCKETS, core_cosines, stack_features
    from ..filter.semantic import embed

    fam = sorted({g for g in groups})
    if len(fam) < max(2, folds):
        return {}
    fold_of = {g: k % folds for k, g in enumerate(fam)}
    # the design of all the rows serves every fold (a word counts when enough of all the
    # postings hold it, not only of the fold's: a small difference, vectorised once)
    M, colnames = matrix
    base = {"offset": offset, "clip": 4.0, "rule": 3.0}
    core_sem = bool(semantic and semantic_core)
    names = ["own", *("core:" + b for b in CORE_BUCKETS), *(("sem:core",) if core_sem else ())]
    rows: list[list[float]] = []
    labels: list[int] = []
    rgroups: list[str] = []
    for f in range(folds):
        keep = [k for k, g in enumerate(groups) if fold_of[g] != f]
        if not keep or len({y[k] for k in keep}) < 2:
            continue
        weights, bias = fit_matrix(M[keep], colnames, [y[k] for k in keep], [groups[k] for k in keep],
                                   c=c, start=start)
        held = {g for g in fam if fold_of[g] == f}
        tables = {s: t for s, t in sites.items() if s not in held}
        first = Classifier(weights, bias, smoothing, sites=tables, semantic=semantic)
        for ex, units, norms, dec in prepared:
            g = ex.site or ex.posting.id
            if g not in held:
                continue
            z = first.open_logits(ex.posting, units, norms, dec)
            ruled = [None if i not in dec else dec[i].keep for i in units]
            if collect is not None:
                collect[ex.posting.id] = (z, ruled)
            feats = stack_features(base, z, ruled)
            sims = (core_cosines(base, z, ruled, embed([norms[i] for i in units], first.sem_dims))
                    if core_sem and units else [0.0] * len(units))
            for i, (v, bucket), sim in zip(units, feats, sims, strict=True):
                if i in dec or i not in ex.labels:
                    continue
                rows.append([v, *(1.0 if bucket == n else 0.0 for n in names[1:len(CORE_BUCKETS) + 1]),
                             *((sim,) if core_sem else ())])
                labels.append(1 if ex.labels[i] else 0)
                rgroups.append(g)
    if len(set(labels)) < 2:
        return {}
    per_group: dict[str, int] = {}
    for g in rgroups:
        per_group[g] = per_group.get(g, 0) + 1
    sw = [len(labels) / (len(per_group) * per_group[g]) for g in rgroups]
    model = LogisticRegression(C=1.0, max_iter=2000, solver="lbfgs")
    model.fit(rows, labels, sample_weight=sw)
    out = {**base, "bias": round(float(model.intercept_[0]), 5)}
    out.update({n: round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True)})
    return out


def site_memory(examples: Iterable[GoldPosting]) -> SiteMemory | None:
    """The site memory of labelled postings, each under its site (the example's, else
    the posting's); None when no example has a site."""
    examples = list(examples)
    mem = SiteMemory.learn(((ex.posting, ex.labels) for ex in examples),
                           {k: ex.site or ex.posting.site for k, ex in enumerate(examples)})
    return mem if mem else None


def fit_rows(X: list[list[tuple[str, float]]], y: list[int], groups: list[str], *, c: float,
             min_postings: int, smoothing: float, meta: Mapping[str, Any],
             posting_ids: list[str] | None = None, drop_weight: float = 1.0) -> Classifier:
    if len(set(y)) < 2:
        raise InputError("train", "the labels hold only one class (all keep or all drop); label both")
    M, names = design(X, posting_ids or groups, min_postings)
    weights, bias = fit_matrix(M, names, y, groups, c=c, drop_weight=drop_weight)
    return Classifier(weights, bias, smoothing, meta)


def design(X: list[list[tuple[str, float]]], owners: list[str], min_postings: int) -> tuple[Any, list[str]]:
    """The sparse design matrix of feature rows and its column names; a word feature
    counts only when ``min_postings`` postings (``owners``) hold it."""
    try:
        from sklearn.feature_extraction import DictVectorizer
    except ImportError:
        raise InputError("train", "training needs scikit-learn: pip install 'jdreview[learn]'") from None
    seen_in: dict[str, set[str]] = {}
    for feats, g in zip(X, owners, strict=True):
        for name, _ in feats:
            if name.startswith("w:"):
                seen_in.setdefault(name, set()).add(g)
    allowed = {n for n, gs in seen_in.items() if len(gs) >= min_postings}
    rows = [{name: v for name, v in feats if not name.startswith("w:") or name in allowed} for feats in X]
    vec = DictVectorizer(sparse=True)
    M = vec.fit_transform(rows)
    return M, [str(n) for n in vec.get_feature_names_out()]


def fit_matrix(M: Any, names: list[str], y: list[int], groups: list[str], *, c: float,
               drop_weight: float = 1.0, start: Any = None) -> tuple[dict[str, float], float]:
    """Logistic regression on a design matrix: (weights by name, bias), rounded.
    ``start`` (a fitted model over the same columns) is where the solver starts: a fold
    of the same rows converges in a few steps from the fit on all of them."""
    model = _fit_model(M, y, groups, c=c, drop_weight=drop_weight, start=start)
    weights = {n: round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) > 1e-4}
    return weights, round(float(model.intercept_[0]), 5)


def _fit_model(M: Any, y: list[int], groups: list[str], *, c: float, drop_weight: float = 1.0,
               start: Any = None) -> Any:
    from sklearn.linear_model import LogisticRegression

    # balance sites: each site's lines weigh the same in total, so one long page
    # (a 500-line LinkedIn capture) does not dictate the model
    per_group: dict[str, int] = {}
    for g in groups:
        per_group[g] = per_group.get(g, 0) + 1
    sw = [len(y) / (len(per_group) * per_group[g]) * (1.0 if label else drop_weight)
          for g, label in zip(groups, y, strict=True)]
    model = LogisticRegression(C=c, max_iter=5000, solver="lbfgs", warm_start=start is not None)
    if start is not None:
        model.coef_, model.intercept_ = start.coef_.copy(), start.intercept_.copy()
    model.fit(M, y, sample_weight=sw)
    return model


# --------------------------------------------------------------------------- adapting to sites


def adapt(base: Classifier, examples: Iterable[GoldPosting], rules: RuleSet, *, c: float = 1.0,
          min_lines: int = 20) -> Classifier:
    """``base`` adapted to the sites of ``examples`` (reviewed postings), without retraining
    it: the site memory of their lines (:func:`site_memory`) and, for each site with at
    least ``min_lines`` lines the rules leave to the classifier, a correction of the
    classifier fitted on them (:func:`fit_correction`, on top of ``base``'s own logits,
    so it learns only what ``base`` gets wrong on that site). A correction is kept only
    when it pays on the site's own reviewed postings held out one at a time
    (:func:`held_out_gain` above zero; so never from one posting): fitted on the postings
    of one kind of capture, it can turn lines of another the wrong way (on
    ``benchmarks/learning_curve.py``, Lever's second reviewed posting made its third worse
    without this check).

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
    # per site, per posting: the rows the rules leave to the classifier (features, base
    # logit, label, line hash)
    parts: dict[str, list[Rows]] = {}
    for ex in examples:
        site = ex.site or ex.posting.site
        if not site:
            continue
        p = ex.posting
        units = [i for i, line in enumerate(p.lines) if line.strip()]
        norms = {i: normalise(p.lines[i]) for i in units}
        dec = rule_decisions(p, units, norms, rules)
        z = plain.stacked_logits(p, units, norms, dec)
        feats = posting_features(p, units, norms, dec)
        X: list[list[tuple[str, float]]] = []
        off: list[float] = []
        y: list[int] = []
        keys: list[str] = []
        for k, i in enumerate(units):
            if i in dec or i not in ex.labels:
                continue
            X.append(feats[k])
            off.append(z[k])
            y.append(1 if ex.labels[i] else 0)
            keys.append(line_key(norms[i]))
        parts.setdefault(site, []).append((X, off, y, keys))
    for site, rows in parts.items():
        X = [r for part in rows for r in part[0]]
        off = [v for part in rows for v in part[1]]
        y = [v for part in rows for v in part[2]]
        if len(y) < min_lines or site not in mem.sites:
            continue
        gain = held_out_gain(rows, c=c)
        if gain is None or gain <= 0:
            continue  # no evidence that the correction helps on the site's postings held out
        bias, weights = fit_correction(X, off, y, c=c)
        if weights or bias:
            mem.set_model(site, bias, weights)
    return base.with_memory(mem)


def held_out_gain(parts: list[Rows], *, c: float = 1.0) -> int | None:
    """What a site correction gains on the site's reviewed postings held out one at a
    time: the lines it turns right less those it turns wrong, each posting scored by the
    correction fitted on the others (a line an other posting holds left out: the site
    memory decides it). None with fewer than two postings (nothing to hold out)."""
    from ..filter.memory import feature_key

    if len(parts) < 2:
        return None
    gain = 0
    for j, (Xj, offj, yj, keysj) in enumerate(parts):
        rest = [part for k, part in enumerate(parts) if k != j]
        y = [v for part in rest for v in part[2]]
        if len(set(y)) < 2:
            continue
        known = {key for part in rest for key in part[3]}
        bias, w = fit_correction([r for part in rest for r in part[0]],
                                 [v for part in rest for v in part[1]], y, c=c)
        for feats, z, t, key in zip(Xj, offj, yj, keysj, strict=True):
            if key in known:
                continue
            z1 = z + bias + sum(w.get(feature_key(name), 0.0) * v for name, v in feats)
            gain += int((z >= 0) != bool(t)) - int((z1 >= 0) != bool(t))
    return gain


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
