"""HTML pages to lines: block elements start lines, inline elements join, hidden parts go.

Pages are parsed by lexbor (selectolax, an HTML5 parser in C) and their lines rendered
from its tree; beautifulsoup4 over lxml is the fallback for a page lexbor cannot parse.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InputError
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
    warnings: list[str] = []
    if isinstance(html, bytes):
        html = decode_bytes(html, source)
    if not html.strip():
        raise InputError(source, "empty file")
    tail = html.rstrip()[-4096:].lower()
    if "<html" in html[:4096].lower() and "</html>" not in tail and "</body>" not in tail:
        warnings.append(f"{source or '<input>'}: warning: HTML looks truncated "
                        "(no closing </html>); cleaned what was there")
    rendered = _render_lexbor(html)
    if rendered is None or not rendered[0].strip():
        rendered = _render_bs4(html, source)
    text, title = rendered
    if meta is not None and title:
        meta["title"] = title
    return _split_rendered(text, source), warnings


def _render_bs4(html: str, source: str = "") -> tuple[str, str]:
    """The fallback renderer: beautifulsoup4 over lxml, the same rendering (tested)."""
    from bs4 import BeautifulSoup, Comment, Doctype  # lazy: most pages never need bs4

    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception as e:  # lxml raises on pathological input; name it, don't crash
        raise InputError(source, f"malformed HTML: {e}") from None
    title_tag = soup.find("title")
    title = " ".join(title_tag.get_text(" ").split()) if title_tag is not None else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    parts: list[str] = []
    _render(soup, parts, Comment, Doctype)
    return "".join(parts), title


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


_CLOSE = object()  # stack marker: the end of a block element


def _render_lexbor(html: str) -> tuple[str, str] | None:
    """Lines of a page from lexbor's tree (selectolax), in the text form ``_split_rendered``
    takes: blocks start lines, inline elements join, dropped tags and hidden elements
    are skipped. lexbor parses in C at about three times lxml's speed and builds no
    Python object until asked, so the walk touches only the nodes it renders.

    Returns (text, title), or None when lexbor cannot parse the page (the caller then
    falls back to beautifulsoup4). On well-formed pages the lines are the ones the
    lxml walk this replaced gave (tested on every corpus page); on misnested markup
    lexbor builds the tree a browser builds (HTML5), as lxml did not.
    """
    from selectolax.lexbor import LexborHTMLParser

    try:
        tree = LexborHTMLParser(html)
    except Exception:  # pragma: no cover - lexbor takes any str; a failure is not a crash
        return None
    title_el = tree.css_first("title")
    title = " ".join(title_el.text(deep=True).split()) if title_el is not None else ""
    out: list[str] = []
    add = out.append
    drop, block_tags, hidden = _DROP_SET, _BLOCK_TAGS, _is_hidden_attrs
    stack: list[tuple[Any, bool]] = [(tree.root, False)]  # (node, inside <pre>/<textarea>?)
    pop, push = stack.pop, stack.append
    while stack:
        node, pre = pop()
        if node is _CLOSE:
            add("\n")
            continue
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if text:
                # source newlines are whitespace, as a browser renders them; only
                # <pre>/<textarea> keep them
                add(text if pre else text.replace("\n", " "))
            continue
        if tag[0] == "-" or tag[0] == "_" or tag == "!doctype" or tag in drop:
            continue  # comments, doctype, scripts, styles, the head ...
        attrs = node.attributes
        if attrs and hidden(attrs):
            continue
        if tag in block_tags:
            add("\n")
            push((_CLOSE, pre))
        inner = pre or tag == "pre" or tag == "textarea"
        for child in reversed(list(node.iter(include_text=True))):
            push((child, inner))
    return "".join(out), title


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
