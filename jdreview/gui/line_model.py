"""The line model: a ``QAbstractItemModel`` over a review :class:`~jdreview.review.Session`.

It is the only write path: every toggle, split and join becomes a
:class:`~jdreview.review.Change`, wrapped in a ``QUndoCommand`` and pushed on the
posting's undo stack; the command's redo/undo hand it to :meth:`LineModel.apply_change`,
which persists it (through the session) before the rows repaint.

Rows are the posting's lines (blank lines included, so line numbers match the file);
a line split into segments has one child row per segment. Columns: line number,
label (check box plus a ✓/✗ glyph and ✎ when the person changed it), text (struck
through when dropped) and the reason.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette, QUndoCommand, QUndoStack

from ..review import Change, Key, Session

COL_NUMBER, COL_LABEL, COL_TEXT, COL_REASON = range(4)
HEADERS = ("#", "Label", "Text", "Reason")
KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the unit key, or (line, None) for a line row
LINE_ROLE = Qt.ItemDataRole.UserRole + 2  # the line index of the row

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root, as a default argument


class ChangeCommand(QUndoCommand):
    """A session :class:`Change` on the undo stack; its text is the change's name."""

    def __init__(self, model: LineModel, change: Change) -> None:
        super().__init__(change.name)
        self.model = model
        self.change = change

    def redo(self) -> None:
        self.model.apply_change(self.change)

    def undo(self) -> None:
        self.model.apply_change(self.change.inverse())


class LineModel(QAbstractItemModel):
    #: emitted after every applied change (toggle, split, undo...), and on a new session
    edited = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.stack: QUndoStack | None = None
        self._collapsed: set[int] = set()  # lines whose children are being replaced
        self._fonts: dict[tuple[bool, bool], QFont] = {}

    # ------------------------------------------------------------------ session
    def set_session(self, session: Session | None, stack: QUndoStack | None) -> None:
        self.beginResetModel()
        self.session = session
        self.stack = stack
        self._collapsed = set()
        self.endResetModel()
        self.edited.emit()

    def refresh(self) -> None:
        """The session's filter result was replaced (rules changed): rebuild all rows."""
        self.beginResetModel()
        self.endResetModel()
        self.edited.emit()

    # ------------------------------------------------------------------ structure
    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        if self.session is None or not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        iid = child.internalId()
        if iid == 0:
            return QModelIndex()
        return self.createIndex(iid - 1, 0, 0)

    def rowCount(self, parent: Index = _ROOT) -> int:
        s = self.session
        if s is None:
            return 0
        if not parent.isValid():
            return len(s.lines)
        if parent.internalId() != 0 or parent.column() != 0:
            return 0
        line = parent.row()
        if line in self._collapsed:
            return 0
        segs = s.lines[line].segments
        return len(segs) if segs is not None else 0

    def columnCount(self, parent: Index = _ROOT) -> int:
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def key_of(self, index: Index) -> Key | None:
        """The unit key a row stands for; (line, None) for a line row; None for blank lines."""
        if not index.isValid() or self.session is None:
            return None
        iid = index.internalId()
        if iid == 0:
            line = index.row()
            return (line, None) if self.session.lines[line].decision is not None else None
        return (iid - 1, index.row())

    def line_of(self, index: Index) -> int:
        return index.row() if index.internalId() == 0 else index.internalId() - 1

    def index_of(self, key: Key, column: int = 0) -> QModelIndex:
        line, seg = key
        if seg is None:
            return self.index(line, column)
        return self.index(seg, column, self.index(line, 0))

    # ------------------------------------------------------------------ data
    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COL_LABEL and self.key_of(index) is not None:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        s = self.session
        if s is None or not index.isValid():
            return None
        col = index.column()
        line = self.line_of(index)
        is_segment = index.internalId() != 0
        lr = s.lines[line]
        key = self.key_of(index)
        if role == LINE_ROLE:
            return line
        if role == KEY_ROLE:
            return key
        if key is None:  # a blank line
            if role == Qt.ItemDataRole.DisplayRole and col == COL_NUMBER:
                return str(line + 1)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            return None
        if is_segment:
            keep = s.final(key)
            changed = s.changed(key)
            decision = s.auto(key)
            text = s.text(key)
        else:
            keep = bool(s.line_final(line))
            changed = s.line_changed(line)
            decision = lr.decision
            text = lr.text
        partial = not is_segment and lr.segments is not None and \
            len({s.final(k) for k in s.keys(line)}) > 1
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NUMBER:
                return f"{line + 1}.{index.row() + 1}" if is_segment else str(line + 1)
            if col == COL_LABEL:
                mark = "◐ part" if partial else ("✓ keep" if keep else "✗ drop")
                return mark + (" ✎" if changed else "")
            if col == COL_TEXT:
                return text if not (lr.segments is not None and not is_segment) else \
                    text + f"   [{len(lr.segments)} segments]"
            if col == COL_REASON:
                assert decision is not None
                if lr.segments is not None and not is_segment:
                    return "segments"
                return f"you (auto: {decision.reason})" if changed else decision.reason
        if role == Qt.ItemDataRole.CheckStateRole and col == COL_LABEL:
            if partial:
                return Qt.CheckState.PartiallyChecked
            return Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.FontRole and col in (COL_TEXT, COL_LABEL, COL_REASON):
            return self._font(not keep and col == COL_TEXT, changed)
        if role == Qt.ItemDataRole.ForegroundRole and not keep:
            return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.BackgroundRole and changed:
            pal = QGuiApplication.palette()
            hi, base = pal.color(QPalette.ColorRole.Highlight), pal.color(QPalette.ColorRole.Base)
            mix = QColor((hi.red() + 3 * base.red()) // 4, (hi.green() + 3 * base.green()) // 4,
                         (hi.blue() + 3 * base.blue()) // 4)
            return QBrush(mix)
        if role == Qt.ItemDataRole.ToolTipRole:
            assert decision is not None
            who = "changed by you; " if changed else ""
            return f"{'kept' if keep else 'dropped'} ({who}automatic: {decision.reason})"
        if role == Qt.ItemDataRole.AccessibleTextRole and col == COL_LABEL:
            return ("kept" if keep else "dropped") + (", changed by you" if changed else "")
        return None

    def _font(self, strike: bool, italic: bool) -> QFont:
        f = self._fonts.get((strike, italic))
        if f is None:
            f = QFont()
            f.setStrikeOut(strike)
            f.setItalic(italic)
            f.setBold(italic)
            self._fonts[(strike, italic)] = f
        return f

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A click on the check box: label the row's unit(s) as checked."""
        if role != Qt.ItemDataRole.CheckStateRole or self.session is None:
            return False
        key = self.key_of(index)
        if key is None:
            return False
        state = Qt.CheckState(value) if not isinstance(value, Qt.CheckState) else value
        self.push(self.session.set_label([key], state == Qt.CheckState.Checked))
        return True

    # ------------------------------------------------------------------ the write path
    def push(self, change: Change) -> None:
        """Put a change on the undo stack (which applies it at once)."""
        if change.empty:
            return
        if self.stack is not None:
            self.stack.push(ChangeCommand(self, change))
        else:
            self.apply_change(change)

    def toggle(self, keys: list[Key]) -> None:
        if self.session is not None and keys:
            self.push(self.session.toggle(keys))

    def split_or_join(self, line: int) -> bool:
        if self.session is None:
            return False
        change = self.session.split_or_join(line)
        self.push(change)
        return not change.empty

    def apply_change(self, change: Change) -> None:
        """Persist and apply a change, telling the views exactly which rows changed."""
        s = self.session
        if s is None or change.empty:
            return
        split_lines = [line for line, _b, _a in change.splits]
        for line in split_lines:  # children go away first ...
            n = self.rowCount(self.index(line, 0))
            if n:
                self.beginRemoveRows(self.index(line, 0), 0, n - 1)
                self._collapsed.add(line)
                self.endRemoveRows()
            else:
                self._collapsed.add(line)
        try:
            s.apply(change)
        finally:
            self._collapsed = set(split_lines)
        for line in split_lines:  # ... and the new ones arrive after the change
            segs = s.lines[line].segments
            if segs:
                self.beginInsertRows(self.index(line, 0), 0, len(segs) - 1)
                self._collapsed.discard(line)
                self.endInsertRows()
        self._collapsed = set()
        last = self.columnCount() - 1
        lines = {k[0] for k, _b, _a in change.overrides} | set(split_lines)
        for line in lines:
            top = self.index(line, 0)
            self.dataChanged.emit(top, self.index(line, last))
            n = self.rowCount(top)
            if n:
                self.dataChanged.emit(self.index(0, 0, top), self.index(n - 1, last, top))
        self.edited.emit()
