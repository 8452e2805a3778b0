"""The line model: a ``QAbstractItemModel`` over a review :class:`~jdreview.workspace.session.Session`.

It is the only write path: every toggle, split and join becomes a
:class:`~jdreview.workspace.session.Change`, wrapped in a ``QUndoCommand`` and pushed on the
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

from ..workspace.session import Change, Key, Session
from ..workspace.store import EditConflict, WorkspaceBusy, WorkspaceDamaged
from .compat import emit

COL_NUMBER, COL_LABEL, COL_TEXT, COL_REASON = range(4)
HEADERS = ("#", "Label", "Text", "Why")
KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the unit key, or (line, None) for a line row
LINE_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # the line index of the row

Index = QModelIndex | QPersistentModelIndex
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_CHECK_FLAGS = _ROW_FLAGS | Qt.ItemFlag.ItemIsUserCheckable
# ItemNeverHasChildren on every row that cannot have children (all but the lines split
# into segments): QTreeView then skips asking rowCount/columnCount for each row when it
# lays out a posting's 2,000 rows: a quarter of the Python calls of that layout.
_LEAF = Qt.ItemFlag.ItemNeverHasChildren
_BLANK_FLAGS = _NO_FLAGS | _LEAF
#: flags by (column is the label column, row can have children)
_FLAGS = {(False, False): _ROW_FLAGS | _LEAF, (True, False): _CHECK_FLAGS | _LEAF,
          (False, True): _ROW_FLAGS, (True, True): _CHECK_FLAGS}
_ROLES = frozenset(int(r) for r in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole, LINE_ROLE, KEY_ROLE))
_ROOT = QModelIndex()  # the invisible root, as a default argument
# Role numbers as plain ints: _cells runs for every row a view shows, and reading a Qt
# enum member costs more than the dictionary work around it.
_D, _CS, _F, _FG, _BG, _TT, _AT = (int(r) for r in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole))
_LINE, _KEY = int(LINE_ROLE), int(KEY_ROLE)
_CHECK = {True: Qt.CheckState.Checked, False: Qt.CheckState.Unchecked, None: Qt.CheckState.PartiallyChecked}


CHIP_MAX = 16


def reason_chip(reason: str, changed: bool = False) -> str:
    """The reason as the Why column shows it: short (the full reason is in the tooltip).

    >>> reason_chip("classifier:0.93"), reason_chip("rule:applicant-count-and-more")
    ('score 0.93', 'applicant-count…')
    >>> reason_chip("structure:link_list"), reason_chip("default"), reason_chip("rule:x", True)
    ('link_list', 'default', 'you')
    """
    if changed:
        return "you"
    source, _, detail = reason.partition(":")
    short = f"score {detail}" if source == "classifier" else (detail or source)
    return short if len(short) <= CHIP_MAX else short[:CHIP_MAX - 1] + "…"


class ChangeCommand(QUndoCommand):
    """A session :class:`Change` on the undo stack; its text is the change's name."""

    def __init__(self, model: LineModel, change: Change) -> None:
        super().__init__(change.name)
        self.model = model
        self.change = change
        self.since: int | None = None  # the session's edit generation when last applied

    # A change refused because another window changed its units meanwhile is marked
    # obsolete: the stack then drops it (a push does not keep it, an undo removes it),
    # so the history never shows a step that was not done.
    def redo(self) -> None:
        self._run(self.change)

    def undo(self) -> None:
        self._run(self.change.inverse())

    def _run(self, change: Change) -> None:
        # A change the workspace refused (another program holds its lock, or another
        # window changed its units) did not happen: the command makes itself obsolete,
        # so the stack drops it instead of keeping a step for it, and the window says why.
        try:
            done = self.model.apply_change(change, since=self.since)
        except (WorkspaceBusy, WorkspaceDamaged) as e:
            self.setObsolete(True)
            emit(self.model.write_failed, str(e))
            return
        if not done:
            self.setObsolete(True)
        self.since = self.model.generation()


class LineModel(QAbstractItemModel):
    #: emitted after every applied change (toggle, split, undo...), and on a new session
    edited = Signal()
    #: emitted with a one-line message when the workspace refused a change (nothing changed)
    write_failed = Signal(str)
    #: a change was refused because another window changed its units (the message)
    conflict = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.stack: QUndoStack | None = None
        self._collapsed: set[int] = set()  # lines whose children are being replaced
        self._fonts: dict[tuple[bool, bool], QFont] = {}
        self.base_font: QFont | None = None  # the view's font (View > Larger text)
        self._cache: dict[tuple[int, int], list[dict[int, Any]]] = {}
        self._palette_key = -1
        self._grey = self._changed_bg = QBrush()
        self._brushes()  # made now, not on the first edit: PySide builds Qt's brush enums then

    def _brushes(self) -> None:
        """The brushes for dropped and changed rows, from the current palette."""
        pal = QGuiApplication.palette()
        if pal.cacheKey() == self._palette_key:
            return
        self._palette_key = pal.cacheKey()
        self._grey = pal.brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        hi, bg = pal.color(QPalette.ColorRole.Highlight), pal.color(QPalette.ColorRole.Base)
        # a third of the way from Base to Highlight: plain on white, and still plain on a
        # dark Base (a quarter was hard to see there)
        self._changed_bg = QBrush(QColor((hi.red() + 2 * bg.red()) // 3, (hi.green() + 2 * bg.green()) // 3,
                                         (hi.blue() + 2 * bg.blue()) // 3))

    # ------------------------------------------------------------------ session
    def set_session(self, session: Session | None, stack: QUndoStack | None) -> None:
        self.beginResetModel()
        self.session = session
        self.stack = stack
        self._collapsed = set()
        self._cache = {}
        self._brushes()
        self.endResetModel()
        emit(self.edited)

    def refresh(self) -> None:
        """The session's filter result or edits were replaced (rules changed, another
        window edited): rebuild all rows."""
        self.beginResetModel()
        self._cache = {}
        self._collapsed = set()
        self.endResetModel()
        emit(self.edited)

    def set_font(self, font: QFont) -> None:
        """The font the rows are shown in (struck through, bold italic made from it)."""
        self.base_font = QFont(font)
        self._fonts = {}
        self.refresh()

    def palette_changed(self) -> None:
        """The system switched light/dark: shading and greys made again from the palette."""
        self._brushes()
        self.refresh()

    def sync(self) -> bool:
        """Show edits another window made to this posting since; True if there were any."""
        s = self.session
        if s is None or s.link is None or not s.link.sync(s):
            return False
        self.refresh()
        return True

    def generation(self) -> int:
        s = self.session
        return s.link.generation if s is not None and s.link is not None else 0

    # ------------------------------------------------------------------ structure
    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        # Views call this thousands of times on a reset: bounds checked here, in Python,
        # rather than through hasIndex (which calls back into rowCount/columnCount).
        s = self.session
        if s is None or row < 0 or not 0 <= column < len(HEADERS):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(s.lines) else QModelIndex()
        if parent.internalId() != 0 or parent.column() != 0:
            return QModelIndex()
        line = parent.row()
        segs = s.lines[line].segments if line < len(s.lines) else None
        if segs is None or row >= len(segs) or line in self._collapsed:
            return QModelIndex()
        return self.createIndex(row, column, line + 1)

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
        s = self.session
        if s is None or not index.isValid():
            return _NO_FLAGS
        parent = False
        if index.internalId() == 0:
            lr = s.lines[index.row()]
            if lr.decision is None:
                return _BLANK_FLAGS  # a blank line: the cursor passes over it
            parent = lr.segments is not None
        return _FLAGS[(index.column() == COL_LABEL, parent)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Views ask for a dozen roles per cell on every paint: answer from a per-row cache
        # (rebuilt only for rows an edit touched) so a repaint costs dictionary lookups.
        if role not in _ROLES or self.session is None or not index.isValid():
            return None
        return self.cells(index)[index.column()].get(int(role) if not isinstance(role, int) else role)

    def multiData(self, index: Index, span: Any) -> None:  # noqa: N802 - Qt override
        """Every role a view asks of a cell in one call: a delegate asks a cell for seven
        roles each time it paints it, and each ``data`` call from Qt into Python costs
        more than the lookup it makes (a posting painted in about half the time)."""
        cell = self.cells(index)[index.column()] if self.session is not None and index.isValid() else {}
        for k in range(len(span)):
            rd = span[k]
            value = cell.get(rd.role())
            if value is None:
                rd.clearData()
            else:
                rd.setData(value)

    def cells(self, index: Index) -> list[dict[int, Any]]:
        """The row's cells as :meth:`data` answers from them: per column, role -> value
        (a delegate that paints a row reads them in one call instead of one per role)."""
        iid = index.internalId()
        row_key = (index.row(), -1) if iid == 0 else (iid - 1, index.row())
        cells = self._cache.get(row_key)
        if cells is None:
            cells = self._cache[row_key] = self._cells(index)
        return cells

    def _cells(self, index: Index) -> list[dict[int, Any]]:
        """Everything the view shows for one row: per column, role -> value."""
        s = self.session
        assert s is not None
        line = self.line_of(index)
        is_segment = index.internalId() != 0
        lr = s.lines[line]
        key = self.key_of(index)
        cells: list[dict[int, Any]] = [{_LINE: line, _KEY: key} for _ in HEADERS]
        if key is None:  # a blank line
            cells[COL_NUMBER][_D] = str(line + 1)
            for c in cells:
                c[_FG] = self._grey
            return cells
        if is_segment:
            keep, changed = s.final(key), s.changed(key)
            decision, text = s.auto(key), s.text(key)
        else:
            keep, changed = bool(s.line_final(line)), s.line_changed(line)
            decision, text = lr.decision, lr.text
        assert decision is not None
        partial = not is_segment and lr.segments is not None and \
            len({s.final(k) for k in s.keys(line)}) > 1
        whole_of_segments = lr.segments is not None and not is_segment
        cells[COL_NUMBER][_D] = f"{line + 1}.{index.row() + 1}" if is_segment else str(line + 1)
        mark = "◐ part" if partial else ("✓ keep" if keep else "✗ drop")
        cells[COL_LABEL][_D] = mark + (" ✎" if changed else "")
        cells[COL_LABEL][_CS] = _CHECK[None if partial else keep]
        cells[COL_LABEL][_AT] = ("kept" if keep else "dropped") + (", changed by you" if changed else "")
        cells[COL_TEXT][_D] = text + (f"   [{len(lr.segments or ())} segments]" if whole_of_segments else "")
        cells[COL_REASON][_D] = "segments" if whole_of_segments else reason_chip(decision.reason, changed)
        who = "changed by you; " if changed else ""
        # the tooltip is the line itself, whole, then its state and full reason
        tip = f"{text}\n\n{'kept' if keep else 'dropped'} ({who}automatic: {decision.reason})"
        for col, c in enumerate(cells):
            c[_TT] = tip
            # The text is struck through when dropped but never bold or italic: those
            # widen it, a wrapped line would take another row line, and a toggle would
            # then lay out and repaint every row below instead of its own (the shading,
            # the ✎ and the "you" chip say "changed by you")
            if col == COL_TEXT:
                c[_F] = self._font(not keep, False)
            elif col != COL_NUMBER:
                c[_F] = self._font(False, changed)
            if not keep:
                c[_FG] = self._grey
            if changed:
                c[_BG] = self._changed_bg
        return cells

    def _font(self, strike: bool, italic: bool) -> QFont:
        f = self._fonts.get((strike, italic))
        if f is None:
            f = QFont(self.base_font) if self.base_font is not None else QFont()
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
            return
        try:
            self.apply_change(change)
        except (WorkspaceBusy, WorkspaceDamaged) as e:
            emit(self.write_failed, str(e))

    def toggle(self, keys: list[Key]) -> None:
        if self.session is not None and keys:
            self.push(self.session.toggle(keys))

    def split_or_join(self, line: int) -> bool:
        if self.session is None:
            return False
        change = self.session.split_or_join(line)
        self.push(change)
        return not change.empty

    def _forget(self, rows: dict[int, int]) -> None:
        """Drop the cached cells of these lines and of their first ``rows[line]`` segments."""
        cache = self._cache
        for line, segments in rows.items():
            cache.pop((line, -1), None)
            for k in range(segments):
                cache.pop((line, k), None)

    def apply_change(self, change: Change, since: int | None = None) -> bool:
        """Persist and apply a change, telling the views exactly which rows changed.

        Another window's edits are taken in first; a change touching units that window
        changed after ``since`` (when the change was last applied; for a new change, just
        now) is refused with :attr:`conflict`, and False is returned.
        """
        s = self.session
        if s is None or change.empty:
            return True
        link = s.link
        if link is not None:
            before = link.generation
            self.sync()
            if link.changed_elsewhere(change, before if since is None else since):
                emit(self.conflict, f"“{change.name}” was not done: another window changed "
                     "these lines since. Their edit stands; this window now shows it.")
                return False
        if s.persist is not None:
            try:  # first: a refused write (WorkspaceBusy, EditConflict) leaves every row as it was
                s.persist(change)
            except EditConflict:  # written by the other window in the instant since sync()
                self.sync()
                emit(self.conflict, f"“{change.name}” was not done: another window changed "
                     "these lines at the same moment. Their edit stands; this window now shows it.")
                return False
        self._apply(s, change)
        return True

    def _apply(self, s: Session, change: Change) -> None:
        split_lines = [line for line, _b, _a in change.splits]
        touched = {k[0] for k, _b, _a in change.overrides} | set(split_lines)
        rows = {line: len(s.lines[line].segments or ()) for line in touched if line < len(s.lines)}
        self._forget(rows)
        for line in split_lines:  # children go away first ...
            n = self.rowCount(self.index(line, 0))
            if n:
                self.beginRemoveRows(self.index(line, 0), 0, n - 1)
                self._collapsed.add(line)
                self.endRemoveRows()
            else:
                self._collapsed.add(line)
        try:
            s.apply(change, persisted=True)
        finally:
            self._collapsed = set(split_lines)
            for line in rows:  # rows a view asked for while the old children went away
                rows[line] = max(rows[line], len(s.lines[line].segments or ()))
            self._forget(rows)
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
            emit(self.dataChanged, top, self.index(line, last))
            n = self.rowCount(top)
            if n:
                emit(self.dataChanged, self.index(0, 0, top), self.index(n - 1, last, top))
        emit(self.edited)
