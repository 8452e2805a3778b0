"""The rule workbench: rules proposed from labels, rules measured against labels, and the
order in which postings are worth reviewing.

Everything here is pure: labelled postings and a rule set in, plain values out. The
command line (``jdreview rules suggest``, ``jdreview rules stats``) and the window's
rules panel only format what these functions return.

>>> from jdreview.io.posting import Posting
>>> from jdreview.learn.labelled import LabelledPosting
>>> def lp(pid, lines, drop):
...     return LabelledPosting(Posting.from_text("\\n".join(lines), id=pid),
...                            {i: i not in drop for i in range(len(lines))}, site="demo")
>>> data = [lp("a", ["Engineer", "Share this job", "We build."], {1}),
...         lp("b", ["Analyst", "Share this job", "We measure."], {1})]
>>> [(s.rule.pattern, s.support, s.precision) for s in suggest_rules(data, RuleSet())]
[(('share this job',), 2, 1.0)]
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..filter.decision import DEFAULT_CONFIG, FilterConfig
from ..filter.pipeline import auto_filter, rule_decisions
from ..filter.rules import Rule, RuleSet, normalise

if TYPE_CHECKING:
    from ..io.posting import Posting
    from .labelled import LabelledPosting

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Suggestion:
    """A proposed rule with its evidence on the labels.

    support: postings in which it matches a line the person dropped;
    matched: units it matches across all labelled postings (within its scope);
    precision: the share of matched units whose label agrees with its action;
    gain: agreeing units that the existing rules leave to the classifier.
    """

    rule: Rule
    support: int
    matched: int
    precision: float
    gain: int = 0
    examples: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.rule.id, "kind": self.rule.kind, "pattern": list(self.rule.pattern),
                "end": self.rule.end, "max_lines": self.rule.max_lines, "scope": self.rule.scope,
                "action": self.rule.action, "support": self.support, "matched": self.matched,
                "precision": round(self.precision, 4), "gain": self.gain,
                "examples": list(self.examples)}


def _units(p: Posting) -> list[int]:
    return p.units()


def _site(lp: LabelledPosting) -> str:
    return lp.site or lp.posting.site or ""


def _rule_id(kind: str, text: str) -> str:
    return f"suggested-{kind}-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _provenance(n: int) -> tuple[tuple[str, str], ...]:
    today = _dt.date.today().isoformat()
    return (("at", today), ("by", "jdreview rules suggest"), ("from", f"labels of {n} postings"))


def generalise(line: str) -> str:
    """A whole-line regex for ``line`` with every number generalised.

    >>> generalise("36 people clicked apply")
    '^\\\\s*\\\\d+\\\\s+people\\\\s+clicked\\\\s+apply\\\\s*$'
    >>> import re; bool(re.search(generalise("Job ID: 123"), "job id:  98765", re.I))
    True
    """
    parts = []
    for k, piece in enumerate(_DIGITS.split(normalise(line))):
        if k:
            parts.append(r"\d+")
        parts.append(r"\s+".join(re.escape(w) for w in piece.split(" ")))
    return r"^\s*" + "".join(parts) + r"\s*$"


def _exact_hit(rule: Rule, norm: str) -> bool:
    return norm in {normalise(p) for p in rule.pattern}


def evaluate_rule(rule: Rule, postings: Sequence[LabelledPosting]
                  ) -> tuple[int, int, int, dict[int, set[int]]]:
    """(support, matched, agreeing, matched line indices by posting) of one rule run on
    its own over the labelled postings (in its scope). Support counts postings where it
    matches at least one unit whose label agrees with its action."""
    want = rule.action == "keep"
    rs = RuleSet([rule])
    support = matched = agree = 0
    hits_by: dict[int, set[int]] = {}
    for n, lp in enumerate(postings):
        p = lp.posting
        if rule.scope != "all" and rule.scope != p.site and rule.scope != _site(lp):
            continue
        units = _units(p)
        norms = {i: normalise(p.lines[i]) for i in units}
        saved = p.site
        if rule.scope != "all":
            p.site = rule.scope  # a site rule runs on the site the labels name
        try:
            dec = rule_decisions(p, units, norms, rs)
        finally:
            p.site = saved
        hits = {i for i, d in dec.items() if d.rule == rule.id and i in lp.labels}
        good = sum(1 for i in hits if lp.labels[i] == want)
        if hits:
            hits_by[n] = hits
        matched += len(hits)
        agree += good
        support += good > 0
    return support, matched, agree, hits_by


def suggest_rules(postings: Sequence[LabelledPosting], existing: RuleSet, *,
                  min_support: int = 2, min_precision: float = 0.0,
                  sections: str = "closed") -> list[Suggestion]:
    """Rules proposed from labels, best first (precision, then support).

    - exact: a normalised line dropped in at least ``min_support`` postings;
    - regex: dropped lines that differ only in their numbers ("36 applicants",
      "12 applicants"), generalised with ``\\d+``;
    - section: a line that is dropped every time it occurs, together with the run of
      dropped lines after it, ending at a line that is the same each time.

    ``sections``: "closed" (the default) proposes only sections with such an end line;
    "all" also those that run to the end of the posting or for a fixed number of lines,
    and "none" no sections. Open sections look perfect on the labels but transfer badly:
    on the development corpus (``benchmarks/learning_curve.py``), accepting them raised
    the lines to toggle on a new LinkedIn posting from 3.8 to 18.8 after one reviewed
    posting, because a footer heading such as "Cookie Policy" also opens the cookie banner
    at the top of other pages, and the section then swallowed the whole posting.

    Lines the ``existing`` rules already decide are not proposed again. A rule is
    scoped to a site when all its support comes from that site.
    """
    # where each normalised text occurs: (posting number, line index)
    occ: dict[str, list[tuple[int, int]]] = {}
    decided: list[dict[int, Any]] = []
    for n, lp in enumerate(postings):
        p = lp.posting
        units = _units(p)
        norms = {i: normalise(p.lines[i]) for i in units}
        decided.append(rule_decisions(p, units, norms, existing))
        for i in units:
            if i in lp.labels:
                occ.setdefault(norms[i], []).append((n, i))

    def scope_of(ns: Iterable[int]) -> str:
        sites = {_site(postings[n]) for n in ns}
        return sites.pop() if len(sites) == 1 and "" not in sites else "all"

    out: list[Suggestion] = []
    # exact lines
    open_dropped: dict[str, set[int]] = {}
    for norm, places in occ.items():
        drops = {n for n, i in places if not postings[n].labels[i] and i not in decided[n]}
        if drops:
            open_dropped[norm] = drops
    exact_norms = set()
    for norm, drops in open_dropped.items():
        if len(drops) < min_support or not re.search(r"\w", norm):
            continue
        rule = Rule(_rule_id("exact", norm), "exact", (norm,), "drop", scope_of(drops),
                    note="suggested from labels", provenance=_provenance(len(postings)))
        out.append(_measure(rule, postings, (norm,), decided))
        exact_norms.add(norm)
    # numbers generalised
    by_pattern: dict[str, set[str]] = {}
    for norm in open_dropped:
        if _DIGITS.search(norm) and re.search(r"[^\W\d_]", norm):
            by_pattern.setdefault(generalise(norm), set()).add(norm)
    for pattern, norms_ in by_pattern.items():
        drops = set().union(*(open_dropped[x] for x in norms_))
        if len(drops) < min_support or (len(norms_) == 1 and norms_ <= exact_norms):
            continue
        rule = Rule(_rule_id("regex", pattern), "regex", (pattern,), "drop", scope_of(drops),
                    note="suggested from labels (numbers generalised)",
                    provenance=_provenance(len(postings)))
        out.append(_measure(rule, postings, tuple(sorted(norms_))[:3], decided))
    if sections not in ("none", "closed", "all"):
        raise ValueError(f"sections must be 'none', 'closed' or 'all', not {sections!r}")
    if sections != "none":
        out.extend(_suggest_sections(postings, occ, decided, min_support, scope_of,
                                     open_sections=sections == "all"))
    out = [s for s in out if s.precision >= min_precision]
    out.sort(key=lambda s: (-s.precision, -s.gain, -s.support, s.rule.id))
    return out


def _measure(rule: Rule, postings: Sequence[LabelledPosting], examples: tuple[str, ...],
             decided: Sequence[Mapping[int, Any]]) -> Suggestion:
    support, matched, agree, hits = evaluate_rule(rule, postings)
    want = rule.action == "keep"
    gain = sum(1 for n, h in hits.items() for i in h
               if i not in decided[n] and postings[n].labels[i] == want)
    return Suggestion(rule, support, matched, agree / matched if matched else 0.0, gain, examples)


def _suggest_sections(postings: Sequence[LabelledPosting], occ: Mapping[str, list[tuple[int, int]]],
                      decided: Sequence[Mapping[int, Any]], min_support: int,
                      scope_of: Any, open_sections: bool) -> list[Suggestion]:
    out = []
    for norm, places in occ.items():
        if not re.search(r"[^\W\d_]", norm):
            continue
        if any(postings[n].labels[i] for n, i in places):
            continue  # the start line must be dropped every time it occurs
        runs: list[tuple[int, int, str | None]] = []  # (posting, run length, end line text)
        for n, i in places:
            lp = postings[n]
            units = [u for u in _units(lp.posting) if u in lp.labels]
            k = units.index(i)
            m = k
            while m < len(units) and not lp.labels[units[m]]:
                m += 1
            end = normalise(lp.posting.lines[units[m]]) if m < len(units) else None
            runs.append((n, m - k, end))
        if len({n for n, _, _ in runs}) < min_support or min(r for _, r, _ in runs) < 3:
            continue
        # worth a section only when the run holds lines no rule decides yet
        if all(all(u in decided[n] for u in _run_lines(postings[n], i, r)) for (n, r, _), (_, i)
               in zip(runs, places, strict=True)):
            continue
        ends = {e for _, _, e in runs}
        start = generalise(norm)
        if not open_sections and (len(ends) != 1 or ends == {None}):
            continue
        if ends == {None}:
            rule = Rule(_rule_id("section", start), "section", (start,), "drop",
                        scope_of(n for n, _, _ in runs), note="suggested from labels: to the end",
                        provenance=_provenance(len(postings)))
        elif len(ends) == 1:
            end = next(iter(ends))
            assert end is not None
            rule = Rule(_rule_id("section", start + end), "section", (start,), "drop",
                        scope_of(n for n, _, _ in runs), end=generalise(end),
                        note="suggested from labels", provenance=_provenance(len(postings)))
        else:
            rule = Rule(_rule_id("section", start), "section", (start,), "drop",
                        scope_of(n for n, _, _ in runs), max_lines=min(r for _, r, _ in runs),
                        note="suggested from labels (shortest run seen)",
                        provenance=_provenance(len(postings)))
        out.append(_measure(rule, postings, (norm,), decided))
    return out


def _run_lines(lp: LabelledPosting, start: int, length: int) -> list[int]:
    units = [u for u in _units(lp.posting) if u in lp.labels]
    k = units.index(start)
    return units[k:k + length]


# --------------------------------------------------------------------------- rule stats


@dataclass
class RuleStat:
    """How one rule fares on labelled postings.

    matched / postings: units (and postings) the rule matches when run on its own;
    fired: units where it is the reason for the filter's decision in the whole set;
    overridden: fired units whose label contradicts it;
    precision: the share of matched units whose label agrees with its action;
    overlaps: other rules matching the same units (rule id -> units);
    conflicts: those of them with the opposite action.
    """

    rule: Rule
    matched: int = 0
    postings: int = 0
    fired: int = 0
    overridden: int = 0
    agree: int = 0
    overlaps: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float | None:
        return self.agree / self.matched if self.matched else None

    @property
    def often_overridden(self) -> bool:
        """Overridden at least twice and on at least a fifth of the units it decided."""
        return self.overridden >= 2 and self.overridden >= 0.2 * self.fired

    def to_json(self) -> dict[str, Any]:
        p = self.precision
        return {"id": self.rule.id, "kind": self.rule.kind, "action": self.rule.action,
                "scope": self.rule.scope, "matched": self.matched, "postings": self.postings,
                "fired": self.fired, "overridden": self.overridden,
                "precision": None if p is None else round(p, 4), "overlaps": self.overlaps,
                "conflicts": self.conflicts, "often_overridden": self.often_overridden}


def _line_hits(rule: Rule, p: Posting, units: list[int], norms: dict[int, str]) -> set[int]:
    """Lines a rule matches on its own (segment rules: lines where it drops a part)."""
    rs = RuleSet([rule])
    if rule.kind == "regex" and rule.unit == "segment":
        res = auto_filter(p, rs, None, FilterConfig(structure=False))
        hits = set()
        for lr in res.lines:
            if lr.decision is None:
                continue
            if lr.decision.rule == rule.id or any(s.decision.rule == rule.id for s in lr.segments or ()):
                hits.add(lr.index)
        return hits
    return {i for i, d in rule_decisions(p, units, norms, rs).items() if d.rule == rule.id}


def rule_stats(rules: RuleSet, postings: Sequence[LabelledPosting],
               config: FilterConfig = DEFAULT_CONFIG) -> list[RuleStat]:
    """Per rule of ``rules`` (enabled ones), its figures on the labelled postings, in the
    rule set's order. Labels are line labels: a segment rule is measured on whether the
    line it trims was kept (a trim counts as agreeing when the line was kept)."""
    active = [r for r in rules.rules if r.enabled]
    stats = {r.id: RuleStat(r) for r in active}
    for lp in postings:
        p = lp.posting
        units = _units(p)
        norms = {i: normalise(p.lines[i]) for i in units}
        hits: dict[str, set[int]] = {}
        for r in active:
            h = {i for i in _line_hits(r, p, units, norms) if i in lp.labels}
            if h:
                hits[r.id] = h
        for rid, h in hits.items():
            st = stats[rid]
            st.matched += len(h)
            st.postings += 1
            want = st.rule.action == "keep"
            is_segment = st.rule.kind == "regex" and st.rule.unit == "segment"
            st.agree += sum(1 for i in h if lp.labels[i] == want or (is_segment and lp.labels[i]))
            for other, h2 in hits.items():
                if other == rid:
                    continue
                both = len(h & h2)
                if both:
                    st.overlaps[other] = st.overlaps.get(other, 0) + both
                    if stats[other].rule.action != st.rule.action:
                        st.conflicts[other] = st.conflicts.get(other, 0) + both
        res = auto_filter(p, rules, None, config)
        for lr in res.lines:
            d = lr.decision
            if d is None or lr.index not in lp.labels or d.source not in ("rule", "structure", "follows"):
                continue
            st2 = stats.get(d.rule)
            if st2 is None:
                continue
            st2.fired += 1
            if d.keep != lp.labels[lr.index]:
                st2.overridden += 1
    return [stats[r.id] for r in active]


def format_stats(stats: Sequence[RuleStat], *, only_used: bool = True) -> str:
    head = f"{'rule':<28} {'kind':<14} {'act':<4} {'matched':>7} {'postings':>8} {'fired':>5} " \
           f"{'overr.':>6} {'prec.':>6}  overlaps / conflicts"
    out = [head]
    for s in stats:
        if only_used and not s.matched and not s.fired:
            continue
        p = "-" if s.precision is None else f"{s.precision:.3f}"
        ov = ", ".join(f"{k}:{v}" for k, v in sorted(s.overlaps.items()))
        cf = ", ".join(f"{k}:{v}" for k, v in sorted(s.conflicts.items()))
        flag = "  OFTEN OVERRIDDEN" if s.often_overridden else ""
        out.append(f"{s.rule.id[:28]:<28} {s.rule.kind[:14]:<14} {s.rule.action:<4} {s.matched:>7} "
                   f"{s.postings:>8} {s.fired:>5} {s.overridden:>6} {p:>6}  {ov or '-'}"
                   f"{' / conflicts ' + cf if cf else ''}{flag}")
    return "\n".join(out) + "\n"


def format_suggestions(sugs: Sequence[Suggestion]) -> str:
    out = [f"{'support':>7} {'matched':>7} {'gain':>5} {'prec.':>6}  {'kind':<8} {'scope':<12} pattern"]
    for s in sugs:
        pat = s.rule.pattern[0] if s.rule.pattern else ""
        extra = f"  end {s.rule.end}" if s.rule.end else (f"  max_lines {s.rule.max_lines}" if s.rule.max_lines else "")
        out.append(f"{s.support:>7} {s.matched:>7} {s.gain:>5} {s.precision:6.3f}  {s.rule.kind:<8} "
                   f"{s.rule.scope[:12]:<12} {pat}{extra}")
    return "\n".join(out) + "\n"


def fired_rules(units: Iterable[tuple[Any, Any, str, Any]]) -> dict[str, int]:
    """Rule id -> how many units it decided, over ``(line, segment, text, decision)``
    units (:meth:`jdreview.filter.decision.FilterResult.units`), in order of first firing.

    >>> from jdreview.filter.decision import Decision
    >>> fired_rules([(0, None, "a", Decision(False, "rule", "x")), (1, None, "b", Decision(True, "default")),
    ...              (2, None, "c", Decision(False, "structure", "y")), (3, 0, "d", Decision(False, "rule", "x"))])
    {'x': 2, 'y': 1}
    """
    out: dict[str, int] = {}
    for _line, _seg, _text, d in units:
        if d.source in ("rule", "structure", "follows") and d.rule:
            out[d.rule] = out.get(d.rule, 0) + 1
    return out
