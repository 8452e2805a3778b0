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


# ---------------------------------------------------------------- unknown file types given by name
def test_a_file_of_unknown_type_given_by_name_is_reported_not_queued(make_window, seeds, dialogs, tmp_path):
    pdf = tmp_path / "posting.pdf"
    pdf.write_bytes(b"%PDF-1.4 not a posting jdreview reads")
    w = make_window(seeds)
    dialogs.open_paths = lambda parent: [str(pdf)]  # what the person picked in Ctrl+O
    w.actions_by_name["open"].trigger()
    assert w.queue_model.rowCount() == 3
    assert not any(r.source.endswith("posting.pdf") for r in w.ws.rows())
    assert any("posting.pdf" in e and "unknown" in e for e in dialogs.errors), dialogs.errors


def test_review_of_an_unknown_file_type_fails_and_queues_nothing(tmp_path, qapp, capsys):
    from jdreview.cli import main
    from jdreview.workspace.store import Workspace

    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    rc = main(["review", "--workspace", str(tmp_path / "ws"), "--screenshot", str(tmp_path / "s.png"), str(pdf)])
    assert rc == 1
    assert "x.pdf" in capsys.readouterr().err
    with Workspace.open(str(tmp_path / "ws")) as ws:
        assert ws.ids() == []


# ---------------------------------------------------------------- a toggle lays out one row
def test_a_toggle_keeps_the_rows_height_so_only_its_row_repaints(make_window, seeds, qtbot):
    """A changed line is marked by its shading, ✎ and "you", not by a bolder text font: a
    bold italic line wraps wider, its row grows, and the view then lays out and repaints
    every row below it (13-16 ms on a 2,000-line posting instead of 1)."""
    from PySide6.QtGui import QFontMetrics

    from jdreview.gui.line_model import COL_LABEL, COL_TEXT

    w = make_window(seeds)
    s = w.session
    line = max((i for i, lr in enumerate(s.lines) if lr.decision is not None and lr.segments is None),
               key=lambda i: len(s.lines[i].text))  # the longest line: wrapped over several rows
    w.lines.go_to(w.model.index(line, 0))
    before_font = w.model.index(line, COL_TEXT).data(Qt.ItemDataRole.FontRole)
    height = w.lines.visualRect(w.model.index(line, COL_TEXT)).height()
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    assert s.changed((line, None))
    font = w.model.index(line, COL_TEXT).data(Qt.ItemDataRole.FontRole)
    assert not font.bold() and not font.italic()
    text = s.lines[line].text
    assert QFontMetrics(font).horizontalAdvance(text) == QFontMetrics(before_font).horizontalAdvance(text)
    assert w.lines.visualRect(w.model.index(line, COL_TEXT)).height() == height
    assert w.model.index(line, COL_LABEL).data(Qt.ItemDataRole.FontRole).bold()  # still marked in the gutter


# ---------------------------------------------------------------- dark palette
def _dark_palette():
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    r = QPalette.ColorRole
    for role, c in ((r.Window, "#353535"), (r.WindowText, "#e8e8e8"), (r.Base, "#232323"),
                    (r.AlternateBase, "#2c2c2c"), (r.Text, "#e8e8e8"), (r.Button, "#353535"),
                    (r.ButtonText, "#e8e8e8"), (r.Highlight, "#2a82da"), (r.HighlightedText, "#ffffff")):
        pal.setColor(role, QColor(c))
    return pal


def _contrast(image, rect, base) -> int:
    """The largest lightness difference from ``base`` of any pixel in ``rect`` of ``image``."""
    from PySide6.QtGui import QColor

    return max(abs(QColor(image.pixel(x, y)).lightness() - base.lightness())
               for x in range(rect.left(), rect.right() + 1) for y in range(rect.top(), rect.bottom() + 1))


def test_dark_palette_unchecked_boxes_and_changed_shading_are_visible(make_window, seeds, qtbot):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QApplication

    from jdreview.gui.line_model import COL_LABEL

    old_palette = QApplication.palette()
    w = make_window(seeds)
    assert w.lines.style().name().lower() == "fusion"  # the offscreen default, as on most Linux desktops
    try:
        QApplication.setPalette(_dark_palette())
        dark_base = _dark_palette().color(_dark_palette().ColorRole.Base)
        qtbot.waitUntil(lambda: w.lines.palette().color(w.lines.palette().ColorRole.Base) == dark_base)
        s = w.session
        dropped = next(i for i, lr in enumerate(s.lines) if lr.decision is not None and not s.line_final(i))
        kept = next(i for i, lr in enumerate(s.lines) if lr.decision is not None and s.line_final(i)
                    and i != dropped)
        w.lines.go_to(w.model.index(kept, 0))
        qtbot.keyClick(w.lines, Qt.Key.Key_Space)  # kept -> dropped by you: changed, unchecked
        other = next(i for i, lr in enumerate(s.lines) if lr.decision is not None and i not in (kept, dropped))
        w.lines.setCurrentIndex(w.model.index(other, 0))  # the cursor away from both rows
        w.lines.clearSelection()
        w.lines.scrollTo(w.model.index(dropped, 0))
        image = w.lines.viewport().grab().toImage()
        base = QApplication.palette().color(QApplication.palette().ColorRole.Base)
        cell = w.lines.visualRect(w.model.index(dropped, COL_LABEL))
        box = QRect(cell.left(), cell.top() + 2, 24, max(cell.height() - 4, 1))  # the check box, left of "✗ drop"
        assert _contrast(image, box, base) >= 60, "an unchecked box on a dark Base is all but invisible"
        w.lines.scrollTo(w.model.index(kept, 0))
        image = w.lines.viewport().grab().toImage()
        text = w.lines.visualRect(w.model.index(kept, 3))  # the Why cell of the changed row: its shading
        shade = QColor(image.pixel(text.right() - 3, text.top() + 1))
        assert abs(shade.lightness() - base.lightness()) >= 20 or abs(shade.blue() - base.blue()) >= 40, \
            f"changed shading {shade.name()} hard to tell from Base {base.name()}"
    finally:
        QApplication.setPalette(old_palette)


def test_the_queue_progress_counts_one_line_in_the_singular(make_window, seeds, qtbot):
    w = make_window(seeds)
    qtbot.keyClick(w.lines, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "1 line changed" in w.queue.progress.text())


# ---------------------------------------------------------------- visible before the filter loads
def test_the_window_module_does_not_load_the_filter_pipeline():
    """The window shows before the rules compile; importing it must not drag in the
    pipeline, the classifier or the learn modules (about a fifth of the time to visible)."""
    import os
    import subprocess
    import sys

    code = ("import sys, jdreview.gui.app; "
            "print(sorted(m for m in sys.modules if m.startswith(('jdreview.filter.pipeline', "
            "'jdreview.filter.classifier', 'jdreview.engines', 'jdreview.learn'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout
    assert out.strip() == "[]", out


def test_the_first_toggle_of_the_first_line_repaints_its_row(make_window, seeds, qtbot):
    """Qt re-measures its default row height from row 0 when row 0 changes and, when it
    differs, repaints the whole pane: the window measures it as a posting opens."""
    from PySide6.QtCore import QEvent, QObject

    class Paints(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.rects: list = []

        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint:
                self.rects.append(event.rect())
            return False

    w = make_window(seeds)
    ids = w.ws.ids()
    heights = []
    for pid in ids:
        w.open_posting(pid)
        heights.append(w.lines.visualRect(w.model.index(0, 0)).height())
    a, b = next((x, y) for x in range(len(ids)) for y in range(len(ids)) if heights[x] != heights[y])
    w.open_posting(ids[a])
    w.lines.go_to(w.model.index(0, 0))
    w.toggle_selection()  # row 0 changed: the view takes its height as the default
    w.open_posting(ids[b])  # another height of row 0
    w.repaint()
    w.open_posting(ids[a])
    w.open_posting(ids[b])
    w.repaint()
    # What the open left to paint (rows laid out lazily, a scroll bar that came or went and
    # resized the stretched text column, work queued after the first paint) is painted now:
    # on a busy machine it was still pending at the toggle and counted as the toggle's.
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()
        w.lines.viewport().repaint()
    assert w.lines.current_line() == 0
    paints = Paints()
    viewport = w.lines.viewport()
    viewport.installEventFilter(paints)
    try:
        w.toggle_selection()
        qtbot.waitUntil(lambda: bool(paints.rects))
    finally:
        viewport.removeEventFilter(paints)
    assert max(r.height() for r in paints.rects) < viewport.height() // 2, [r.getRect() for r in paints.rects]
