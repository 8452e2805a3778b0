"""HTML pages to lines: block elements start lines, inline elements join, hidden parts go.

Pages are parsed by lexbor (selectolax, an HTML5 parser in C) and their lines rendered
from its tree; beautifulsoup4 over lxml is the fallback for a page lexbor cannot parse.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..errors import InputError
from ..limits import CACHE_ENTRIES
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


def html_to_lines(html: str | bytes, source: str = "", meta: dict[str, str] | None = None,
                  attrs: list[tuple[str, ...]] | None = None,
                  paths: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Render an HTML page to text lines: blocks start lines, inline elements join.

    Scripts, styles and the head are dropped, and so is whatever the page marks as
    hidden (``hidden``, ``aria-hidden="true"``, inline ``display:none``). Returns the
    lines and warnings (a truncated page is cleaned as far as it goes, with a warning).
    With ``attrs`` (a list), it is filled with each line's structure marks (see
    :func:`_line_attrs`), or left empty when the marks cannot be had; with ``paths`` too,
    ``paths`` is filled with each line's container path (:func:`_line_rows`).

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
    pieces: list[tuple[str, int]] | None = [] if attrs is not None else None
    chains: list[str] | None = [] if attrs is not None and paths is not None else None
    trees: list[Any] = []
    rendered = _render_lexbor(html, pieces, trees, chains)
    if rendered is None or not rendered[0].strip():
        pieces = None  # the fallback records no structure
        rendered = _render_bs4(html, source)
    text, title = rendered
    if meta is not None and title:
        meta["title"] = title
    lines = _split_rendered(text, source)
    if attrs is not None and pieces is not None:
        rows = _line_rows(pieces, chains)
        attrs.extend(_line_attrs(rows))
        if paths is not None and chains is not None and len(rows) == len(lines):
            paths.extend(row[3] for row in rows)
        if len(attrs) != len(lines):  # never guess: no evidence rather than wrong evidence
            attrs.clear()
        elif "JobPosting" in html:  # the page's own schema.org data names its job lines
            from .jobposting import job_posting_fields, line_marks

            marks = line_marks(lines, job_posting_fields(html, trees[0] if trees else None))
            attrs[:] = [a + m for a, m in zip(attrs, marks, strict=True)]
    return lines, warnings


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


# what a containing element's tag, id or class says about the lines inside it
_CHROME_CLASS = (
    ("nav", re.compile(r"nav|menu|breadcrumb|skip", re.IGNORECASE)),
    ("footer", re.compile(r"footer|copyright|legal", re.IGNORECASE)),
    ("aside", re.compile(r"aside|sidebar|related|similar|recommend|suggest", re.IGNORECASE)),
    ("cookie", re.compile(r"cookie|consent|gdpr|onetrust|privacy", re.IGNORECASE)),
    ("modal", re.compile(r"modal|dialog|popup|overlay|sign-?in|sign-?up|login|register", re.IGNORECASE)),
    ("header", re.compile(r"header|masthead|topbar", re.IGNORECASE)),
    ("share", re.compile(r"share|social", re.IGNORECASE)),
)
_CHROME_TAG = {"nav": "nav", "footer": "footer", "aside": "aside", "header": "header", "dialog": "modal",
               "form": "form", "button": "button", "li": "li", "td": "table", "th": "table"}
_ATTR_NAMES = ("nav", "footer", "aside", "cookie", "modal", "header", "share", "form", "button", "li",
               "table", "a")
_ATTR_BIT = {name: 1 << k for k, name in enumerate(_ATTR_NAMES)}
_LINK_BIT = _ATTR_BIT["a"]
_CONTAINER_BITS = sum(_ATTR_BIT[n] for n in ("nav", "footer", "aside", "cookie", "modal", "header", "share",
                                             "form"))


_ANY_CHROME = re.compile("|".join(pat.pattern for _, pat in _CHROME_CLASS), re.IGNORECASE)
_NON_WS = re.compile(r"[^\s\u00a0\u2000-\u200b\u202f\u205f\u3000]")


@lru_cache(maxsize=CACHE_ENTRIES)
def _label_bits(label: str) -> int:
    """What an element's id, class and role say (cached: a page repeats its class names)."""
    if _ANY_CHROME.search(label) is None:  # most elements: one scan
        return 0
    bits = 0
    for key, pat in _CHROME_CLASS:
        if pat.search(label):
            bits |= _ATTR_BIT[key]
    return bits


def _element_bits(name: str, attrib: Any) -> int:
    bits = 0
    t = _CHROME_TAG.get(name)
    if t is not None:
        bits |= _ATTR_BIT[t]
    if name == "a":
        bits |= _LINK_BIT
    if attrib:
        label = f"{attrib.get('id') or ''} {attrib.get('class') or ''} {attrib.get('role') or ''}"
        if len(label) > 2:
            bits |= _label_bits(label)
    return bits


def _line_rows(pieces: list[tuple[str, int]], chains: list[str] | None = None) -> list[tuple[int, int, int, str]]:
    """Per rendered line (as :func:`_split_rendered` makes them): the bits of the
    containers its text sits in, its link characters, its characters, and, with
    ``chains`` (one per piece), its container path: the innermost :data:`PATH_DEPTH`
    elements round the piece holding most of its characters, as
    ``div.top-card/h3.flavor/span.bullet`` ("" without ``chains``). A site's template puts
    its chrome in the same containers on every posting, whatever the words: the site
    memory learns them (:mod:`jdreview.filter.memory`)."""
    if chains is not None and len(chains) != len(pieces):
        raise ValueError("one container path per piece")
    rows: list[tuple[int, int, int, str]] = []
    text: list[str] = []
    bits = 0
    link = total = 0
    best, best_n = "", 0

    def flush() -> None:
        nonlocal bits, link, total, best, best_n
        if total and _NON_WS.search("".join(text)):  # a line _split_rendered keeps
            rows.append((bits, link, total, best))
        text.clear()
        bits = link = total = 0
        best, best_n = "", 0

    for i, (piece, b) in enumerate(pieces):
        parts = piece.split("\n")
        for k, part in enumerate(parts):
            if k:
                flush()
            if part.strip():
                text.append(part)
                n = len(part.strip())
                total += n
                if b & _LINK_BIT:
                    link += n
                bits |= b & ~_LINK_BIT
                if chains is not None and n > best_n:
                    best, best_n = chains[i], n
            elif part:
                text.append(part)
    flush()
    return rows


def _line_attrs(rows: list[tuple[int, int, int, str]]) -> list[tuple[str, ...]]:
    """Per line row of :func:`_line_rows`: the containers its text sits in (``html:nav``
    ...) and ``html:links`` when most of its text is link text."""
    out: list[tuple[str, ...]] = []
    for b, lk, tot, _path in rows:
        names = [f"html:{n}" for n in _ATTR_NAMES[:-1] if b & _ATTR_BIT[n]]
        if tot and lk * 2 > tot:
            names.append("html:links")
        out.append(tuple(names))
    return out


def _render_lexbor(html: str, pieces: list[tuple[str, int]] | None = None,
                   trees: list[Any] | None = None, chains: list[str] | None = None) -> tuple[str, str] | None:
    """Lines of a page from lexbor's tree (selectolax), in the text form ``_split_rendered``
    takes: blocks start lines, inline elements join, dropped tags and hidden elements
    are skipped. lexbor parses in C at about three times lxml's speed and builds no
    Python object until asked, so the walk touches only the nodes it renders.

    Returns (text, title), or None when lexbor cannot parse the page (the caller then
    falls back to beautifulsoup4). On well-formed pages the lines are the ones the
    lxml walk this replaced gave (tested on every corpus page); on misnested markup
    lexbor builds the tree a browser builds (HTML5), as lxml did not.

    With ``pieces``, every piece of text is also recorded with the bits of the elements
    that contain it (:func:`_render_lexbor_structure`); the text is the same. With
    ``trees``, lexbor's tree is appended to it (for the page's structured data); with
    ``chains`` (and ``pieces``), each piece's container path (:func:`_line_rows`).
    """
    from selectolax.lexbor import LexborHTMLParser

    try:
        tree = LexborHTMLParser(html)
    except Exception:  # pragma: no cover - lexbor takes any str; a failure is not a crash
        return None
    if trees is not None:
        trees.append(tree)
    title_el = tree.css_first("title")
    title = " ".join(title_el.text(deep=True).split()) if title_el is not None else ""
    out: list[str] = []
    if pieces is not None:  # structure wanted
        _render_lexbor_structure(tree, out, pieces, chains)
        return "".join(out), title
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


_UNSEEN = "script, style, noscript, template, svg"


def _seen_chars(node: Any) -> int:
    """Characters of text under ``node`` a reader sees: scripts (a page's JSON state) do not count."""
    n = len(node.text(deep=True))
    for el in node.css(_UNSEEN):
        n -= len(el.text(deep=True))
    return n


_CLASS_DIGITS = re.compile(r"\d+")
#: a line's container path names this many of its innermost elements
PATH_DEPTH = 3


@lru_cache(maxsize=CACHE_ENTRIES)
def _step(tag: str, cls: str | None) -> str:
    """One element of a container path: its tag and its classes (sorted, digits masked:
    ``job-12345`` on one posting is ``job-67890`` on the next; cached: a page repeats them)."""
    if not cls:
        return tag
    return tag + "." + ".".join(sorted(_CLASS_DIGITS.sub("0", c) for c in cls.split()))


def _render_lexbor_structure(tree: Any, out: list[str], pieces: list[tuple[str, int]],
                             chains: list[str] | None = None) -> None:
    """:func:`_render_lexbor`'s walk, each piece of text also recorded with the bits of
    the elements that contain it (:func:`_element_bits`) and, with ``chains``, their
    container path (:func:`_line_rows`); the text it adds to ``out`` is the same."""
    add = pieces.append
    drop, block_tags, hidden = _DROP_SET, _BLOCK_TAGS, _is_hidden_attrs
    page_chars = max(_seen_chars(tree.root), 0)
    want = chains is not None
    add_chain = chains.append if chains is not None else None
    # (node, inside <pre>/<textarea>?, bits of the containing elements, their path)
    stack: list[tuple[Any, bool, int, tuple[str, ...]]] = [(tree.root, False, 0, ())]
    pop, push = stack.pop, stack.append
    joined: dict[tuple[str, ...], str] = {}
    while stack:
        node, pre, bits, path = pop()
        if node is _CLOSE:
            add(("\n", bits))
            if add_chain is not None:
                add_chain("")
            continue
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if text:
                add((text if pre else text.replace("\n", " "), bits))
                if add_chain is not None:
                    j = joined.get(path)
                    if j is None:
                        j = joined[path] = "/".join(path)
                    add_chain(j)
            continue
        if tag[0] == "-" or tag[0] == "_" or tag == "!doctype" or tag in drop:
            continue
        attrs = node.attributes
        if attrs and hidden(attrs):
            continue
        eb = _element_bits(tag, attrs)
        # a container that holds most of the page is the page (an "app-navigation"
        # wrapper round everything), not chrome: its marks say nothing
        if eb & _CONTAINER_BITS and _seen_chars(node) * 2 > page_chars:
            eb &= ~_CONTAINER_BITS
        inner_bits = bits | eb
        inner_path = (*path[1 - PATH_DEPTH:], _step(tag, attrs.get("class") if attrs else None)) if want else path
        if tag in block_tags:
            add(("\n", bits))
            if add_chain is not None:
                add_chain("")
            push((_CLOSE, pre, bits, path))
        inner = pre or tag == "pre" or tag == "textarea"
        for child in reversed(list(node.iter(include_text=True))):
            push((child, inner, inner_bits, inner_path))
    out.extend(text for text, _ in pieces)


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
