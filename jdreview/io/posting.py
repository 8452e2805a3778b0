"""A posting: one job ad as lines, with what is known of where it came from.

Loading (``jdreview.io.inputs``) detects the encoding and repairs mojibake
(``jdreview.io.decode``), turns HTML into lines (``jdreview.io.html``), and reads the
seed-002 pair form and batch files.

>>> p = Posting.from_text("Data Engineer\\nApply\\n")
>>> p.lines
['Data Engineer', 'Apply']
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any

from .decode import normalise_newlines, repair_text
from .html import html_to_lines

SITES = (
    ("linkedin", ("linkedin.",)),
    ("indeed", ("indeed.",)),
    ("workday", ("myworkdayjobs.", "workday.")),
    ("greenhouse", ("greenhouse.io",)),
    ("lever", ("lever.co",)),
    ("smartrecruiters", ("smartrecruiters.",)),
    ("ashby", ("ashbyhq.",)),
    ("workable", ("workable.com",)),
    ("personio", ("personio.",)),
    ("softgarden", ("softgarden.",)),
    ("hibob", ("hibob.com",)),
    ("glassdoor", ("glassdoor.",)),
    ("stepstone", ("stepstone.",)),
)
_LINKEDIN_MARKS = re.compile(
    r"people clicked apply|linkedin corporation|new to linkedin\?|on linkedin$|"
    r"responses managed off linkedin|see who .{1,80} has hired|^about the job$|"
    r"\d+ applicants?$|^easy apply$",
    re.MULTILINE)  # applied to lower-cased text
#: every mark above contains one of these words
_LINKEDIN_WORDS = ("linkedin", "clicked apply", "has hired", "about the job", "applicant", "easy apply")
#: A collector's ``**URL:** https://...`` line (group 1: the address); the filter drops it.
URL_LINE = re.compile(r"^\s*(?:\*\*)?url:?(?:\*\*)?:?\s*(https?://\S+)", re.IGNORECASE)


@dataclass(slots=True)
class Posting:
    """One job ad as lines of text, with what is known of where it came from.

    ``lines`` keep blank lines so that line numbers match the source file; the
    filter treats only non-blank lines as units.
    """

    lines: list[str]
    id: str = ""
    source: str = ""
    url: str = ""
    site: str = ""
    title: str = ""
    company: str = ""
    kind: str = "text"  # "text" or "html": how the lines were made
    gold: str | None = None  # the cleaned part of a pair file, when there is one
    warnings: list[str] = field(default_factory=list)
    # HTML only: per line, what its containing elements say (``html:nav``, ``html:footer``,
    # ``html:links`` ...; see :func:`jdreview.io.html.html_to_lines`), evidence for the classifier
    line_attrs: list[tuple[str, ...]] | None = None
    # HTML only: per line, its container path (tags and classes of its innermost elements,
    # :func:`jdreview.io.html._line_rows`), what the site memory learns a site's template from
    line_paths: list[str] | None = None

    @classmethod
    def from_text(cls, text: str, **kw: Any) -> Posting:
        """A posting from already-decoded text (repaired, line endings folded)."""
        text = repair_text(normalise_newlines(text))
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        p = cls(lines=lines, **kw)
        if not p.url:
            p.url = _find_url(lines)
        if not p.site:
            p.site = detect_site(p.url, lines)
        if not p.id:
            p.id = p.content_hash[:16]
        return p

    @classmethod
    def from_html(cls, html: str | bytes, **kw: Any) -> Posting:
        """A posting from an HTML page: one line per rendered block."""
        found: dict[str, str] = {}
        attrs: list[tuple[str, ...]] = []
        paths: list[str] = []
        lines, warnings = html_to_lines(html, kw.get("source", ""), found, attrs, paths)
        if not kw.get("title") and found.get("title"):
            kw["title"] = found["title"]
        text = repair_text("\n".join(lines))
        p = cls(lines=text.split("\n") if text else [], kind="html", **kw)
        if len(attrs) == len(p.lines):
            p.line_attrs = attrs
            if len(paths) == len(p.lines):
                p.line_paths = paths
        p.warnings.extend(warnings)
        if not p.site:
            p.site = detect_site(p.url, p.lines)
        if not p.id:
            p.id = p.content_hash[:16]
        return p

    def units(self) -> list[int]:
        """Indices of the lines the filter decides: every non-blank line."""
        return [i for i, line in enumerate(self.lines) if line.strip()]

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256("\n".join(self.lines).encode("utf-8")).hexdigest()

    @property
    def stem(self) -> str:
        base = os.path.basename(self.source.split("#", 1)[0]) if self.source else self.id
        return os.path.splitext(base)[0] or self.id


def detect_site(url: str, lines: list[str]) -> str:
    """The job site a posting comes from: by URL, else by LinkedIn's own words.

    >>> detect_site("https://www.linkedin.com/jobs/view/1", [])
    'linkedin'
    >>> detect_site("", ["Cambridge, MA \u00b7 1 week ago \u00b7 36 people clicked apply", "About the job"])
    'linkedin'
    >>> detect_site("", ["36 people clicked apply"])  # one mark alone is not enough
    ''
    """
    low = url.lower()
    if low:
        for site, marks in SITES:
            if any(m in low for m in marks):
                return site
    if lines:
        # lower-case once and match without IGNORECASE: several times faster on long pages
        sample = "\n".join(lines[:400]).lower()
        words = [w for w in _LINKEDIN_WORDS if w in sample]
        if not words:  # no mark can match: skip the regex
            return ""
        # every mark lies within one line that holds one of the words: run the
        # regex over those lines only (a page's 400 lines hold a handful)
        n_marks = len(_LINKEDIN_MARKS.findall(_lines_holding(sample, words)))
        if n_marks >= 2 or (n_marks == 1 and "linkedin" in sample):
            return "linkedin"
    return ""


def _lines_holding(text: str, words: list[str]) -> str:
    """The lines of ``text`` that hold one of ``words``, in order, one per line."""
    spans = set()
    for w in words:
        pos = text.find(w)
        while pos >= 0:
            start = text.rfind("\n", 0, pos) + 1
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            spans.add((start, end))
            pos = text.find(w, end)
    return "\n".join(text[a:b] for a, b in sorted(spans))


def _find_url(lines: list[str]) -> str:
    for line in lines[:5]:
        m = URL_LINE.match(line)
        if m:
            return m.group(1)
    return ""
