"""Decisions and results of the filter: a keep/drop with its reason, per line and segment,
and the frozen configuration every stage takes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..io.posting import Posting

if TYPE_CHECKING:
    pass


#: Which stage made a decision: a rule, a structural rule, the site memory (what the
#: reviewer decided about the same line on the site's reviewed postings), the classifier,
#: the default (keep, no classifier), a decision inherited from the sentence before
#: (``follows``), or ``missing`` (a unit the filter was not asked about).
Source = Literal["rule", "structure", "memory", "classifier", "default", "follows", "missing"]
SOURCES: tuple[Source, ...] = get_args(Source)


@dataclass(frozen=True)
class FilterConfig:
    """Settings of the automatic filter; one frozen value passed everywhere.

    threshold: classifier probability at or above which a line is kept.
    segments: split lines into sentences / fields and trim noise segments.
    structure: apply structural rules (repeated header block, repeated title).
    long_line: a line longer than this many characters that holds several sentences
        (a posting flattened to one line, as JSON Lines and CSV fields often come) is
        decided sentence by sentence, each sentence as if it were a line of its own;
        0 switches this off.
    time_budget: seconds one posting may take; past it the posting fails with
        ``FilterTimeout`` (one error line, the batch goes on) instead of stalling a
        batch; 0 means no limit. Checked between the filter's steps and every few
        hundred lines, so a step may overrun it by the cost of a few hundred lines.
    min_kept_share: a posting of at least 50 words whose cleaned text keeps less
        than this share of its words gets a warning (it is still written).
    regions: revise classifier decisions by their neighbours (:mod:`jdreview.filter.regions`)
    when the classifier carries learned transition costs.
    crf: decide the units no rule did with the region CRF (:mod:`jdreview.filter.crf`)
    when the classifier carries one.
    """

    threshold: float = 0.5
    segments: bool = True
    structure: bool = True
    long_line: int = 1500
    time_budget: float = 60.0
    min_kept_share: float = 0.05
    regions: bool = True
    crf: bool = True


DEFAULT_CONFIG = FilterConfig()


@dataclass(slots=True)
class Decision:
    """Keep or drop, and why: ``source`` says which stage decided (:data:`Source`).

    ``follows`` is a decision inherited from a neighbour: the sentences after one a drop
    rule matched go with it to the end of the paragraph, and they name that rule
    (``follows:<rule-id>``) without claiming that it matched them (jusText keeps the
    first-pass class beside the revised one in the same way).

    A value: rule decisions are cached and shared between lines and postings, so a
    decision is replaced, never changed in place. (Not ``frozen``: a frozen
    dataclass costs four times as much to make, and a posting makes hundreds.)
    """

    keep: bool
    source: Source
    rule: str = ""
    score: float | None = None

    @property
    def reason(self) -> str:
        if self.source in ("rule", "structure", "follows", "memory"):
            return f"{self.source}:{self.rule}"
        if self.source == "classifier":
            # "classifier:0.62 region:drop": the region decoder overruled the line's own score
            return f"classifier:{self.score:.2f}" + (f" {self.rule}" if self.rule else "")
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
