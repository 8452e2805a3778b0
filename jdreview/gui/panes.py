"""The window's panes: the raw lines, the filtered preview, and the queue.

Panes hold no review state of their own: the line pane is a view on the
:class:`~jdreview.gui.line_model.LineModel`, the preview shows what the session
computes, and the queue is a model over the workspace's posting rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QPalette,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTextEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..workspace.session import Preview
from ..workspace.store import PostingRow, Workspace
from .compat import emit
from .line_model import COL_LABEL, COL_NUMBER, COL_REASON, COL_TEXT, LINE_ROLE, LineModel
from .widgets import guard_text_field

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root, as a default argument


class WrapDelegate(QStyledItemDelegate):
    """The Text column's rows as tall as their wrapped text: the style measures wrapped
    text only for the width it is given, and the tree view gives none, so this gives
    the column's width (less the indentation of a segment row)."""

    #: cached sizes at most (a posting's rows at a few widths); then the cache starts over
    CACHE_MAX = 20_000

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view
        # (text, width, font) -> size. The view asks again for every row it lays out
        # (each open, each resize, each row a toggle touched); wrapping a long line costs
        # a text layout, a lookup costs nothing. The size depends on nothing else: the
        # text column's font is the same whatever the row's label (see LineModel._cells).
        self._sizes: dict[tuple[str, int, str], Any] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> Any:  # noqa: N802 - Qt override
        width = self.view.header().sectionSize(index.column())
        if index.internalId() != 0:  # a segment row, indented under its line
            width -= self.view.indentation()
        width = max(width, 20)
        key = (str(index.data(Qt.ItemDataRole.DisplayRole) or ""), width, option.font.key())
        size = self._sizes.get(key)
        if size is None:
            opt = QStyleOptionViewItem(option)
            opt.rect = QRect(0, 0, width, 1)  # the style wraps only within a valid rect
            opt.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
            if len(self._sizes) >= self.CACHE_MAX:
                self._sizes.clear()
            size = self._sizes[key] = super().sizeHint(opt, index)
        return size


class CheckDelegate(QStyledItemDelegate):
    """The Label column, its check box legible in a dark palette too: Fusion draws the
    box's frame a shade darker than the palette's Window colour, which on a dark Base is
    all but invisible (an unchecked line looked like no box at all). In a dark palette the
    box is drawn as if on a light Window, so its frame reads as a mid grey."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self._key = -1
        self._palette: QPalette | None = None  # None: the palette is light, nothing to do

    def paint(self, painter: Any, option: QStyleOptionViewItem, index: Index) -> None:
        pal = option.palette
        if pal.cacheKey() != self._key:
            self._key = pal.cacheKey()
            self._palette = check_palette(pal)
        if self._palette is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        opt.palette = self._palette
        super().paint(painter, opt, index)


def check_palette(pal: QPalette) -> QPalette | None:
    """``pal`` with a Window colour whose darker shade (Fusion's frame colour) stands out
    from Base by half the way to Text; None when ``pal`` is light (Base lighter than Text)."""
    base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
    if base.lightness() >= text.lightness():
        return None
    frame = QColor((base.red() + text.red()) // 2, (base.green() + text.green()) // 2,
                   (base.blue() + text.blue()) // 2)
    out = QPalette(pal)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        out.setColor(group, QPalette.ColorRole.Window, frame.lighter(140))
    return out


class LinePane(QTreeView):
    """The raw posting, one row per line (segments as child rows)."""

    #: the line under the cursor changed
    current_line_changed = Signal(int)

    def __init__(self, model: LineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("line_pane")
        self.setModel(model)
        # Every line whole: long lines wrap and their rows grow (rows are laid out lazily,
        # as they scroll into view, so a 2,000-line posting opens as fast as before).
        self.setUniformRowHeights(False)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setRootIsDecorated(True)
        self.setIndentation(14)
        self.setItemsExpandable(False)
        self.setExpandsOnDoubleClick(False)
        self.setAllColumnsShowFocus(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setItemDelegateForColumn(COL_TEXT, WrapDelegate(self))
        self.setItemDelegateForColumn(COL_LABEL, CheckDelegate(self))
        h = self.header()
        h.setStretchLastSection(False)
        h.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        em = self.fontMetrics().horizontalAdvance("M")
        # the label as wide as its widest form (bold italic, changed by you) beside the box
        bold = QFont(self.font())
        bold.setBold(True)
        bold.setItalic(True)
        label = QFontMetrics(bold).horizontalAdvance("◐ part ✎") + 3 * em
        # a gutter (number, state) and a compact reason chip; the text takes the rest
        for col, width in ((COL_NUMBER, 4 * em), (COL_LABEL, max(8 * em, label)), (COL_REASON, 9 * em)):
            h.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            h.resizeSection(col, width)
        model.modelReset.connect(self._expand_segmented)
        # a reset of the same posting (another window's edits, new rules) keeps the cursor line
        self._before_reset: tuple[Any, int] = (None, -1)
        model.modelAboutToBeReset.connect(
            lambda: setattr(self, "_before_reset", (model.session, self.current_line())))
        model.modelReset.connect(self._restore_line)
        model.rowsInserted.connect(lambda parent, *_: self.expand(parent) if parent.isValid() else None)
        self._after_paint: dict[str, Callable[[], None]] = {}
        self.placeholder = ""

    def measure_first_row(self) -> None:
        """Qt takes the view's default row height from row 0 when row 0 changes, and when
        it differs repaints the whole pane: measure it now (the posting paints whole
        anyway), not on the first toggle of the first line (about 15 ms on a posting)."""
        model = self.model()
        if model.rowCount() > 0:
            self.dataChanged(model.index(0, 0), model.index(0, model.columnCount() - 1), [])

    def after_paint(self, name: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` once, from the event loop, after the lines are next painted
        (work that can wait until the person sees the posting); it replaces a callback
        of the same ``name`` still waiting."""
        self._after_paint[name] = callback

    def set_placeholder(self, text: str) -> None:
        """What the pane says while it shows no posting (an empty workspace: how to add)."""
        if text != self.placeholder:
            self.placeholder = text
            self.viewport().update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.placeholder and self.model().rowCount() == 0:
            from PySide6.QtGui import QPainter

            p = QPainter(self.viewport())
            p.setPen(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
            p.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                       int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.placeholder)
            p.end()
        if self._after_paint:
            callbacks, self._after_paint = self._after_paint, {}
            for callback in callbacks.values():
                QTimer.singleShot(0, self, callback)  # dropped if the pane is gone by then

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        # The text column stretches; wrapped rows are laid out again for its new width.
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.scheduleDelayedItemsLayout()

    def _restore_line(self) -> None:
        (session, line), self._before_reset = self._before_reset, (None, -1)
        model = self.model()
        if isinstance(model, LineModel) and session is model.session and 0 <= line < model.rowCount():
            self.go_to(self.model().index(line, 0))

    def _expand_segmented(self) -> None:
        """Open every line that has segments (expandAll would walk all rows in Python)."""
        model = self.model()
        s = model.session if isinstance(model, LineModel) else None
        if s is None:
            return
        for i, lr in enumerate(s.lines):
            if lr.segments is not None:
                self.expand(model.index(i, 0))

    def setModel(self, model: Any) -> None:  # noqa: N802 - Qt override
        super().setModel(model)
        self.selectionModel().currentChanged.connect(self._current_changed)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            emit(self.current_line_changed, int(current.data(LINE_ROLE)))

    def current_line(self) -> int:
        cur = self.currentIndex()
        return int(cur.data(LINE_ROLE)) if cur.isValid() else -1

    def move(self, step: int, select: bool = False) -> None:
        """Move the cursor one row down (step 1) or up (-1), as the arrow keys do."""
        key = Qt.Key.Key_Down if step > 0 else Qt.Key.Key_Up
        mods = Qt.KeyboardModifier.ShiftModifier if select else Qt.KeyboardModifier.NoModifier
        self.keyPressEvent(QKeyEvent(QKeyEvent.Type.KeyPress, key, mods))

    def go_to(self, index: QModelIndex) -> None:
        if index.isValid():
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def top_line(self) -> int:
        idx = self.indexAt(self.viewport().rect().topLeft())
        return int(idx.data(LINE_ROLE)) if idx.isValid() else 0


class FindBar(QWidget):
    """Find in the posting: Return finds the next line, Shift+Return the previous one,
    Escape closes the bar (the cursor stays on the line found)."""

    #: (text, backwards)
    find_requested = Signal(str, bool)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("find_bar")
        self.field = QLineEdit()
        self.field.setObjectName("find_field")
        self.field.setPlaceholderText("Find in this posting (Return: next, Shift+Return: previous, Esc: close)")
        self.field.setClearButtonEnabled(True)
        guard_text_field(self.field)
        self.result = QLabel()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.field, 1)
        lay.addWidget(self.result)
        self.hide()

    def open(self) -> None:
        self.show()
        self.field.setFocus()
        self.field.selectAll()

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            emit(self.find_requested, self.field.text(),
                 bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        elif e.key() == Qt.Key.Key_Escape:
            self.hide()
            emit(self.closed)
        else:
            super().keyPressEvent(e)


class PreviewPane(QPlainTextEdit):
    """The filtered preview: exactly the text export writes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview_pane")
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview: Preview | None = None
        self._line = -1

    def show_preview(self, preview: Preview | None) -> None:
        old = self.preview.text if self.preview is not None else ""
        self.preview = preview
        text = preview.text if preview is not None else ""
        if text != old:
            self._replace_changed_lines(old, text)
        self.highlight(self._line)

    def _replace_changed_lines(self, old: str, new: str) -> None:
        """Edit only the lines that differ: a toggle re-lays out one paragraph, not the
        whole document, and the scroll position stays where the reader left it."""
        a, b = old.split("\n"), new.split("\n")
        if self.document().blockCount() != len(a) or not old:
            bar = self.verticalScrollBar().value()
            self.setPlainText(new)
            self.verticalScrollBar().setValue(bar)
            return
        p = 0
        limit = min(len(a), len(b))
        while p < limit and a[p] == b[p]:
            p += 1
        q = 0
        while q < limit - p and a[len(a) - 1 - q] == b[len(b) - 1 - q]:
            q += 1
        end_a, end_b = len(a) - q, len(b) - q  # replace blocks a[p:end_a] by b[p:end_b]
        if end_a - p > 200 or end_b - p > 200:  # another posting: one reset is cheaper
            self.setPlainText(new)
            return
        doc = self.document()
        cur = QTextCursor(doc)
        cur.beginEditBlock()
        if end_a > p:
            cur.setPosition(doc.findBlockByNumber(p).position())
            last = doc.findBlockByNumber(end_a - 1)
            cur.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
            if end_b > p:
                cur.insertText("\n".join(b[p:end_b]))
            else:  # pure deletion: also remove one line break
                if end_a < len(a):
                    cur.setPosition(doc.findBlockByNumber(end_a).position(), QTextCursor.MoveMode.KeepAnchor)
                else:
                    cur.setPosition(doc.findBlockByNumber(p).position())
                    prev = doc.findBlockByNumber(p - 1)
                    cur.setPosition(prev.position() + prev.length() - 1)
                    cur.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
                cur.removeSelectedText()
        elif end_b > p:  # pure insertion before block p
            if p < len(a):
                cur.setPosition(doc.findBlockByNumber(p).position())
                cur.insertText("\n".join(b[p:end_b]) + "\n")
            else:
                cur.movePosition(QTextCursor.MoveOperation.End)
                cur.insertText("\n" + "\n".join(b[p:end_b]))
        cur.endEditBlock()

    def highlight(self, line: int) -> None:
        """Highlight the preview line that shows posting line ``line`` (if it is shown)."""
        self._line = line
        pv = self.preview
        if pv is None or not (0 <= line < len(pv.rows)) or not pv.shown[line]:
            self.setExtraSelections([])
            return
        block = self.document().findBlockByNumber(pv.rows[line])
        sel = QTextEdit.ExtraSelection()
        cur = QTextCursor(block)
        cur.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cur
        sel.format.setBackground(QGuiApplication.palette().brush(QPalette.ColorRole.Highlight))
        sel.format.setForeground(QGuiApplication.palette().brush(QPalette.ColorRole.HighlightedText))
        # Not FullWidthSelection: QTextFormat.setProperty(..., True) drops a reference to
        # Python's True in PySide6 6.12 (the interpreter aborts after enough calls).
        self.setExtraSelections([sel])

    def highlighted_text(self) -> str:
        sels = self.extraSelections()
        return sels[0].cursor.block().text() if sels else ""

    def scroll_to_line(self, line: int, *, centre: bool = False) -> None:
        """Scroll so the preview line mapped from posting line ``line`` is in view."""
        pv = self.preview
        if pv is None or not (0 <= line < len(pv.rows)):
            return
        block = self.document().findBlockByNumber(pv.rows[line])
        if not block.isValid():
            return
        if centre:
            cursor = QTextCursor(block)
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
        else:
            self.verticalScrollBar().setValue(block.firstLineNumber())


# --------------------------------------------------------------------------- queue

STATUS_COL, NAME_COL, CHANGED_COL = range(3)


def row_status(r: PostingRow) -> str:
    """What the queue shows: error, flagged, or the review status."""
    if r.error:
        return "error"
    return "flagged" if r.flagged else r.status


class QueueModel(QAbstractTableModel):
    """The workspace's postings (no text: rows are cheap, postings load when opened)."""

    HEADERS = ("Status", "Posting", "Changed")
    GLYPHS = {"new": "○", "reviewed": "✓", "skipped": "↷", "flagged": "⚑", "error": "⚠"}

    def __init__(self, ws: Workspace, parent: Any = None, *, load: bool = True) -> None:
        super().__init__(parent)
        self.ws = ws
        self.rows: list[PostingRow] = []
        self._pos: dict[int, int] = {}
        #: posting ids in the order chosen by the person (None: workspace order); postings
        #: not in it follow in workspace order
        self.order: list[int] | None = None
        if load:  # else the owner calls reload (the window: where it can show a failure)
            self.reload()

    def set_order(self, order: list[int] | None) -> None:
        self.order = order
        self.reload()

    def reload(self) -> None:
        rows = self.ws.rows()  # first: a read that fails leaves the queue as it was
        self.beginResetModel()
        self.rows = rows
        if self.order is not None:
            rank = {pid: k for k, pid in enumerate(self.order)}
            self.rows.sort(key=lambda r: rank.get(r.id, len(rank)))  # stable: the rest keep their order
        self._pos = {r.id: i for i, r in enumerate(self.rows)}
        self.endResetModel()

    def refresh(self, pid: int) -> None:
        i = self._pos.get(pid)
        if i is None:
            return
        self.rows[i] = self.ws.row(pid)
        emit(self.dataChanged, self.index(i, 0), self.index(i, self.columnCount() - 1))

    def row_of(self, pid: int) -> int:
        return self._pos.get(pid, -1)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        if role == Qt.ItemDataRole.DisplayRole:
            if col == STATUS_COL:  # flagged beside the status, not instead of it
                st = "error" if r.error else r.status
                return f"{self.GLYPHS[st]} {st}" + (" ⚑" if r.flagged else "")
            if col == NAME_COL:
                return display_name(r)
            if col == CHANGED_COL:
                return str(r.changed) if r.changed else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [display_name(r), r.source]
            if r.error:
                parts.append(r.error)
            if r.note:
                parts.append("Note: " + r.note)
            return "\n".join(parts)
        return None


def display_name(r: PostingRow) -> str:
    name = os.path.basename(r.source.split("#", 1)[0])
    if "#" in r.source:
        name += "#" + r.source.rsplit("#", 1)[1]
    return f"{r.title} — {name}" if r.title else name


class QueueFilter(QSortFilterProxyModel):
    """Status filter plus a case-insensitive search in the posting's name, title and note."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.status = "all"
        self.search = ""

    def set_status(self, status: str) -> None:
        self._refilter(lambda: setattr(self, "status", status))

    def set_search(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "search", text.casefold().strip()))

    def _refilter(self, change: Any) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateFilter is deprecated there
            self.beginFilterChange()
            change()
            self.endFilterChange()
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:  # noqa: N802 - Qt override
        model = self.sourceModel()
        assert isinstance(model, QueueModel)
        r = model.rows[row]
        if self.status != "all" and row_status(r) != self.status and not (
                self.status == "flagged" and r.flagged):
            return False
        if self.search:
            hay = f"{r.source} {r.title} {r.note} {r.posting_id}".casefold()
            return self.search in hay
        return True


class QueuePane(QWidget):
    """The queue: status filter, search, the postings, and progress."""

    #: the person picked a posting (by click or keyboard)
    posting_chosen = Signal(int)

    STATUSES = ("all", "new", "reviewed", "skipped", "flagged", "error")

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queue_pane")
        self.model = model
        self.proxy = QueueFilter(self)
        self.proxy.setSourceModel(model)
        self.status_box = QComboBox()
        self.status_box.addItems([s.capitalize() for s in self.STATUSES])
        self.status_box.setToolTip("Show postings with this status")
        self.status_box.currentIndexChanged.connect(lambda i: self.proxy.set_status(self.STATUSES[i]))
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search postings…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.proxy.set_search)
        guard_text_field(self.search_box)  # Return, Space, F... are typed here, not shortcuts
        self.search_box.returnPressed.connect(self.open_first_shown)
        self.table = QTableView()
        self.table.setObjectName("queue_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # title start and file name both show
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(NAME_COL, QHeaderView.ResizeMode.Stretch)
        em = self.fontMetrics().horizontalAdvance("M")
        hh.resizeSection(STATUS_COL, 8 * em)
        hh.resizeSection(CHANGED_COL, 6 * em)
        self.table.activated.connect(self._chosen)
        self.table.clicked.connect(self._chosen)
        self.progress = QLabel()
        self.progress.setObjectName("queue_progress")
        self.progress.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("queue_progress_bar")
        self.progress_bar.setFormat("%v of %m reviewed")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        top = QHBoxLayout()
        top.addWidget(self.status_box)
        top.addWidget(self.search_box, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.progress_bar)
        lay.addWidget(self.progress)

    def shown_ids(self) -> set[int]:
        """The postings the queue shows (its status filter and search applied)."""
        return {int(self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole)) for r in range(self.proxy.rowCount())}

    def open_first_shown(self) -> None:
        """Return in the search box: open the first posting it found."""
        self._chosen(self.proxy.index(0, NAME_COL))

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid():
            emit(self.posting_chosen, int(index.data(Qt.ItemDataRole.UserRole)))

    def select(self, pid: int) -> None:
        """Show ``pid`` as the current row (without emitting posting_chosen)."""
        row = self.model.row_of(pid)
        if row < 0:
            return
        idx = self.proxy.mapFromSource(self.model.index(row, NAME_COL))
        if idx.isValid():
            self.table.selectionModel().setCurrentIndex(
                idx, self.table.selectionModel().SelectionFlag.ClearAndSelect
                | self.table.selectionModel().SelectionFlag.Rows)
            self.table.scrollTo(idx)

    def show_progress(self, p: dict[str, float]) -> None:
        self.progress_bar.setRange(0, max(int(p["total"]), 1))
        self.progress_bar.setValue(int(p["reviewed"]))
        self.progress.setText(
            f"Reviewed {int(p['reviewed'])} of {int(p['total'])} · {int(p['changed'])} "
            f"line{'' if int(p['changed']) == 1 else 's'} changed · "
            f"{p['per_hour']:.0f} postings/hour"
            + (f" · {int(p['flagged'])} flagged" if p["flagged"] else ""))
