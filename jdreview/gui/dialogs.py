"""Dialogs, behind one small object the window asks (tests hand the window their own).

Every question the window puts to the person goes through a :class:`Dialogs` method,
so a test replaces the answers by passing a subclass, never by patching globals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..filter.rules import Rule
from ..workspace.session import RuleEffect


class Dialogs:
    """The real dialogs."""

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        return QMessageBox.question(parent, title, text) == QMessageBox.StandardButton.Yes

    def error(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    def note(self, parent: QWidget, current: str) -> str | None:
        dlg = NoteDialog(parent, current)
        return dlg.text() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def line_number(self, parent: QWidget, current: int, last: int) -> int | None:
        n, ok = QInputDialog.getInt(parent, "Go to line", f"Line (1-{last}):", current, 1, last)
        return n if ok else None

    def open_paths(self, parent: QWidget) -> list[str]:
        files, _ = QFileDialog.getOpenFileNames(
            parent, "Add postings", "",
            "Postings (*.txt *.md *.html *.htm *.jsonl *.ndjson *.json *.csv *.tsv);;All files (*)")
        return files

    def export_dir(self, parent: QWidget, current: str) -> str | None:
        d = QFileDialog.getExistingDirectory(parent, "Export to folder", current)
        return d or None

    def make_rule(self, parent: QWidget, proposals: Sequence[Rule],
                  effect: Callable[[Rule], RuleEffect], target: str = "", site: str = "") -> Rule | None:
        dlg = RuleDialog(parent, proposals, effect, target, site)
        return dlg.chosen() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def shortcuts(self, parent: QWidget, actions: Sequence[QAction]) -> None:
        ShortcutsDialog(parent, actions).exec()

    def edit_rule(self, parent: QWidget, rule: Rule,
                  effect: Callable[[Rule], RuleEffect] | None = None) -> Rule | None:
        dlg = RuleEditDialog(parent, rule, effect)
        return dlg.edited() if dlg.exec() == QDialog.DialogCode.Accepted else None


class NoteDialog(QDialog):
    """The note on a posting: wrapped, the cursor after the old note (typing adds to it,
    never replaces it), Ctrl+Enter saves, Escape cancels."""

    def __init__(self, parent: QWidget | None, current: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Note")
        self.editor = QPlainTextEdit(current)
        self.editor.setObjectName("note_editor")
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.editor.setTabChangesFocus(True)
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Note on this posting (Ctrl+Enter saves):"))
        lay.addWidget(self.editor, 1)
        lay.addWidget(buttons)
        self.resize(460, 220)
        self.editor.setFocus()

    def text(self) -> str:
        return self.editor.toPlainText()


class RuleEditDialog(QDialog):
    """Edit one rule's pattern, action and note (the file write validates the result),
    with the same effect preview as a new rule: every line the whole filter would flip."""

    def __init__(self, parent: QWidget | None, rule: Rule,
                 effect: Callable[[Rule], RuleEffect] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit rule {rule.id}")
        self.rule = rule
        self.effect = effect
        form = QFormLayout()
        self.pattern = QPlainTextEdit("\n".join(rule.pattern))
        self.pattern.setObjectName("rule_pattern")
        self.pattern.setEnabled(rule.kind in ("exact", "regex", "section"))
        form.addRow("Pattern" + (" (one line each)" if rule.kind == "exact" else " (regex)"), self.pattern)
        self.action = QComboBox()
        self.action.setObjectName("rule_action")
        self.action.addItems(["drop", "keep"])
        self.action.setCurrentText(rule.action)
        form.addRow("Action", self.action)
        self.note = QLineEdit(rule.note)
        self.note.setObjectName("rule_note")
        form.addRow("Note", self.note)
        self.counts = QLabel()
        self.counts.setObjectName("rule_counts")
        self.counts.setWordWrap(True)
        form.addRow("Effect:", self.counts)
        self.flip_table = flip_table(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.flip_table, 1)
        lay.addWidget(buttons)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(300)
        self._later.timeout.connect(self._update)
        self.pattern.textChanged.connect(self._later.start)
        self.action.currentTextChanged.connect(self._later.start)
        if effect is None:
            self.counts.hide()
            self.flip_table.hide()
        else:
            self.resize(720, 480)
            self._later.start()

    def _update(self) -> None:
        if self.effect is None:
            return
        from ..errors import InputError
        from ..filter.rules import parse_rules

        rule = self.edited()
        try:
            parse_rules(rule.to_toml())
        except InputError as e:
            self.counts.setText(f"Not a valid rule: {e.message}")
            return
        e = self.effect(rule)
        self.counts.setText(effect_summary(e))
        show_flips(self.flip_table, e)

    def edited(self) -> Rule:
        lines = [ln for ln in self.pattern.toPlainText().split("\n") if ln.strip()]
        pattern = tuple(lines) if self.rule.kind == "exact" else tuple(lines[:1])
        if self.rule.kind not in ("exact", "regex", "section"):
            pattern = self.rule.pattern
        return dataclasses.replace(self.rule, pattern=pattern, action=self.action.currentText(),
                                   note=self.note.text().strip(), origin="")


class RuleDialog(QDialog):
    """Make a rule from a line: exact or generalised regex, with its effect shown live."""

    def __init__(self, parent: QWidget | None, proposals: Sequence[Rule],
                 effect: Callable[[Rule], RuleEffect], target: str = "", site: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Make a rule from this line")
        self.site = site
        self.proposals = list(proposals)
        self.effect = effect
        self.kinds = QButtonGroup(self)
        form = QFormLayout()
        for i, r in enumerate(self.proposals):
            if i == 0:
                label = "Exact line" if r.kind == "exact" else "This segment's text (regex)"
            else:
                label = "Regex, numbers generalised" + (" (segments)" if r.unit == "segment" else "")
            b = QRadioButton(label)
            b.setChecked(i == 0)
            self.kinds.addButton(b, i)
            form.addRow("Kind:" if i == 0 else "", b)
        self.pattern = QLineEdit()
        self.pattern.setObjectName("rule_pattern")
        form.addRow("Pattern:", self.pattern)
        self.action = QComboBox()
        self.action.addItems(["drop", "keep"])
        form.addRow("Action:", self.action)
        # where the rule applies: every site, or only this posting's (typed: any site name)
        self.scope_box = QComboBox()
        self.scope_box.setObjectName("rule_scope")
        self.scope_box.setEditable(True)
        self.scope_box.addItem("all")
        if site:
            self.scope_box.addItem(site)
        self.scope_box.setToolTip("all: every site; a site name: only postings of that site")
        self.scope = self.scope_box.lineEdit()
        form.addRow("Applies to:", self.scope_box)
        self.rule_id = QLineEdit()
        self.rule_id.setObjectName("rule_id")
        self.rule_id.setToolTip("The rule's name in the rule file (letters, digits, - and _)")
        form.addRow("Rule id:", self.rule_id)
        self._id_edited = False
        self.rule_id.textEdited.connect(self._id_typed)
        self.counts = QLabel()
        self.counts.setObjectName("rule_counts")
        self.counts.setWordWrap(True)
        form.addRow("Effect:", self.counts)
        self.flip_table = flip_table(self)
        if target:
            where = QLabel(target)
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow("Saved to:", where)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.flip_table, 1)
        lay.addWidget(self.buttons)
        # The effect re-runs the whole filter on the postings the rule matches: while the
        # pattern is being typed it waits for a pause instead of running on every key.
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(300)
        self._later.timeout.connect(self._update)
        self.kinds.idClicked.connect(self._pick)
        self.pattern.textChanged.connect(self._typed)
        self.action.currentTextChanged.connect(self._update)
        self.scope.textChanged.connect(self._typed)
        self._pick(0)
        self.resize(720, 520)

    def _pick(self, i: int) -> None:
        r = self.proposals[i]
        self.pattern.setText(r.pattern[0])
        self.action.setCurrentText(r.action)
        self.scope.setText(r.scope)
        if not self._id_edited:
            self.rule_id.setText(r.id)
        self._update()

    def chosen(self) -> Rule | None:
        """The rule as edited, or None (and an explanation shown) if it is not valid."""
        from dataclasses import replace

        from ..errors import InputError
        from ..filter.rules import parse_rules
        from ..workspace.session import rule_id_for

        base = self.proposals[max(self.kinds.checkedId(), 0)]
        pattern = self.pattern.text()
        typed = self.rule_id.text().strip()
        if self._id_edited and typed:
            rule_id = typed
        else:  # the default follows the pattern
            rule_id = rule_id_for(pattern) if pattern != base.pattern[0] else base.id
            if self.rule_id.text() != rule_id:
                self.rule_id.blockSignals(True)
                self.rule_id.setText(rule_id)
                self.rule_id.blockSignals(False)
        rule = replace(base, pattern=(pattern,), action=self.action.currentText(),
                       scope=self.scope.text().strip().lower() or "all", id=rule_id)
        try:
            parse_rules(rule.to_toml())
        except InputError as e:
            self.counts.setText(f"Not a valid rule: {e.message}")
            return None
        return rule

    def _id_typed(self, text: str) -> None:
        self._id_edited = bool(text.strip())  # emptied: the default comes back
        self._typed()

    def _typed(self) -> None:
        """A key in the pattern or scope: say at once whether the rule is valid, show
        its effect after a pause."""
        ok = self.chosen() is not None
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ok)
        if ok:
            self._later.start()

    def _update(self) -> None:
        self._later.stop()
        rule = self.chosen()
        ok = rule is not None
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ok)
        if rule is None:
            return
        e = self.effect(rule)
        self.counts.setText(effect_summary(e))
        show_flips(self.flip_table, e)


def effect_summary(e: RuleEffect) -> str:
    """What a rule would do, in one sentence for the dialogs."""
    base = f"Matches {e.matches} lines in {e.postings} postings of the workspace; "
    if not e.changes:  # counted on the matched lines alone
        return base + (f"flips {e.flips} automatic decisions; {e.contradictions} of the matched "
                       "lines were labelled the other way by you.")
    return base + (f"with the whole filter re-run, flips {e.flips} decisions "
                   f"({e.contradictions} contradict your labels), listed below.")


def flip_table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, 4, parent)
    table.setObjectName("rule_flips")
    table.setHorizontalHeaderLabels(["Posting", "Line", "Change", "Text"])
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
    table.setMinimumHeight(140)
    return table


def show_flips(table: QTableWidget, e: RuleEffect) -> None:
    """Every unit the rule flips: posting, line, before -> after (a contradiction of
    the person's label marked with a sign, not colour alone), the text whole in a tooltip."""
    table.setRowCount(len(e.changes))
    for i, c in enumerate(e.changes):
        where = f"{c.line + 1}" if c.segment is None else f"{c.line + 1}.{c.segment + 1}"
        change = (f"{'keep' if c.before_keep else 'drop'} → {'keep' if c.after_keep else 'drop'}"
                  + ("  ⚠ yours" if c.contradicts else ""))
        cells = (c.name or str(c.posting), where, change, c.text.strip())
        tip = (f"{c.text.strip()}\n\nbefore: {c.before}\nafter: {c.after}"
               + ("\nYou labelled this line the other way." if c.contradicts else ""))
        for col, value in enumerate(cells):
            item = QTableWidgetItem(value)
            item.setToolTip(tip)
            table.setItem(i, col, item)
    table.resizeColumnsToContents()
    table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)


#: keys the views handle themselves (no action of their own), for the overlay
BUILT_IN_KEYS = (
    ("Move to the line above or below", "Up, Down"),
    ("Select lines (then Space toggles them together)", "Shift+Up, Shift+Down"),
    ("First or last line", "Home, End"),
    ("A page up or down", "PgUp, PgDown"),
    ("Toggle a line with the mouse", "Click the box, double-click"),
    ("Search box: open the first posting found", "Return"),
    ("Find bar: next, previous, close", "Return, Shift+Return, Esc"),
    ("Note: save", "Ctrl+Enter"),
)


class ShortcutsDialog(QDialog):
    """The ``?`` overlay: every action and its keys, read from the actions themselves,
    and the keys the views handle; two columns, so it fits a 1024x700 screen unscrolled."""

    def __init__(self, parent: QWidget | None, actions: Sequence[QAction]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(a.text().replace("&", "").rstrip("…"), ", ".join(s.toString(s.SequenceFormat.NativeText)
                                                                  for s in a.shortcuts()))
                for a in actions if a.shortcuts()]
        rows += list(BUILT_IN_KEYS)
        half = (len(rows) + 1) // 2
        table = QTableWidget(half, 4, self)
        table.setObjectName("shortcut_table")
        table.setHorizontalHeaderLabels(["Action", "Keys", "Action", "Keys"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        for i, (name, keys) in enumerate(rows):
            r, c = i % half, 2 * (i // half)
            table.setItem(r, c, QTableWidgetItem(name))
            table.setItem(r, c + 1, QTableWidgetItem(keys))
        table.resizeColumnsToContents()
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(table)
        lay.addWidget(box)
        self.table = table
        self.rows = rows
        width = sum(table.columnWidth(c) for c in range(4)) + 2 * table.frameWidth() + 24
        height = table.horizontalHeader().height() + half * table.rowHeight(0) + 2 * table.frameWidth()
        table.setMinimumSize(width - 24, height)
        self.resize(width, height + box.sizeHint().height() + 40)
        self.setWindowModality(Qt.WindowModality.WindowModal)
