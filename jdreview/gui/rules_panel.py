"""The rules panel: the rule workbench inside the review window.

Two tables over the workspace's reviewed postings: rules suggested from the labels
(with support, precision and what they would add), and every rule's figures (units
matched, postings, overrides, precision, overlaps and conflicts; often-overridden
rules marked with a sign and bold text, not colour alone). "Accept" appends the
selected suggestion to the workspace's rule file through the window, which re-filters.

The figures come from :mod:`jdreview.learn.workbench` (pure functions); this module only
shows them. Refreshing is on demand (it re-reads every reviewed posting).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence
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

from ..errors import InputError
from ..filter.rulefile import base_rules, delete_rule, disable_rule, enable_rule, replace_rule
from ..filter.rules import Rule, load_rules
from ..workspace.session import RuleEffect, queue_order, rule_effect

if TYPE_CHECKING:  # the workbench (and the filter pipeline under it) loads when first measured,
    # after the window is on screen
    from ..learn.workbench import RuleStat, Suggestion

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

SUGGESTION_COLUMNS = ("support", "matched", "gain", "precision", "kind", "scope", "pattern")
STAT_COLUMNS = ("rule", "kind", "action", "matched", "postings", "fired", "overridden",
                "precision", "overlaps", "conflicts", "flag")
FIRED_COLUMNS = ("rule", "here", "kind", "action", "matched", "postings", "overridden",
                 "precision", "defined", "state", "pattern")
OFTEN_OVERRIDDEN = "⚠ often overridden"
#: keys that accept the selected suggestion when the suggestion table has focus
ACCEPT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_A)


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


def fired_row(rule: Rule, here: int, stat: RuleStat | None, in_user_file: bool) -> dict[str, Any]:
    p = stat.precision if stat is not None else None
    return {"rule": rule.id, "here": here, "kind": rule.kind, "action": rule.action,
            "matched": "-" if stat is None else stat.matched,
            "postings": "-" if stat is None else stat.postings,
            "overridden": "-" if stat is None else stat.overridden,
            "precision": "-" if p is None else f"{p:.3f}",
            "defined": "your rule file" if in_user_file else (rule.origin.rsplit(":", 1)[0] or "shipped"),
            "state": "enabled" if rule.enabled else "disabled",
            "pattern": " | ".join(rule.pattern), "_bold": bool(stat and stat.often_overridden)}


def effect_text(e: RuleEffect) -> str:
    return (f"Would flip {e.flips} line{'' if e.flips == 1 else 's'} in {e.postings} "
            f"posting{'' if e.postings == 1 else 's'} ({e.contradictions} contradict your edits); "
            f"matches {e.matches}. Return or A accepts.")


class SuggestionView(QTableView):
    """The suggestion table: Return (or A) accepts the selected suggestion. The window's
    Return shortcut (mark reviewed) is overridden while this table has focus."""

    accept_requested = Signal()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent) \
                and e.key() in ACCEPT_KEYS and not e.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            e.accept()
            return True
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if e.key() in ACCEPT_KEYS and not e.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.accept_requested.emit()
            return
        super().keyPressEvent(e)


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


def _table(model: RowsModel, t: QTableView | None = None) -> QTableView:
    t = t if t is not None else QTableView()
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.verticalHeader().hide()
    return t


class RulesPanel(QWidget):
    """Suggestions and rule figures for the workspace ``window.ws`` under ``window.cleaner``,
    and the rules that fired on the open posting (edit, disable, delete)."""

    def __init__(self, window: Any, save_rule: Callable[[Rule], None]) -> None:
        super().__init__()
        self.setObjectName("rules_panel")
        self.window_ = window
        self.save_rule = save_rule
        self.suggestions: list[Suggestion] = []
        self.stats: list[RuleStat] = []
        self.fired: list[Rule] = []
        self.suggestion_model = RowsModel(SUGGESTION_COLUMNS, self)
        self.stat_model = RowsModel(STAT_COLUMNS, self)
        self.fired_model = RowsModel(FIRED_COLUMNS, self)
        self.suggestion_view = _table(self.suggestion_model, SuggestionView())
        self.suggestion_view.setObjectName("suggestions")
        self.stat_view = _table(self.stat_model)
        self.stat_view.setObjectName("rule_stats")
        self.fired_view = _table(self.fired_model)
        self.fired_view.setObjectName("fired_rules")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.suggestion_view, "&Suggested rules")
        self.tabs.addTab(self.stat_view, "Rule &figures")
        self.tabs.addTab(self.fired_view, "Fired on this &posting")
        self.summary = QLabel("Refresh to measure the rules on the reviewed postings.")
        self.summary.setObjectName("rules_summary")
        self.summary.setWordWrap(True)
        self.effect_label = QLabel("")
        self.effect_label.setObjectName("suggestion_effect")
        self.effect_label.setWordWrap(True)
        self.refresh_button = QPushButton("Re&fresh")
        self.refresh_button.setObjectName("rules_refresh")
        self.accept_button = QPushButton("&Accept suggestion")
        self.accept_button.setObjectName("rules_accept")
        self.accept_button.setToolTip("Append the selected suggestion to the workspace's rule file")
        self.edit_button = QPushButton("&Edit rule…")
        self.edit_button.setObjectName("rule_edit")
        self.edit_button.setToolTip("Change the pattern, action or note (a shipped rule gets an "
                                    "override in the workspace's rule file)")
        self.disable_button = QPushButton("&Disable / enable rule")
        self.disable_button.setObjectName("rule_disable")
        self.delete_button = QPushButton("De&lete rule")
        self.delete_button.setObjectName("rule_delete")
        self.delete_button.setToolTip("Remove the rule from the workspace's rule file")
        buttons = QHBoxLayout()
        for b in (self.refresh_button, self.accept_button, self.edit_button, self.disable_button,
                  self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.effect_label)
        lay.addLayout(buttons)
        # every button goes through the window's guard: a workspace that fails (a damaged
        # page) or refuses (a held lock) is one message, never a traceback
        guard = window.guard
        self.refresh_button.clicked.connect(lambda: guard(self.refresh))
        self.accept_button.clicked.connect(lambda: guard(self.accept_selected))
        self.suggestion_view.accept_requested.connect(  # type: ignore[attr-defined]
            lambda: guard(self.accept_selected))
        self.suggestion_view.selectionModel().selectionChanged.connect(lambda *_: guard(self.show_effect))
        self.edit_button.clicked.connect(lambda: guard(self.edit_selected))
        self.disable_button.clicked.connect(lambda: guard(self.toggle_selected))
        self.delete_button.clicked.connect(lambda: guard(self.delete_selected))
        window.posting_opened.connect(lambda _pid: self.refresh_fired())

    # ---- measuring
    def refresh(self) -> None:
        """Re-measure on the workspace's reviewed postings."""
        from ..learn.labelled import labelled_from_workspace
        from ..learn.workbench import rule_stats, suggest_rules

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
        self.refresh_fired()

    def user_rules(self) -> dict[str, Rule]:
        path = self.window_.ws.rules_path
        try:
            return {r.id: r for r in load_rules(path).rules}
        except InputError:
            return {}  # missing (or broken: the window refused it when loading)

    def refresh_fired(self) -> None:
        """The rules that decided units of the open posting, then the rules disabled in the
        workspace's rule file (so they can be enabled again)."""
        from ..learn.workbench import fired_rules

        s = self.window_.session
        rules = self.window_.cleaner.rules
        here = fired_rules(s.result.units()) if s is not None else {}
        own = self.user_rules()
        by_id = {st.rule.id: st for st in self.stats}
        self.fired = [r for rid in here if (r := rules.get(rid)) is not None]
        self.fired += [r for r in own.values() if not r.enabled and r.id not in here]
        self.fired_model.set_rows([fired_row(r, here.get(r.id, 0), by_id.get(r.id), r.id in own)
                                   for r in self.fired])

    def selected_suggestion(self) -> Suggestion | None:
        rows = self.suggestion_view.selectionModel().selectedRows()
        return self.suggestions[rows[0].row()] if rows else None

    def show_effect(self) -> None:
        """What the selected suggestion would do across the workspace (before accepting)."""
        sug = self.selected_suggestion()
        self.effect_label.setText("" if sug is None else effect_text(self.effect_of(sug.rule)))

    def effect_of(self, rule: Rule) -> RuleEffect:
        w = self.window_
        w._index_for(1.0)  # as "Make a rule": count postings not opened yet too
        units = list(w.ws.all_line_units())
        if rule.unit == "segment":
            units += w.ws.all_segment_units()
        return rule_effect(rule, units, {r.id: r.site for r in w.queue_model.rows})

    # ---- changing rules
    def accept_selected(self) -> None:
        sug = self.selected_suggestion()
        if sug is None:
            return
        self.save_rule(sug.rule)
        self.effect_label.setText("")
        self.refresh()

    def selected_rule(self) -> Rule | None:
        rows = self.fired_view.selectionModel().selectedRows()
        return self.fired[rows[0].row()] if rows else None

    def edit_selected(self) -> None:
        rule = self.selected_rule()
        edited = self.window_.dialogs.edit_rule(self.window_, rule, self.window_.rule_previews(rule)) \
            if rule is not None else None
        if edited is not None:
            self._change(lambda path: replace_rule(path, edited), f"Rule {edited.id} changed")

    def toggle_selected(self) -> None:
        rule = self.selected_rule()
        if rule is None:
            return
        base = self.window_.cleaner.rules
        if rule.enabled:
            self._change(lambda path: disable_rule(path, rule.id, base), f"Rule {rule.id} disabled")
        else:
            self._change(lambda path: enable_rule(path, rule.id, base_rules(base, path)),
                         f"Rule {rule.id} enabled")

    def delete_selected(self) -> None:
        rule = self.selected_rule()
        if rule is not None:
            self._change(lambda path: delete_rule(path, rule.id), f"Rule {rule.id} deleted")

    def _change(self, edit: Callable[[str], None], message: str) -> None:
        """Rewrite the workspace's rule file with ``edit`` (core, validated, atomic), then
        reload the rules and re-filter exactly as saving a new rule does."""
        w = self.window_
        try:
            edit(w.ws.rules_path)
            w.cleaner = w.cleaner_factory()
        except (InputError, OSError) as e:
            w.dialogs.error(w, "Rule file not changed", str(e))
            return
        w.refilter()
        self.refresh()
        w.statusBar().showMessage(f"{message} in {w.ws.rules_path}", 6000)

    # ---- the queue
    def order_queue(self) -> None:
        """Put the unreviewed postings where rules and classifier disagree (then where the
        classifier is least sure) first; reviewed and unreadable ones follow."""
        w = self.window_
        rows = w.queue_model.rows
        todo = [r.id for r in rows if r.status == "new" and not r.error]
        order = queue_order(w.ws, w.cleaner, todo)
        w.queue_model.set_order(order + [r.id for r in rows if r.id not in set(todo)])
        if w.pid is not None:
            w.queue.select(w.pid)
        w.statusBar().showMessage(f"Queue ordered: {len(order)} unreviewed postings, "
                                  "most disagreement first", 6000)


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
    order = QAction("&Order queue by where rules and classifier disagree", window)
    order.setObjectName("order_queue")
    order.setShortcut(QKeySequence("Ctrl+Shift+O"))
    order.setStatusTip("Most disagreement between rules and classifier first, then least sure")
    order.triggered.connect(lambda _checked=False: window.guard(panel.order_queue))
    for menu_action in window.menuBar().actions():
        if menu_action.menu() is not None and menu_action.text().replace("&", "") == "Go":
            menu_action.menu().addAction(order)
            break
    window.addAction(order)
    window.actions_by_name["order_queue"] = order
    toggle.toggled.connect(lambda on: window.guard(panel.refresh) if on else None)
    window.rules_panel = panel
    window.rules_dock = dock
    return panel
