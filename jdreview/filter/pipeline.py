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

>>> from jdreview.io.posting import Posting
>>> from jdreview.filter.rules import RuleSet, Rule
>>> rs = RuleSet([Rule("apply", "exact", ("apply",))])
>>> r = auto_filter(Posting.from_text("Data Engineer\\nApply\\nSQL and Python.\\n"), rs)
>>> r.cleaned_text()
'Data Engineer\\nSQL and Python.\\n'
>>> r.lines[1].decision.reason
'rule:apply'

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from ..io.posting import URL_LINE, Posting
from ..limits import CACHE_ENTRIES
from .decision import (
    DEFAULT_CONFIG,
    Decision,
    FilterConfig,
    FilterResult,
    LineResult,
    SegmentResult,
)
from .rules import RuleSet
from .segments import _FIELD_SEP, _single_segment, split_segments

if TYPE_CHECKING:
    from .classifier import LineScorer


# --------------------------------------------------------------------------- filter


def auto_filter(posting: Posting, rules: RuleSet | None = None,
                classifier: LineScorer | None = None,
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
                from .features import normalise_title

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
        if (not prev.decision.keep and prev.decision.source in ("rule", "follows")
                and not gap.strip() and segs[k].decision.keep and segs[k].decision.source != "rule"):
            segs[k].decision = Decision(False, "follows", prev.decision.rule)
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
    if len(units) > 2 and URL_LINE.match(lines[units[0]]):
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
