"""The rules panel: the rule workbench inside the review window.

Two tables over the workspace's reviewed postings: rules suggested from the labels
(with support, precision and what they would add), and every rule's figures (units
matched, postings, overrides, precision, overlaps and conflicts; often-overridden
rules marked with a sign and bold text, not colour alone). "Accept" appends the
selected suggestion to the workspace's rule file through the window, which re-filters.

The figures come from :mod:`jdreview.workbench` (pure functions); this module only
shows them. Refreshing is on demand (it re-reads every reviewed posting).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..learn import labelled_from_workspace
from ..rules import Rule
from ..workbench import RuleStat, Suggestion, rule_stats, suggest_rules

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

SUGGESTION_COLUMNS = ("support", "matched", "gain", "precision", "kind", "scope", "pattern")
STAT_COLUMNS = ("rule", "kind", "action", "matched", "postings", "fired", "overridden",
                "precision", "overlaps", "conflicts", "flag")
OFTEN_OVERRIDDEN = "⚠ often overridden"


def suggestion_row(s: Suggestion) -> dict[str, Any]:
    pat = s.rule.pattern[0] if s.rule.pattern else ""
    if s.rule.end:
        pat += f"  … until {s.rule.end}"
    return {"support": s.support, "matched": s.matched, "gain": s.gain,
            "precision": f"{s.precision:.3f}", "kind": s.rule.kind, "scope": s.rule.scope,
            "pattern": pat, "_bold": False}


def stat_row(s: RuleStat) -> dict[str, Any]:
    def pairs(d: dict[str, int]) -> str:
        return ", ".join(f"{k}:{v}" for k, v in sorted(d.items()))

    p = s.precision
    return {"rule": s.rule.id, "kind": s.rule.kind, "action": s.rule.action, "matched": s.matched,
            "postings": s.postings, "fired": s.fired, "overridden": s.overridden,
            "precision": "-" if p is None else f"{p:.3f}", "overlaps": pairs(s.overlaps),
            "conflicts": pairs(s.conflicts), "flag": OFTEN_OVERRIDDEN if s.often_overridden else "",
            "_bold": s.often_overridden}


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of row dicts (the panel's only state)."""

    def __init__(self, columns: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(row.get(col, ""))
        if role == Qt.ItemDataRole.FontRole and row.get("_bold"):
            f = QFont()
            f.setBold(True)
            return f
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return None


def _table(model: RowsModel) -> QTableView:
    t = QTableView()
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.verticalHeader().hide()
    return t


class RulesPanel(QWidget):
    """Suggestions and rule figures for the workspace ``window.ws`` under ``window.cleaner``."""

    def __init__(self, window: Any, save_rule: Callable[[Rule], None]) -> None:
        super().__init__()
        self.setObjectName("rules_panel")
        self.window_ = window
        self.save_rule = save_rule
        self.suggestions: list[Suggestion] = []
        self.stats: list[RuleStat] = []
        self.suggestion_model = RowsModel(SUGGESTION_COLUMNS, self)
        self.stat_model = RowsModel(STAT_COLUMNS, self)
        self.suggestion_view = _table(self.suggestion_model)
        self.suggestion_view.setObjectName("suggestions")
        self.stat_view = _table(self.stat_model)
        self.stat_view.setObjectName("rule_stats")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.suggestion_view, "&Suggested rules")
        self.tabs.addTab(self.stat_view, "Rule &figures")
        self.summary = QLabel("Refresh to measure the rules on the reviewed postings.")
        self.summary.setObjectName("rules_summary")
        self.summary.setWordWrap(True)
        self.refresh_button = QPushButton("Re&fresh")
        self.refresh_button.setObjectName("rules_refresh")
        self.accept_button = QPushButton("&Accept suggestion")
        self.accept_button.setObjectName("rules_accept")
        self.accept_button.setToolTip("Append the selected suggestion to the workspace's rule file")
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.accept_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(buttons)
        self.refresh_button.clicked.connect(self.refresh)
        self.accept_button.clicked.connect(self.accept_selected)

    def refresh(self) -> None:
        """Re-measure on the workspace's reviewed postings."""
        w = self.window_
        errors: list[str] = []
        postings = labelled_from_workspace(w.ws, w.cleaner, reviewed_only=True, errors=errors)
        rules = w.cleaner.rules
        self.suggestions = suggest_rules(postings, rules, min_precision=0.9) if postings else []
        self.stats = rule_stats(rules, postings) if postings else []
        self.suggestion_model.set_rows([suggestion_row(s) for s in self.suggestions])
        self.stat_model.set_rows([stat_row(s) for s in self.stats if s.matched or s.fired])
        flagged = sum(1 for s in self.stats if s.often_overridden)
        self.summary.setText(f"{len(postings)} reviewed postings: {len(self.suggestions)} suggested "
                             f"rules, {flagged} rules often overridden"
                             + (f"; {len(errors)} postings unreadable" if errors else ""))

    def accept_selected(self) -> None:
        rows = self.suggestion_view.selectionModel().selectedRows()
        if not rows:
            return
        self.save_rule(self.suggestions[rows[0].row()].rule)
        self.refresh()


def install_rules_panel(window: Any) -> RulesPanel:
    """Add the rules panel to ``window`` as a hidden dock, toggled from the Edit menu."""
    panel = RulesPanel(window, window.save_rule)
    dock = QDockWidget("Rules", window)
    dock.setObjectName("rules_dock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    toggle = dock.toggleViewAction()
    toggle.setText("Rules &workbench")
    toggle.setObjectName("rules_toggle")
    toggle.setShortcut(QKeySequence("Ctrl+Shift+R"))
    for menu_action in window.menuBar().actions():
        if menu_action.menu() is not None and menu_action.text().replace("&", "") == "Edit":
            menu_action.menu().addAction(toggle)
            break
    window.addAction(toggle)
    window.actions_by_name["rules_workbench"] = toggle
    toggle.toggled.connect(lambda on: panel.refresh() if on else None)
    window.rules_panel = panel
    window.rules_dock = dock
    return panel
