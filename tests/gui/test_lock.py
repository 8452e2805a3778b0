"""Issue 10, item 11: a write lock held by another program. The edit is refused where
the person sees it (a message, the row unchanged), the workspace keeps nothing of it, and
no undo step is left for an edit that never happened."""

from __future__ import annotations

import os
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


# ------------------------------------------------------------------ every other write of the window


class HeldLock:
    """Another program holding the workspace's write lock (``with HeldLock(path):``)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        self.conn.execute("ROLLBACK")
        self.conn.close()


def stored(w):
    """The open posting's row as another connection reads it from the workspace file."""
    with Workspace.open(w.ws.directory) as ws:
        return ws.row(w.pid)


def locked_window(make_window, seeds):
    w = make_window(seeds)
    w.ws.edit_timeout = 0.2  # every write of the window waits this long at most
    return w


def refused(dialogs, w, before_errors=0):
    assert len(dialogs.errors) == before_errors + 1, dialogs.errors
    msg = dialogs.errors[-1]
    assert "locked" in msg and "not saved" in msg and w.ws.path in msg and "\n" not in msg
    assert "not saved" in w.statusBar().currentMessage()


def test_mark_reviewed_and_skip_under_a_held_lock_are_refused_and_stay_put(make_window, seeds, qtbot, dialogs):
    w = locked_window(make_window, seeds)
    pid = w.pid
    with HeldLock(w.ws.path):
        qtbot.keyClick(w.lines, Qt.Key.Key_Return)  # mark reviewed and open next
        refused(dialogs, w)
        w.actions_by_name["skip"].trigger()
        refused(dialogs, w, 1)
    assert w.pid == pid  # nothing moved on: the posting was not marked
    assert stored(w).status == "new"
    assert w.queue_model.rows[w.queue_model.row_of(pid)].status == "new"
    qtbot.keyClick(w.lines, Qt.Key.Key_Return)  # the lock is gone: it works
    assert w.pid != pid and w.ws.row(pid).status == "reviewed"


def test_flag_under_a_held_lock_is_refused_and_the_queue_agrees(make_window, seeds, qtbot, dialogs):
    w = locked_window(make_window, seeds)
    with HeldLock(w.ws.path):
        w.actions_by_name["flag"].trigger()
        refused(dialogs, w)
    assert stored(w).flagged is False
    assert w.queue_model.rows[w.queue_model.row_of(w.pid)].flagged is False
    assert "flagged" not in w.raw_title.text()
    w.actions_by_name["flag"].trigger()
    assert stored(w).flagged is True


def test_note_under_a_held_lock_is_refused_and_kept_for_the_next_try(make_window, seeds, qtbot, dialogs):
    w = locked_window(make_window, seeds)
    dialogs.note_answer = "check the salary line"
    seen = []
    dialogs.note = lambda parent, current: (seen.append(current), dialogs.note_answer)[1]
    with HeldLock(w.ws.path):
        w.actions_by_name["note"].trigger()
        refused(dialogs, w)
        assert "note" in dialogs.errors[-1]
    assert stored(w).note == ""
    w.actions_by_name["note"].trigger()  # the editor opens with the note that was not saved
    assert seen == ["", "check the salary line"]
    assert stored(w).note == "check the salary line"


def test_remove_under_a_held_lock_is_refused_without_an_undo_step(make_window, seeds, qtbot, dialogs):
    w = locked_window(make_window, seeds)
    pid, n = w.pid, len(w.queue_model.rows)
    stack = w.undo_group.activeStack()
    steps = stack.count()
    with HeldLock(w.ws.path):
        w.actions_by_name["remove"].trigger()
        refused(dialogs, w)
    assert w.pid == pid and len(w.queue_model.rows) == n and stack.count() == steps
    assert w.ws.count() == n and w.session is not None


def test_undo_of_remove_under_a_held_lock_keeps_the_step_for_later(make_window, seeds, qtbot, dialogs):
    w = locked_window(make_window, seeds)
    pid, n = w.pid, len(w.queue_model.rows)
    w.actions_by_name["remove"].trigger()
    assert w.ws.count() == n - 1
    stack = w.undo_group.activeStack()
    with HeldLock(w.ws.path):
        w.actions_by_name["undo"].trigger()
        refused(dialogs, w)
        qtbot.waitUntil(lambda: stack.index() == stack.count())  # not shown as undone
    assert w.ws.count() == n - 1 and pid not in {r.id for r in w.queue_model.rows}
    w.actions_by_name["undo"].trigger()  # the step is still there: the lock is gone, it works
    assert w.ws.count() == n and pid in {r.id for r in w.queue_model.rows}


def test_apply_to_identical_under_a_held_lock_changes_nothing(make_window, seeds, qtbot, dialogs):
    w = locked_window(make_window, seeds)
    w.index_all()
    s = w.session
    from jdreview.filter.rules import normalise

    line = next(i for i in unit_rows(w) if s.lines[i].segments is None and len(
        {u.posting for u in w.ws.units_where_norm(normalise(s.lines[i].text))}) > 1)
    go(w, line)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)  # this line now differs from its identical lines
    go(w, line)
    import shutil

    copy = os.path.join(os.path.dirname(seeds[0]), "copy-" + os.path.basename(w.session.posting.source))
    shutil.copy(w.session.posting.source, copy)
    w.add_paths([copy])  # not filtered yet: applying to identical lines filters it first
    go(w, line)
    stack = w.undo_group.activeStack()
    steps = stack.count()
    with Workspace.open(w.ws.directory) as other:
        before = {pid: other.overrides(pid) for pid in other.ids()}
    with HeldLock(w.ws.path):
        w.actions_by_name["identical"].trigger()
        qtbot.waitUntil(lambda: bool(dialogs.errors))
    assert "locked" in dialogs.errors[-1] and "\n" not in dialogs.errors[-1]
    assert stack.count() == steps
    with Workspace.open(w.ws.directory) as other:
        assert {pid: other.overrides(pid) for pid in other.ids()} == before


def test_rule_panel_edit_under_a_held_lock_still_refilters_the_window(make_window, seeds, qtbot, dialogs):
    """The rule file is not the workspace: disabling a rule works under a held lock; only
    the decision cache is not written (the filter makes it again)."""
    w = locked_window(make_window, seeds)
    panel = w.rules_panel
    panel.refresh_fired()
    assert panel.fired, "the seed posting has rules that fired"
    panel.fired_view.selectRow(0)
    rule = panel.selected_rule()
    with HeldLock(w.ws.path):
        panel.disable_button.click()
    assert rule.id not in {r.id for r in w.cleaner.rules.rules if r.enabled}
    assert all(rule.id not in d.reason for _l, _s, _t, d in w.session.result.units())
    assert not [e for e in dialogs.errors if "Traceback" in e]
