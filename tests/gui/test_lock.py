"""Issue 10, item 11: a write lock held by another program. The edit is refused where
the person sees it (a message, the row unchanged), the workspace keeps nothing of it, and
no undo step is left for an edit that never happened."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt

from jdreview.workspace.store import Workspace


def unit_rows(w):
    return [i for i, lr in enumerate(w.session.lines) if lr.decision is not None]


def go(w, line):
    """Make ``line`` the current row and the whole selection."""
    from PySide6.QtCore import QItemSelectionModel

    w.lines.go_to(w.model.index(line, 0))
    w.lines.selectionModel().select(w.model.index(line, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                    | QItemSelectionModel.SelectionFlag.Rows)
    assert w.lines.current_line() == line


def test_held_write_lock_refuses_the_edit_visibly_without_a_phantom_undo_step(make_window, seeds, qtbot,
                                                                              dialogs):
    w = make_window(seeds)
    w.ws.edit_timeout = 0.2  # how long an edit waits for the lock (the window's default is short too)
    line = next(i for i in unit_rows(w) if w.session.line_final(i))
    go(w, line)
    stack = w.undo_group.activeStack()
    before_steps = stack.count()
    preview = w.preview.toPlainText()
    other = sqlite3.connect(w.ws.path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        qtbot.keyClick(w.lines, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: bool(dialogs.errors))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(dialogs.errors) == 1 and "locked" in dialogs.errors[0] and "not saved" in dialogs.errors[0]
    assert "not saved" in w.statusBar().currentMessage()
    assert stack.count() == before_steps  # no undo entry for the refused edit
    assert w.session.line_final(line) is True  # the row shows what is stored
    assert w.preview.toPlainText() == preview
    with Workspace.open(w.ws.directory) as ws:
        assert ws.overrides(w.pid) == {}
    # the lock is gone: the same key now edits, stores and can be undone
    go(w, line)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert w.session.line_final(line) is False and stack.count() == before_steps + 1
    assert w.ws.overrides(w.pid) == {(line, None): False}
    qtbot.keyClick(w.lines, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.ws.overrides(w.pid) == {} and w.session.line_final(line) is True


def test_undo_refused_by_a_held_lock_leaves_the_edit_and_its_label_in_step(make_window, seeds, qtbot,
                                                                           dialogs):
    w = make_window(seeds)
    w.ws.edit_timeout = 0.2
    line = next(i for i in unit_rows(w) if w.session.line_final(i))
    go(w, line)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert w.ws.overrides(w.pid) == {(line, None): False}
    other = sqlite3.connect(w.ws.path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        qtbot.keyClick(w.lines, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: bool(dialogs.errors))
    finally:
        other.execute("ROLLBACK")
        other.close()
    # the undo did not happen: the window, the workspace and the stack agree on that
    assert w.session.line_final(line) is False
    assert w.ws.overrides(w.pid) == {(line, None): False}
    stack = w.undo_group.activeStack()
    assert stack.index() == stack.count()  # nothing shown as undone
