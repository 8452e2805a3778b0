"""The preview pane edits only changed lines and always ends up with the exact text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jdreview.gui.panes import PreviewPane
from jdreview.workspace.session import Preview

_texts = st.lists(st.sampled_from(["a", "b", "", "long line of text", "ä · b"]), max_size=8).map(
    lambda ls: "\n".join(ls) + "\n" if ls else "")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_texts, min_size=1, max_size=6))
def test_incremental_preview_text_is_exact(qapp, texts):  # qapp: one application, no state
    pane = PreviewPane()
    for t in texts:
        pane.show_preview(Preview(t, [], []))
        assert pane.toPlainText() == t
