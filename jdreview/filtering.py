"""The automatic filter: keep or drop every line (and part of a line), with a reason.

Order of authority, highest first:

1. keep rules (exact, regex, section) -- a person said this is content;
2. drop rules (exact, regex, section) and structural rules (repeated header block,
   repeated title);
3. the classifier's score against the threshold;
4. the default (keep) when no classifier is given.

Kept lines that hold a separator or several sentences are split into segments,
and segment rules trim the noise parts ("Cambridge, MA · 1 week ago · 36 people
clicked apply" keeps "Cambridge, MA · 1 week ago"). The cleaned text is exactly the
kept units, in order, with their original characters.

>>> from jdreview.posting import Posting
>>> from jdreview.rules import RuleSet, Rule
>>> rs = RuleSet([Rule("apply", "exact", ("apply",))])
>>> r = auto_filter(Posting.from_text("Data Engineer\\nApply\\nSQL and Python.\\n"), rs)
>>> r.cleaned_text()
'Data Engineer\\nSQL and Python.\\n'
>>> r.lines[1].decision.reason
'rule:apply'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from .limits import CACHE_ENTRIES
from .posting import Posting
from .rules import RuleSet

if TYPE_CHECKING:
    from .classifier import Classifier


@dataclass(frozen=True)
class FilterConfig:
    """Settings of the automatic filter; one frozen value passed everywhere.

    threshold: classifier probability at or above which a line is kept.
    segments: split lines into sentences / fields and trim noise segments.
    structure: apply structural rules (repeated header block, repeated title).
    """

    threshold: float = 0.5
    segments: bool = True
    structure: bool = True


DEFAULT_CONFIG = FilterConfig()


@dataclass(slots=True)
class Decision:
    """Keep or drop, and why: ``source`` is rule, structure, classifier, default or user.

    A value: rule decisions are cached and shared between lines and postings, so a
    decision is replaced, never changed in place. (Not ``frozen``: a frozen
    dataclass costs four times as much to make, and a posting makes hundreds.)
    """

    keep: bool
    source: str
    rule: str = ""
    score: float | None = None

    @property
    def reason(self) -> str:
        if self.source in ("rule", "structure"):
            return f"{self.source}:{self.rule}"
        if self.source == "classifier":
            return f"classifier:{self.score:.2f}"
        return self.source

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"keep": self.keep, "source": self.source}
        if self.rule:
            d["rule"] = self.rule
        if self.score is not None:
            d["score"] = round(self.score, 4)
        return d


@dataclass(slots=True)
class SegmentResult:
    start: int
    end: int
    text: str
    decision: Decision


@dataclass(slots=True)
class LineResult:
    index: int  # 0-based line number in the posting
    text: str
    decision: Decision | None  # None for blank lines (not units)
    segments: list[SegmentResult] | None = None

    @property
    def is_unit(self) -> bool:
        return self.decision is not None

    def kept_text(self, keep_line: bool | None = None,
                  keep_segments: Mapping[int, bool] | None = None) -> str:
        """The text this line contributes: whole, trimmed to kept segments, or ''."""
        if self.decision is None:
            return ""
        if self.segments is None:
            keep = self.decision.keep if keep_line is None else keep_line
            return self.text if keep else ""
        if keep_line is False:
            return ""
        parts: list[str] = []
        prev_end = None
        for k, seg in enumerate(self.segments):
            keep = seg.decision.keep
            if keep_segments is not None and k in keep_segments:
                keep = keep_segments[k]
            elif keep_line is True and keep_segments is None:
                keep = True
            if keep:
                if parts and prev_end is not None:
                    parts.append(self.text[self.segments[k - 1].end:seg.start])
                parts.append(seg.text)
            prev_end = seg.end
        return "".join(parts)


@dataclass
class FilterResult:
    posting: Posting
    lines: list[LineResult]
    rules_version: str = ""
    classifier_version: str = ""
    warnings: list[str] = field(default_factory=list)

    def units(self) -> Iterator[tuple[int, int | None, str, Decision]]:
        """(line index, segment index or None, text, decision) for every unit."""
        for lr in self.lines:
            if lr.decision is None:
                continue
            if lr.segments is None:
                yield lr.index, None, lr.text, lr.decision
            else:
                for k, seg in enumerate(lr.segments):
                    yield lr.index, k, seg.text, seg.decision

    def cleaned_text(self, overrides: Mapping[tuple[int, int | None], bool] | None = None) -> str:
        """The kept units in order, with a blank line kept between kept lines where the
        posting had one. ``overrides`` maps (line, segment-or-None) to a person's label."""
        return cleaned_text(self.lines, overrides)

    def counts(self) -> tuple[int, int]:
        """(kept, dropped) units."""
        kept = total = 0
        for lr in self.lines:
            d = lr.decision
            if d is None:
                continue
            if lr.segments is None:
                total += 1
                kept += d.keep
            else:
                total += len(lr.segments)
                kept += sum(seg.decision.keep for seg in lr.segments)
        return kept, total - kept

    @property
    def kept(self) -> int:
        return self.counts()[0]

    @property
    def dropped(self) -> int:
        return self.counts()[1]


def line_texts(lines: list[LineResult],
               overrides: Mapping[tuple[int, int | None], bool] | None = None
               ) -> Iterator[tuple[int, str, bool]]:
    """For every line: (index, the text it contributes or '', whether a blank line
    goes before it). A blank line is kept between two kept lines that had one."""
    pending_blank = False
    any_out = False
    for lr in lines:
        if lr.decision is None:
            pending_blank = any_out
            yield lr.index, "", False
            continue
        keep_line = overrides.get((lr.index, None)) if overrides else None
        seg_over = None
        if overrides and lr.segments is not None:
            seg_over = {k: overrides[(lr.index, k)] for k in range(len(lr.segments))
                        if (lr.index, k) in overrides} or None
        text = lr.kept_text(keep_line, seg_over)
        yield lr.index, text, bool(text) and pending_blank
        if text:
            any_out = True
            pending_blank = False


def cleaned_text(lines: list[LineResult],
                 overrides: Mapping[tuple[int, int | None], bool] | None = None) -> str:
    """The kept units in order (see :func:`line_texts`), one line each."""
    out: list[str] = []
    if not overrides:  # the batch path: line_texts inlined
        pending_blank = any_out = False
        for lr in lines:
            d = lr.decision
            if d is None:
                pending_blank = any_out
                continue
            text = (lr.text if d.keep else "") if lr.segments is None else lr.kept_text()
            if text:
                if pending_blank:
                    out.append("")
                out.append(text)
                any_out = True
                pending_blank = False
        return "\n".join(out) + "\n" if out else ""
    for _i, text, blank_before in line_texts(lines, overrides):
        if text:
            if blank_before:
                out.append("")
            out.append(text)
    return "\n".join(out) + "\n" if out else ""


# --------------------------------------------------------------------------- segments

_FIELD_SEP = re.compile(r"\s+[\u00b7\u2022|]\s+")
_SENTENCE_END = re.compile(r"(?<=[^\s.][.!?])([\"\u201d\u2019)]?)\s+(?=[\"\u201c\u2018(\u00bf\u00a1]?[A-Z\u00c0-\u00de0-9])")
_ABBREV = frozenset("""i.e e.g etc vs approx incl sr jr mr mrs ms dr st no nr inc ltd co corp
    u.s u.k dept ca bzw z.b d.h u.a ggf inkl evtl ref fig jan feb mar apr jun jul aug sep sept
    oct nov dec mgr""".split())


_MAYBE_SPLIT = re.compile(r"\s[\u00b7\u2022|]\s|[.!?][\"\u201d\u2019)]?\s+\S")


def _single_segment(text: str) -> bool:
    return _MAYBE_SPLIT.search(text) is None


def split_segments(text: str) -> list[tuple[int, int]]:
    """Character spans of the segments of one line: " · ", " • ", " | " fields, then
    sentences. A line with one segment returns one span.

    >>> s = "Cambridge, MA \u00b7 1 week ago \u00b7 36 people clicked apply"
    >>> [s[a:b] for a, b in split_segments(s)]
    ['Cambridge, MA', '1 week ago', '36 people clicked apply']
    >>> s = "Apply by May 5. No agencies please. See i.e. this."
    >>> [s[a:b] for a, b in split_segments(s)]
    ['Apply by May 5.', 'No agencies please.', 'See i.e. this.']
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    fields = []
    for m in _FIELD_SEP.finditer(text):
        fields.append((pos, m.start()))
        pos = m.end()
    fields.append((pos, len(text)))
    for a, b in fields:
        start = a
        for m in _SENTENCE_END.finditer(text, a, b):
            cut = m.start()
            word = text[start:cut].rsplit(None, 1)[-1] if text[start:cut].strip() else ""
            if word.rstrip(".!?\"\u201d\u2019)").lower().lstrip("(") in _ABBREV:
                continue
            spans.append((start, cut + len(m.group(1))))
            start = m.end()
        if start < b:
            spans.append((start, b))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out or [(0, len(text))]


# --------------------------------------------------------------------------- filter


def auto_filter(posting: Posting, rules: RuleSet | None = None,
                classifier: Classifier | None = None,
                config: FilterConfig = DEFAULT_CONFIG) -> FilterResult:
    """Decide keep or drop for every unit of ``posting``; see the module docstring."""
    rules = rules if rules is not None else RuleSet()
    site = posting.site
    lines = posting.lines
    n = len(lines)
    units = [i for i in range(n) if lines[i].strip()]
    unit_lines = [lines[i] for i in units]
    known = list(map(rules.norm_cache.get, unit_lines))  # one C-level pass when all are known
    if None in known:
        norm_of = rules.normalised
        folded = [x if x is not None else norm_of(line) for x, line in zip(known, unit_lines, strict=True)]
    else:
        folded = cast("list[str]", known)
    norms = dict(zip(units, folded, strict=True))
    dec = rule_decisions(posting, units, norms, rules, config)

    # 4. the classifier decides what no rule did
    if len(dec) < len(units):
        if classifier is not None:
            threshold = config.threshold
            for i, p in classifier.score(posting, units, norms, dec).items():
                dec[i] = Decision(p >= threshold, "classifier", "", p)
        else:
            default = Decision(True, "default")
            for i in units:
                if i not in dec:
                    dec[i] = default

    # 5. segments: trim noise parts of kept lines
    results = list(map(LineResult, range(n), lines, map(dec.get, range(n))))
    if config.segments and rules.has_segment_rules(site):
        # fields (" · ") are always checked; sentences only when a segment rule matches
        # somewhere in the line (anchored field rules cannot match the whole line)
        need = rules.segment_cache(site)
        for i in units:
            if not dec[i].keep:
                continue
            text = lines[i]
            v = need.get(text)
            if v is None:
                v = _FIELD_SEP.search(text) is not None or rules.may_match_segment(text, site)
                if len(need) >= CACHE_ENTRIES:
                    need.clear()
                need[text] = v
            if v:
                _segment_line(results[i], rules, site)
    return FilterResult(posting, results, rules.version,
                        classifier.version if classifier is not None else "",
                        list(posting.warnings))



_MISSING = Decision(False, "missing")


def _line_rule(line: str, norm: str, site: str, rules: RuleSet, segment_rules: bool) -> Decision | None:
    """The decision of the line rules alone (keep rules first), or None."""
    r = rules.match_exact(line, site, norm)
    if r is None or r.action != "keep":
        r2 = rules.match_regex(line, site, "line", "keep")
        if r2 is not None:
            r = r2
    if r is not None and r.action == "keep":
        return Decision(True, "rule", r.id)
    if r is None:
        r = rules.match_regex(line, site, "line", "drop")
    if r is None and segment_rules and _single_segment(line):
        # a segment rule on a line that is one segment is a line rule
        r = rules.match_regex(line, site, "segment", "drop")
    return Decision(False, "rule", r.id) if r is not None else None


def rule_decisions(posting: Posting, units: list[int], norms: dict[int, str], rules: RuleSet,
                   config: FilterConfig = DEFAULT_CONFIG) -> dict[int, Decision]:
    """Decisions of the line, section and structural rules (line index -> decision);
    lines no rule decided are absent."""
    site = posting.site
    lines = posting.lines
    dec: dict[int, Decision] = {}
    keep_hits: set[int] = set()
    segment_rules = rules.has_segment_rules(site)

    # 1. line rules: keep rules first, they outrank everything
    cache = rules.line_cache(site)
    for i in units:
        line = lines[i]
        d = cache.get(line, _MISSING)
        if d is _MISSING:
            d = _line_rule(line, norms[i], site, rules, segment_rules)
            if len(cache) >= CACHE_ENTRIES:
                cache.clear()
            cache[line] = d
        if d is not None:
            dec[i] = d
            if d.keep:
                keep_hits.add(i)

    # 2. sections: from a start line to an end line (exclusive) or the end
    # which section rules start on which line: one cached lookup per line
    starts: dict[int, list[int]] = {}
    if rules.sections:
        section_hits = rules.section_hits
        known = rules.section_cache.get
        for k, i in enumerate(units):
            found = known(lines[i])
            if found is None:
                found = section_hits(lines[i])
            if found:
                for r in found:
                    starts.setdefault(r, []).append(k)
    for r_index, (rule, _start_pat, end_pat) in enumerate(rules.sections):
        if rule.scope != "all" and rule.scope != site or r_index not in starts:
            continue
        begins = starts[r_index]
        k = 0
        while True:
            nxt = next((b for b in begins if b >= k), None)
            if nxt is None:
                break
            k = nxt
            stop = len(units)
            for k2 in range(k + 1, len(units)):
                if end_pat is not None and rules.section_matches(rule, end_pat, lines[units[k2]]):
                    stop = k2
                    break
                if rule.max_lines and k2 - k >= rule.max_lines:
                    stop = k2
                    break
            for k3 in range(k, stop):
                j = units[k3]
                if rule.action == "keep":
                    dec[j] = Decision(True, "rule", rule.id)
                    keep_hits.add(j)
                elif j not in keep_hits:
                    dec.setdefault(j, Decision(False, "rule", rule.id))
            k = max(stop, k + 1)

    # 3. structure: repeated header blocks and repeated titles
    if config.structure:
        for rule in rules.structural:
            if rule.scope != "all" and rule.scope != site:
                continue
            if rule.kind == "repeated_block":
                hits = repeated_blocks(units, norms, rule.min_lines)
            elif rule.kind == "link_list":
                from .classifier import normalise_title

                hits = link_lists(lines, units, norms, dec, rule.min_lines,
                                  normalise_title(posting, units, norms))
            else:
                hits = repeated_titles(posting, units, norms, dec)
            for j in hits:
                if j not in dec:
                    dec[j] = Decision(rule.action == "keep", "structure", rule.id)
    return dec


def _segment_line(lr: LineResult, rules: RuleSet, site: str) -> None:
    text = lr.text
    spans = split_segments(text)
    if len(spans) < 2:
        # one segment: a segment rule that matches the whole line drops the line
        r = rules.match_regex(text, site, "segment", "drop")
        if r is not None and rules.match_regex(text, site, "segment", "keep") is None:
            lr.decision = Decision(False, "rule", r.id)
        return
    segs = []
    for a, b in spans:
        s = text[a:b]
        keep_r = rules.match_regex(s, site, "segment", "keep")
        drop_r = None if keep_r else rules.match_regex(s, site, "segment", "drop")
        if keep_r is not None:
            d = Decision(True, "rule", keep_r.id)
        elif drop_r is not None:
            d = Decision(False, "rule", drop_r.id)
        else:
            assert lr.decision is not None
            d = lr.decision
        segs.append(SegmentResult(a, b, s, d))
    # legal boilerplate runs on to the end of its paragraph: once a sentence is
    # dropped by a rule, the sentences after it (not " · " fields) go with it
    for k in range(1, len(segs)):
        prev = segs[k - 1]
        gap = text[prev.end:segs[k].start]
        if (not prev.decision.keep and prev.decision.source == "rule" and not gap.strip()
                and segs[k].decision.keep and segs[k].decision.source != "rule"):
            segs[k].decision = prev.decision
    if all(not s.decision.keep for s in segs):
        lr.decision = segs[0].decision
        return
    if all(s.decision == lr.decision for s in segs):
        return
    lr.segments = segs


def repeated_blocks(units: list[int], norms: dict[int, str], min_lines: int = 2) -> set[int]:
    """Units that repeat, as a run of at least ``min_lines``, a run seen earlier.

    >>> lines = ["Title", "Acme", "Apply", "Title", "Acme", "Body text here."]
    >>> sorted(repeated_blocks(list(range(6)), {i: l.lower() for i, l in enumerate(lines)}))
    [3, 4]
    """
    seq = [norms[i] for i in units]
    hits: set[int] = set()
    if len(set(seq)) == len(seq):
        return hits  # no line repeats: the common case for a description-only capture
    first: dict[str, list[int]] = {}
    k = 0
    n = len(seq)
    while k < n:
        earlier = first.get(seq[k])
        if earlier is None:
            first[seq[k]] = [k]
            k += 1
            continue
        best = 1  # seq[j] == seq[k] for every earlier j
        nxt = seq[k + 1] if k + 1 < n else None
        for j in earlier:
            # most earlier copies differ at the next line: check that before the loop
            if j + 1 < k and seq[j + 1] == nxt:
                length = 2
                while k + length < n and j + length < k and seq[j + length] == seq[k + length]:
                    length += 1
                if length > best:
                    best = length
        earlier.append(k)
        if best >= min_lines:
            for m in range(k, k + best):
                hits.add(units[m])
                first.setdefault(seq[m], []).append(m)
            k += best
        else:
            k += 1
    return hits


_LINK_END = re.compile(r"[.!?:;,]\W*$")


def link_lists(lines: list[str], units: list[int], norms: Mapping[int, str],
               dec: Mapping[int, Decision], min_lines: int = 8, page_title: str = "") -> set[int]:
    """Navigation and link lists: runs of at least ``min_lines`` short lines (four
    words or fewer, no closing punctuation) before the body's header block (the six
    lines above its first sentence) or after its last sentence. A line a rule kept,
    a "Label:" line, or a line the page title names (the job, the company) breaks a run.

    >>> ls = ["Home", "Jobs", "Teams", "Benefits", "Offices", "Blog", "Press", "Help",
    ...       "Careers", "Events", "Data Engineer", "Acme", "Berlin", "Hybrid", "Full-time", "Senior",
    ...       "We build data pipelines for the whole company every single day.", "Apply"]
    >>> sorted(link_lists(ls, list(range(18)), {i: l.lower() for i, l in enumerate(ls)}, {}))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    n = len(units)
    # norms are whitespace-folded: words are spaces plus one
    nw = [norms[i].count(" ") + 1 for i in units]
    body = [k for k in range(n) if nw[k] >= 10 and not ((d := dec.get(units[k])) is not None and not d.keep)]
    if not body:
        return set()
    first, last = body[0], body[-1]
    hits: set[int] = set()
    # before the body's header block (the six lines above its first sentence) and
    # after its last sentence
    for lo, hi in ((0, first - 6), (last + 1, n)):
        run: list[int] = []
        for k in range(lo, hi):
            i = units[k]
            d = dec.get(i)
            norm = norms[i]
            short = nw[k] <= 4 and not _LINK_END.search(norm)
            named = bool(page_title) and len(norm) >= 3 and norm in page_title and k > 1
            if short and not named and not (d is not None and d.keep):
                run.append(k)
            elif d is not None and not d.keep:
                continue  # a line a rule dropped neither breaks nor extends a run
            else:
                if len(run) >= min_lines:
                    hits.update(units[m] for m in run)
                run.clear()
        if len(run) >= min_lines:
            hits.update(units[m] for m in run)
    return hits


_URL_LINE = re.compile(r"^\s*(?:\*\*)?url:?(?:\*\*)?:?\s*https?://", re.IGNORECASE)


def repeated_titles(posting: Posting, units: list[int], norms: dict[int, str],
                    dec: Mapping[int, Decision]) -> set[int]:
    """Copies of the posting's title: the page ``<title>`` line a collector put first
    (when the title shows again, or it carries a " | Site" suffix), and a second copy
    of a header line that follows the first within the header block."""
    hits: set[int] = set()
    if not units:
        return hits
    lines = posting.lines
    # the collector's page-title line right after a "**URL:**" line
    if len(units) > 2 and _URL_LINE.match(lines[units[0]]):
        t = units[1]
        title = norms[t]
        later = {norms[i] for i in units[2:60]}
        parts = [p.strip() for p in re.split(r"\s(?:\||–|-|—|I|::)\s", title) if p.strip()]
        # "Job Application for Senior Data Engineer at Acme": a page title that holds
        # a later header line (the job title, the company) is the page's <title>
        holds_later = any(x in title and x != title and 1 <= x.count(" ") <= 11 for x in later)
        if title in later or any(p in later for p in parts if len(p) > 3) or holds_later or (
                " | " in lines[t] and len(title.split()) <= 16):
            hits.add(t)
    # a header line repeated after the first few header lines (before the body starts)
    seen: dict[str, int] = {}
    for k, i in enumerate(units[:40]):
        text = norms[i]
        words = text.count(" ") + 1  # norms are whitespace-folded
        if words > 14:
            if words > 25:
                break
            continue
        if text in seen and k - seen[text] <= 12 and i not in dec and units[seen[text]] not in hits:
            hits.add(i)
        seen.setdefault(text, k)
    return hits
