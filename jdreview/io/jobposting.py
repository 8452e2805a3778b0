"""The page's own schema.org ``JobPosting``: evidence of which lines are the job.

About half of real job pages embed the posting as structured data for search engines:
JSON-LD (``<script type="application/ld+json">`` holding a ``JobPosting``) or microdata
(``itemprop="description"``, ``itemprop="title"`` ... inside a ``JobPosting`` item). Its
fields name the job (title, hiring organisation, location, dates, employment type, pay)
and hold the description. The lines still come from the page, never from the data: a
line whose text lies in the description, or that names a header field, is marked, and
the classifier weighs the marks (``html:ld-body``, ``html:ld-head``, and ``html:ld-part`` for
a line that holds the job's title among other words, as a similar job's title does). A line
in none of them gets no mark: pages show more of the job than their data holds (measured
leave-one-site-out, a mark for "in none" cost more on such pages than it gained).

>>> page = '''<script type="application/ld+json">{"@type": "JobPosting", "title": "Data Engineer",
... "description": "&lt;p&gt;You build pipelines in Python.&lt;/p&gt;",
... "hiringOrganization": {"@type": "Organization", "name": "Acme"}}</script>'''
>>> fields = job_posting_fields(page)
>>> line_marks(["Data Engineer", "Acme", "You build pipelines in Python.", "Similar jobs"], fields)
[('html:ld-head',), ('html:ld-head',), ('html:ld-body',), ()]
>>> line_marks(["Senior Data Engineer"], fields)
[('html:ld-part',)]
"""

from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: JobPosting properties that name the header of the job (title, company, place, dates, type, pay)
_HEAD_KEYS = frozenset({
    "title", "name", "hiringOrganization", "jobLocation", "address", "addressLocality",
    "addressRegion", "addressCountry", "streetAddress", "postalCode", "datePosted",
    "validThrough", "employmentType", "baseSalary", "estimatedSalary", "value", "minValue",
    "maxValue", "currency", "unitText", "jobLocationType", "industry", "occupationalCategory",
    "workHours", "jobStartDate", "applicantLocationRequirements",
})
_BODY_KEYS = ("description", "responsibilities", "qualifications", "skills", "jobBenefits",
              "educationRequirements", "experienceRequirements", "incentiveCompensation")
#: the page's structured data is read from the first this many characters of each script
_MAX_SCRIPT = 1_000_000
_SPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
#: a header value shorter than this is too common a string to name a line (a "3", "EUR")
_MIN_HEAD = 3
#: a line shorter than this is not looked up in the description ("a", "Apply")
_MIN_BODY = 4
#: a line of at least this many words is looked up anywhere in the description's text
_BODY_WORDS = 5


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


@dataclass
class JobFields:
    """What a page's own ``JobPosting`` data says: its description's text (folded, its
    lines joined by spaces), the description's lines, and its header values (folded)."""

    body: str = ""
    head: set[str] = field(default_factory=set)
    lines: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.body or self.head)


def _postings(obj: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 20:
        return
    if isinstance(obj, list):
        for x in obj:
            yield from _postings(x, depth + 1)
    elif isinstance(obj, dict):
        t = obj.get("@type")
        if t == "JobPosting" or (isinstance(t, list) and "JobPosting" in t):
            yield obj
        for v in obj.values():
            if isinstance(v, (dict, list)):
                yield from _postings(v, depth + 1)


def _head_values(obj: Any, key: str, out: set[str], depth: int = 0) -> None:
    if depth > 8:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in _HEAD_KEYS:
                _head_values(v, k, out, depth + 1)
    elif isinstance(obj, list):
        for v in obj[:64]:
            _head_values(v, key, out, depth + 1)
    elif isinstance(obj, str) and key in _HEAD_KEYS:
        v = _fold(_html.unescape(obj))
        if len(v) >= _MIN_HEAD and not v.startswith(("http:", "https:")):
            out.add(v)


def _text_of(fragment: str) -> str:
    """The text of an HTML fragment (a description), one folded line per block."""
    from .html import html_to_lines

    if "<" not in fragment and "&lt;" in fragment:
        fragment = _html.unescape(fragment)  # an escaped fragment ("&lt;p&gt;...")
    if not fragment.strip():
        return ""
    try:
        lines, _ = html_to_lines(fragment)
    except Exception:  # text with no markup or no text: take it as it is
        lines = [fragment]
    return "\n".join(_fold(x) for x in lines if x.strip())


def job_posting_fields(page: str, tree: Any = None) -> JobFields:
    """The JobPosting data of an HTML page: JSON-LD scripts and microdata ``itemprop``
    elements. ``tree`` is lexbor's parse of the page when the caller has it (else the
    page is parsed here). Bad JSON in a script is skipped, never an error: the data is
    evidence, not input."""
    out = JobFields()
    if "JobPosting" not in page:
        return out
    if tree is None:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(page)
    bodies: list[str] = []
    for script in tree.css('script[type="application/ld+json"]'):
        raw = (script.text(deep=True) or "").strip()[:_MAX_SCRIPT]
        if "JobPosting" not in raw:
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            try:
                obj = json.loads(raw.replace("\n", " "), strict=False)
            except ValueError:
                continue
        for jp in _postings(obj):
            for key in _BODY_KEYS:
                v = jp.get(key)
                if isinstance(v, str):
                    bodies.append(v)
            _head_values(jp, "", out.head)
            if isinstance(jp.get("title"), str):
                out.titles.add(_fold(_html.unescape(jp["title"])))
    if "itemprop" in page:
        scopes = tree.css("[itemtype*=JobPosting]")
        # a page that lists similar jobs as JobPosting items too: the one with a description
        described = [sc for sc in scopes if sc.css_first("[itemprop~=description]") is not None]
        for scope in described or scopes:
            for el in scope.css("[itemprop]"):
                props = set(str(el.attributes.get("itemprop") or "").split())
                if props & {"description", "responsibilities", "qualifications", "skills"}:
                    bodies.append(el.html or "")
                elif props & _HEAD_KEYS:
                    text = _fold(el.text(deep=True))
                    if _MIN_HEAD <= len(text) <= 200:
                        out.head.add(text)
                        if "title" in props:
                            out.titles.add(text)
    texts = [t for t in map(_text_of, bodies) if t]
    out.lines = {x.strip(_EDGE) for t in texts for x in t.split("\n")}
    out.body = " ".join(" ".join(t.split("\n")) for t in texts)
    return out


def line_marks(lines: list[str], fields: JobFields) -> list[tuple[str, ...]]:
    """Per line: ``html:ld-body`` when its text lies in the description (a short line:
    when it is one of the description's lines), ``html:ld-head`` when it is a header
    value, ``html:ld-part`` when it holds the job's title among other words; else
    nothing (as for every line of a page without JobPosting data)."""
    if not fields:
        return [() for _ in lines]
    body, head = fields.body, fields.head
    out: list[tuple[str, ...]] = []
    for line in lines:
        x = _fold(line).strip(_EDGE)
        marks: list[str] = []
        # a short line is in the description as one of its lines ("Marketing" is a word of
        # many); a sentence may hold several of them (the page joined its paragraphs)
        if x in fields.lines or (len(x) >= _MIN_BODY and x.count(" ") >= _BODY_WORDS - 1 and _holds(body, x)):
            marks.append("html:ld-body")
        if len(x) >= _MIN_HEAD and x in head:
            marks.append("html:ld-head")
        elif len(x) <= 120 and any(_holds(x, v) for v in fields.titles if len(v) >= 4):
            marks.append("html:ld-part")
        out.append(tuple(marks))
    return out


_EDGE = " .,;:!?·•|-–—()[]\"'"


def _holds(hay: str, x: str) -> bool:
    """``x`` occurs in ``hay`` as whole words (not "alue" in "alueelta")."""
    start = hay.find(x)
    tries = 0
    while start >= 0 and tries < 8:
        end = start + len(x)
        if (start == 0 or not hay[start - 1].isalnum() or not x[0].isalnum()) and \
                (end == len(hay) or not hay[end].isalnum() or not x[-1].isalnum()):
            return True
        start = hay.find(x, start + 1)
        tries += 1
    return False
