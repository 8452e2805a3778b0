"""Issue 11, what the last session left open: each driven through the real window (offscreen)."""

from __future__ import annotations

from PySide6.QtCore import Qt


# ---------------------------------------------------------------- Posting > Remove, the last one
def test_removing_the_last_posting_can_be_undone(make_window, seeds, qtbot):
    w = make_window(seeds[:1])
    pid = w.pid
    assert pid is not None
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    edits = w.ws.overrides(pid)
    assert edits
    w.actions_by_name["remove"].trigger()
    assert w.ws.ids() == [] and w.queue_model.rowCount() == 0 and w.pid is None
    undo = w.actions_by_name["undo"]
    assert undo.isEnabled(), "nothing to undo after removing the last posting"
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.ws.ids() == [pid] and w.queue_model.rowCount() == 1
    assert w.ws.overrides(pid) == edits
    assert w.pid == pid and w.session is not None, "the posting put back is shown again"
    # its own history came back with it: the next Ctrl+Z undoes the toggle made before
    assert w.actions_by_name["undo"].isEnabled()
    w.actions_by_name["undo"].trigger()
    assert w.ws.overrides(pid) == {}


def test_removing_two_postings_in_a_row_undoes_both(make_window, seeds, qtbot):
    w = make_window(seeds[:2])
    first, second = w.ws.ids()
    w.actions_by_name["remove"].trigger()
    w.actions_by_name["remove"].trigger()
    assert w.ws.ids() == []
    w.actions_by_name["undo"].trigger()
    assert len(w.ws.ids()) == 1
    w.actions_by_name["undo"].trigger()
    assert sorted(w.ws.ids()) == [first, second]
