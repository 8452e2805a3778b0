"""HTML pages to lines: block elements start lines, inline elements join, hidden parts go.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InputError

#: Files larger than this are refused (a posting is a few kB; 16 MB is a mistake).
from .decode import decode_bytes

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
    from bs4.element import NavigableString

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
