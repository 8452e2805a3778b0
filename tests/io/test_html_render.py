"""The lexbor renderer gives the lines the lxml walk gave, and the beautifulsoup4 fallback.

html_to_lines renders lines from lexbor's tree (selectolax, C) and falls back to
beautifulsoup4 when lexbor cannot parse a page. The lxml walk it replaced is kept here
as the reference (``_reference_lxml``, the code as it was): on every corpus page and on
generated well-formed pages all three give the same lines. On misnested markup lexbor
builds the tree a browser (HTML5) builds, where libxml2 did not; that difference is
shown, not hidden, by the last test.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jdreview.io.html as html_mod

ROOT = Path(__file__).resolve().parents[2]
CORPUS = next((p / "corpus" / "raw" for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared")
               if (p / "corpus" / "raw").is_dir()), ROOT.parent / "shared" / "corpus" / "raw")

WORDS = st.sampled_from(["Data", "Engineer", "SQL", "and", "Python", "€5k", "Köln", "a\nb", " ", "&amp;",
                         "&nbsp;x", "<!-- c -->"])
ATTRS = st.sampled_from(["", " hidden", ' aria-hidden="true"', ' aria-hidden="false"', ' style="display:none"',
                         ' style="color: red"', ' class="x"'])
PHRASING = ["span", "b", "a", "em", "label", "button"]
FLOW = ["div", "section", "p", "h2", "ul", "pre", "table", "textarea"]


class _Tail:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _reference_lxml(html: str) -> tuple[str, str]:
    """The renderer before lexbor: a walk over lxml's tree (jdreview 0.1.0)."""
    import lxml.html

    root = lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    out: list[str] = []
    stack: list[tuple[Any, bool, bool]] = [(root, False, False)]
    while stack:
        el, closing, pre = stack.pop()
        if closing:
            out.append("\n")
            continue
        if el.__class__ is _Tail:
            out.append(el.text)
            continue
        if not isinstance(el.tag, str):
            continue
        name = el.tag.lower()
        if name in html_mod._DROP_SET or html_mod._is_hidden_attrs(el.attrib):
            continue
        block = name in html_mod._BLOCK_TAGS
        if block:
            out.append("\n")
        inner_pre = pre or name in ("pre", "textarea")
        if el.text:
            out.append(el.text if inner_pre else el.text.replace("\n", " "))
        if block:
            stack.append((el, True, pre))
        for child in reversed(list(el)):
            if child.tail:
                stack.append((_Tail(child.tail if inner_pre else child.tail.replace("\n", " ")), False, inner_pre))
            stack.append((child, False, inner_pre))
    return "".join(out), title


def _bs4_lines(html: str) -> list[str]:
    return html_mod._split_rendered(html_mod._render_bs4(html)[0], "t")


def _three(html: str) -> tuple[list[str], list[str], list[str]]:
    lexbor = html_mod.html_to_lines(html)[0]
    reference = html_mod._split_rendered(_reference_lxml(html)[0], "t")
    return lexbor, reference, _bs4_lines(html)


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0, ctx: str = "flow", in_a: bool = False) -> str:
    """Well-formed HTML: phrasing elements hold phrasing content, lists hold items,
    cells sit in tables (what a page generator writes)."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 4 and draw(st.booleans()):
            if ctx == "ul":
                tag = "li"
            else:
                choices = PHRASING + ["br"] + (FLOW if ctx == "flow" else [])
                tag = draw(st.sampled_from([t for t in choices if not (in_a and t in ("a", "button", "label"))]))
            if tag == "br":
                parts.append("<br>")
                continue
            attrs = draw(ATTRS)
            if tag == "table":
                parts.append(f"<table><tr><td{attrs}>{draw(fragments(depth + 1, 'flow', in_a))}</td></tr></table>")
                continue
            if tag == "textarea":
                parts.append(f"<textarea{attrs}>{draw(WORDS).replace('<!-- c -->', 'c')}</textarea>")
                continue
            inner = "ul" if tag == "ul" else "flow" if tag in ("div", "section") else "phrasing"
            parts.append(f"<{tag}{attrs}>{draw(fragments(depth + 1, inner, in_a or tag in ('a', 'button', 'label')))}</{tag}>")
        elif ctx != "ul":
            parts.append(draw(WORDS))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(fragments())
def test_lexbor_lxml_and_bs4_renderers_agree_on_well_formed_pages(body: str) -> None:
    html = f"<html><head><title>T</title><script>var x=1;</script></head><body><p>Start</p>{body}</body></html>"
    lexbor, reference, bs4 = _three(html)
    assert lexbor == reference
    assert lexbor == bs4


def _corpus_pages() -> list[str]:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            raise RuntimeError(f"development corpus not found at {CORPUS}")
        return []
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".html", ".htm"))


@pytest.mark.skipif(not _corpus_pages(), reason="development corpus (../shared/corpus) not present")
@pytest.mark.parametrize("name", _corpus_pages())
def test_every_corpus_page_renders_the_lines_it_rendered_before(name: str) -> None:
    """Each corpus page through the loader (decoding, meta charset, BOM as before):
    lexbor's lines and title are the lxml walk's, and the fallback's."""
    data = (CORPUS / name).read_bytes()
    html = html_mod.decode_bytes(data, name)
    found: dict[str, str] = {}
    lexbor = html_mod.html_to_lines(data, name, found)[0]
    reference_text, reference_title = _reference_lxml(html)
    assert len(lexbor) > 20
    assert lexbor == html_mod._split_rendered(reference_text, name)
    assert found.get("title", "") == reference_title
    assert lexbor == _bs4_lines(html)


@pytest.mark.parametrize("prefix", ["\ufeff", "", '<?xml version="1.0" encoding="utf-8"?>\n'])
def test_bom_meta_charset_and_xml_declaration(prefix: str) -> None:
    page = (prefix + '<!DOCTYPE html><html><head><meta charset="windows-1252"><title>Köln</title></head>'
            '<body><h1>Data Engineer</h1><p>Gehalt: 5 € <b>brutto</b></p><div hidden>x</div></body></html>')
    for data in (page.encode("utf-8"),):
        found: dict[str, str] = {}
        lines = html_mod.html_to_lines(data, "p.html", found)[0]
        assert lines == ["Data Engineer", "Gehalt: 5 € brutto"]
        assert found["title"] == "Köln"


def test_misnested_markup_is_read_as_a_browser_reads_it() -> None:
    """A stray ``</p>`` opens and closes an empty paragraph in HTML5 (libxml2 ignored it):
    the one place lexbor's lines differ from the lxml walk's."""
    html = "<html><body><p><p>Data</p>Senior</p>Engineer</body></html>"
    assert html_mod.html_to_lines(html)[0] == ["Data", "Senior", "Engineer"]
    assert html_mod._split_rendered(_reference_lxml(html)[0], "t") == ["Data", "SeniorEngineer"]
