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
>>> from jdreview.posting import Posting
>>> p = Posting.from_text("Apply\\nWe build data pipelines in Python and SQL.\\n")
>>> s = clf.score(p, [0, 1], {0: "apply", 1: "we build data pipelines in python and sql."}, {})
>>> s[0] < 0.5 < s[1]
True
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .limits import CACHE_ENTRIES

if TYPE_CHECKING:
    from .filtering import Decision
    from .gold import GoldPosting
    from .posting import Posting
    from .rules import RuleSet

SCHEMA = 1
KIND = "jdreview-line-classifier"
#: A trained bias is a few units; one beyond this is a damaged file (every score 0 or 1).
MAX_ABS_BIAS = 1e4
#: Neighbour smoothing is a fraction (the default 0.3); beyond this the file is damaged.
MAX_SMOOTHING = 10.0
_WORD = re.compile(r"[^\W\d_]{2,}")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7\u25aa\u25cf\u2013\u2014>]|\d{1,2}[.)])\s")
_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:usd|eur|gbp|chf|salary|salaire|gehalt|salario|k/yr|per (?:year|annum|hour))\b")
_URLISH = re.compile(r"https?://|www\.|\S+@\S+\.\w+")


def _nw_bucket(n: int) -> str:
    if n <= 3:
        return str(n)
    if n <= 5:
        return "4-5"
    if n <= 9:
        return "6-9"
    if n <= 19:
        return "10-19"
    if n <= 39:
        return "20-39"
    return "40+"


def _dist_bucket(d: int) -> str:
    if d <= 1:
        return "1"
    if d <= 3:
        return "2-3"
    if d <= 8:
        return "4-8"
    if d <= 20:
        return "9-20"
    return "21+"


@lru_cache(maxsize=2_048)  # scoring caches the local logit itself; this serves training
def local_features(norm: str, raw_start: str) -> tuple[tuple[tuple[str, float], ...], int]:
    """Features of a line on its own, and its word count (cached: chrome repeats)."""
    words = _WORD.findall(norm)
    nw = len(words)
    feats: list[tuple[str, float]] = []
    uniq = set(words)
    if uniq:
        v = 1.0 / math.sqrt(len(uniq))
        feats.extend(("w:" + w, v) for w in uniq)
    feats.append(("nw:" + _nw_bucket(nw), 1.0))
    s = norm.rstrip()
    # Markdown emphasis and headings ("**About us**", "## Benefits") are not the line's shape
    if raw_start.startswith(("**", "__", "#")):
        raw_start = raw_start.lstrip("*_# ")
        s = s.rstrip("*_ ")
    if s.endswith((".", "!", "?", "。")):
        feats.append(("end:stop", 1.0))
    elif s.endswith(":"):
        feats.append(("end:colon", 1.0))
    elif s.endswith((",", ";", "(", "-", "–")):
        feats.append(("end:open", 1.0))
    if _BULLET.match(raw_start):
        feats.append(("bullet", 1.0))
    first = raw_start.lstrip()[:1]
    if first and first.islower():
        feats.append(("start:lower", 1.0))
    elif first and not first.isalnum():
        feats.append(("start:punct", 1.0))
    if any(map(str.isdigit, norm)):
        feats.append(("digit", 1.0))
    if _CURRENCY.search(norm):
        feats.append(("currency", 1.0))
    if _URLISH.search(norm):
        feats.append(("url", 1.0))
    if nw and nw <= 8 and raw_start[:1].isupper() and raw_start.strip().istitle():
        feats.append(("titlecase", 1.0))
    if nw and raw_start.strip().isupper():
        feats.append(("allcaps", 1.0))
    if "|" in norm or " · " in norm or " • " in norm:
        feats.append(("fieldsep", 1.0))
    return tuple(feats), nw


_NW_BUCKETS = [_nw_bucket(x) for x in range(41)]
_PREV_NW = {bucket: "prev:nw:" + bucket for bucket in set(_NW_BUCKETS)}
_NEXT_NW = {bucket: "next:nw:" + bucket for bucket in set(_NW_BUCKETS)}
_SPAN_BEFORE = {d: "span:before:" + d for d in ("1", "2-3", "4-8", "9-20", "21+")}
_SPAN_AFTER = {d: "span:after:" + d for d in ("1", "2-3", "4-8", "9-20", "21+")}


def main_span(values: list[float]) -> tuple[int, int]:
    """The maximum-sum run of ``values`` (Kadane): the posting's main body.

    >>> main_span([-1, 5, -1, 4, -9, 1])
    (1, 3)
    """
    best, best_span = float("-inf"), (0, -1)
    cur, start = 0.0, 0
    for k, v in enumerate(values):
        if cur <= 0:
            cur, start = v, k
        else:
            cur += v
        if cur > best:
            best, best_span = cur, (start, k)
    return best_span


_CONT_START = re.compile(r"^[a-zäöüßàâçéèêëîïôûùüÿñæœ,.;:)!?\u2013\u2014\-]")
_SENT_END = re.compile(r"[.!?:]\W*$")
_SLUG = re.compile(r"[a-z0-9]+")


_FUNCTION_WORDS = frozenset("""
    a an and or of in on at to for with by from as the but nor so than that
    und oder der die das den dem des ein eine einen einem einer für mit von zu zum zur im am an auf aus bei
    bis nach über unter sowie als wie auch sich du dich dir wir uns ihr sie es ist sind wird werden hast
    et ou de du des le la les un une au aux pour par sur dans avec en que qui
    y o el los las del al con por para en que un una e
    e o il lo gli i le di del della dei delle da dal con per su tra fra che un una
    en of het een van voor met op aan bij uit als dat die
    e ou o os as um uma do da dos das para com por em no na
""".split())


def _joins(prev: str, cur: str) -> bool:
    """A function word at the seam of two short lines: one sentence split in two."""
    pw = prev.rsplit(None, 1)[-1].lower() if prev else ""
    cw = cur.split(None, 1)[0].lower() if cur else ""
    return (pw in _FUNCTION_WORDS or cw in _FUNCTION_WORDS) and len(prev) < 80 and len(cur) < 80


@lru_cache(maxsize=CACHE_ENTRIES)
def _seam(line: str) -> tuple[bool, bool, bool, bool, bool]:
    """What the block joiner needs of a line, cached: (ends a sentence, starts like a
    continuation, starts with a function word, ends with one, is short)."""
    t = line.strip()
    first = t.split(None, 1)[0].lower() if t else ""
    last = t.rsplit(None, 1)[-1].lower() if t else ""
    return (bool(_SENT_END.search(t)), bool(_CONT_START.match(t)), first in _FUNCTION_WORDS,
            last in _FUNCTION_WORDS, len(t) < 80)


def blocks(lines: list[str], units: list[int]) -> list[int]:
    """Block number of every unit: lines a capture split mid-sentence (inline runs
    of bold or links put on lines of their own) are joined back into one block.

    >>> blocks(["Du hast", "Airflow", "oder mehr.", "Next", "Apply"], [0, 1, 2, 3, 4])
    [0, 0, 0, 1, 2]
    """
    out: list[int] = []
    b = 0
    prev_i = -2
    prev = (True, False, False, False, False)
    for i in units:
        cur = _seam(lines[i])
        # continuation of the previous line's sentence: the previous line does not
        # end one, and this one starts lower-case or a function word sits at the seam
        if not (prev_i == i - 1 and not prev[0] and (
                cur[1] or ((prev[3] or cur[2]) and prev[4] and cur[4]))):
            if prev_i >= 0:
                b += 1
        out.append(b)
        prev_i, prev = i, cur
    return out


@lru_cache(maxsize=CACHE_ENTRIES)
def _line_static(norm: str) -> tuple[bool, bool, tuple[str, ...], int]:
    """Per normalised line, cached: (ends a sentence, looks like a date, slug words,
    words as local_features counts them)."""
    return (bool(_SENT_END.search(norm)), bool(_DATEISH.search(norm)), tuple(_SLUG.findall(norm)),
            len(_WORD.findall(norm)))


_DATEISH = re.compile(r"\b(?:ago|posted|reposted|vor \d|il y a|hace|fa|geleden|há|"
                      r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|"
                      r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})\b")
_URL_LINE = re.compile(r"^\s*(?:\*\*)?url:?(?:\*\*)?:?\s*https?://", re.IGNORECASE)


def normalise_title(posting: Posting, units: list[int], norms: Mapping[int, str]) -> str:
    """The page title: the HTML ``<title>``, or the line a collector put after its
    ``**URL:**`` line; '' when there is none."""
    if posting.title:
        return " ".join(posting.title.split()).casefold()
    if len(units) > 1 and _URL_LINE.match(posting.lines[units[0]]):
        return norms[units[1]]
    return ""


def posting_features(posting: Posting, units: list[int], norms: Mapping[int, str],
                     dec: Mapping[int, Decision]) -> list[list[tuple[str, float]]]:
    """Feature lists for every unit of a posting, in ``units`` order."""
    keys, ctx = split_features(posting, units, norms, dec)
    return [list(local_features(*key)[0]) + [(name, 1.0) for name in c]
            for key, c in zip(keys, ctx, strict=True)]


#: the logit a rule-decided line lends its neighbours when scores are smoothed
RULED_LOGIT = 1.0


class _Context:
    """What the context features of a posting's units are made of, computed once per
    posting and shared by :func:`split_features` (feature names, for training and
    explaining) and :meth:`Classifier.score` (logits straight from the weights)."""

    __slots__ = ("n", "block_of", "multi", "block_text", "nws", "ruled", "kept_rule", "counts", "title_words",
                 "page_title", "static", "run_len", "a", "b", "first_title", "prefix", "nwb", "html")

    def __init__(self, posting: Posting, units: list[int], norms: Mapping[int, str],
                 dec: Mapping[int, Decision]) -> None:
        lines = posting.lines
        n = self.n = len(units)
        block_of = self.block_of = blocks(lines, units)
        unit_norms = [norms[i] for i in units]
        static = self.static = [_line_static(x) for x in unit_norms]
        wc = [st[3] for st in static]
        # a block's words are its lines' words (joining with a space makes no new word)
        multi: set[int] = set()
        nws = wc
        if n and block_of[-1] + 1 < n:
            nws = wc[:]
            k = 0
            while k < n:
                j = k + 1
                while j < n and block_of[j] == block_of[k]:
                    j += 1
                if j - k > 1:
                    total = sum(wc[k:j])
                    for m in range(k, j):
                        nws[m] = total
                    multi.add(block_of[k])
                k = j
        self.multi = multi
        self.block_text: dict[int, str] = {}
        self.nws = nws
        ruled = self.ruled = [False] * n
        kept_rule = self.kept_rule = [False] * n
        if dec:
            for k, i in enumerate(units):
                d = dec.get(i)
                if d is not None:
                    if d.keep:
                        kept_rule[k] = True
                    else:
                        ruled[k] = True
        counts: dict[str, int] = dict.fromkeys(unit_norms, 0)
        for x in unit_norms:
            counts[x] += 1
        self.counts = counts
        # words of the URL slug, and the page title: header lines name the job
        self.title_words = (set(_SLUG.findall(posting.url.lower().split("?", 1)[0]))
                            if posting.url else set())
        page_title = self.page_title = normalise_title(posting, units, norms)
        # runs of short, unpunctuated lines: navigation and link lists
        short = [nws[k] <= 4 and not static[k][0] for k in range(n)]
        run_len = self.run_len = [0] * n
        k = 0
        while k < n:
            if not short[k]:
                k += 1
                continue
            j = k
            while j < n and short[j]:
                j += 1
            for m in range(k, j):
                run_len[m] = j - k
            k = j
        # main body: prose counts for, short lines and rule-dropped lines against
        values = [0.0] * n
        prefix = self.prefix = [0] * (n + 1)  # rule-dropped units before each unit
        acc = 0
        for k in range(n):
            nw = nws[k]
            if ruled[k]:
                values[k] = -6.0
                acc += 1
            elif nw >= 8:
                values[k] = (nw if nw < 40 else 40) - 4.0
            elif _is_bullet(lines[units[k]]):
                values[k] = 1.0 if nw >= 2 else -1.0  # a list item: body more often than not
            else:
                values[k] = -2.0 if nw >= 3 else -3.0
            prefix[k + 1] = acc
        self.a, self.b = main_span(values)
        # the header block: the first line naming the job (as the page title does) and
        # the few lines after it (company, location, date)
        first_title = -1
        if page_title:
            for k, x in enumerate(unit_norms):
                if not ruled[k] and nws[k] <= 10 and len(x) >= 3 and x in page_title \
                        and x != page_title and k > 0:
                    first_title = k
                    break
        self.first_title = first_title
        self.nwb = [_NW_BUCKETS[x if x < 40 else 40] for x in nws]
        self.html = posting.kind == "html"

    def key(self, lines: list[str], units: list[int], norms: Mapping[int, str], k: int
            ) -> tuple[str, str]:
        """The key of unit ``k``'s local features: its text (its block's, when a capture
        split a sentence over lines) and the start of its raw line."""
        i = units[k]
        bk = self.block_of[k]
        if bk not in self.multi:
            return norms[i], lines[i][:40]
        text = self.block_text.get(bk)
        if text is not None:
            return text, lines[i][:40]
        lo = k
        while lo > 0 and self.block_of[lo - 1] == bk:
            lo -= 1
        hi = k
        while hi + 1 < self.n and self.block_of[hi + 1] == bk:
            hi += 1
        text = self.block_text[bk] = " ".join(norms[units[m]] for m in range(lo, hi + 1))
        return text, lines[i][:40]


@lru_cache(maxsize=CACHE_ENTRIES)
def _is_bullet(line: str) -> bool:
    return _BULLET.match(line[:12]) is not None


def split_features(posting: Posting, units: list[int], norms: Mapping[int, str],
                   dec: Mapping[int, Decision]) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """Per unit: the key of its local (cacheable) features, and the names of its
    context features (all of value 1)."""
    lines = posting.lines
    c = _Context(posting, units, norms, dec)
    n, a, b = c.n, c.a, c.b
    ruled, kept_rule, prefix, nwb, block_of = c.ruled, c.kept_rule, c.prefix, c.nwb, c.block_of
    counts, static, nws = c.counts, c.static, c.nws
    title_words, page_title, first_title = c.title_words, c.page_title, c.first_title
    keys = [c.key(lines, units, norms, k) for k in range(n)]
    out: list[list[str]] = []
    seen: set[str] = set()
    for k, i in enumerate(units):
        feats: list[str] = []
        add = feats.append
        # absolute position is left out on purpose: it learns the capture style of
        # the training sites (description-only captures start with content)
        if a <= k <= b:
            add("span:in")
            if k - a <= 3:
                add("span:head")
        elif k < a:
            add(_SPAN_BEFORE[_dist_bucket(a - k)])
        else:
            add(_SPAN_AFTER[_dist_bucket(k - b)])
        if k == 0:
            add("first")
        elif ruled[k - 1]:
            add("prev:ruled")
        if k + 1 == n:
            add("last")
        elif ruled[k + 1]:
            add("next:ruled")
        if k > 0 and kept_rule[k - 1]:
            add("prev:kept")
        win = prefix[k] - prefix[max(0, k - 3)] + prefix[min(n, k + 4)] - prefix[k + 1]
        add("win:ruled:0" if win == 0 else "win:ruled:1-2" if win <= 2 else "win:ruled:3+")
        add(_PREV_NW[nwb[k - 1]] if k > 0 else "prev:nw:none")
        add(_NEXT_NW[nwb[k + 1]] if k + 1 < n else "next:nw:none")
        bk = block_of[k]
        if (k and bk == block_of[k - 1]) or (k + 1 < n and bk == block_of[k + 1]):
            add("fragment")
        norm = norms[i]
        if counts[norm] > 1:
            add("dup:later" if norm in seen else "dup:first")
            seen.add(norm)
        st = static[k]
        if title_words:
            words = st[2]
            if words and len(words) <= 8 and all(w in title_words for w in words):
                add("in:url")
        if page_title and k and nws[k] <= 10 and norm != page_title and 3 <= len(norm) \
                and norm in page_title:
            add("in:title")
        if first_title >= 0 and 0 <= k - first_title <= 4 and not ruled[k]:
            add("header:title" if k == first_title else "header:after")
        if st[1] and nws[k] <= 6:
            add("dateish")
        rl = run_len_name(c.run_len[k])
        if rl:
            add(rl)
        if c.html:
            add("html")
        out.append(feats)
    return keys, out


def run_len_name(rl: int) -> str:
    return ("" if not rl else "shortrun:1" if rl == 1 else "shortrun:2-3" if rl <= 3
            else "shortrun:4-7" if rl <= 7 else "shortrun:8+")


@lru_cache(maxsize=CACHE_ENTRIES)
def line_key(norm: str) -> str:
    """A short, stable hash of a normalised line: site tables store no text."""
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=6).hexdigest()


def _site_repeat_name(count: int, others: int) -> str:
    """``siterep:*`` for a line ``count`` of a site's ``others`` known postings hold."""
    c = max(0, count)
    share = c / others
    return ("siterep:0" if c == 0 else "siterep:all" if share >= 0.99
            else "siterep:most" if share >= 0.5 else "siterep:some")


def site_tables(examples: Iterable[GoldPosting]) -> dict[str, dict[str, int]]:
    """site -> line hash -> how many of the site's postings hold the line, with the
    number of the site's postings under ``"#postings"``."""
    from .rules import normalise

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


def site_repeat_names(site: str, norms: list[str], tables: Mapping[str, Mapping[str, int]],
                      self_included: bool = False) -> list[str | None]:
    """Per line: in how many of the site's (other) known postings it occurs, as a
    feature name (``siterep:0|some|most|all``), or None when the site has too few."""
    table = tables.get(site) if site else None
    if not table:
        return [None] * len(norms)
    others = table.get("#postings", 0) - (1 if self_included else 0)
    if others < 1:
        return [None] * len(norms)
    minus = 1 if self_included else 0
    return [_site_repeat_name(table.get(line_key(norm), 0) - minus, others) for norm in norms]


class Classifier:
    """A logistic line scorer over named features; see the module docstring.

    ``sites`` is the site-repetition memory: for each site seen in training, how many
    of its postings hold each (hashed) line. A line that every posting of a site
    repeats is that site's chrome; a posting of an unseen site gets no such feature.
    """

    def __init__(self, weights: Mapping[str, float], bias: float = 0.0,
                 smoothing: float = 0.0, meta: Mapping[str, Any] | None = None,
                 sites: Mapping[str, Mapping[str, int]] | None = None) -> None:
        self.weights = dict(weights)
        self.bias = float(bias)
        self.smoothing = float(smoothing)
        self.meta = dict(meta or {})
        self.sites = {k: dict(v) for k, v in (sites or {}).items()}
        self.version = self._digest()[:12]
        self._local_cache: dict[tuple[str, str], float] = {}
        self._cw: dict[str, float] | None = None

    def _digest(self) -> str:
        body = json.dumps({"w": sorted(self.weights.items()), "b": self.bias, "s": self.smoothing,
                           **({"sites": {k: sorted(v.items()) for k, v in sorted(self.sites.items())}}
                              if self.sites else {})},
                          separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()

    def logits(self, feats: list[list[tuple[str, float]]]) -> list[float]:
        w = self.weights
        return self._smooth([self.bias + sum(w.get(name, 0.0) * v for name, v in f) for f in feats])

    def _local(self, key: tuple[str, str]) -> float:
        """The local part of a line's logit, cached: chrome lines repeat."""
        v = self._local_cache.get(key)
        if v is None:
            w = self.weights
            v = sum(w.get(name, 0.0) * x for name, x in local_features(*key)[0])
            if len(self._local_cache) >= CACHE_ENTRIES:
                self._local_cache.clear()
            self._local_cache[key] = v
        return v

    def fast_logits(self, keys: list[tuple[str, str]], ctx: list[list[str]],
                    extra: list[str | None] | None = None,
                    fixed: Mapping[int, float] | None = None) -> list[float]:
        """Smoothed logits from :func:`split_features`' output; ``fixed`` gives some
        units a set logit instead (the rule-decided ones, when scoring)."""
        wget = self.weights.get
        b = self.bias
        local = self._local
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
                words = st[2]
                if words and len(words) <= 8 and all(w in title_words for w in words):
                    v += w_url
            if page_title and k and nws[k] <= 10 and norm != page_title and 3 <= len(norm) \
                    and norm in page_title:
                v += w_title
            if first_title >= 0 and 0 <= k - first_title <= 4 and not ruled[k]:
                v += w_header_title if k == first_title else w_header_after
            if st[1] and nws[k] <= 6:
                v += w_date
            rl = run_len[k]
            if rl:
                v += w_run[rl if rl < 8 else 8]
            if others:
                v += cw[_site_repeat_name(table.get(line_key(norm), 0), others)]  # type: ignore[union-attr]
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

    def score(self, posting: Posting, units: list[int], norms: Mapping[int, str],
              dec: Mapping[int, Decision], all_units: bool = False) -> dict[int, float]:
        """Probability of keep (line index -> p) for every unit no rule decided, or,
        with ``all_units``, for every unit (to see where rules and classifier disagree)."""
        if all_units:
            extra = (site_repeat_names(posting.site, [norms[i] for i in units], self.sites)
                     if self.sites and posting.site in self.sites else None)
            z = self.fast_logits(*split_features(posting, units, norms, dec), extra)
        else:
            z = self.open_logits(posting, units, norms, dec)
        exp = math.exp
        return {i: 1.0 / (1.0 + exp(-(v if -30.0 < v < 30.0 else 30.0 if v > 0 else -30.0)))
                for i, v in zip(units, z, strict=True) if all_units or i not in dec}

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
        body["checksum"] = self._digest()
        return body

    def save(self, path: str) -> None:
        from .atomic import atomic_write_text

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
        clf = cls(w, obj.get("bias", 0.0), obj.get("smoothing", 0.0), meta, sites)
        if obj.get("checksum") != clf._digest():
            raise InputError(source, "classifier checksum does not match its weights "
                             "(the file was edited or damaged); retrain or restore it")
        return clf


def load_classifier(path: str) -> Classifier:
    """Load a classifier JSON file; refuses malformed, newer or tampered files."""
    from .export import read_json  # export is not needed to clean: imported here

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


# --------------------------------------------------------------------------- training


def training_rows(examples: Iterable[GoldPosting], rules: RuleSet,
                  sites: Mapping[str, Mapping[str, int]] | None = None
                  ) -> tuple[list[list[tuple[str, float]]], list[int], list[str]]:
    """Features, labels and posting ids of the lines the rules leave to the classifier.
    With ``sites`` (tables over these same examples), each line also gets its
    site-repetition feature, counting the *other* postings of its site."""
    from .filtering import rule_decisions
    from .rules import normalise

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
            if i in dec or i not in ex.labels:
                continue
            extra = rep[k]
            X.append(feats[k] + [(extra, 1.0)] if extra else feats[k])
            y.append(1 if ex.labels[i] else 0)
            groups.append(ex.site or p.id)
    return X, y, groups


def train(examples: Iterable[GoldPosting], rules: RuleSet, *, c: float = 0.5,
          min_postings: int = 3, smoothing: float = 0.3, meta: Mapping[str, Any] | None = None,
          site_repeats: bool = True) -> Classifier:
    """Fit a classifier on labelled postings (scikit-learn's logistic regression).

    Deterministic: the same examples give the same weights. Word features seen in
    fewer than ``min_postings`` postings are left out so that one employer's words
    are not learned as content or noise. With ``site_repeats``, the classifier also
    remembers how often each line recurs across a site's postings (hashed, no text).
    """
    examples = list(examples)
    sites = site_tables(examples) if site_repeats else {}
    X, y, groups = training_rows(examples, rules, sites)
    clf = fit_rows(X, y, [g for g in groups], c=c, min_postings=min_postings,
                   smoothing=smoothing, meta={**(meta or {}), "postings": len(examples),
                                              "lines": len(y)}, posting_ids=_row_postings(examples, rules))
    if sites:
        clf = Classifier(clf.weights, clf.bias, clf.smoothing, clf.meta, sites)
    return clf


def _row_postings(examples: list[GoldPosting], rules: RuleSet) -> list[str]:
    from .filtering import rule_decisions
    from .rules import normalise

    ids: list[str] = []
    for ex in examples:
        p = ex.posting
        units = [i for i, line in enumerate(p.lines) if line.strip()]
        norms = {i: normalise(p.lines[i]) for i in units}
        dec = rule_decisions(p, units, norms, rules)
        ids.extend(p.id for i in units if i not in dec and i in ex.labels)
    return ids


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
