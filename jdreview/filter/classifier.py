"""The learned line scorer: features a reviewer would use, a logistic model, plain JSON.

Features of a line: its words, its length and shape, its position in the posting,
where it stands against the posting's main body (the densest run of prose), its
neighbours (their length, whether rules dropped them), and whether it repeats.
Words count only when they were seen in several training postings, so the model
learns page-chrome vocabulary rather than one employer's name.

Training uses scikit-learn (an optional extra); scoring is pure Python over a weight
table, so cleaning needs neither scikit-learn nor NumPy. The file is JSON with a
``schema`` field and a checksum: no pickle, and a tampered file is refused.

>>> clf = Classifier({"w:apply": -4.0}, bias=1.0)
>>> from jdreview.io.posting import Posting
>>> p = Posting.from_text("Apply\\nWe build data pipelines in Python and SQL.\\n")
>>> s = clf.score(p, [0, 1], {0: "apply", 1: "we build data pipelines in python and sql."}, {})
>>> s[0] < 0.5 < s[1]
True

"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import InputError
from ..limits import CACHE_ENTRIES
from .crf import CRF
from .features import (
    _NEXT_NW,
    _PREV_NW,
    _SPAN_AFTER,
    _SPAN_BEFORE,
    RULED_LOGIT,
    _Context,
    _dist_bucket,
    _site_repeat_name,
    _slug_words,
    line_key,
    local_logit,
    main_span,
    run_len_name,
    site_repeat_names,
    split_features,
)
from .memory import SiteMemory
from .regions import COST_KEYS
from .semantic import FULL_DIMS as SEM_FULL_DIMS
from .semantic import MODEL as SEM_MODEL

if TYPE_CHECKING:
    from ..io.posting import Posting
    from .decision import Decision


SCHEMA = 1
KIND = "jdreview-line-classifier"
#: A trained bias is a few units; one beyond this is a damaged file (every score 0 or 1).
MAX_ABS_BIAS = 1e4
#: Neighbour smoothing is a fraction (the default 0.3); beyond this the file is damaged.
MAX_SMOOTHING = 10.0


class LineScorer(Protocol):
    """What the filter needs of a classifier: a version (recorded with every result) and
    keep probabilities for the units no rule decided (or, with ``all_units``, for all).
    :class:`Classifier` is one; learning code may wrap it (site memory, a sequence model)."""

    version: str

    def score(self, posting: Posting, units: list[int], norms: Mapping[int, str],
              dec: Mapping[int, Decision], all_units: bool = False) -> dict[int, float]: ...


class Classifier:
    """A logistic line scorer over named features; see the module docstring.

    ``sites`` is the site-repetition memory: for each site seen in training, how many
    of its postings hold each (hashed) line. A line that every posting of a site
    repeats is that site's chrome; a posting of an unseen site gets no such feature.

    ``memory`` is the site memory of reviewed postings (:class:`~jdreview.filter.memory.SiteMemory`):
    the filter lets it decide the lines of a known site that the reviewer decided the
    same way on that site's reviewed postings, before the classifier scores the rest.
    """

    def __init__(self, weights: Mapping[str, float], bias: float = 0.0,
                 smoothing: float = 0.0, meta: Mapping[str, Any] | None = None,
                 sites: Mapping[str, Mapping[str, int]] | None = None,
                 transitions: Mapping[str, float] | None = None,
                 memory: SiteMemory | None = None,
                 stack: Mapping[str, float] | None = None,
                 crf: CRF | None = None,
                 semantic: Mapping[str, Any] | None = None) -> None:
        self.weights = dict(weights)
        self.bias = float(bias)
        self.smoothing = float(smoothing)
        self.meta = dict(meta or {})
        self.sites = {k: dict(v) for k, v in (sites or {}).items()}
        # the region decoder's costs of changing state (jdreview.filter.regions); none: line by line
        self.transitions = {k: float(v) for k, v in (transitions or {}).items()}
        self.memory = memory if memory else None
        # the second pass over the first pass's logits (:func:`restack`); none: one pass
        self.stack = {k: float(v) for k, v in (stack or {}).items()}
        # the region CRF that decides the units no rule did (jdreview.filter.crf); none: by score
        self.crf = crf
        # the semantic signal (jdreview.filter.semantic): {"model": ..., "dims": n}; none: off
        self.semantic = dict(semantic or {})
        self.sem_dims = int(self.semantic.get("dims", 0))
        # whether the first pass has weights on the embedding (else only the second pass reads it)
        self._sem_first = bool(self.sem_dims) and any(k.startswith("sem:") for k in self.weights)
        self._sem_cache: dict[str, float] = {}  # text -> its embedding's part of the logit
        self._semw: Any = None
        self._checksum = self._digest()  # what a file of these weights records (checked on load)
        self.version = self._checksum[:12]
        self._local_cache: dict[tuple[str, str], float] = {}
        self._cw: dict[str, float] | None = None
        self._ww: dict[str, float] | None = None  # the w: weights by word

    def _digest(self) -> str:
        body = json.dumps({"w": sorted(self.weights.items()), "b": self.bias, "s": self.smoothing,
                           **({"sites": {k: sorted(v.items()) for k, v in sorted(self.sites.items())}}
                              if self.sites else {}),
                           **({"t": sorted(self.transitions.items())} if self.transitions else {}),
                           **({"k": sorted(self.stack.items())} if self.stack else {}),
                           **({"e": sorted(self.semantic.items())} if self.semantic else {}),
                           **({"m": self.memory.digest_body()} if self.memory else {}),
                           **({"crf": self.crf.digest_body()} if self.crf else {})},
                          separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()

    def logits(self, feats: list[list[tuple[str, float]]]) -> list[float]:
        w = self.weights
        return self._smooth([self.bias + sum(w.get(name, 0.0) * v for name, v in f) for f in feats])

    def _local(self, key: tuple[str, str]) -> float:
        """The local part of a line's logit, cached: chrome lines repeat."""
        v = self._local_cache.get(key)
        if v is None:
            ww = self._ww
            if ww is None:
                ww = self._ww = {name[2:]: x for name, x in self.weights.items() if name.startswith("w:")}
            v = local_logit(ww, self.weights, *key)
            if self._sem_first:
                v += self._sem_logit(key[0])
            if len(self._local_cache) >= CACHE_ENTRIES:
                self._local_cache.clear()
            self._local_cache[key] = v
        return v

    def _sem_logit(self, text: str) -> float:
        v = self._sem_cache.get(text)
        if v is None:
            self.sem_prefetch([text])
            v = self._sem_cache[text]
        return v

    def sem_prefetch(self, texts: list[str]) -> None:
        """Embed the texts whose semantic part is not cached yet, in one batch."""
        cache = self._sem_cache
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if not new:
            return
        from . import semantic

        if self._semw is None:
            import numpy as np

            self._semw = np.array([self.weights.get(n, 0.0) for n in semantic.names(self.sem_dims)])
        if len(cache) + len(new) > CACHE_ENTRIES:
            cache.clear()
        for t, vec in zip(new, semantic.embed(new, self.sem_dims), strict=True):
            cache[t] = float(vec @ self._semw)

    def fast_logits(self, keys: list[tuple[str, str]], ctx: list[list[str]],
                    extra: list[str | None] | None = None,
                    fixed: Mapping[int, float] | None = None) -> list[float]:
        """Smoothed logits from :func:`split_features`' output; ``fixed`` gives some
        units a set logit instead (the rule-decided ones, when scoring)."""
        wget = self.weights.get
        b = self.bias
        local = self._local
        if self._sem_first:
            lc = self._local_cache
            self.sem_prefetch([key[0] for key in keys if key not in lc])
        z = []
        for k, (key, names) in enumerate(zip(keys, ctx, strict=True)):
            if fixed is not None and k in fixed:
                z.append(fixed[k])
                continue
            v = b + local(key)
            for name in names:
                v += wget(name, 0.0)
            if extra is not None:
                rep = extra[k]
                if rep is not None:
                    v += wget(rep, 0.0)
            z.append(v)
        return self._smooth(z)

    def reference_logits(self, posting: Posting, units: list[int], norms: Mapping[int, str],
                         dec: Mapping[int, Decision]) -> list[float]:
        """:meth:`open_logits` the long way, through the feature names: the two must
        agree (a test holds them to it)."""
        extra = (site_repeat_names(posting.site, [norms[i] for i in units], self.sites)
                 if self.sites and posting.site in self.sites else None)
        fixed = {k: (RULED_LOGIT if dec[i].keep else -RULED_LOGIT)
                 for k, i in enumerate(units) if i in dec}
        return self.fast_logits(*split_features(posting, units, norms, dec), extra, fixed)

    def _context_weights(self) -> dict[str, float]:
        cw = self._cw
        if cw is None:
            w = self.weights.get
            names = ["span:in", "span:head", "first", "prev:ruled", "last", "next:ruled",
                     "prev:kept", "win:ruled:0", "win:ruled:1-2", "win:ruled:3+", "prev:nw:none",
                     "next:nw:none", "fragment", "dup:later", "dup:first", "in:url", "in:title",
                     "header:title", "header:after", "dateish", "html",
                     *_SPAN_BEFORE.values(), *_SPAN_AFTER.values(), *_PREV_NW.values(),
                     *_NEXT_NW.values(), "siterep:0", "siterep:some", "siterep:most", "siterep:all"]
            cw = self._cw = {name: w(name, 0.0) for name in names}
        return cw

    def open_logits(self, posting: Posting, units: list[int], norms: Mapping[int, str],
                    dec: Mapping[int, Decision]) -> list[float]:
        """Smoothed logits of every unit, a rule-decided one fixed at +/- RULED_LOGIT.

        The same numbers as :meth:`reference_logits`, but each context feature adds its
        weight where it is found: no feature names are built (this is the hot loop of
        cleaning)."""
        lines = posting.lines
        c = _Context(posting, units, norms, dec)
        cw = self._context_weights()
        n, a, b = c.n, c.a, c.b
        ruled, kept_rule, prefix, nwb, block_of = c.ruled, c.kept_rule, c.prefix, c.nwb, c.block_of
        counts, static, nws, run_len = c.counts, c.static, c.nws, c.run_len
        title_words, page_title, first_title = c.title_words, c.page_title, c.first_title
        w_in, w_head, w_first, w_prev_ruled = cw["span:in"], cw["span:head"], cw["first"], cw["prev:ruled"]
        w_last, w_next_ruled, w_prev_kept = cw["last"], cw["next:ruled"], cw["prev:kept"]
        w_win = (cw["win:ruled:0"], cw["win:ruled:1-2"], cw["win:ruled:1-2"], cw["win:ruled:3+"])
        w_prev_none, w_next_none, w_fragment = cw["prev:nw:none"], cw["next:nw:none"], cw["fragment"]
        w_dup_later, w_dup_first, w_url, w_title = cw["dup:later"], cw["dup:first"], cw["in:url"], cw["in:title"]
        w_header_title, w_header_after, w_date = cw["header:title"], cw["header:after"], cw["dateish"]
        w_run = [0.0] + [self.weights.get(run_len_name(x), 0.0) for x in range(1, 9)]
        prev_nw = {bk: cw[name] for bk, name in _PREV_NW.items()}
        next_nw = {bk: cw[name] for bk, name in _NEXT_NW.items()}
        base = self.bias + (cw["html"] if c.html else 0.0)
        table = self.sites.get(posting.site) if posting.site and self.sites else None
        others = table.get("#postings", 0) if table else 0
        local = self._local
        local_get = self._local_cache.get
        multi = c.multi
        line_attrs = posting.line_attrs if c.html else None
        if line_attrs is not None and len(line_attrs) != len(lines):
            line_attrs = None  # structure that does not describe these lines is no evidence
        wget = self.weights.get
        if self._sem_first:
            self.sem_prefetch([key[0] for k, i in enumerate(units) if i not in dec
                               for key in (c.key(lines, units, norms, k),)
                               if key not in self._local_cache])
        z: list[float] = []
        seen: set[str] = set()
        for k, i in enumerate(units):
            norm = norms[i]
            d = dec.get(i) if dec else None
            if d is not None:
                z.append(RULED_LOGIT if d.keep else -RULED_LOGIT)
                if counts[norm] > 1:
                    seen.add(norm)
                continue
            key = c.key(lines, units, norms, k) if multi and block_of[k] in multi else (norm, lines[i][:40])
            lv = local_get(key)
            v = base + (lv if lv is not None else local(key))
            if a <= k <= b:
                v += w_in
                if k - a <= 3:
                    v += w_head
            elif k < a:
                v += cw[_SPAN_BEFORE[_dist_bucket(a - k)]]
            else:
                v += cw[_SPAN_AFTER[_dist_bucket(k - b)]]
            if k == 0:
                v += w_first
            elif ruled[k - 1]:
                v += w_prev_ruled
            if k + 1 == n:
                v += w_last
            elif ruled[k + 1]:
                v += w_next_ruled
            if k > 0 and kept_rule[k - 1]:
                v += w_prev_kept
            win = prefix[k] - prefix[k - 3 if k > 3 else 0] + prefix[k + 4 if k + 4 < n else n] - prefix[k + 1]
            v += w_win[win if win < 3 else 3]
            v += prev_nw[nwb[k - 1]] if k > 0 else w_prev_none
            v += next_nw[nwb[k + 1]] if k + 1 < n else w_next_none
            bk = block_of[k]
            if (k and bk == block_of[k - 1]) or (k + 1 < n and bk == block_of[k + 1]):
                v += w_fragment
            if counts[norm] > 1:
                v += w_dup_later if norm in seen else w_dup_first
                seen.add(norm)
            st = static[k]
            if title_words:
                words = _slug_words(norm)
                if words and len(words) <= 8 and all(w in title_words for w in words):
                    v += w_url
            if page_title and k and nws[k] <= 10 and norm != page_title and 3 <= len(norm) \
                    and norm in page_title:
                v += w_title
            if first_title >= 0 and 0 <= k - first_title <= 4 and not ruled[k]:
                v += w_header_title if k == first_title else w_header_after
            if st[9] and nws[k] <= 6:
                v += w_date
            rl = run_len[k]
            if rl:
                v += w_run[rl if rl < 8 else 8]
            if others:
                v += cw[_site_repeat_name(table.get(line_key(norm), 0), others)]  # type: ignore[union-attr]
            if line_attrs is not None:
                for name in line_attrs[i]:
                    v += wget(name, 0.0)
            z.append(v)
        return self._smooth(z)

    def _smooth(self, z: list[float]) -> list[float]:
        """Each logit plus ``smoothing`` times the mean of its neighbours' (an edge
        counts itself as its missing neighbour)."""
        if self.smoothing and len(z) > 2:
            s = self.smoothing
            before = [z[0], *z[:-1]]
            after = [*z[1:], z[-1]]
            z = [v + s * (0.5 * p + 0.5 * q) for v, p, q in zip(z, before, after, strict=True)]
        return z

    def stacked_logits(self, posting: Posting, units: list[int], norms: Mapping[int, str],
                       dec: Mapping[int, Decision]) -> list[float]:
        """:meth:`open_logits`, revised by the second pass when the file has one
        (:func:`restack`): the logits the filter decides by, before the site memory."""
        z = self.open_logits(posting, units, norms, dec)
        return restack(self.stack, z, [None if i not in dec else dec[i].keep for i in units],
                       self.unit_vectors(units, norms)) if self.stack else z

    def unit_vectors(self, units: list[int], norms: Mapping[int, str]) -> Any:
        """The units' embeddings when the second pass reads them (``sem:core``), else None."""
        if not (self.sem_dims and self.stack.get("sem:core")):
            return None
        from .semantic import embed

        return embed([norms[i] for i in units], self.sem_dims)

    def score(self, posting: Posting, units: list[int], norms: Mapping[int, str],
              dec: Mapping[int, Decision], all_units: bool = False) -> dict[int, float]:
        """Probability of keep (line index -> p) for every unit no rule decided, or,
        with ``all_units``, for every unit (to see where rules and classifier disagree)."""
        return self.score_explained(posting, units, norms, dec, all_units)[0]

    def score_explained(self, posting: Posting, units: list[int], norms: Mapping[int, str],
                        dec: Mapping[int, Decision], all_units: bool = False
                        ) -> tuple[dict[int, float], dict[int, str]]:
        """:meth:`score`, and for each unit whose decision the second pass turned around
        a note saying so and what the line's own score was (``context:drop 0.83``)."""
        if all_units:
            extra = (site_repeat_names(posting.site, [norms[i] for i in units], self.sites)
                     if self.sites and posting.site in self.sites else None)
            z = self.fast_logits(*split_features(posting, units, norms, dec), extra)
        else:
            z = self.open_logits(posting, units, norms, dec)
        notes: dict[int, str] = {}
        if self.stack:
            z1 = z
            z = restack(self.stack, z1, [None if i not in dec else dec[i].keep for i in units],
                        self.unit_vectors(units, norms))
            for i, v1, v2 in zip(units, z1, z, strict=True):
                if (v1 >= 0) != (v2 >= 0) and (all_units or i not in dec):
                    notes[i] = f"context:{'keep' if v2 >= 0 else 'drop'} {_sigmoid(v1):.2f}"
        if self.memory is not None:
            z = self.memory.adjust(posting, units, norms, dec, z)
        return ({i: _sigmoid(v) for i, v in zip(units, z, strict=True) if all_units or i not in dec},
                notes)

    def explain(self, feats: list[tuple[str, float]], top: int = 5) -> list[tuple[str, float]]:
        """The features that pushed one line's score most, for the window's tooltip."""
        parts = [(name, self.weights.get(name, 0.0) * v) for name, v in feats]
        return sorted((p for p in parts if p[1]), key=lambda p: -abs(p[1]))[:top]

    # ---- persistence
    def to_json(self) -> dict[str, Any]:
        body = {"kind": KIND, "schema": SCHEMA, "version": self.version, "bias": self.bias,
                "smoothing": self.smoothing, "meta": self.meta,
                "weights": dict(sorted(self.weights.items()))}
        if self.sites:
            body["sites"] = {k: dict(sorted(v.items())) for k, v in sorted(self.sites.items())}
        if self.transitions:
            body["transitions"] = dict(sorted(self.transitions.items()))
        if self.stack:
            body["stack"] = dict(sorted(self.stack.items()))
        if self.semantic:
            body["semantic"] = dict(sorted(self.semantic.items()))
        if self.memory:
            body["memory"] = self.memory.to_json()
        if self.crf:
            body["crf"] = self.crf.to_json()
        body["checksum"] = self._digest()
        return body

    def with_memory(self, memory: SiteMemory | None) -> Classifier:
        """The same classifier with ``memory`` as its site memory (a new version)."""
        return self._with(memory=memory)

    def with_crf(self, crf: CRF | None) -> Classifier:
        """The same classifier with ``crf`` as its region CRF (a new version)."""
        return self._with(crf=crf)

    def _with(self, **changes: Any) -> Classifier:
        """A copy with some of the constructor's arguments changed."""
        args: dict[str, Any] = {"weights": self.weights, "bias": self.bias, "smoothing": self.smoothing,
                                "meta": self.meta, "sites": self.sites, "transitions": self.transitions,
                                "memory": self.memory, "stack": self.stack, "crf": self.crf,
                                "semantic": self.semantic}
        return Classifier(**{**args, **changes})

    def save(self, path: str) -> None:
        from ..io.atomic import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_json(), ensure_ascii=False, indent=0) + "\n")

    @classmethod
    def from_json(cls, obj: Any, source: str = "<classifier>") -> Classifier:
        if not isinstance(obj, dict) or obj.get("kind") != KIND:
            raise InputError(source, "not a jdreview classifier file")
        schema = obj.get("schema")
        if not isinstance(schema, int) or schema > SCHEMA:
            raise InputError(source, f"classifier schema {schema!r} is newer than this jdreview "
                             f"understands ({SCHEMA}); upgrade jdreview")
        w = obj.get("weights")
        if not isinstance(w, dict) or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in w.values()):
            raise InputError(source, "classifier weights must be a table of finite numbers")
        for key, bound in (("bias", MAX_ABS_BIAS), ("smoothing", MAX_SMOOTHING)):
            v = obj.get(key, 0.0)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise InputError(source, f"classifier {key} must be a finite number, not {v!r}")
            if not -bound <= v <= bound:
                raise InputError(source, f"classifier {key} {v!r} is out of range (at most {bound:g} "
                                 "either way); the file is damaged")
        meta = obj.get("meta", {})
        if not isinstance(meta, dict):
            raise InputError(source, f"classifier 'meta' must be an object, not {type(meta).__name__}")
        sites = obj.get("sites", {})
        if not isinstance(sites, dict) or not all(
                isinstance(t, dict) and all(isinstance(c, int) and not isinstance(c, bool) for c in t.values())
                for t in sites.values()):
            raise InputError(source, "classifier 'sites' must map sites to tables of line counts")
        trans = obj.get("transitions", {})
        if not isinstance(trans, dict) or not all(
                k in COST_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)
                and math.isfinite(v) and v >= 0 for k, v in trans.items()):
            raise InputError(source, "classifier 'transitions' must map "
                             f"{', '.join(COST_KEYS)} to non-negative numbers")
        stack = obj.get("stack", {})
        if not isinstance(stack, dict) or not all(
                k in STACK_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)
                and math.isfinite(v) and abs(v) <= MAX_ABS_BIAS for k, v in stack.items()):
            raise InputError(source, "classifier 'stack' must map "
                             f"{', '.join(STACK_KEYS)} to finite numbers")
        sem = obj.get("semantic", {})
        if not isinstance(sem, dict) or (sem and (
                sem.get("model") != SEM_MODEL or set(sem) != {"model", "dims"}
                or not isinstance(sem.get("dims"), int) or isinstance(sem.get("dims"), bool)
                or not 1 <= sem["dims"] <= SEM_FULL_DIMS)):
            raise InputError(source, f"classifier 'semantic' must be {{\"model\": \"{SEM_MODEL}\", "
                             f"\"dims\": 1..{SEM_FULL_DIMS}}}")
        memory = SiteMemory.from_json(obj["memory"], source) if "memory" in obj else None
        crf = CRF.from_json(obj["crf"], source) if "crf" in obj else None
        clf = cls(w, obj.get("bias", 0.0), obj.get("smoothing", 0.0), meta, sites, trans, memory, stack, crf,
                  sem)
        if obj.get("checksum") != clf._checksum:
            raise InputError(source, "classifier checksum does not match its weights "
                             "(the file was edited or damaged); retrain or restore it")
        return clf


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-(v if -30.0 < v < 30.0 else 30.0 if v > 0 else -30.0)))


#: the distance buckets of the second pass: in the core, or so many units before or after it
CORE_BUCKETS = ("in", "1", "2-3", "4-8", "9-20", "21+")
#: keys a classifier's ``stack`` table may hold (:func:`restack`)
STACK_KEYS = ("bias", "own", "offset", "clip", "rule", *("core:" + b for b in CORE_BUCKETS), "sem:core")


def _clipped_core(stack: Mapping[str, float], z: list[float],
                  ruled: list[bool | None]) -> tuple[list[float], int, int]:
    clip = stack.get("clip", 4.0)
    r = stack.get("rule", 3.0)
    off = stack.get("offset", 1.0)
    zz = [(v if -clip < v < clip else clip if v > 0 else -clip) if k is None else (r if k else -r)
          for v, k in zip(z, ruled, strict=True)]
    a, b = main_span([v - off for v in zz])
    return zz, a, b


def stack_features(stack: Mapping[str, float], z: list[float],
                   ruled: list[bool | None]) -> list[tuple[float, str]]:
    """Per unit, what the second pass reads of the first: its own logit (clipped to
    +/- ``clip``) and where it stands against the posting's *core*, the maximum-sum run
    of the first-pass logits less ``offset`` (a unit a rule decided counts +/- ``rule``):
    inside it, or how many units before or after it (a :data:`CORE_BUCKETS` name).
    The core is the body as the first pass sees it, so a footer far below it or a menu
    far above it is judged as the region it sits in, not line by line."""
    zz, a, b = _clipped_core(stack, z, ruled)
    out = []
    for k, v in enumerate(zz):
        d = 0 if a <= k <= b else (a - k if k < a else k - b)
        out.append((v, "core:" + ("in" if d == 0 else _dist_bucket(d))))
    return out


def core_cosines(stack: Mapping[str, float], z: list[float], ruled: list[bool | None],
                 vecs: Any) -> list[float]:
    """Each unit's cosine of its embedding (``vecs``, :mod:`jdreview.filter.semantic`) to
    the mean embedding of the core's units (those of :func:`stack_features`' core no rule
    dropped): how like the body the first pass found a line reads."""
    import numpy as np

    _, a, b = _clipped_core(stack, z, ruled)
    core = [k for k in range(a, b + 1) if ruled[k] is not False]
    if not core:
        return [0.0] * len(z)
    m = np.asarray(vecs, dtype=np.float64)
    c = m[core].mean(axis=0)
    cn = float(np.linalg.norm(c))
    if cn == 0:
        return [0.0] * len(z)
    n = np.linalg.norm(m, axis=1)
    n[n == 0] = 1.0
    return [round(float(x), 5) for x in (m @ c) / (n * cn)]


def restack(stack: Mapping[str, float], z: list[float], ruled: list[bool | None],
            vecs: Any = None) -> list[float]:
    """The second pass: each unit's logit becomes ``bias + own * clip(z) + core:<bucket>``
    (:func:`stack_features`), plus ``sem:core`` times its cosine to the core
    (:func:`core_cosines`) when the table has that weight and ``vecs`` are given; the
    weights learned on first-pass logits of postings the first pass had not seen
    (:func:`jdreview.learn.train.train`, ``stack``). A unit a rule decided keeps its logit
    (the rule decides it anyway).

    >>> st = {"bias": 0.0, "own": 1.0, "core:21+": -5.0, "offset": 0.0}
    >>> z = restack(st, [2.0] * 3 + [-3.0] * 25 + [2.0], [None] * 29)
    >>> z[0] > 0, z[-1] < 0   # the lone keep 25 units below the body goes
    (True, True)
    """
    bias, own = stack.get("bias", 0.0), stack.get("own", 1.0)
    ws = stack.get("sem:core", 0.0)
    sims = core_cosines(stack, z, ruled, vecs) if ws and vecs is not None and z else [0.0] * len(z)
    out = []
    for (v, bucket), sim, z0, k in zip(stack_features(stack, z, ruled), sims, z, ruled, strict=True):
        out.append(z0 if k is not None else bias + own * v + stack.get(bucket, 0.0) + ws * sim)
    return out


def load_classifier(path: str) -> Classifier:
    """Load a classifier JSON file; refuses malformed, newer or tampered files."""
    from ..io.jsonio import read_json  # export is not needed to clean: imported here

    return Classifier.from_json(read_json(path, "classifier file"), path)


_DEFAULT: Classifier | None = None


def default_classifier() -> Classifier:
    """The classifier shipped in the package (trained on the seeds and the
    development corpus; see ``benchmarks/train_default.py``)."""
    global _DEFAULT
    if _DEFAULT is None:
        data = resources.files("jdreview").joinpath("data/classifier.json").read_text("utf-8")
        _DEFAULT = Classifier.from_json(json.loads(data), "jdreview:data/classifier.json")
    return _DEFAULT
