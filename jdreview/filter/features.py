"""Line features of the classifier: words, length and shape, position against the main body,
neighbours, repetition, blocks of lines a capture split, and the site-repetition names.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
import sys
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..io.posting import URL_LINE
from ..limits import CACHE_ENTRIES
from .words import has_unspaced, tokens, word_count

if TYPE_CHECKING:
    from ..io.posting import Posting
    from .decision import Decision


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


#: what :func:`_text_features` gives of a text
TextFeatures = tuple[tuple[str, ...], int, str, str, bool, bool, bool, bool, bool, bool]


@lru_cache(maxsize=CACHE_ENTRIES)
def _text_features(norm: str) -> TextFeatures:
    """Everything the classifier reads of a text alone, computed once per text (cached):
    (its distinct words, in the order their features are summed; word count; ending
    feature; ending feature once Markdown emphasis is stripped; digit; currency; url;
    field separator; ends a sentence; looks like a date). Local features and context
    features both read it, so a line's text is scanned once. A block of wrapped lines
    shares one text: computing this once per text keeps scoring linear in the input
    (computed per line, 4,000 wrapped lines took 99 s). The words of the URL slug are
    :func:`_slug_words`, asked only of a posting that has a URL."""
    words = tokens(norm)
    nw = len(words) if norm.isascii() or not has_unspaced(norm) else word_count(norm)
    uniq = tuple(set(map(sys.intern, words)))  # one string per word, shared by the cached texts
    s = norm.rstrip()
    digit, currency, url, sent_end, dateish = _flags(norm)
    return (uniq, nw, _ending(s), _ending(s.rstrip("*_ ")), digit, currency, url,
            "|" in norm or " · " in norm or " • " in norm, sent_end, dateish)


@lru_cache(maxsize=CACHE_ENTRIES)
def _slug_words(norm: str) -> tuple[str, ...]:
    """The runs of ASCII letters and digits of a text: what a URL slug's words are
    compared with."""
    return tuple(_SLUG.findall(norm))


def _flags(text: str) -> tuple[bool, bool, bool, bool, bool]:
    """(digit, currency, url, ends a sentence, looks like a date) of a text: the one
    RE2 pass of :func:`_ascii_flags` on ASCII text and on the ASCII stand-in of other
    text (:func:`ascii_stand_in`), Python's patterns when a text has no stand-in."""
    if text.isascii():
        return _ascii_flags(text)
    stand_in = ascii_stand_in(text)
    if stand_in is not None:
        return _ascii_flags(stand_in)
    return _python_flags(text)


def _python_flags(text: str) -> tuple[bool, bool, bool, bool, bool]:
    """:func:`_flags` by Python's patterns: the reference, and the route of a text
    without an ASCII stand-in."""
    return (any(map(str.isdigit, text)), _CURRENCY.search(text) is not None, _URLISH.search(text) is not None,
            _SENT_END.search(text) is not None, _DATEISH.search(text) is not None)


class _NoStandIn(Exception):
    """A character no ASCII character can stand in for."""


#: the stand-in of each non-ASCII character met so far ('' when it has none)
_STAND_IN: dict[str, str] = {}


def _stand_in_char(c: str) -> str:
    """The ASCII character that answers every question of the feature patterns as ``c``
    does (Python's ``\\w``, ``\\d``, ``\\s`` and ``str.isdigit``; the currency signs), or ''."""
    if c in "€£¥₹":
        return "$"  # a currency sign the pattern names, and like them no word, no space
    if c.isdecimal():
        return "0"  # \d, \w and a digit
    if c.isdigit() or c.isspace():
        return ""  # a digit that is no \d ("²"), a space: no ASCII character is both
    if c.isalnum():
        return "_"  # \w, no digit, and in no pattern's [a-z]
    return "#"  # no word, no space, no digit, and in no pattern


def _stand_in_error(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeEncodeError)
    out = []
    for c in exc.object[exc.start:exc.end]:
        r = _STAND_IN.get(c)
        if r is None:
            r = _stand_in_char(c)
            if len(_STAND_IN) < CACHE_ENTRIES:
                _STAND_IN[c] = r
        if not r:
            raise _NoStandIn(c)
        out.append(r)
    return "".join(out), exc.end


codecs.register_error("jdreview.stand-in", _stand_in_error)


def ascii_stand_in(text: str) -> str | None:
    """``text`` with each non-ASCII character replaced by an ASCII one of the same
    classes for the feature patterns (a letter by ``_``, a decimal digit by ``0``, a
    currency sign by ``$``, other signs by ``#``), so that the ASCII pass answers as
    Python's patterns do on ``text``; None when some character has no such stand-in
    (a digit that is no decimal digit, a space other than ASCII's) or the text holds
    "há" (a date word of the Python pattern only).

    >>> ascii_stand_in("£30,000 à 5 km – ok"), ascii_stand_in("x² m")
    ('$30,000 _ 5 km # ok', None)
    """
    if "há" in text:
        return None
    try:
        return text.encode("ascii", "jdreview.stand-in").decode("ascii")
    except _NoStandIn:
        return None


# The same five questions as one RE2 pass, for ASCII text only: on ASCII the classes
# below are exactly what Python's \d, \w, \W, \s and \b mean (\s spelled out, RE2's
# lacks \x0b and \x1c-\x1f), and whether a pattern occurs does not depend on the engine.
_W = "A-Za-z0-9_"
_NS = "^\t\n\x0b\x0c\r\x1c-\x1f "
_ASCII_PATTERNS = (
    "[0-9]",
    "\\b(?:usd|eur|gbp|chf|salary|salaire|gehalt|salario|k/yr|per (?:year|annum|hour))\\b|[$]",
    f"https?://|www\\.|[{_NS}]+@[{_NS}]+\\.[{_W}]+",
    f"[.!?:][^{_W}]*$",
    "\\b(?:ago|posted|reposted|vor [0-9]|il y a|hace|fa|geleden|"
    "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.? [0-9]{1,2},? [0-9]{4}|"
    "[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}|[0-9]{4}-[0-9]{2}-[0-9]{2})\\b",
)


@lru_cache(maxsize=1)
def _ascii_set() -> Any:
    from re2 import _re2  # the rule engine's dependency

    opts = _re2.RE2.Options()
    opts.never_capture = True
    opts.log_errors = False
    ps = _re2.Set(_re2.RE2.Anchor.UNANCHORED, opts)
    for pat in _ASCII_PATTERNS:
        if ps.Add(pat.encode()) < 0:
            raise ValueError(f"RE2 refused {pat!r}")
    if not ps.Compile():
        raise ValueError("RE2 could not compile the feature patterns")
    return ps


def _ascii_flags(norm: str) -> tuple[bool, bool, bool, bool, bool]:
    """(digit, currency, url, ends a sentence, looks like a date) of an ASCII text."""
    found = _ascii_set().Match(norm.encode())
    if not found:
        return _NO_FLAGS
    return 0 in found, 1 in found, 2 in found, 3 in found, 4 in found


_NO_FLAGS = (False, False, False, False, False)


def _ending(s: str) -> str:
    if s.endswith((".", "!", "?", "。")):
        return "end:stop"
    if s.endswith(":"):
        return "end:colon"
    if s.endswith((",", ";", "(", "-", "–")):
        return "end:open"
    return ""


@lru_cache(maxsize=2_048)  # scoring caches the local logit itself; this serves training
def local_features(norm: str, raw_start: str) -> tuple[tuple[tuple[str, float], ...], int]:
    """Features of a line on its own, and its word count (cached: chrome repeats)."""
    uniq, nw, end_plain, end_md, digit, currency, url, fieldsep = _text_features(norm)[:8]
    feats: list[tuple[str, float]] = []
    if uniq:
        v = 1.0 / math.sqrt(len(uniq))
        feats = [("w:" + w, v) for w in uniq]
    feats.append(("nw:" + _nw_bucket(nw), 1.0))
    end = end_plain
    # Markdown emphasis and headings ("**About us**", "## Benefits") are not the line's shape
    if raw_start.startswith(("**", "__", "#")):
        raw_start = raw_start.lstrip("*_# ")
        end = end_md
    if end:
        feats.append((end, 1.0))
    if _BULLET.match(raw_start):
        feats.append(("bullet", 1.0))
    first = raw_start.lstrip()[:1]
    if first and first.islower():
        feats.append(("start:lower", 1.0))
    elif first and not first.isalnum():
        feats.append(("start:punct", 1.0))
    if digit:
        feats.append(("digit", 1.0))
    if currency:
        feats.append(("currency", 1.0))
    if url:
        feats.append(("url", 1.0))
    if nw and nw <= 8 and raw_start[:1].isupper() and raw_start.strip().istitle():
        feats.append(("titlecase", 1.0))
    if nw and raw_start.strip().isupper():
        feats.append(("allcaps", 1.0))
    if fieldsep:
        feats.append(("fieldsep", 1.0))
    return tuple(feats), nw


def local_logit(word_weight: Mapping[str, float], weight: Mapping[str, float], norm: str, raw_start: str) -> float:
    """The weighted sum of :func:`local_features` (``weight`` by feature name,
    ``word_weight`` the ``w:`` weights by word), without building the features:
    the same additions in the same order, so the same float.

    >>> w = {"w:apply": -2.0, "nw:1": 0.5, "titlecase": 0.25}
    >>> local_logit({"apply": -2.0}, w, "apply", "Apply") == sum(w.get(n, 0.0) * x for n, x in local_features("apply", "Apply")[0])
    True
    """
    uniq, nw, end_plain, end_md, digit, currency, url, fieldsep = _text_features(norm)[:8]
    get = weight.get
    total: float = 0
    if uniq:
        v = 1.0 / math.sqrt(len(uniq))
        wget = word_weight.get
        for w in uniq:
            total += wget(w, 0.0) * v
    total += get(_NW_NAMES[nw if nw < 40 else 40], 0.0)
    end = end_plain
    if raw_start.startswith(("**", "__", "#")):
        raw_start = raw_start.lstrip("*_# ")
        end = end_md
    if end:
        total += get(end, 0.0)
    if _BULLET.match(raw_start):
        total += get("bullet", 0.0)
    first = raw_start.lstrip()[:1]
    if first and first.islower():
        total += get("start:lower", 0.0)
    elif first and not first.isalnum():
        total += get("start:punct", 0.0)
    if digit:
        total += get("digit", 0.0)
    if currency:
        total += get("currency", 0.0)
    if url:
        total += get("url", 0.0)
    if nw and nw <= 8 and raw_start[:1].isupper() and raw_start.strip().istitle():
        total += get("titlecase", 0.0)
    if nw and raw_start.strip().isupper():
        total += get("allcaps", 0.0)
    if fieldsep:
        total += get("fieldsep", 0.0)
    return total


_NW_BUCKETS = [_nw_bucket(x) for x in range(41)]
_NW_NAMES = ["nw:" + b for b in _NW_BUCKETS]
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


#: the last answer of :func:`blocks` (its lines, its units, the blocks): the
#: near-duplicate rule and the classifier's context ask it of the same posting in turn
_last_blocks: tuple[list[str], list[int], list[int]] | None = None


def blocks(lines: list[str], units: list[int]) -> list[int]:
    """Block number of every unit: lines a capture split mid-sentence (inline runs
    of bold or links put on lines of their own) are joined back into one block.
    Asked again of equal lines and units, the last answer is given again (a copy).

    >>> blocks(["Du hast", "Airflow", "oder mehr.", "Next", "Apply"], [0, 1, 2, 3, 4])
    [0, 0, 0, 1, 2]
    """
    global _last_blocks
    last = _last_blocks
    # equal lists of the same strings compare by identity, element by element, in C
    if last is not None and last[1] == units and last[0] == lines:
        return list(last[2])
    out = _join_blocks(lines, units)
    _last_blocks = (list(lines), list(units), out)
    return list(out)


def _join_blocks(lines: list[str], units: list[int]) -> list[int]:
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


_DATEISH = re.compile(r"\b(?:ago|posted|reposted|vor \d|il y a|hace|fa|geleden|há|"
                      r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|"
                      r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})\b")


def normalise_title(posting: Posting, units: list[int], norms: Mapping[int, str]) -> str:
    """The page title: the HTML ``<title>``, or the line a collector put after its
    ``**URL:**`` line; '' when there is none."""
    if posting.title:
        return " ".join(posting.title.split()).casefold()
    if len(units) > 1 and URL_LINE.match(posting.lines[units[0]]):
        return norms[units[1]]
    return ""


def posting_features(posting: Posting, units: list[int], norms: Mapping[int, str],
                     dec: Mapping[int, Decision], sem_dims: int = 0) -> list[list[tuple[str, float]]]:
    """Feature lists for every unit of a posting, in ``units`` order; with ``sem_dims``,
    each with the first ``sem_dims`` dimensions of its text's embedding
    (:mod:`jdreview.filter.semantic`)."""
    keys, ctx = split_features(posting, units, norms, dec)
    out = [list(local_features(*key)[0]) + [(name, 1.0) for name in c]
           for key, c in zip(keys, ctx, strict=True)]
    if sem_dims:
        from .semantic import features

        for row, sem in zip(out, features([key[0] for key in keys], sem_dims), strict=True):
            row.extend(sem)
    return out


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
        static = self.static = [_text_features(x) for x in unit_norms]
        wc = [st[1] for st in static]
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
        short = [nws[k] <= 4 and not static[k][8] for k in range(n)]
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
    line_attrs = posting.line_attrs
    if line_attrs is not None and len(line_attrs) != len(lines):
        line_attrs = None  # structure that does not describe these lines is no evidence
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
            words = _slug_words(norm)
            if words and len(words) <= 8 and all(w in title_words for w in words):
                add("in:url")
        if page_title and k and nws[k] <= 10 and norm != page_title and 3 <= len(norm) \
                and norm in page_title:
            add("in:title")
        if first_title >= 0 and 0 <= k - first_title <= 4 and not ruled[k]:
            add("header:title" if k == first_title else "header:after")
        if st[9] and nws[k] <= 6:
            add("dateish")
        rl = run_len_name(c.run_len[k])
        if rl:
            add(rl)
        if c.html:
            add("html")
            if line_attrs is not None:
                feats.extend(line_attrs[i])  # the containers the renderer saw (html:nav ...)
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
