"""Dialogs, behind one small object the window asks (tests hand the window their own).

Every question the window puts to the person goes through a :class:`Dialogs` method,
so a test replaces the answers by passing a subclass, never by patching globals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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
        text, ok = QInputDialog.getMultiLineText(parent, "Note", "Note on this posting:", current)
        return text if ok else None

    def open_paths(self, parent: QWidget) -> list[str]:
        files, _ = QFileDialog.getOpenFileNames(
            parent, "Add postings", "",
            "Postings (*.txt *.md *.html *.htm *.jsonl *.ndjson *.json *.csv *.tsv);;All files (*)")
        return files

    def export_dir(self, parent: QWidget, current: str) -> str | None:
        d = QFileDialog.getExistingDirectory(parent, "Export to folder", current)
        return d or None

    def make_rule(self, parent: QWidget, proposals: Sequence[Rule],
                  effect: Callable[[Rule], RuleEffect], target: str = "") -> Rule | None:
        dlg = RuleDialog(parent, proposals, effect, target)
        return dlg.chosen() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def shortcuts(self, parent: QWidget, actions: Sequence[QAction]) -> None:
        ShortcutsDialog(parent, actions).exec()

    def edit_rule(self, parent: QWidget, rule: Rule) -> Rule | None:
        dlg = RuleEditDialog(parent, rule)
        return dlg.edited() if dlg.exec() == QDialog.DialogCode.Accepted else None


class RuleEditDialog(QDialog):
    """Edit one rule's pattern, action and note (the file write validates the result)."""

    def __init__(self, parent: QWidget | None, rule: Rule) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit rule {rule.id}")
        self.rule = rule
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

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
                 effect: Callable[[Rule], RuleEffect], target: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Make a rule from this line")
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
        self.scope = QLineEdit()
        form.addRow("Scope:", self.scope)
        self.counts = QLabel()
        self.counts.setObjectName("rule_counts")
        self.counts.setWordWrap(True)
        form.addRow("Effect:", self.counts)
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
        lay.addWidget(self.buttons)
        self.kinds.idClicked.connect(self._pick)
        self.pattern.textChanged.connect(self._update)
        self.action.currentTextChanged.connect(self._update)
        self.scope.textChanged.connect(self._update)
        self._pick(0)
        self.resize(620, self.sizeHint().height())

    def _pick(self, i: int) -> None:
        r = self.proposals[i]
        self.pattern.setText(r.pattern[0])
        self.action.setCurrentText(r.action)
        self.scope.setText(r.scope)
        self._update()

    def chosen(self) -> Rule | None:
        """The rule as edited, or None (and an explanation shown) if it is not valid."""
        from dataclasses import replace

        from ..errors import InputError
        from ..filter.rules import parse_rules
        from ..workspace.session import rule_id_for

        base = self.proposals[max(self.kinds.checkedId(), 0)]
        pattern = self.pattern.text()
        rule = replace(base, pattern=(pattern,), action=self.action.currentText(),
                       scope=self.scope.text().strip().lower() or "all",
                       id=rule_id_for(pattern) if pattern != base.pattern[0] else base.id)
        try:
            parse_rules(rule.to_toml())
        except InputError as e:
            self.counts.setText(f"Not a valid rule: {e.message}")
            return None
        return rule

    def _update(self) -> None:
        rule = self.chosen()
        ok = rule is not None
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ok)
        if rule is None:
            return
        e = self.effect(rule)
        self.counts.setText(
            f"Matches {e.matches} lines in {e.postings} postings of the workspace; "
            f"flips {e.flips} automatic decisions; "
            f"{e.contradictions} of the matched lines were labelled the other way by you.")


class ShortcutsDialog(QDialog):
    """The ``?`` overlay: every action and its keys, read from the actions themselves."""

    def __init__(self, parent: QWidget | None, actions: Sequence[QAction]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(a.text().replace("&", ""), ", ".join(s.toString(s.SequenceFormat.NativeText)
                                                      for s in a.shortcuts()))
                for a in actions if a.shortcuts()]
        table = QTableWidget(len(rows), 2, self)
        table.setObjectName("shortcut_table")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, (name, keys) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(name))
            table.setItem(i, 1, QTableWidgetItem(keys))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(table)
        lay.addWidget(box)
        self.table = table
        self.resize(480, 560)
        self.setWindowModality(Qt.WindowModality.WindowModal)
