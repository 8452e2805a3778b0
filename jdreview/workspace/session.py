"""A posting under review: the automatic decisions, the person's overrides, and undo.

A :class:`Session` holds one posting's filter result, the lines the person split into
segments or joined back, and the person's labels (overrides) per unit. Every edit is
a :class:`Change` -- a command object with the values before and after -- so undo and
redo are exact and the window's ``QUndoStack`` only wraps them. ``Session.apply``
hands each change to a ``persist`` callback first (the workspace writes it), then
updates the session, so what is shown is always already saved.

The preview is the same function export uses (:func:`jdreview.filter.decision.cleaned_text`
over the session's lines and overrides), so the window never shows something that
export would not write.

>>> from jdreview.io.posting import Posting
>>> from jdreview.filter.pipeline import auto_filter
>>> s = Session(auto_filter(Posting.from_text("Data Engineer\\nApply now\\nSQL.\\n")))
>>> change = s.toggle([(1, None)])
>>> s.apply(change); s.cleaned_text()
'Data Engineer\\nSQL.\\n'
>>> s.apply(change.inverse()); s.cleaned_text()
'Data Engineer\\nApply now\\nSQL.\\n'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..filter.decision import (
    Decision,
    FilterResult,
    LineResult,
    SegmentResult,
    cleaned_text,
    line_texts,
)
from ..filter.rules import Action, Rule, Unit, normalise
from ..filter.segments import split_segments
from ..io.posting import Posting

if TYPE_CHECKING:
    from ..engines.local import Cleaner
    from .store import EditKey, Workspace

#: A unit: (line index, segment index or None for the whole line).
Key = tuple[int, "int | None"]


@dataclass(frozen=True)
class Change:
    """One undoable edit: for each unit key and split line, the value before and after.

    ``None`` means "no override" (or "no split choice"): the automatic decision holds.
    ``elsewhere`` holds overrides of other postings (posting id, key, before, after),
    written by "apply to all identical lines".
    """

    name: str
    overrides: tuple[tuple[Key, bool | None, bool | None], ...] = ()
    splits: tuple[tuple[int, bool | None, bool | None], ...] = ()
    elsewhere: tuple[tuple[int, Key, bool | None, bool | None], ...] = ()

    def inverse(self) -> Change:
        return Change(self.name, tuple((k, a, b) for k, b, a in self.overrides),
                      tuple((k, a, b) for k, b, a in self.splits),
                      tuple((p, k, a, b) for p, k, b, a in self.elsewhere))

    @property
    def empty(self) -> bool:
        return not (self.overrides or self.splits or self.elsewhere)


#: persist(change) writes a change (already oriented: "after" is the new value).
Persist = Callable[[Change], None]


@dataclass
class Preview:
    """The cleaned text and, for every line, the preview line it maps to.

    ``rows[i]`` is the 0-based line of the preview where posting line ``i`` shows,
    or, for a line that is not shown, the preview line that follows it (so scrolling
    stays in step); ``shown[i]`` says whether line ``i`` is in the preview.
    """

    text: str
    rows: list[int]
    shown: list[bool]


@dataclass
class Session:
    """One posting under review. Pure: no I/O except through ``persist``."""

    result: FilterResult
    overrides: dict[Key, bool] = field(default_factory=dict)
    splits: dict[int, bool] = field(default_factory=dict)
    persist: Persist | None = None
    #: the workspace connection's view of who wrote what (see :class:`EditLink`), or None
    link: EditLink | None = None

    def __post_init__(self) -> None:
        self.lines: list[LineResult] = []
        self._counts: dict[str, int] | None = None  # counts(), kept up to date by apply
        # what each line contributes to the preview (None: to be made): a toggle makes
        # again the texts of its own lines, not of the posting's 2,000
        self._texts: list[str] | None = None
        self._preview: Preview | None = None
        self._rebuild()

    @property
    def posting(self) -> Posting:
        return self.result.posting

    # ------------------------------------------------------------------ structure
    def _rebuild(self) -> None:
        """The lines as shown: the filter's result with the person's splits and joins."""
        out = []
        for lr in self.result.lines:
            choice = self.splits.get(lr.index)
            if lr.decision is None or choice is None:
                out.append(lr)
            elif choice and lr.segments is None:
                out.append(user_split(lr))
            elif not choice and lr.segments is not None:
                out.append(LineResult(lr.index, lr.text, lr.decision, None))
            else:
                out.append(lr)
        self.lines = out
        self._counts = None
        self._texts = self._preview = None

    def set_result(self, result: FilterResult) -> None:
        """Swap in a new filter result (rules changed); edits are kept."""
        self.result = result
        self._rebuild()

    def replace_edits(self, overrides: dict[Key, bool], splits: dict[int, bool]) -> bool:
        """Take the person's edits as the workspace now holds them (another window
        changed them); returns True when anything differed."""
        if overrides == self.overrides and splits == self.splits:
            return False
        self.overrides, self.splits = dict(overrides), dict(splits)
        self._rebuild()
        return True

    def find(self, query: str, after: int = -1, *, backwards: bool = False) -> int | None:
        """The next line (after line ``after``, wrapping around) whose text contains
        ``query`` (case folded); None when no line does.

        >>> from jdreview.io.posting import Posting
        >>> from jdreview.filter.pipeline import auto_filter
        >>> s = Session(auto_filter(Posting.from_text("SQL\\nPython\\nmore sql")))
        >>> s.find("sql"), s.find("sql", 0), s.find("sql", 0, backwards=True), s.find("rust")
        (0, 2, 2, None)
        """
        q = query.casefold().strip()
        n = len(self.lines)
        if not q or not n:
            return None
        step = -1 if backwards else 1
        for k in range(1, n + 1):
            i = (after + step * k) % n
            if q in self.lines[i].text.casefold():
                return i
        return None

    def keys(self, line: int) -> list[Key]:
        """The unit keys of one line: its segments, or the line itself; [] for blank lines."""
        lr = self.lines[line]
        if lr.decision is None:
            return []
        if lr.segments is None:
            return [(line, None)]
        return [(line, k) for k in range(len(lr.segments))]

    def all_keys(self) -> list[Key]:
        return [k for i in range(len(self.lines)) for k in self.keys(i)]

    def auto(self, key: Key) -> Decision:
        lr = self.lines[key[0]]
        assert lr.decision is not None, "blank lines have no decision"
        if key[1] is None:
            return lr.decision
        assert lr.segments is not None
        return lr.segments[key[1]].decision

    def text(self, key: Key) -> str:
        lr = self.lines[key[0]]
        return lr.text if key[1] is None or lr.segments is None else lr.segments[key[1]].text

    def final(self, key: Key) -> bool:
        """The label: the person's override, else the automatic decision."""
        v = self.overrides.get(key)
        return self.auto(key).keep if v is None else v

    def changed(self, key: Key) -> bool:
        """True when the person's label differs from the automatic decision."""
        v = self.overrides.get(key)
        return v is not None and v != self.auto(key).keep

    def line_final(self, line: int) -> bool | None:
        """A line's label: kept if any of its units is kept; None for blank lines."""
        keys = self.keys(line)
        return any(self.final(k) for k in keys) if keys else None

    def line_changed(self, line: int) -> bool:
        return any(self.changed(k) for k in self.keys(line))

    # ------------------------------------------------------------------ making changes
    def set_label(self, keys: Iterable[Key], keep: bool, name: str = "") -> Change:
        """A change that labels every unit of ``keys`` ``keep`` (no-op units left out)."""
        ch = []
        for key in _expand(self, keys):
            if self.final(key) != keep or key not in self.overrides:
                ch.append((key, self.overrides.get(key), keep))
        label = "keep" if keep else "drop"
        keys_l = list(_expand(self, keys))
        where = _describe(keys_l)
        return Change(name or f"{label} {where}", tuple(ch))

    def toggle(self, keys: Iterable[Key]) -> Change:
        """Flip ``keys`` together: all dropped if any is kept, else all kept.

        Toggling a split line's row toggles all its segments.
        """
        keys = list(_expand(self, keys))
        if not keys:
            return Change("toggle nothing")
        keep = not any(self.final(k) for k in keys)
        return self.set_label(keys, keep, f"{'keep' if keep else 'drop'} {_describe(keys)}")

    def split_or_join(self, line: int) -> Change:
        """Split a line into segments, or join a split line back into one unit.

        Splitting carries a whole-line label onto every segment; joining keeps the line
        if any segment was kept. Returns an empty change for a blank line or a line
        that has only one segment.
        """
        lr = self.lines[line]
        if lr.decision is None:
            return Change("split nothing")
        before = self.splits.get(line)
        if lr.segments is None:  # split
            if len(split_segments(lr.text)) < 2:
                return Change("split nothing")
            base = self.result.lines[line]
            after: bool | None = None if base.segments is not None else True
            line_label = self.overrides.get((line, None))
            n = len(user_split(lr).segments or ()) if base.segments is None else len(base.segments)
            ov: list[tuple[Key, bool | None, bool | None]] = []
            if line_label is not None:
                ov.append(((line, None), line_label, None))
                ov.extend(((line, k), self.overrides.get((line, k)), line_label) for k in range(n))
            return Change(f"split line {line + 1}", tuple(ov), ((line, before, after),))
        # join
        base = self.result.lines[line]
        after = None if base.segments is None else False
        keep = any(self.final(k) for k in self.keys(line))
        ov = [((line, k), self.overrides[(line, k)], None)
              for k in range(len(lr.segments)) if (line, k) in self.overrides]
        old_line = self.overrides.get((line, None))
        if keep != lr.decision.keep or old_line is not None:
            ov.append(((line, None), old_line, keep if keep != lr.decision.keep else None))
        return Change(f"join line {line + 1}", tuple(ov), ((line, before, after),))

    def apply(self, change: Change, *, persisted: bool = False) -> None:
        """Persist ``change`` (unless the caller already did), then make it the session's
        state. A persist that fails (e.g. a locked workspace) raises before anything changes."""
        if change.empty:
            return
        if self.persist is not None and not persisted:
            self.persist(change)
        # counts() follows an override-only change unit by unit instead of recounting
        # every unit of the posting (a toggle on a 2,000-line posting: 1 ms saved a frame)
        keys = [] if change.splits or self._counts is None else \
            [k for k in dict.fromkeys(k for k, _b, _a in change.overrides) if self._is_unit(k)]
        self._tally(keys, -1)
        for key, _before, after in change.overrides:
            if after is None:
                self.overrides.pop(key, None)
            else:
                self.overrides[key] = after
        self._tally(keys, 1)
        if self._texts is not None and not change.splits:
            self._preview = None
            for line in {k[0] for k, _b, _a in change.overrides}:
                if 0 <= line < len(self._texts):
                    self._texts[line] = self._line_text(line)
        if change.splits:
            for line, _before, after in change.splits:
                if after is None:
                    self.splits.pop(line, None)
                else:
                    self.splits[line] = after
            self._rebuild()

    def undo_change(self, inverse: Change) -> None:
        """Apply the inverse of a change (what undo does)."""
        self.apply(inverse)

    # ------------------------------------------------------------------ output
    def effective_overrides(self) -> dict[Key, bool]:
        """Overrides that fit the current structure (segment keys on split lines only)."""
        out = {}
        for key, v in self.overrides.items():
            lr = self.lines[key[0]] if key[0] < len(self.lines) else None
            if lr is None or lr.decision is None:
                continue
            if (key[1] is None) == (lr.segments is None) and (
                    key[1] is None or key[1] < len(lr.segments or ())):
                out[key] = v
        return out

    def cleaned_text(self) -> str:
        """Exactly what export writes for this posting."""
        return cleaned_text(self.lines, self.effective_overrides())

    def _line_text(self, i: int) -> str:
        """What line ``i`` contributes to the preview, as :func:`~jdreview.filter.decision.line_texts`
        makes it from :meth:`effective_overrides`."""
        lr = self.lines[i]
        if lr.decision is None:
            return ""
        ov = self.overrides
        if lr.segments is None:
            return lr.kept_text(ov.get((i, None)))
        seg_over = {k: ov[(i, k)] for k in range(len(lr.segments)) if (i, k) in ov} or None
        return lr.kept_text(None, seg_over)

    def preview(self) -> Preview:
        """The cleaned text with the line mapping the window needs to scroll in step.

        Built the same way as :func:`jdreview.filter.decision.cleaned_text` (tests check
        they agree on arbitrary text and edits); each line's text is kept between calls
        and made again only for the lines a change touched.
        """
        if self._preview is not None:
            return self._preview
        if self._texts is None:
            overrides = self.effective_overrides()
            self._texts = [text for _i, text, _b in line_texts(self.lines, overrides)]
        out: list[str] = []
        n = len(self.lines)
        rows = [0] * n
        shown = [False] * n
        first_waiting = 0  # lines from here on wait for the next shown line
        pending_blank = False
        for i, text in enumerate(self._texts):
            if text:
                if pending_blank and out:
                    out.append("")
                out.append(text)
                row = len(out) - 1
                rows[first_waiting:i + 1] = [row] * (i + 1 - first_waiting)
                shown[i] = True
                first_waiting = i + 1
                pending_blank = False
            elif self.lines[i].decision is None:
                pending_blank = True
        if first_waiting < n:
            rows[first_waiting:] = [max(len(out) - 1, 0)] * (n - first_waiting)
        self._preview = Preview("\n".join(out) + "\n" if out else "", rows, shown)
        return self._preview

    def counts(self) -> dict[str, int]:
        """Units kept, dropped and changed by the person."""
        if self._counts is None:
            self._counts = {"kept": 0, "dropped": 0, "changed": 0}
            self._tally(self.all_keys(), 1)
        return dict(self._counts)

    def _is_unit(self, key: Key) -> bool:
        """True when ``key`` is one of the units of the lines as they are now."""
        line, seg = key
        if not 0 <= line < len(self.lines) or self.lines[line].decision is None:
            return False
        segs = self.lines[line].segments
        return seg is None if segs is None else seg is not None and 0 <= seg < len(segs)

    def _tally(self, keys: Iterable[Key], sign: int) -> None:
        c = self._counts
        if c is None:
            return
        for key in keys:
            c["kept" if self.final(key) else "dropped"] += sign
            c["changed"] += sign * self.changed(key)


def user_split(lr: LineResult) -> LineResult:
    """A line split by the person: one segment per :func:`split_segments` span, each
    with the line's automatic decision."""
    assert lr.decision is not None
    spans = split_segments(lr.text)
    if len(spans) < 2:
        return lr
    return LineResult(lr.index, lr.text, lr.decision,
                      [SegmentResult(a, b, lr.text[a:b], lr.decision) for a, b in spans])


def _expand(s: Session, keys: Iterable[Key]) -> list[Key]:
    """Whole-line keys of split lines become their segment keys; duplicates removed."""
    out: dict[Key, None] = {}
    for key in keys:
        line, seg = key
        if line >= len(s.lines) or s.lines[line].decision is None:
            continue
        if seg is None:
            for k in s.keys(line):
                out[k] = None
        elif s.lines[line].segments is not None and seg < len(s.lines[line].segments or ()):
            out[key] = None
    return list(out)


def _describe(keys: list[Key]) -> str:
    if not keys:
        return "nothing"
    lines = sorted({k[0] + 1 for k in keys})
    if len(keys) == 1 and keys[0][1] is not None:
        return f"line {keys[0][0] + 1}.{keys[0][1] + 1}"
    if len(lines) == 1:
        return f"line {lines[0]}"
    return f"lines {lines[0]}-{lines[-1]}" if lines[-1] - lines[0] + 1 == len(lines) \
        else f"{len(lines)} lines"


# --------------------------------------------------------------------------- cache


def result_rows(result: FilterResult) -> list[tuple[Any, ...]]:
    """A filter result as workspace ``units`` rows (see :meth:`Workspace.save_units`)."""
    rows = []
    for lr in result.lines:
        d = lr.decision
        if d is None:
            continue
        rows.append((lr.index, -1, 0, len(lr.text), lr.text, normalise(lr.text), int(d.keep), d.source,
                     d.rule, d.score, int(lr.segments is not None)))
        for k, seg in enumerate(lr.segments or ()):
            sd = seg.decision
            rows.append((lr.index, k, seg.start, seg.end, seg.text, normalise(seg.text), int(sd.keep),
                         sd.source, sd.rule, sd.score, 0))
    return rows


def result_from_rows(posting: Posting, rows: list[tuple[Any, ...]], rules_version: str,
                     classifier_version: str) -> FilterResult:
    """Rebuild a filter result from cached rows (line, seg, start, end, keep, source,
    rule, score, segmented); the inverse of :func:`result_rows`."""
    lines = [LineResult(i, t, None) for i, t in enumerate(posting.lines)]
    for line, seg, start, end, keep, source, rule, score, _segmented in rows:
        d = Decision(bool(keep), source, rule, score)
        lr = lines[line]
        if seg < 0:
            lr.decision = d
        else:
            if lr.segments is None:
                lr.segments = []
            lr.segments.append(SegmentResult(start, end, lr.text[start:end], d))
    return FilterResult(posting, lines, rules_version, classifier_version, list(posting.warnings))


# --------------------------------------------------------------------------- acting on many


@dataclass(frozen=True)
class IdenticalPlan:
    """What "apply to all identical lines" would change: (posting, key, before, after)
    for other postings, and the keys of this posting."""

    norm: str
    keep: bool
    here: tuple[Key, ...]
    elsewhere: tuple[tuple[int, Key, bool | None, bool | None], ...]

    @property
    def lines(self) -> int:
        return len(self.here) + len(self.elsewhere)

    @property
    def postings(self) -> int:
        return (1 if self.here else 0) + len({p for p, *_ in self.elsewhere})


def plan_identical(session: Session, pid: int, line: int, keep: bool, units: Iterable[Any]) -> IdenticalPlan:
    """Plan labelling every line whose normalised text equals ``line``'s as ``keep``.

    ``units`` are the workspace's whole-line :class:`~jdreview.workspace.store.UnitRow` with that
    text (``Workspace.units_where_norm``); lines whose label already is ``keep`` are
    left out, so the counts are what changes.
    """
    norm = normalise(session.lines[line].text)
    here = tuple((i, None) for i, lr in enumerate(session.lines)
                 if lr.decision is not None and lr.segments is None and normalise(lr.text) == norm
                 and session.final((i, None)) != keep)
    elsewhere = []
    for u in units:
        if u.posting == pid or u.norm != norm:
            continue
        final = u.keep if u.override is None else u.override
        if final != keep:
            elsewhere.append((u.posting, (u.line, None), u.override, keep))
    return IdenticalPlan(norm, keep, here, tuple(elsewhere))


def identical_change(session: Session, plan: IdenticalPlan) -> Change:
    ch = tuple((k, session.overrides.get(k), plan.keep) for k in plan.here)
    return Change(f"{'keep' if plan.keep else 'drop'} all identical lines ({plan.lines} in "
                  f"{plan.postings} postings)", ch, (), plan.elsewhere)


_DIGITS = re.compile(r"\d+")


def generalise(text: str, *, numbers: bool = True, segment: bool = False) -> str:
    """A regex for this text: the whole line (``^...$``), or with ``segment=True`` the
    text standing alone inside a line (the filter looks for segment rules in the whole
    line before it splits it, so a segment pattern cannot be anchored). With
    ``numbers`` (the default) digits become ``\\d+``.

    Spaces stay spaces (``re.escape`` would write ``\\ ``): the pattern reads as the text.

    >>> print(generalise("36 people clicked apply"))
    ^\\s*\\d+ people clicked apply\\s*$
    >>> print(generalise("Cambridge, MA (on-site)", numbers=False, segment=True))
    (?<!\\S)Cambridge, MA \\(on\\-site\\)(?!\\S)
    """
    parts = []
    pos = 0
    stripped = text.strip()
    for m in _DIGITS.finditer(stripped) if numbers else ():
        parts.append(_escape(stripped[pos:m.start()]))
        parts.append(r"\d+")
        pos = m.end()
    parts.append(_escape(stripped[pos:]))
    if segment:
        return r"(?<!\S)" + "".join(parts) + r"(?!\S)"
    return r"^\s*" + "".join(parts) + r"\s*$"


def _escape(text: str) -> str:
    return re.escape(text).replace("\\ ", " ")


def rule_id_for(pattern: str, prefix: str = "user") -> str:
    words = re.findall(r"[a-z0-9]+", pattern.lower().replace("\\d+", "n"))
    slug = "-".join(w for w in words if w not in ("s",))[:32].strip("-") or "line"
    return f"{prefix}-{slug}-{hashlib.sha1(pattern.encode()).hexdigest()[:6]}"


def propose_rules(text: str, action: Action, *, reviewer: str = "", posting: str = "",
                  at: str = "", scope: str = "all", unit: Unit = "line") -> tuple[Rule, Rule]:
    """Two rules for one line (or, with ``unit="segment"``, one segment), with provenance:
    one matching exactly this text, one with its numbers generalised.

    A line gets an exact-line rule; a segment gets an anchored segment regex (exact rules
    only compare whole lines).

    >>> exact, rx = propose_rules("36 people clicked apply", "drop")
    >>> exact.kind, exact.pattern, rx.kind
    ('exact', ('36 people clicked apply',), 'regex')
    >>> seg, rx = propose_rules("36 people clicked apply", "drop", unit="segment")
    >>> seg.kind, seg.unit, bool(re.search(seg.pattern[0], "Boston · 36 people clicked apply"))
    ('regex', 'segment', True)
    """
    prov = tuple(sorted(p for p in (("by", reviewer), ("at", at), ("posting", posting),
                                     ("from", "review window")) if p[1]))
    line = text.strip()
    what = "a segment" if unit == "segment" else "a line"
    segment = unit == "segment"
    if segment:
        literal = generalise(line, numbers=False, segment=True)
        exact = Rule(rule_id_for(literal), "regex", (literal,), action, scope, unit="segment",
                     note=f"made from {what} in the review window", provenance=prov)
    else:
        exact = Rule(rule_id_for(line), "exact", (line,), action, scope,
                     note=f"made from {what} in the review window", provenance=prov)
    rx = generalise(line, segment=segment)
    regex_rule = Rule(rule_id_for(rx), "regex", (rx,), action, scope, unit=unit,
                      note=f"made from {what} in the review window (numbers generalised)",
                      provenance=prov)
    return exact, regex_rule


@dataclass(frozen=True)
class RuleEffect:
    """What a new rule would do across the workspace.

    matches: lines it matches; flips: lines whose automatic decision it would change
    (never in a posting marked reviewed: its decisions are frozen at review);
    contradictions: lines it matches that the person labelled the other way (an
    override, or any line of a posting marked reviewed); postings: postings touched.
    """

    matches: int
    flips: int
    contradictions: int
    postings: int
    #: the postings it matches lines in (the only ones whose decisions it can change)
    posting_ids: tuple[int, ...] = ()
    #: with the whole filter re-run (:func:`whole_filter_effect`): every unit that flips
    changes: tuple[UnitFlip, ...] = ()


@dataclass(frozen=True)
class UnitFlip:
    """One unit whose automatic decision a new rule changes, as the whole filter says
    (the rule's own matches, and lines the classifier scores differently once their
    neighbours changed). ``contradicts``: the person labelled it the other way."""

    posting: int
    line: int
    segment: int | None
    text: str
    before_keep: bool
    before: str
    after_keep: bool
    after: str
    contradicts: bool
    name: str = ""  # the posting as the queue names it


def rule_effect(rule: Rule, units: Iterable[Any], site_of: Mapping[int, str] | None = None) -> RuleEffect:
    """Count what ``rule`` would match, flip and contradict among workspace ``units``
    (:class:`~jdreview.workspace.store.UnitRow`, whole lines). A drop rule does not flip a line
    a keep rule kept (keep rules outrank drop rules)."""
    import regex as _regex

    keep = rule.action == "keep"
    if rule.kind == "exact":
        wanted = {normalise(p) for p in rule.pattern}

        def hit(u: object) -> bool:
            return u.norm in wanted  # type: ignore[attr-defined]
    else:
        pat = _regex.compile(rule.pattern[0], 0 if rule.case_sensitive else _regex.IGNORECASE)

        def hit(u: object) -> bool:
            try:
                return pat.search(u.text, timeout=0.05) is not None  # type: ignore[attr-defined]
            except TimeoutError:
                return False
    matches = flips = contra = 0
    postings: set[int] = set()
    for u in units:
        if rule.scope != "all" and site_of is not None and site_of.get(u.posting) != rule.scope:
            continue
        if not hit(u):
            continue
        matches += 1
        postings.add(u.posting)
        kept_by_rule = u.keep and u.source == "rule"
        if u.keep != keep and not (kept_by_rule and not keep) and not u.reviewed:
            flips += 1  # a reviewed posting's decisions are frozen at review
        label = u.override if u.override is not None else (u.keep if u.reviewed else None)
        if label is not None and label != keep:
            contra += 1
    return RuleEffect(matches, flips, contra, len(postings), tuple(sorted(postings)))


def rule_preview(ws: Workspace, cleaner: Cleaner, rule: Rule, units: Iterable[Any],
                 site_of: Mapping[int, str] | None = None, replacing: Rule | None = None) -> RuleEffect:
    """What the rule dialogs show: :func:`rule_effect` on ``units``, then the whole
    filter re-run (:func:`whole_filter_effect`). ``replacing``: the rule as it is now,
    when ``rule`` is its edit; the postings it matched are re-run too (there the old
    rule stops firing)."""
    import dataclasses

    units = list(units)
    effect = rule_effect(rule, units, site_of)
    if replacing is not None:
        old = rule_effect(replacing, units, site_of)
        effect = dataclasses.replace(effect, posting_ids=tuple(sorted({*effect.posting_ids, *old.posting_ids})))
    return whole_filter_effect(ws, cleaner, rule, effect)


def whole_filter_effect(ws: Workspace, cleaner: Cleaner, rule: Rule, effect: RuleEffect) -> RuleEffect:
    """``effect`` (from :func:`rule_effect`) with the whole filter re-run with ``rule``
    on every posting the rule matches: ``changes`` lists every unit that flips, matched
    or not, ``flips`` and ``contradictions`` count them (a contradiction: the person's
    override, or the label of a posting marked reviewed, is the other way). A posting
    marked reviewed keeps the decisions it was reviewed with (they are frozen), so its
    units never flip; where the rule would decide one of its lines against the person's
    label, that counts as a contradiction all the same."""
    import dataclasses
    import os

    from ..errors import InputError

    after_cleaner = dataclasses.replace(cleaner, rules=cleaner.rules.with_rule(rule))
    changes: list[UnitFlip] = []
    frozen_against = 0
    for pid in effect.posting_ids:
        try:
            posting = ws.load(pid)
        except (InputError, KeyError):
            continue
        before = {(line, seg): (t, d) for line, seg, t, d in filter_cached(ws, cleaner, pid, posting).units()}
        after = after_cleaner.clean(posting)
        overrides = ws.overrides(pid)
        row = ws.row(pid)
        reviewed = row.status == "reviewed"
        name = row.title or os.path.basename(row.source.split("#", 1)[0])
        for line, seg, text, d in after.units():
            old = before.get((line, seg)) or before.get((line, None))
            if old is None and seg is None:  # the line was split before: its first segment stands
                old = before.get((line, 0))
            if old is None or old[1].keep == d.keep:
                continue
            label = overrides.get((line, seg))
            if label is None and reviewed:
                label = old[1].keep
            if reviewed:
                frozen_against += label is not None and label != d.keep
                continue
            changes.append(UnitFlip(pid, line, seg, text, old[1].keep, old[1].reason, d.keep, d.reason,
                                    label is not None and label != d.keep, name))
    return dataclasses.replace(effect, flips=len(changes), changes=tuple(changes),
                               contradictions=frozen_against + sum(c.contradicts for c in changes))


# --------------------------------------------------------------------------- workspace glue


def edit_keys(change: Change) -> list[EditKey]:
    """The workspace edit keys (:data:`jdreview.workspace.store.EditKey`) a change writes."""
    return [("o", k[0], k[1]) for k, _b, _a in change.overrides] + \
        [("s", line, None) for line, _b, _a in change.splits]


class EditLink:
    """A session's tie to the workspace when others may write too (a second window).

    It remembers the edit counter of every unit as this window last wrote or read it, so
    a write is refused (:class:`~jdreview.workspace.store.EditConflict`) when another window wrote
    the unit since, and :meth:`sync` takes the other window's edits in. Units another
    window changed are remembered with the moment (``generation``) it was noticed: an
    undo of an edit made before that moment would silently revert the other window's
    newer edit, so :meth:`changed_elsewhere` names them and the window refuses.
    """

    def __init__(self, ws: Workspace, pid: int, reviewer: str = "") -> None:
        self.ws, self.pid, self.reviewer = ws, pid, reviewer
        self.known: dict[EditKey, int] = {}
        self.loaded = False
        self.generation = 0
        self.foreign: dict[EditKey, int] = {}
        self.version = -1  # the workspace's data_version at the last load

    def load(self) -> tuple[dict[Key, bool], dict[int, bool]]:
        """The posting's edits as the workspace holds them now; units written by someone
        else since the last load are remembered as changed elsewhere. A read the database
        fails raises :class:`~jdreview.workspace.store.WorkspaceDamaged` (nothing changes)."""
        import sqlite3

        from .store import database_failure

        try:
            version = self.ws.data_version()
            overrides, splits, revs = self.ws.edit_state(self.pid)
        except sqlite3.DatabaseError as e:
            raise database_failure(self.ws.path, e) from None
        self.version = version
        if self.loaded and revs != self.known:
            self.generation += 1
            for key in revs.keys() | self.known.keys():
                if revs.get(key) != self.known.get(key):
                    self.foreign[key] = self.generation
        self.known, self.loaded = revs, True
        return overrides, splits

    def persist(self, change: Change) -> None:
        rev = self.ws.write_change(self.pid, change.overrides, change.splits, self.reviewer,
                                   change.elsewhere, expect=self.known)
        for key, (_k, _b, after) in zip(edit_keys(change), [*change.overrides, *change.splits],
                                        strict=True):
            if after is None:
                self.known.pop(key, None)
            else:
                self.known[key] = rev
        self.generation += 1

    def sync(self, session: Session) -> bool:
        """Read the workspace's edits of this posting into ``session`` if another
        connection changed them; True when the session changed."""
        import sqlite3

        from .store import database_failure

        try:
            if self.ws.data_version() == self.version:  # nobody else committed: nothing to read
                return False
        except sqlite3.DatabaseError as e:
            raise database_failure(self.ws.path, e) from None
        generation = self.generation
        overrides, splits = self.load()
        if self.generation == generation:
            return False
        session.replace_edits(overrides, splits)
        return True

    def changed_elsewhere(self, change: Change, since: int) -> list[EditKey]:
        """The units of ``change`` another window changed after ``since``."""
        return [k for k in edit_keys(change) if self.foreign.get(k, -1) > since]


def open_session(ws: Workspace, cleaner: Cleaner, pid: int, reviewer: str = "", *,
                 cache_later: bool = False, link: EditLink | None = None) -> Session:
    """Load posting ``pid`` from the workspace as a session whose edits are written
    through to the workspace. The automatic decisions come from the workspace's cache
    when the rules and classifier are unchanged, else from the filter (and are cached;
    with ``cache_later``, when the caller flushes the workspace's cache, see
    :meth:`~jdreview.workspace.store.Workspace.cache_later`: the window shows the posting first).

    Edits are written at once either way: they do not depend on the cache. ``link``: the
    posting's :class:`EditLink` from an earlier opening (the window keeps one per posting,
    beside its undo history), so edits made elsewhere meanwhile are known as such.

    Raises :class:`~jdreview.errors.InputError` for a posting that cannot be read.
    """
    posting = ws.load(pid)
    result = filter_cached(ws, cleaner, pid, posting, cache_later=cache_later)
    link = link if link is not None else EditLink(ws, pid, reviewer)
    overrides, splits = link.load()
    return Session(result, overrides, splits, link.persist, link)


def title_of(result: FilterResult) -> str:
    """A name for a posting without a title: its first kept line that reads as a title
    (two words or more: a capture that broke "Die VALUE AG" over lines does not name it
    "Die"), else its first kept line.

    >>> from jdreview.io.posting import Posting
    >>> from jdreview.filter.pipeline import auto_filter
    >>> title_of(auto_filter(Posting.from_text("Die\\nVALUE AG is hiring\\n")))
    'VALUE AG is hiring'
    """
    kept = [t.strip() for _line, _seg, t, d in result.units() if d.keep and t.strip()]
    return next((t for t in kept if len(t.split()) >= 2 and len(t) >= 8), kept[0] if kept else "")


def filter_cached(ws: Workspace, cleaner: Cleaner, pid: int, posting: Posting | None = None, *,
                  cache_later: bool = False, must_cache: bool = False) -> FilterResult:
    """The filter result of ``pid``: cached rows if current (a reviewed posting's whatever
    made them: its decisions are frozen at review), else filtered and cached (with
    ``cache_later``, cached at the workspace's next :meth:`~jdreview.workspace.store.Workspace.flush_cache`).

    A cache write refused by another program's lock is skipped (the result is returned
    all the same), unless ``must_cache`` (the indexers: caching is all they are for),
    which raises :class:`~jdreview.workspace.store.WorkspaceBusy`."""
    posting = posting if posting is not None else ws.load(pid)
    has_units = any(ln.strip() for ln in posting.lines)
    frozen = ws.frozen_units(pid)
    if frozen is not None and (frozen[0] or not has_units):
        # reviewed: what the person reviewed, whatever the filter would say now
        return result_from_rows(posting, *frozen)
    rv, cv = cleaner.rules.version, cleaner.classifier_version
    rows = ws.cached_units(pid, rv, cv)
    if rows is not None and (rows or not has_units):
        return result_from_rows(posting, rows, rv, cv)
    result = cleaner.clean(posting)
    title = posting.title

    def save() -> None:
        ws.save_units(pid, result_rows(result), rv, cv)
        if not title:  # the queue names it by its first kept line, not page chrome
            ws.set_title_if_empty(pid, title_of(result))

    if cache_later:
        ws.cache_later(pid, save)
    elif must_cache:
        save()
    else:
        from .store import WorkspaceBusy

        try:
            save()
        except WorkspaceBusy:
            pass  # another program holds the lock: the cache is the filter's, made again next time
    return result


def index_next(ws: Workspace, cleaner: Cleaner, limit: int = 1) -> int:
    """Filter and cache up to ``limit`` postings whose cached decisions are missing or
    stale, so workspace-wide actions (identical lines, rule effects) see them.
    Returns how many were processed (0 when everything is current)."""
    from ..errors import InputError
    from .store import WorkspaceBusy

    todo = ws.stale(cleaner.rules.version, cleaner.classifier_version, limit)
    for pid in todo:
        try:
            filter_cached(ws, cleaner, pid, must_cache=True)
        except WorkspaceBusy:
            raise  # a held lock: every posting would wait as long again
        except InputError:
            pass  # recorded on the posting by Workspace.load; the queue shows it
    return len(todo)


def queue_order(ws: Workspace, cleaner: Cleaner, pids: Iterable[int]) -> list[int]:
    """``pids`` reordered so the postings most worth a person's time come first: where the
    rules and the classifier disagree most, then where the classifier is least sure
    (:func:`jdreview.workspace.queue.review_order`). Postings that cannot be read keep their
    relative order at the end; without a classifier the order is unchanged.

    Each posting is loaded and measured once per call: the window calls it on demand.
    """
    from ..errors import InputError
    from .queue import posting_signals, review_order

    pids = list(pids)
    if cleaner.classifier is None:
        return pids
    signals, unreadable = [], []
    for pid in pids:
        try:
            posting = ws.load(pid)
        except InputError:
            unreadable.append(pid)
            continue
        signals.append(posting_signals(pid, posting, cleaner.rules, cleaner.classifier, cleaner.config))
    return [*review_order(signals), *unreadable]


def cleaner_for(ws: Workspace, rule_files: Iterable[str] = (), **options: object) -> Cleaner:
    """The cleaner a workspace reviews with: the default rules, then ``rule_files``, then
    the workspace's own rule file (``rules.toml``, where saved rules go) when it exists; and,
    unless a classifier is given, the one learned from the workspace's reviews
    (``classifier.json``, written by ``jdreview train --workspace``) when it exists."""
    import os

    from ..engines.local import Cleaner

    files = [*rule_files]
    if os.path.exists(ws.rules_path):
        files.append(ws.rules_path)
    if not options.get("classifier") and options.get("use_classifier", True) \
            and os.path.exists(ws.classifier_path):
        options = {**options, "classifier": ws.classifier_path}
    return Cleaner.create(rule_files=files, **options)  # type: ignore[arg-type]


class BackgroundIndexer:
    """Fill the workspace's decision cache in a worker thread, one posting at a time.

    The thread has its own database connection (SQLite connections are per thread;
    WAL lets it write while the window writes). Filtering is pure Python, so the
    interpreter switches threads every few milliseconds and the window stays responsive.

    >>> import tempfile
    >>> from jdreview.engines.local import Cleaner
    >>> from jdreview.workspace.store import Workspace
    >>> d = tempfile.mkdtemp(); Workspace.open(d).close()
    >>> ix = BackgroundIndexer(d, Cleaner.create(use_classifier=False)); ix.start(); ix.wait(10)
    True
    >>> ix.done
    0
    """

    def __init__(self, directory: str, cleaner: Cleaner) -> None:
        import threading
        from collections import deque

        self.directory = directory
        self.cleaner = cleaner
        self.done = 0
        self.priority: deque[int] = deque()  # postings to cache first (the next one up)
        self.log: list[int] = []  # postings handled, in order
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jdreview-indexer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def prefer(self, pid: int) -> None:
        """Cache ``pid`` before the rest (thread-safe)."""
        self.priority.append(pid)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the indexer to finish; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        from ..errors import InputError
        from .store import Workspace, WorkspaceBusy

        try:
            ws = Workspace.open(self.directory)
        except Exception:  # the window reports workspace problems itself
            return
        try:
            rv, cv = self.cleaner.rules.version, self.cleaner.classifier_version
            while not self._stop.is_set():
                if self.priority:
                    pid = self.priority.popleft()
                else:
                    todo = ws.stale(rv, cv, 1)
                    if not todo:
                        break
                    pid = todo[0]
                try:
                    filter_cached(ws, self.cleaner, pid, must_cache=True)
                except WorkspaceBusy:
                    raise  # a held lock: stop (below); the window indexes on demand
                except (InputError, KeyError):
                    pass  # recorded on the posting (Workspace.load); the queue shows it
                self.log.append(pid)
                self.done += 1
        except Exception:  # a database busy for 10 s, a bug in a filter: stop quietly;
            pass  # the window indexes on demand before acting on the whole workspace
        finally:
            ws.close()
