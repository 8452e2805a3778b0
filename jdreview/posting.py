"""Postings and how they are loaded: bytes -> text -> lines.

A :class:`Posting` is one job ad as a list of lines. Loading detects the encoding,
repairs mojibake with ftfy (only where the text looks broken, because ftfy costs
milliseconds per posting), turns HTML into lines with beautifulsoup4, and reads the
seed-002 pair form and batch files (JSON Lines, JSON arrays, CSV).

>>> p = Posting.from_text("Data Engineer\\nApply\\n")
>>> p.lines
['Data Engineer', 'Apply']
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError

#: Files larger than this are refused (a posting is a few kB; 16 MB is a mistake).
MAX_POSTING_BYTES = 16 * 1024 * 1024
#: One record of a batch file larger than this is refused.
MAX_RECORD_CHARS = 4 * 1024 * 1024
#: A posting in UTF-8 with at most this many undecodable bytes (or one in a thousand) is
#: cleaned with U+FFFD in their place and a warning; more, and it is refused.
MAX_REPLACED_BYTES = 16
#: A JSON document (a JSON array batch file, a classifier) nested deeper than this is
#: refused (Python's parser would exhaust the stack; real postings nest a few levels).
MAX_JSON_DEPTH = 200

TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
BATCH_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv")
ALL_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + BATCH_SUFFIXES

PAIR_RAW_MARK = "Original Job Description from LLM:"
PAIR_CLEAN_MARK = "Filtered resume it should be:"

#: Record fields that may hold the posting, in order of preference.
TEXT_FIELDS = ("text", "raw", "raw_text", "content", "html", "body", "description",
               "job_description", "jobDescription", "description_html")
ID_FIELDS = ("id", "job_id", "jobId", "uid", "key")
URL_FIELDS = ("url", "job_url", "jobUrl", "link", "job_url_direct")

_SITES = (
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
_URL_LINE = re.compile(r"^\s*(?:\*\*)?url:?(?:\*\*)?:?\s*(https?://\S+)", re.IGNORECASE)


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
        lines, warnings = html_to_lines(html, kw.get("source", ""), found)
        if not kw.get("title") and found.get("title"):
            kw["title"] = found["title"]
        text = repair_text("\n".join(lines))
        p = cls(lines=text.split("\n") if text else [], kind="html", **kw)
        p.warnings.extend(warnings)
        if not p.site:
            p.site = detect_site(p.url, p.lines)
        if not p.id:
            p.id = p.content_hash[:16]
        return p

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


# --------------------------------------------------------------------------- text


def normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# Mojibake is a UTF-8 lead byte read as one character followed by a continuation byte read
# as another: "Ã©" (cp1252/latin-1 for "é"), "¬∑" and "‚Äô" (Mac Roman, as in seed 002).
# Only lines with such a pair go to ftfy; "Île-de-France" or "Ärger" never do.
_MOJI_LEAD = (
    "[\u00c2-\u00f4"                                   # cp1252 / latin-1 lead bytes
    "\u00ac\u221a\u0192\u2248\u2206\u00ab\u00bb\u2026\u00a0\u00c0\u00c3\u00d5\u0152\u0153"
    "\u2013\u2014\u201c\u201d\u2018\u2019\u00f7\u25ca\u00ff\u0178\u2044\u20ac\u2039\u203a"
    "\ufb01\ufb02\u2021\u00b7\u201a\u201e\u2030]"          # Mac Roman lead bytes C2-E4
)
_MOJI_CONT = (
    "[\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152"
    "\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e"
    "\u0178"                                            # cp1252 continuation bytes 80-BF
    "\u00c4\u00c5\u00c7\u00c9\u00d1\u00d6\u00dc\u00e1\u00e0\u00e2\u00e4\u00e3\u00e5\u00e7"
    "\u00e9\u00e8\u00ea\u00eb\u00ed\u00ec\u00ee\u00ef\u00f1\u00f3\u00f2\u00f4\u00f6\u00f5"
    "\u00fa\u00f9\u00fb\u00fc\u2020\u00b0\u00a2\u00a3\u00a7\u2022\u00b6\u00df\u00ae\u00a9"
    "\u2122\u00b4\u00a8\u2260\u00c6\u00d8\u221e\u00b1\u2264\u2265\u00a5\u00b5\u2202\u2211"
    "\u220f\u03c0\u222b\u00aa\u00ba\u03a9\u00e6\u00f8]"  # Mac Roman continuation bytes 80-BF
)
_MOJIBAKE_HINT = re.compile(_MOJI_LEAD + _MOJI_CONT)
_MOJIBAKE_RUN = re.compile("(?=(" + _MOJI_LEAD + _MOJI_CONT + "{1,3}))")  # every start, overlapping


def _utf8_length(lead: int) -> int:
    return 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _plausible(ch: str) -> bool:
    """A character mojibake plausibly stood for: Latin, Greek, Cyrillic, Hebrew, Arabic,
    punctuation and symbols, CJK, emoji -- not Armenian or a combining mark, which is
    what a French "l’école" would give read back through Mac Roman."""
    o = ord(ch)
    if o < 0x800:
        return 0xA0 <= o < 0x300 or 0x370 <= o < 0x483 or 0x48A <= o < 0x500 or 0x590 <= o < 0x700
    return True


def _is_mojibake(run: str) -> bool:
    """Whether characters that look like mojibake turn back into a real character.

    The run is encoded with each codec mojibake comes from and the bytes of one UTF-8
    character read back; "Régelmäßige" ("äß" is no UTF-8) and "l’école" (Armenian
    through Mac Roman) are not mojibake, "Ã©" and "¬∑" are.
    """
    encodable = False
    for codec in ("cp1252", "mac_roman", "latin-1"):
        try:
            data = run.encode(codec)
        except UnicodeEncodeError:
            continue
        encodable = True
        need = _utf8_length(data[0])
        if len(data) < need:
            continue
        try:
            ch = data[:need].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _plausible(ch):
            return True
    return not encodable  # a mix no codec makes: let ftfy judge


def _needs_repair(line: str) -> bool:
    return any(_is_mojibake(m.group(1)) for m in _MOJIBAKE_RUN.finditer(line))



def repair_text(text: str) -> str:
    """Repair mojibake line by line, touching only lines that look broken.

    ftfy is exact but slow (milliseconds per posting), so ASCII text and lines with
    none of the characters that mojibake is made of are passed through untouched.
    Curly quotes are kept: they are the posting's own.

    >>> repair_text("Cambridge, MA \u00ac\u2211 1 week ago")
    'Cambridge, MA \u00b7 1 week ago'
    """
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    import ftfy  # imported lazily: most postings never need it

    out = []
    for line in text.split("\n"):
        if not line.isascii() and _MOJIBAKE_HINT.search(line) and _needs_repair(line):
            line = ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False,
                                 fix_character_width=False, fix_latin_ligatures=False,
                                 normalization=None, unescape_html=False)
        out.append(line)
    return "\n".join(out)


def decode_bytes(data: bytes, source: str = "", warnings: list[str] | None = None) -> str:
    """Decode a posting's bytes: BOMs first, then UTF-8, then cp1252.

    Raises :class:`InputError` for binary data and for text that no encoding fits.
    UTF-8 text with a few undecodable bytes (at most :data:`MAX_REPLACED_BYTES`, or one
    in a thousand) is decoded with U+FFFD in their place and a warning naming the line
    is appended to ``warnings``.

    >>> decode_bytes("caf\u00e9".encode("cp1252"))
    'caf\u00e9'
    >>> decode_bytes(codecs.BOM_UTF16_LE + "hi".encode("utf-16-le"))
    'hi'
    """
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                     (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(enc)
            except UnicodeDecodeError as e:
                raise InputError(source, f"undecodable {enc.upper()} at byte {e.start + len(bom)}: "
                                 f"{e.reason}") from None
    head = data[:65536]
    if b"\x00" in head:
        # UTF-16 without a BOM has a zero in every other byte of ASCII text.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        half = len(head) // 2 or 1
        for enc, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
            if zeros > 0.3 * half and zeros > 4 * min(even, odd) + 1:
                try:
                    text = data.decode(enc)
                except UnicodeDecodeError:
                    break
                if _looks_binary(head, text=text[:32768]):
                    break  # zeros in every other byte, but control characters: binary
                return text
        if head.count(0) > max(8, len(head) // 100):
            raise InputError(source, _binary_message(data))
        # a few stray NULs (a scraper's artefact) in otherwise readable text: drop them
        data = data.replace(b"\x00", b"")
        head = data[:65536]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if _looks_binary(head):
            raise InputError(source, _binary_message(data)) from None
        line = data.count(b"\n", 0, e.start) + 1
        if re.search(rb"[\xc2-\xf4][\x80-\xbf]", data):
            # Mostly UTF-8 with a few broken bytes: keep the UTF-8, replace the damage
            # (U+FFFD) and say where; a file with many is no UTF-8 and is refused.
            text = data.decode("utf-8", errors="replace")
            bad = text.count("\ufffd") - data.count("\ufffd".encode())
            if bad > max(MAX_REPLACED_BYTES, len(data) // 1000):
                raise InputError(source, f"invalid UTF-8 byte 0x{data[e.start]:02x} at byte "
                                 f"{e.start} (line {line}) and {bad - 1} more; re-save the file "
                                 "as UTF-8", line=line) from None
            if warnings is not None:
                warnings.append(f"{source or '<input>'}:{line}: warning: {bad} undecodable byte(s) "
                                f"(first 0x{data[e.start]:02x} at byte {e.start}) replaced with U+FFFD")
        else:
            text = data.decode("cp1252", errors="replace")
            if "\ufffd" in text:
                text = data.decode("latin-1")
    # the common case: no control byte at all, so none among the sample's characters
    # (a character is one to four bytes); bytes.translate counts them at memcpy speed
    if data[:262144].translate(None, _NON_CONTROL_BYTES) and _looks_binary(head, text=text[:65536]):
        raise InputError(source, _binary_message(data))
    return text


def _looks_binary(head: bytes, text: str | None = None) -> bool:
    sample = text if text is not None else head.decode("latin-1")
    if not sample:
        return False
    if _CONTROL_CHARS.search(sample) is None:  # the common case: one scan at C speed
        return False
    controls = len(_CONTROL_CHARS.findall(sample))
    return controls > max(8, len(sample) // 50)


_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f]")  # C0 controls except \t \n \v \f \r
_NON_CONTROL_BYTES = bytes(b for b in range(256) if not (b <= 0x08 or 0x0e <= b <= 0x1f))


def _binary_message(data: bytes) -> str:
    kinds = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP/Office file", b"\x89PNG": "a PNG image",
             b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x7fELF": "an executable",
             b"PAR1": "a Parquet file", b"\x1f\x8b": "a gzip file"}
    for magic, name in kinds.items():
        if data.startswith(magic):
            return f"binary file ({name}), not a text or HTML posting"
    return "binary file, not a text or HTML posting"


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
        for site, marks in _SITES:
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
        m = _URL_LINE.match(line)
        if m:
            return m.group(1)
    return ""


# --------------------------------------------------------------------------- HTML

_DROP_TAGS = ("head", "script", "style", "noscript", "template", "svg", "iframe", "object",
              "canvas", "title", "meta", "link")
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "button", "caption", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "html", "input", "label", "legend", "li",
    "main", "nav", "ol", "option", "p", "pre", "section", "select", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "textarea", "br", "hr",
})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WS = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def html_to_lines(html: str | bytes, source: str = "", meta: dict[str, str] | None = None
                  ) -> tuple[list[str], list[str]]:
    """Render an HTML page to text lines: blocks start lines, inline elements join.

    Scripts, styles and the head are dropped, and so is whatever the page marks as
    hidden (``hidden``, ``aria-hidden="true"``, inline ``display:none``). Returns the
    lines and warnings (a truncated page is cleaned as far as it goes, with a warning).

    >>> html_to_lines("<p>Data <b>Engineer</b></p><div hidden>x</div><li>SQL</li>")[0]
    ['Data Engineer', 'SQL']
    """
    from bs4 import BeautifulSoup, Comment, Doctype  # lazy: text postings never need bs4

    warnings: list[str] = []
    if isinstance(html, bytes):
        html = decode_bytes(html, source)
    if not html.strip():
        raise InputError(source, "empty file")
    tail = html.rstrip()[-4096:].lower()
    if "<html" in html[:4096].lower() and "</html>" not in tail and "</body>" not in tail:
        warnings.append(f"{source or '<input>'}: warning: HTML looks truncated "
                        "(no closing </html>); cleaned what was there")
    rendered = _render_lxml(html)
    if rendered is not None and rendered[0].strip():
        text, title = rendered
        if meta is not None and title:
            meta["title"] = title
        return _split_rendered(text, source), warnings
    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception as e:  # lxml raises on pathological input; name it, don't crash
        raise InputError(source, f"malformed HTML: {e}") from None
    title_tag = soup.find("title")
    if meta is not None and title_tag is not None:
        meta["title"] = " ".join(title_tag.get_text(" ").split())
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    parts: list[str] = []
    _render(soup, parts, Comment, Doctype)
    return _split_rendered("".join(parts), source), warnings


def _split_rendered(text: str, source: str) -> list[str]:
    lines = []
    for raw in text.split("\n"):
        line = _WS.sub(" ", raw).strip()
        if line:
            lines.append(line)
    if not lines:
        raise InputError(source, "no text in HTML (malformed page, or all content hidden)")
    return lines


_DROP_SET = frozenset(_DROP_TAGS)


_LXML_PARSER: Any = None


def _lxml_parser() -> Any:
    global _LXML_PARSER
    if _LXML_PARSER is None:
        import lxml.html

        # huge_tree: deeply nested pages (thousands of <div>s) are real, not attacks
        _LXML_PARSER = lxml.html.HTMLParser(huge_tree=True)
    return _LXML_PARSER


def _render_lxml(html: str) -> tuple[str, str] | None:
    """The same rendering as the beautifulsoup4 path, walking lxml's tree directly.

    beautifulsoup4 builds a Python object per node, which makes it ten times slower
    than lxml's own tree on large pages (a 500 kB LinkedIn page: ~70 ms against ~5 ms
    to parse). Returns None when lxml cannot parse the page; the caller then falls
    back to beautifulsoup4, which is more forgiving.
    """
    try:
        import lxml.html

        root = lxml.html.document_fromstring(html, parser=_lxml_parser())
    except Exception:  # lxml refuses some pages (e.g. an XML declaration in a str)
        return None
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    out: list[str] = []
    add = out.append
    # (element, closing?, inside <pre>/<textarea>?)
    stack: list[tuple[Any, bool, bool]] = [(root, False, False)]
    while stack:
        el, closing, pre = stack.pop()
        if closing:
            add("\n")
            continue
        if el.__class__ is _Tail:
            add(el.text)
            continue
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions, entities
            continue
        name = tag.lower()
        if name in _DROP_SET or _is_hidden_attrs(el.attrib):
            continue
        block = name in _BLOCK_TAGS
        if block:
            add("\n")
        inner_pre = pre or name in ("pre", "textarea")
        if el.text:
            add(el.text if inner_pre else el.text.replace("\n", " "))
        # children, each followed by its tail (the text after it, inside this element)
        children = list(el)
        if block:
            stack.append((el, True, pre))
        for child in reversed(children):
            tail = child.tail
            if tail:
                stack.append((_Tail(tail if inner_pre else tail.replace("\n", " ")), False, inner_pre))
            stack.append((child, False, inner_pre))
    return "".join(out), title


class _Tail:
    """Text that follows an element inside its parent (lxml's ``tail``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _is_hidden_attrs(attrs: Any) -> bool:
    if not attrs:
        return False
    if "hidden" in attrs:
        return True
    if str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    style = attrs.get("style")
    return bool(style) and bool(_HIDDEN_STYLE.search(str(style)))


def _is_hidden(tag: Any) -> bool:
    return _is_hidden_attrs(tag.attrs)


def _render(node: Any, out: list[str], comment_t: type, doctype_t: type) -> None:
    from bs4 import NavigableString

    # Source newlines inside a text node are whitespace, as a browser renders them
    # (``<p>Senior\n  Engineer</p>`` is one line); only <pre>/<textarea> keep them.
    stack = [(node, False, False)]
    while stack:
        cur, closing, pre = stack.pop()
        if closing:
            out.append("\n")
            continue
        if isinstance(cur, NavigableString):
            if not isinstance(cur, (comment_t, doctype_t)) and type(cur) is NavigableString:
                out.append(str(cur) if pre else str(cur).replace("\n", " "))
            continue
        block = cur.name in _BLOCK_TAGS
        if block:
            out.append("\n")
            stack.append((cur, True, pre))
        pre = pre or cur.name in ("pre", "textarea")
        stack.extend((c, False, pre) for c in reversed(cur.contents))


# --------------------------------------------------------------------------- files


def open_regular(path: str) -> int:
    """A file descriptor of ``path`` for reading, if it is a regular file.

    Opened without blocking, so a FIFO with no writer (or a device) is refused with
    :class:`InputError` instead of hanging the batch; raises OSError as ``os.open`` does.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file")
            raise InputError(path, f"not a regular file ({kind}); give - to read standard input")
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: str, limit: int = MAX_POSTING_BYTES) -> bytes:
    try:
        fd = open_regular(path)
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise InputError(path, f"file too large ({size / 2**20:.1f} MiB; the limit for one "
                                 f"posting is {limit / 2**20:.0f} MiB)")
            return f.read(limit + 1)
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


def read_stream(stream: Any, source: str = "<stdin>", limit: int = MAX_POSTING_BYTES) -> bytes:
    """The bytes of a stream (standard input), refused past ``limit`` like a file."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(source, f"input too large (over {limit / 2**20:.0f} MiB, the limit for one "
                         "posting)")
    return bytes(data)


def split_pair(text: str) -> tuple[str, str | None]:
    """Split a seed-002 pair file into its raw part and its hand-cleaned part."""
    i = text.find(PAIR_RAW_MARK)
    j = text.find(PAIR_CLEAN_MARK)
    if i < 0 or j < i:
        return text, None
    raw = text[i + len(PAIR_RAW_MARK):j]
    clean = text[j + len(PAIR_CLEAN_MARK):]
    return raw.strip("\n") + "\n", clean.strip("\n") + "\n"


def load_posting_bytes(data: bytes, source: str = "", *, html: bool | None = None,
                       **kw: Any) -> Posting:
    """One posting from the bytes of a text, Markdown, pair or HTML file."""
    if not data.strip():
        raise InputError(source, "empty file")
    warnings: list[str] = []
    text = decode_bytes(data, source, warnings)
    if html is None:
        html = source.lower().endswith(HTML_SUFFIXES) or _looks_like_html(text)
    if html:
        p = Posting.from_html(text, source=source, **kw)
        p.warnings[:0] = warnings
        return p
    raw, gold = split_pair(normalise_newlines(text))
    p = Posting.from_text(raw, source=source, **kw)
    p.warnings.extend(warnings)
    if gold is not None:
        p.gold = repair_text(gold)
    if not any(line.strip() for line in p.lines):
        raise InputError(source, "no text (the file holds only whitespace)")
    return p


def load_posting(path: str) -> Posting:
    """Load one single-posting file (``.txt``, ``.md``, pair file, ``.html``)."""
    return load_posting_bytes(read_bytes(path), path)


_HTML_START = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body|<div|<p>|<p |<section|<article|<ul|<h[1-6])",
                         re.IGNORECASE)


def _looks_like_html(text: str) -> bool:
    if "<" not in text:
        return False
    return bool(_HTML_START.match(text[:2048])) or (
        text.count("</p>") + text.count("<br") + text.count("</li>") + text.count("</div>") >= 2)


def is_batch_file(path: str) -> bool:
    return path.lower().endswith(BATCH_SUFFIXES)


@dataclass(slots=True)
class Record:
    """One record of a batch file: its original fields and the posting (or the error)."""

    number: int  # 1-based record number in the file
    fields: dict[str, Any]
    posting: Posting | None
    error: InputError | None


def iter_batch(path: str) -> Iterator[Record]:
    """Stream the records of a JSON Lines, JSON array or CSV/TSV file.

    Memory stays flat for JSON Lines and CSV (records are read one at a time). A bad
    record yields a :class:`Record` with ``error`` set; the others carry on. A file
    that cannot be read at all raises :class:`InputError`.
    """
    low = path.lower()
    try:
        if low.endswith((".jsonl", ".ndjson")):
            yield from _iter_jsonl(path)
        elif low.endswith(".json"):
            yield from _iter_json_array(path)
        else:
            yield from _iter_csv(path, "\t" if low.endswith(".tsv") else ",")
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


#: A JSON Lines line longer than this is one bad record (not read whole into memory).
MAX_LINE_BYTES = 4 * MAX_RECORD_CHARS + (1 << 20)
#: A JSON file that is one object (not an array) larger than this is refused.
MAX_JSON_OBJECT_BYTES = 4 * MAX_POSTING_BYTES
_SURROGATES = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _open_text(path: str, errors: str = "strict") -> io.TextIOWrapper:
    """A batch file as text: regular files only, UTF-8 (with or without BOM) or UTF-16."""
    f = os.fdopen(open_regular(path), "rb")
    head = f.read(4)
    f.seek(0)
    enc = "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    return io.TextIOWrapper(f, encoding=enc, errors=errors, newline="")


def _bad_bytes(text: str, prefix: str = "") -> str | None:
    """What a text decoded with surrogateescape says about its undecodable bytes, or None."""
    m = _SURROGATES.search(text)
    if m is None:
        return None
    return f"{prefix}invalid UTF-8 byte 0x{ord(m.group()) - 0xDC00:02x} at column {m.start() + 1}"


def _iter_jsonl(path: str) -> Iterator[Record]:
    with _open_text(path) as probe:
        utf16 = probe.encoding == "utf-16"
    if utf16:  # rare: read as text, strictly (a bad byte in UTF-16 ends the file)
        yield from _iter_jsonl_text(path)
        return
    with os.fdopen(open_regular(path), "rb") as f:
        n = 0
        lineno = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES)
            if not raw:
                break
            lineno += 1
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while True:  # skip the rest of the line without holding it
                    more = f.readline(1 << 20)
                    if not more or more.endswith(b"\n"):
                        break
                n += 1
                yield Record(n, {}, None, InputError(path, f"record too large (a line over "
                                                     f"{MAX_LINE_BYTES // 2**20} MiB)", line=lineno))
                continue
            if not raw.strip():
                continue
            n += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield Record(n, {}, None, InputError(
                    path, f"not UTF-8 (invalid byte 0x{raw[e.start]:02x} at byte {e.start + 1} of the line)",
                    line=lineno))
                continue
            yield _json_record(path, n, line, lineno)


def _iter_jsonl_text(path: str) -> Iterator[Record]:
    with _open_text(path) as f:
        n = 0
        try:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                n += 1
                yield _json_record(path, n, line, lineno)
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-16 ({e.reason} after record {n})") from None


def _json_record(path: str, n: int, line: str, lineno: int) -> Record:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return Record(n, {}, None, InputError(path, f"not JSON ({e.msg} at column {e.colno})", line=lineno))
    except RecursionError:
        return Record(n, {}, None, InputError(path, "JSON nested too deeply", line=lineno))
    return _record(path, n, obj, line=lineno)


def _iter_json_array(path: str) -> Iterator[Record]:
    """The records of a JSON array, parsed one at a time from a sliding buffer, so that
    memory holds one record, not the file. A file that is one JSON object (a single
    record, or an object wrapping the list under ``postings``, ``jobs``...) is read
    whole, up to :data:`MAX_JSON_OBJECT_BYTES`."""
    with _open_text(path) as f:
        reader = _ArrayReader(f, path)
        first = reader.peek()
        if first == "[":
            yield from reader.records()
            return
    data = read_bytes(path, limit=MAX_JSON_OBJECT_BYTES)
    try:
        obj = json.loads(decode_bytes(data, path))
    except json.JSONDecodeError as e:
        raise InputError(path, f"not JSON ({e.msg})", line=e.lineno) from None
    except RecursionError:
        raise InputError(path, "JSON nested too deeply") from None
    if isinstance(obj, dict):
        for key in ("postings", "jobs", "records", "data", "items", "results"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
        else:
            obj = [obj]
    if not isinstance(obj, list):
        raise InputError(path, "JSON must be an array of records or an object with a list of them")
    for n, item in enumerate(obj, 1):
        yield _record(path, n, item)


class _ArrayReader:
    """Reads ``[record, record, ...]`` one record at a time (``json.JSONDecoder.raw_decode``
    over a buffer refilled a megabyte at a time); line numbers follow the text read."""

    CHUNK = 1 << 20

    def __init__(self, f: io.TextIOWrapper, path: str) -> None:
        self.f, self.path = f, path
        self.buf, self.pos = "", 0
        self.line = 1  # line number at self.pos
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self.f.read(self.CHUNK)
        except UnicodeDecodeError as e:
            raise InputError(self.path, f"not UTF-8 ({e.reason})", line=self.line) from None
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end)."""
        while True:
            buf = self.buf
            i = self.pos
            n = len(buf)
            while i < n and buf[i] in " \t\r\n":
                i += 1
            self._advance(i)
            if i < n:
                return buf[i]
            if not self._fill():
                return ""

    def records(self) -> Iterator[Record]:
        self._advance(self.pos + 1)  # the "["
        n = 0
        if self.peek() == "]":
            return
        while True:
            n += 1
            line = self.line
            obj = self._value(n)
            yield _record(self.path, n, obj, line=line)
            c = self.peek()
            if c == ",":
                self._advance(self.pos + 1)
                continue
            if c == "]":
                return
            raise InputError(self.path, f"not JSON (expected ',' or ']' after record {n})", line=self.line)

    def _value(self, n: int) -> Any:
        if not self.peek():
            raise InputError(self.path, f"not JSON (the array ends after record {n - 1} without ']')",
                             line=self.line)
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise InputError(self.path, f"record {n}: JSON nested too deeply", line=self.line) from None
            except json.JSONDecodeError as e:
                incomplete = e.pos >= len(self.buf) - 1 or e.msg.startswith("Unterminated string")
                if incomplete and len(self.buf) - self.pos <= MAX_LINE_BYTES and self._fill():
                    continue
                if incomplete and not self.eof:
                    raise InputError(self.path, f"record {n} too large (over {MAX_LINE_BYTES // 2**20} MiB)",
                                     line=self.line) from None
                line = self.line + self.buf.count("\n", self.pos, max(self.pos, e.pos))
                raise InputError(self.path, f"record {n}: not JSON ({e.msg})", line=line) from None
            if end == len(self.buf) and not self.eof and not isinstance(obj, (dict, list, str)):
                # a number or literal may go on in the next chunk
                if self._fill():
                    continue
            self._advance(end)
            return obj


def _iter_csv(path: str, delimiter: str) -> Iterator[Record]:
    csv.field_size_limit(MAX_RECORD_CHARS * 2)
    # Undecodable bytes are kept as surrogates while the CSV is split into records, so one
    # bad byte inside a quoted field cannot throw the quoting out of step (which turned
    # fragments of a field into records of their own); the record holding it fails alone.
    with _open_text(path, errors="surrogateescape") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        try:
            header = reader.fieldnames
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError(path, f"unreadable CSV header: {e}", line=1) from None
        if not header:
            raise InputError(path, "empty CSV (no header row)", line=1)
        bad = _bad_bytes(delimiter.join(header), "CSV header: ")
        if bad:
            raise InputError(path, bad, line=1)
        if not _pick(dict.fromkeys(header, "x"), TEXT_FIELDS):
            raise InputError(path, "CSV has no text column (expected one of: "
                             + ", ".join(TEXT_FIELDS) + ")", line=1)
        n = 0
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as e:
                n += 1
                yield Record(n, {}, None, InputError(path, f"unreadable CSV row: {e}", line=start))
                continue
            n += 1
            if None in row:  # more cells than header columns
                row.pop(None)
            problem = next((b for k, v in row.items() if isinstance(v, str)
                            for b in [_bad_bytes(v, f"field {k!r}: ")] if b), None)
            if problem:
                yield Record(n, {}, None, InputError(path, problem, line=start))
                continue
            yield _record(path, n, row, line=start)


def _pick(obj: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        v = obj.get(name)
        if isinstance(v, str) and v.strip():
            return name
    return None


def _record(path: str, n: int, obj: Any, line: int | None = None) -> Record:
    if not isinstance(obj, dict):
        return Record(n, {}, None, InputError(path, "record is not an object", record=n, line=line))
    key = _pick(obj, TEXT_FIELDS)
    if key is None:
        return Record(n, obj, None, InputError(
            path, "record has no text (expected a non-empty field: " + ", ".join(TEXT_FIELDS[:7]) + ")",
            record=n, line=line))
    text = obj[key]
    if len(text) > MAX_RECORD_CHARS:
        return Record(n, obj, None, InputError(path, f"record too large ({len(text)} characters)",
                                               record=n, line=line))
    if _looks_binary(b"", text=text[:65536]):
        return Record(n, obj, None, InputError(path, f"the {key!r} field holds binary data, not a posting",
                                               record=n, line=line))
    meta = {
        "id": str(next((obj[k] for k in ID_FIELDS if obj.get(k) not in (None, "")), "")),
        "url": str(next((obj[k] for k in URL_FIELDS if obj.get(k)), "")),
        "site": str(obj.get("site") or ""),
        "title": str(obj.get("title") or ""),
        "company": str(obj.get("company") or ""),
        "source": f"{path}#{n}",
    }
    try:
        if "html" in key or _looks_like_html(text):
            p = Posting.from_html(text, **meta)
        else:
            p = Posting.from_text(text, **meta)
    except InputError as e:
        return Record(n, obj, None, InputError(path, e.message, record=n, line=line))
    if p.site and not meta["site"]:
        pass
    elif meta["site"]:
        p.site = _canonical_site(meta["site"], p)
    return Record(n, obj, p, None)


def _canonical_site(name: str, p: Posting) -> str:
    low = name.lower().strip()
    for site, _ in _SITES:
        if site in low:
            return site
    return low or detect_site(p.url, p.lines)


def posting_from_record(fields: dict[str, Any], source: str = "") -> Posting:
    """A posting from one batch record (used by the Dask engine); raises InputError."""
    rec = _record(source, 0, fields)
    if rec.error is not None:
        raise InputError(source, rec.error.message)
    assert rec.posting is not None
    return rec.posting


def iter_inputs(paths: list[str], errors: list[InputError] | None = None) -> Iterator[str]:
    """Expand folders into the posting files they hold (sorted, recursively).

    A folder that cannot be read is appended to ``errors`` (or, without a list, raised
    as :class:`InputError`): never skipped in silence.
    """
    def unreadable(e: OSError) -> None:
        err = InputError(e.filename or "", f"cannot read folder: {e.strerror or e}")
        if errors is None:
            raise err
        errors.append(err)

    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, onerror=unreadable):
                dirs.sort()
                for name in sorted(files):
                    if name.lower().endswith(ALL_SUFFIXES) and not name.startswith("."):
                        yield os.path.join(root, name)
        else:
            yield path
