"""The review window driven by keys and mouse, offscreen, on the seed postings."""

from __future__ import annotations

import os

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from jdreview.gui.line_model import COL_LABEL, COL_TEXT
from jdreview.workspace.export import read_labels
from jdreview.workspace.store import Workspace


def unit_rows(w):
    """Line rows that are units (not blank), in order."""
    return [i for i, lr in enumerate(w.session.lines) if lr.decision is not None]


def go(w, qtbot, line):
    w.lines.go_to(w.model.index(line, 0))
    assert w.lines.current_line() == line


def test_first_posting_shown_with_reasons(make_window, seeds):
    w = make_window(seeds)
    assert w.queue_model.rowCount() == 3
    s = w.session
    assert s is not None and s.posting.source == seeds[0]
    assert w.preview.toPlainText() == s.cleaned_text()
    # the Why column is a short chip; the tooltip is the line whole, then its full reason
    tips = [w.model.index(i, 3).data(Qt.ItemDataRole.ToolTipRole) for i in unit_rows(w)]
    assert any("automatic: rule:" in t for t in tips)
    assert all(len(w.model.index(i, 3).data()) <= 16 for i in unit_rows(w))
    long_line = max(unit_rows(w), key=lambda i: len(s.lines[i].text))
    assert w.model.index(long_line, 0).data(Qt.ItemDataRole.ToolTipRole).startswith(s.lines[long_line].text)
    assert "Kept" in w.counts_label.text()


def test_space_toggles_and_moves_on_then_undo_redo(make_window, seeds, qtbot):
    w = make_window(seeds)
    line = next(i for i in unit_rows(w) if w.session.line_final(i))
    text = w.session.lines[line].text
    go(w, qtbot, line)
    assert text in w.preview.toPlainText()
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert w.session.line_final(line) is False
    assert text not in w.preview.toPlainText().split("\n")
    assert w.lines.current_line() == next(i for i in unit_rows(w) if i > line)  # moved on, over blanks
    assert "✎" in w.model.index(line, COL_LABEL).data()
    assert w.model.index(line, COL_TEXT).data(Qt.ItemDataRole.FontRole).strikeOut()
    # persisted the moment it was shown
    with Workspace.open(w.ws.directory) as other:
        assert other.overrides(w.pid) == {(line, None): False}
    qtbot.keyClick(w.lines, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.session.line_final(line) is True and text in w.preview.toPlainText()
    assert w.ws.overrides(w.pid) == {}
    qtbot.keyClick(w.lines, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w.session.line_final(line) is False
    assert w.undo_group.activeStack().count() == 1
    assert w.undo_group.activeStack().text(0).startswith("drop line")
    # Edit > History shows the named steps
    qtbot.keyClick(w.lines, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert w.history_dock.isVisible()
    hist = w.history.model()
    assert hist.rowCount() == 2 and hist.index(1, 0).data().startswith("drop line")


def test_a_new_posting_shows_before_its_decisions_are_cached_and_no_edit_waits(make_window, seeds, qtbot):
    w = make_window(seeds)
    pid = w.pid
    assert w.ws.has_cache_later  # the filter's decisions are written once the posting is painted
    line = w.lines.current_line()  # the first line, as opened
    keep = not w.session.line_final(line)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert w.ws.has_cache_later  # the edit did not wait for the cache ...
    with Workspace.open(w.ws.directory) as other:  # ... and is what a restart after a kill finds
        assert other.cached_units(pid, w.cleaner.rules.version, w.cleaner.classifier_version) is None
        assert other.overrides(pid) == {(line, None): keep}
    qtbot.waitUntil(lambda: not w.ws.has_cache_later)  # after the paint, from the event loop
    with Workspace.open(w.ws.directory) as other:
        assert other.cached_units(pid, w.cleaner.rules.version, w.cleaner.classifier_version)
        assert other.row(pid).changed == 1
    assert w.queue_model.rows[w.queue_model.row_of(pid)].changed == 1


def test_j_k_and_shift_range_toggle(make_window, seeds, qtbot):
    w = make_window(seeds)
    units = unit_rows(w)
    kept = [i for i in units if w.session.line_final(i)]
    start = kept[3]
    after = [i for i in units if i > start]
    go(w, qtbot, start)
    qtbot.keyClick(w.lines, Qt.Key.Key_J)
    assert w.lines.current_line() == after[0]  # blank lines are passed over
    qtbot.keyClick(w.lines, Qt.Key.Key_K)
    assert w.lines.current_line() == start
    for _ in range(3):
        qtbot.keyClick(w.lines, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(w.lines.selectionModel().selectedRows(0)) == 4
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    changed = {k[0] for k in w.ws.overrides(w.pid)}
    assert changed == {start, *after[:3]}
    assert all(not w.session.line_final(i) for i in changed)
    assert w.undo_group.activeStack().count() == 1  # one step for the range


def test_mouse_click_on_check_box_toggles(make_window, seeds, qtbot):
    w = make_window(seeds)
    line = next(i for i in unit_rows(w) if not w.session.line_final(i))
    idx = w.model.index(line, COL_LABEL)
    w.lines.scrollTo(idx)
    rect = w.lines.visualRect(idx)
    qtbot.mouseClick(w.lines.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 4 + w.lines.style().pixelMetric(
                         w.lines.style().PixelMetric.PM_IndicatorWidth) // 2, rect.center().y()))
    qtbot.waitUntil(lambda: w.session.line_final(line) is True)
    assert w.session.lines[line].text in w.preview.toPlainText()
    # double-click on the text toggles back
    idx = w.model.index(line, COL_TEXT)
    pos = w.lines.visualRect(idx).center()
    qtbot.mouseClick(w.lines.viewport(), Qt.MouseButton.LeftButton, pos=pos)  # a real double click
    qtbot.mouseDClick(w.lines.viewport(), Qt.MouseButton.LeftButton, pos=pos)  # starts with a press
    qtbot.waitUntil(lambda: w.session.line_final(line) is False)


def test_split_a_line_and_toggle_a_segment(make_window, seeds, qtbot):
    w = make_window(seeds)
    s = w.session
    line = next(i for i in unit_rows(w) if s.line_final(i) and s.lines[i].segments is None
                and len(__import__("jdreview").split_segments(s.lines[i].text)) >= 2)
    go(w, qtbot, line)
    qtbot.keyClick(w.lines, Qt.Key.Key_S)
    n = w.model.rowCount(w.model.index(line, 0))
    assert n >= 2 and w.ws.splits(w.pid) == {line: True}
    # go to the last segment and drop it
    w.lines.go_to(w.model.index(n - 1, 0, w.model.index(line, 0)))
    seg_text = w.session.lines[line].segments[n - 1].text
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert w.session.final((line, n - 1)) is False
    assert seg_text not in w.preview.toPlainText()
    assert w.session.lines[line].segments[0].text in w.preview.toPlainText()
    # join back: one unit again, kept
    go(w, qtbot, line)
    qtbot.keyClick(w.lines, Qt.Key.Key_S)
    assert w.model.rowCount(w.model.index(line, 0)) == 0
    assert w.session.lines[line].text in w.preview.toPlainText()


def test_selected_line_is_highlighted_and_panes_scroll_together(make_window, seeds, qtbot):
    w = make_window([seeds[2]])  # the long LinkedIn posting
    w.resize(1200, 500)
    kept = [i for i in unit_rows(w) if w.session.line_final(i) and w.session.lines[i].segments is None]
    go(w, qtbot, kept[2])
    assert w.preview.highlighted_text() == w.session.lines[kept[2]].text
    before = w.preview.verticalScrollBar().value()
    w.lines.verticalScrollBar().setValue(w.lines.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: w.preview.verticalScrollBar().value() > before)


def test_apply_to_identical_lines_confirms_counts(make_window, tmp_path, dialogs, qtbot):
    paths = []
    for i, body in enumerate(["Team lunch on Fridays\nReal content A.\n",
                              "Other real content.\nTeam lunch on Fridays\n", "Nothing alike here.\n"]):
        p = tmp_path / f"p{i}.txt"
        p.write_text(body)
        paths.append(str(p))
    w = make_window(paths)
    w.index_all()
    first, other = w.ws.ids()[:2]
    keep_before = w.session.line_final(0)
    # in the second posting, the line carries the first posting's current label ...
    w.open_posting(other)
    w.model.push(w.session.set_label([(1, None)], keep_before))
    # ... then the person flips it in the first posting and spreads the new label
    w.open_posting(first)
    go(w, qtbot, 0)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    go(w, qtbot, 0)
    qtbot.keyClick(w.lines, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert dialogs.asked and "1 line in 1 posting whose" in dialogs.asked[-1]
    assert w.ws.overrides(other) == {(1, None): not keep_before}
    qtbot.keyClick(w.lines, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.ws.overrides(other) == {(1, None): keep_before}
    # declining the confirmation changes nothing
    dialogs.confirm_answer = False
    qtbot.keyClick(w.lines, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert w.ws.overrides(other) == {(1, None): keep_before}


def test_make_a_rule_appends_to_the_rule_file_and_updates_previews(make_window, seeds, dialogs, qtbot):
    w = make_window(seeds)
    w.index_all()
    line = next(i for i in unit_rows(w) if w.session.line_final(i) and "Capital One" == w.session.lines[i].text.strip())
    go(w, qtbot, line)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)  # drop it first: the rule is made from the label
    go(w, qtbot, line)
    dialogs.rule_choice = 0  # the exact-line rule
    qtbot.keyClick(w.lines, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert dialogs.asked[-1] == w.ws.rules_path  # the dialog says where the rule goes
    exact_effect = dialogs.effects[0]
    assert exact_effect.matches >= 2 and exact_effect.postings >= 2 and exact_effect.flips >= 1
    rules = open(w.ws.rules_path).read()
    assert "'Capital One'" in rules and "by = 'tester'" in rules and "action = 'drop'" in rules
    assert w.session.auto((line, None)).reason.startswith("rule:user-")
    # the other postings' previews update too
    w.open_posting(w.ws.ids()[1])
    assert "\nCapital One\n" not in "\n" + w.preview.toPlainText()


def test_mark_reviewed_flag_note_and_reopen_in_the_same_state(make_window, seeds, dialogs, qtbot, tmp_path):
    w = make_window(seeds)
    first = w.pid
    line = next(i for i in unit_rows(w) if w.session.line_final(i))
    go(w, qtbot, line)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    dialogs.note_answer = "check the salary line"
    qtbot.keyClick(w.lines, Qt.Key.Key_N)
    qtbot.keyClick(w.lines, Qt.Key.Key_F)
    assert "flagged" in w.raw_title.text() and "check the salary line" in w.raw_title.text()
    text = w.preview.toPlainText()
    with qtbot.waitSignal(w.posting_opened):
        qtbot.keyClick(w.lines, Qt.Key.Key_Return)
    assert w.pid != first
    row = w.ws.row(first)
    assert (row.status, row.flagged, row.note) == ("reviewed", True, "check the salary line")
    assert row.time_spent > 0
    assert "Reviewed 1 of 3" in w.queue.progress.text()
    # export with Ctrl+S
    w.export_dir = str(tmp_path / "export")
    with qtbot.waitSignal(w.export_finished, timeout=60_000):
        qtbot.keyClick(w.lines, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Exported 3 postings" in w.statusBar().currentMessage()
    stem = os.path.splitext(os.path.basename(seeds[0]))[0]
    assert open(tmp_path / "export" / "cleaned" / f"{stem}.txt").read() == text
    labels = [r for r in read_labels(str(tmp_path / "export" / "labels.jsonl")) if r["source"] == seeds[0]]
    assert any(r["changed"] and r["line"] == line and r["reviewer"] == "tester" for r in labels)
    w.close()
    # a new window on the same workspace shows exactly the same state
    w2 = make_window(ws_dir=w.ws.directory)
    w2.open_posting(first)
    assert w2.preview.toPlainText() == text
    assert w2.session.line_final(line) is False and "✎" in w2.model.index(line, COL_LABEL).data()


def test_queue_filter_and_search(make_window, seeds, qtbot):
    w = make_window(seeds)
    ids = w.ws.ids()
    with qtbot.waitSignal(w.posting_opened):
        qtbot.keyClick(w.lines, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert w.pid == ids[1]
    qtbot.keyClick(w.lines, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert w.pid == ids[0]
    qtbot.keyClick(w.lines, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # skip
    assert w.ws.row(ids[0]).status == "skipped" and w.pid == ids[1]
    w.open_posting(ids[0])
    qtbot.keyClick(w.lines, Qt.Key.Key_Return)
    assert w.ws.row(ids[0]).status == "reviewed"
    proxy = w.queue.proxy
    w.queue.status_box.setCurrentIndex(w.queue.STATUSES.index("reviewed"))
    assert proxy.rowCount() == 1
    w.queue.status_box.setCurrentIndex(w.queue.STATUSES.index("new"))
    assert proxy.rowCount() == 2
    w.queue.status_box.setCurrentIndex(0)
    qtbot.keyClicks(w.queue.search_box, "002_")
    assert proxy.rowCount() == 1
    # clicking a row opens that posting
    idx = proxy.index(0, 1)
    with qtbot.waitSignal(w.posting_opened):
        qtbot.mouseClick(w.queue.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=w.queue.table.visualRect(idx).center())
    assert w.session.posting.source == seeds[2]


def test_bad_inputs_show_a_message_and_the_queue_stays_usable(make_window, tmp_path, seeds, qtbot):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02\x03" * 100)
    broken = tmp_path / "broken.html"
    broken.write_bytes(b"<html><body><div hidden><p>x</p></div><script>y")
    gone = tmp_path / "gone.txt"
    gone.write_text("Moved away before it was opened\n")
    w = make_window([str(binary), str(broken), str(gone), seeds[0]])
    os.remove(gone)  # unreadable when the reviewer gets to it
    ids = w.ws.ids()
    for pid, words in zip(ids[:3], (("scan.txt", "binary"), ("broken.html", "no text"),
                                    ("gone.txt", "No such file")), strict=True):
        assert w.open_posting(pid) is False
        assert w.banner.isVisible()
        assert all(word in w.banner.text() for word in words), w.banner.text()
        assert w.model.rowCount() == 0 and w.preview.toPlainText() == ""
        assert "error" in w.queue_model.index(w.queue_model.row_of(pid), 0).data()
        qtbot.keyClick(w.lines, Qt.Key.Key_Space)  # keys on an unreadable posting do nothing
        assert w.ws.overrides(pid) == {}
    # the rest of the queue works
    assert w.open_posting(ids[3]) is True
    assert not w.banner.isVisible() and w.model.rowCount() > 0
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert w.ws.overrides(ids[3])
    w.queue.status_box.setCurrentIndex(w.queue.STATUSES.index("error"))
    assert w.queue.proxy.rowCount() == 3


def test_file_open_and_drag_and_drop_add_postings(make_window, seeds, dialogs, qtbot):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    w = make_window([seeds[0]])
    dialogs.open_paths = lambda parent: [seeds[1]]
    qtbot.keyClick(w.lines, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert w.queue_model.rowCount() == 2
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(seeds[2])])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    w.dropEvent(drop)
    assert w.queue_model.rowCount() == 3
    assert w.session.posting.source == seeds[0]  # adding does not move the reviewer


def test_rule_dialog_shows_the_effect_and_refuses_a_bad_regex(make_window, seeds, qtbot):
    from jdreview.gui.dialogs import RuleDialog
    from jdreview.workspace.session import RuleEffect, propose_rules

    w = make_window(seeds)
    seen = []

    def effect(rule):
        seen.append(rule)
        return RuleEffect(matches=7, flips=5, contradictions=2, postings=3)

    dlg = RuleDialog(w, propose_rules("36 people clicked apply", "drop", reviewer="tester"), effect)
    qtbot.addWidget(dlg)
    assert dlg.pattern.text() == "36 people clicked apply"
    assert "7 lines in 3 postings" in dlg.counts.text() and "flips 5" in dlg.counts.text()
    assert "2 of the matched lines" in dlg.counts.text()
    dlg.kinds.button(1).click()  # the generalised regex
    assert "\\d+" in dlg.pattern.text() and seen[-1].kind == "regex"
    dlg.pattern.setText("(unclosed")
    assert "Not a valid rule" in dlg.counts.text()
    assert not dlg.buttons.button(dlg.buttons.StandardButton.Save).isEnabled()
    dlg.pattern.setText(r"^\s*\d+ people clicked apply\s*$")
    assert dlg.buttons.button(dlg.buttons.StandardButton.Save).isEnabled()
    rule = dlg.chosen()
    assert rule is not None and rule.kind == "regex" and dict(rule.provenance)["by"] == "tester"


def test_shortcut_overlay_lists_the_keys(make_window, seeds, dialogs, qtbot):
    w = make_window(seeds)
    qtbot.keyClick(w.lines, Qt.Key.Key_Question)
    assert "Toggle line" in dialogs.asked[-1] and "Split or join" in dialogs.asked[-1]
    from jdreview.gui.dialogs import ShortcutsDialog

    dlg = ShortcutsDialog(w, list(w.actions_by_name.values()))
    keys = {dlg.table.item(i, 0).text(): dlg.table.item(i, 1).text() for i in range(dlg.table.rowCount())}
    assert keys["Toggle line and move on"] == "Space" and "Ctrl+Z" in keys["Undo"]
    # every action is in a menu too
    in_menus = {a.objectName() for m in w.menuBar().findChildren(type(w.menuBar().actions()[0].menu()))
                for a in m.actions()}
    assert {"toggle", "split", "identical", "rule", "reviewed", "flag", "note", "export"} <= in_menus


def test_settings_remember_geometry_and_workspaces(make_window, seeds, settings, qtbot):
    w = make_window(seeds)
    size = (max(w.minimumSizeHint().width(), 640), 560)  # inside the offscreen screen (800x600)
    w.resize(*size)
    w.close()
    settings.sync()
    assert w.ws.directory in settings.value("recent_workspaces")
    w2 = make_window(ws_dir=w.ws.directory)
    assert (w2.width(), w2.height()) == size
    QApplication.processEvents()


def test_make_a_segment_rule_trims_that_segment(make_window, seeds, dialogs, qtbot):
    w = make_window([seeds[2]])
    s = w.session
    line = next(i for i, lr in enumerate(s.lines) if lr.segments and "1 week ago" in lr.text)
    k = next(k for k, seg in enumerate(s.lines[line].segments) if seg.text == "1 week ago")
    assert s.final((line, k)) is True
    w.lines.go_to(w.model.index(k, 0, w.model.index(line, 0)))
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)  # drop the segment, then make a rule of it
    w.lines.go_to(w.model.index(k, 0, w.model.index(line, 0)))
    dialogs.rule_choice = 1  # numbers generalised: "\d+ week ago"
    qtbot.keyClick(w.lines, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    rules = open(w.ws.rules_path).read()
    assert "unit = 'segment'" in rules and r"\d+ week ago" in rules
    # the filter now drops it itself: its automatic decision names the new rule
    auto = w.session.auto((line, k))
    assert auto.keep is False and auto.reason.startswith("rule:user-")
    assert "1 week ago" not in w.preview.toPlainText()
