"""Reading a posting: every line whole in the raw pane (wrapped rows that grow)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt

from jdreview.gui.line_model import COL_TEXT


def needed_height(w, line):
    """The height the text column needs to show ``line`` whole at its current width."""
    idx = w.model.index(line, COL_TEXT)
    width = w.lines.header().sectionSize(COL_TEXT) - 8  # the delegate's text margins
    fm = w.lines.fontMetrics()
    return fm.boundingRect(QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap),
                           idx.data()).height()


def test_long_lines_wrap_and_show_whole(make_window, seeds, qtbot):
    w = make_window([seeds[2]])
    w.resize(1024, 700)
    s = w.session
    units = [i for i, lr in enumerate(s.lines) if lr.decision is not None and lr.segments is None]
    long_line = max(units, key=lambda i: len(s.lines[i].text))
    short = next(i for i in units if 0 < len(s.lines[i].text) < 15)
    w.lines.go_to(w.model.index(long_line, 0))
    qtbot.waitUntil(lambda: w.lines.visualRect(w.model.index(long_line, COL_TEXT)).height()
                    >= needed_height(w, long_line))
    one = w.lines.visualRect(w.model.index(short, COL_TEXT)).height()
    assert w.lines.visualRect(w.model.index(long_line, COL_TEXT)).height() >= 3 * one
    # a wider window: the same line needs fewer wrapped rows, and gets them
    tall = w.lines.visualRect(w.model.index(long_line, COL_TEXT)).height()
    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: w.lines.visualRect(w.model.index(long_line, COL_TEXT)).height() < tall)
    assert w.lines.visualRect(w.model.index(long_line, COL_TEXT)).height() >= needed_height(w, long_line)


def test_progress_bar_and_flag_beside_the_status(make_window, seeds, qtbot):
    w = make_window(seeds)
    qtbot.keyClick(w.lines, Qt.Key.Key_F)
    first = w.pid
    with qtbot.waitSignal(w.posting_opened):
        qtbot.keyClick(w.lines, Qt.Key.Key_Return)
    bar = w.queue.progress_bar
    assert (bar.value(), bar.maximum()) == (1, 3)
    status = w.queue_model.index(w.queue_model.row_of(first), 0).data()
    assert "reviewed" in status and "⚑" in status


def test_queue_titles_elide_in_the_middle_with_the_whole_name_in_a_tooltip(make_window, seeds):
    from jdreview.gui.panes import NAME_COL, display_name

    w = make_window(seeds)
    assert w.queue.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    row = w.queue_model.rows[0]
    tip = w.queue_model.index(0, NAME_COL).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(display_name(row))


def test_reopening_returns_to_the_posting_and_line(make_window, seeds, qtbot):
    w = make_window(seeds)
    third = w.ws.ids()[2]
    w.open_posting(third)
    line = [i for i, lr in enumerate(w.session.lines) if lr.decision is not None][20]
    w.lines.go_to(w.model.index(line, 0))
    w.close()
    w2 = make_window(ws_dir=w.ws.directory)
    assert w2.pid == third and w2.lines.current_line() == line


def test_ctrl_f_finds_in_the_posting_and_ctrl_g_goes_to_a_line(make_window, seeds, dialogs, qtbot):
    w = make_window([seeds[2]])
    s = w.session
    word = next(lr.text.split()[0] for lr in s.lines[30:] if lr.text.split() and len(lr.text.split()[0]) > 6)
    target = next(i for i, lr in enumerate(s.lines) if i > 0 and word.casefold() in lr.text.casefold())
    w.lines.go_to(w.model.index(0, 0))
    qtbot.keyClick(w.lines, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    field = w.find_bar.field
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, word.lower())  # letters go to the field, not to the one-key shortcuts
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert w.lines.current_line() == target
    assert w.ws.row(w.pid).flagged is False and w.ws.overrides(w.pid) == {}
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert not w.find_bar.isVisible() and w.lines.hasFocus()
    dialogs.line_answer = 42
    qtbot.keyClick(w.lines, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert w.lines.current_line() == 41 and dialogs.asked[-1].endswith(f"of {len(s.lines)}")


def test_view_menu_font_size_is_remembered_and_panes_hide(make_window, seeds, settings, qtbot):
    w = make_window(seeds)
    size = w.lines.font().pointSize()
    qtbot.keyClick(w.lines, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.lines, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert w.lines.font().pointSize() == w.preview.font().pointSize() == size + 2
    row_font = w.model.index(w.lines.current_line(), 2).data(Qt.ItemDataRole.FontRole)
    assert row_font.pointSize() == size + 2  # the rows themselves, not only the header
    qtbot.keyClick(w.lines, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    w.close()
    w2 = make_window(ws_dir=w.ws.directory)
    assert w2.lines.font().pointSize() == size + 1
    w2.actions_by_name["preview_toggle"].trigger()
    assert not w2.preview.isVisible()
    w2.actions_by_name["queue_toggle"].trigger()
    assert not w2.queue.isVisible()


def test_a_palette_change_remakes_the_shading(make_window, seeds, qtbot):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    w = make_window(seeds)
    old = QApplication.palette()
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    line = w.lines.current_line() - 1 if w.lines.current_line() > 0 else 0
    changed = next(k[0] for k in w.ws.overrides(w.pid))
    light = w.model.index(changed, 2).data(Qt.ItemDataRole.BackgroundRole).color()
    dark = QPalette(old)
    dark.setColor(QPalette.ColorRole.Base, QColor(30, 30, 30))
    dark.setColor(QPalette.ColorRole.Text, QColor(230, 230, 230))
    try:
        QApplication.setPalette(dark)
        qtbot.waitUntil(lambda: w.model.index(changed, 2).data(Qt.ItemDataRole.BackgroundRole).color() != light)
        shade = w.model.index(changed, 2).data(Qt.ItemDataRole.BackgroundRole).color()
        assert shade.lightness() < 128 and shade != QColor(30, 30, 30)  # dark, yet visible on Base
    finally:
        QApplication.setPalette(old)
    del line


def test_the_shortcut_overlay_lists_every_key_and_fits_1024x700(make_window, seeds, qtbot):
    from jdreview.gui.dialogs import ShortcutsDialog

    w = make_window(seeds)
    dlg = ShortcutsDialog(w, list(w.actions_by_name.values()))
    qtbot.addWidget(dlg)
    keys = " | ".join(k for _n, k in dlg.rows)
    for k in ("Shift+Up", "Home", "Ctrl+Shift+O", "Ctrl+F", "Ctrl+G", "Space", "Ctrl+Z"):
        assert k in keys, k
    assert any(n.startswith("Order queue") for n, _k in dlg.rows)
    dlg.show()
    qtbot.waitUntil(dlg.isVisible)
    assert dlg.width() <= 1024 and dlg.height() <= 700
    t = dlg.table
    last_row = t.rowCount() - 1
    assert t.rowViewportPosition(last_row) + t.rowHeight(last_row) <= t.viewport().height()  # unscrolled


def test_an_empty_workspace_says_how_to_add_postings(make_window, seeds, qtbot):
    w = make_window()
    assert w.queue_model.rowCount() == 0
    assert "Ctrl+O" in w.lines.placeholder and "drag" in w.lines.placeholder
    img = w.lines.viewport().grab().toImage()
    base = img.pixelColor(2, 2)
    assert any(img.pixelColor(x, y) != base for x in range(0, img.width(), 2)
               for y in range(0, img.height(), 2))  # the hint is drawn
    w.add_paths([seeds[0]])
    assert w.lines.placeholder == ""


def test_the_rule_dialog_reads_plainly_and_takes_an_id_and_a_scope(qtbot):
    from jdreview.gui.dialogs import RuleDialog
    from jdreview.workspace.session import RuleEffect, propose_rules

    dlg = RuleDialog(None, propose_rules("36 people clicked apply", "drop", unit="segment"),
                     lambda rule: RuleEffect(0, 0, 0, 0), site="linkedin")
    qtbot.addWidget(dlg)
    assert "\\ " not in dlg.pattern.text() and "people clicked apply" in dlg.pattern.text()
    assert [dlg.scope_box.itemText(i) for i in range(dlg.scope_box.count())] == ["all", "linkedin"]
    dlg.scope_box.setCurrentIndex(1)
    dlg.rule_id.selectAll()
    qtbot.keyClicks(dlg.rule_id, "applicant-count")
    rule = dlg.chosen()
    assert rule is not None and rule.id == "applicant-count" and rule.scope == "linkedin"
    dlg.kinds.button(1).click()  # another kind keeps the id the person typed
    assert dlg.chosen().id == "applicant-count"
    qtbot.keyClicks(dlg.rule_id, " bad id")
    assert dlg.chosen() is None and not dlg.buttons.button(dlg.buttons.StandardButton.Save).isEnabled()


def test_a_folder_with_files_of_unknown_type_says_so(make_window, tmp_path, dialogs):
    d = tmp_path / "drop"
    d.mkdir()
    (d / "a.txt").write_text("Data Engineer\nBuild pipelines.\n")
    (d / "scan.pdf").write_bytes(b"%PDF-1.4")
    w = make_window([str(d)])
    assert w.queue_model.rowCount() == 1
    assert any("scan.pdf" in e and "unknown type" in e for e in dialogs.errors)
