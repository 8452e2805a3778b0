"""The fast lxml renderer and the beautifulsoup4 renderer give the same lines.

html_to_lines walks lxml's tree directly for speed and falls back to beautifulsoup4
when lxml cannot parse a page; both must render a page identically.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jdreview.io.html as posting

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "raw"

WORDS = st.sampled_from(["Data", "Engineer", "SQL", "and", "Python", "€5k", "Köln", "a\nb", " ", "&amp;"])
TAGS = st.sampled_from(["p", "div", "span", "b", "li", "ul", "h2", "a", "br", "td", "pre", "section"])
ATTRS = st.sampled_from(["", " hidden", ' aria-hidden="true"', ' style="display:none"', ' class="x"'])


def _render_both(html: str) -> tuple[list[str], list[str]]:
    fast = posting._split_rendered(posting._render_lxml(html)[0], "t")  # type: ignore[index]
    saved = posting._render_lxml
    try:
        posting._render_lxml = lambda h: None  # type: ignore[assignment]
        slow = posting.html_to_lines(html)[0]
    finally:
        posting._render_lxml = saved
    return fast, slow


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(TAGS)
            if tag == "br":
                parts.append("<br>")
                continue
            parts.append(f"<{tag}{draw(ATTRS)}>{draw(fragments(depth + 1))}</{tag}>")
        else:
            parts.append(draw(WORDS))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(fragments())
def test_fast_and_bs4_renderers_agree(body: str) -> None:
    html = f"<html><head><title>T</title><script>var x=1;</script></head><body><p>Start</p>{body}</body></html>"
    fast, slow = _render_both(html)
    assert fast == slow


@pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus (../shared/corpus) not present")
@pytest.mark.parametrize("name", ["001.html", "006.html"])
def test_corpus_pages_render_identically(name: str) -> None:
    html = (CORPUS / name).read_text(encoding="utf-8")
    fast, slow = _render_both(html)
    assert len(fast) > 50
    assert fast == slow
