"""Segments: the parts of a line (sentences, and fields separated by ' · ', ' • ', ' | ').
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


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
