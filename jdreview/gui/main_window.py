"""The review window: a composition of panes, menus and actions.

Slots are short delegations: review logic lives in :mod:`jdreview.workspace.session`, storage in
:mod:`jdreview.workspace.store`, writes go through the line model. The window only decides
what happens next (move on, open the next posting) and what to show.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoGroup, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from ..errors import InputError
from ..filter.rules import Rule, append_rule, normalise
from ..workspace.export import ExportJob
from ..workspace.session import (
    BackgroundIndexer,
    EditLink,
    RuleEffect,
    Session,
    filter_cached,
    identical_change,
    index_next,
    open_session,
    plan_identical,
    propose_rules,
    rule_preview,
)
from ..workspace.store import (
    AddReport,
    RemovedPosting,
    Workspace,
    WorkspaceBusy,
    WorkspaceDamaged,
    database_failure,
    now,
)
from .compat import emit, install_refcount_guard
from .dialogs import Dialogs
from .line_model import LineModel
from .panes import FindBar, LinePane, PreviewPane, QueueModel, QueuePane, display_name
from .widgets import ElidedLabel

#: Seconds of one uninterrupted stretch on a posting counted as review time at most
#: (a window left open over lunch should not count as an hour of review).
MAX_STRETCH = 600.0
EMPTY_HINT = ("No postings yet.\n\nAdd postings with File > Add postings… (Ctrl+O), or drag files "
              "or folders onto this window: text, Markdown, HTML, JSON Lines, JSON, CSV and TSV.")
RECENT_MAX = 8


def plural(n: int, word: str) -> str:
    """>>> plural(1, "line"), plural(3, "line")
    ('1 line', '3 lines')"""
    return f"{n} {word}" + ("" if n == 1 else "s")


class MainWindow(QMainWindow):
    #: a posting was opened (its row id), or failed to open (-1 when nothing is shown)
    posting_opened = Signal(int)
    #: an export finished (the output folder); failures show a message instead
    export_finished = Signal(str)

    def __init__(self, ws: Workspace, cleaner_factory: Callable[[], Any], *, reviewer: str = "",
                 settings: QSettings | None = None, dialogs: Dialogs | None = None,
                 background_index: bool = True,
                 open_workspace: Callable[[str], None] | None = None) -> None:
        super().__init__()
        install_refcount_guard()
        self.setObjectName("jdreview_main")
        self.ws = ws
        self.cleaner_factory = cleaner_factory
        self._cleaner: Any = None  # made on first use: compiling the rules takes a while
        self.reviewer = reviewer
        self.settings = settings if settings is not None else QSettings()
        self.dialogs = dialogs or Dialogs()
        self.open_workspace = open_workspace
        self.pid: int | None = None
        self._closed = False
        self._opened_at = time.monotonic()
        self.export_dir = str(self.settings.value("export_dir", os.path.join(ws.directory, "export")))
        self.actions_by_name: dict[str, QAction] = {}

        # ---- panes
        self.model = LineModel(self)
        self.lines = LinePane(self.model)
        self.preview = PreviewPane()
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setStyleSheet("QLabel#banner { padding: 6px; border: 1px solid palette(mid); }")
        self.banner.hide()
        self.raw_title = ElidedLabel("Raw posting")  # a long note or path never widens the window
        self.raw_title.setObjectName("raw_title")
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.raw_title)
        lay.addWidget(self.banner)
        self.find_bar = FindBar()
        lay.addWidget(self.find_bar)
        lay.addWidget(self.lines, 1)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.setSpacing(2)
        rlay.addWidget(QLabel("Cleaned preview — exactly what export writes"))
        rlay.addWidget(self.preview, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        self.queue_model = QueueModel(ws, self, load=False)
        self.queue = QueuePane(self.queue_model)
        dock = self.queue_dock = QDockWidget("Queue", self)
        dock.setObjectName("queue_dock")
        dock.setWidget(self.queue)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.queue.setMinimumWidth(200)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)

        self.undo_group = QUndoGroup(self)
        self.stacks: dict[int, QUndoStack] = {}
        #: the undo history while no posting is shown (the last one was removed)
        self.queue_stack = QUndoStack(self.undo_group)
        #: per posting, beside its undo history: who wrote which unit (a second window)
        self.links: dict[int, EditLink] = {}
        self.history = QUndoView(self.undo_group)
        self.history.setObjectName("history")
        self.history.setEmptyLabel("(posting as opened)")
        self.history_dock = QDockWidget("History", self)
        self.history_dock.setObjectName("history_dock")
        self.history_dock.setWidget(self.history)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history_dock)
        self.history_dock.hide()

        self.counts_label = QLabel()
        self.counts_label.setObjectName("counts")
        self.statusBar().addPermanentWidget(self.counts_label)

        self._build_actions()
        # ---- issue 4 hook: the rules panel (rule workbench), see gui/rules_panel.py
        from .rules_panel import install_rules_panel

        install_rules_panel(self)
        # ---- end of issue 4 hook
        self.setAcceptDrops(True)

        # ---- wiring: every edit repaints the preview; the queue figures follow lazily
        self.model.edited.connect(self._on_edited)
        self.model.write_failed.connect(self._on_write_failed)
        self.model.conflict.connect(lambda text: self.dialogs.error(self, "Changed in another window", text))
        self.lines.current_line_changed.connect(self._on_current_line)
        self.lines.verticalScrollBar().valueChanged.connect(
            lambda _v: self.preview.scroll_to_line(self.lines.top_line()))
        self.lines.doubleClicked.connect(lambda idx: self.model.toggle(
            [k] if (k := self.model.key_of(idx)) is not None else []))
        self.queue.posting_chosen.connect(lambda pid: self.guard(lambda: self.open_posting(pid)))
        self.find_bar.find_requested.connect(self.find_in_posting)
        self.find_bar.closed.connect(self.lines.setFocus)
        # another window (or jdreview export) on the same workspace: its edits show here
        self._watch = QTimer(self)
        self._watch.setInterval(500)
        self._watch.timeout.connect(lambda: self.guard(self._check_others, quiet=True))
        self._watch.start()
        self._seen_version = ws.data_version()
        self._queue_timer = QTimer(self)
        self._queue_timer.setSingleShot(True)
        self._queue_timer.setInterval(250)
        self._queue_timer.timeout.connect(lambda: self.guard(self._refresh_queue_figures, quiet=True))
        self._export_job: ExportJob | None = None
        self._export_poll = QTimer(self)
        self._export_poll.setInterval(100)
        self._export_poll.timeout.connect(self._poll_export)
        self._indexer: BackgroundIndexer | None = None
        self._indexer_poll = QTimer(self)
        self._indexer_poll.setInterval(500)
        self._indexer_poll.timeout.connect(self._poll_indexer)
        self._cache_timer = QTimer(self)
        self._cache_timer.setSingleShot(True)
        self._cache_timer.setInterval(250)
        self._cache_timer.timeout.connect(lambda: self.guard(self._flush_cache, quiet=True))
        self._opened = 0  # postings opened so far: whose paint a cache write waits for
        self.background_index = background_index
        self._unsaved_notes: dict[int, str] = {}  # notes the workspace refused, for the next try

        self._restore_settings()
        if self.settings.value("font_size"):
            self._apply_font(self.font_size())
        self._remember_workspace()
        self._update_title()
        self.guard(self.queue_model.reload, quiet=True)
        self.guard(self._refresh_queue_figures, quiet=True)
        if background_index:
            QTimer.singleShot(0, self._start_indexing)

    # ------------------------------------------------------------------ actions and menus
    def _act(self, name: str, text: str, slot: Callable[[], Any], keys: Sequence[Any] = (),
             menu: Any = None, tip: str = "") -> QAction:
        a = QAction(text, self)
        a.setObjectName(name)
        if keys:
            a.setShortcuts([QKeySequence(k) for k in keys])
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(lambda _checked=False: self.guard(slot))
        self.addAction(a)
        if menu is not None:
            menu.addAction(a)
        self.actions_by_name[name] = a
        return a

    def _build_actions(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._act("open", "&Add postings…", self.add_files, [QKeySequence.StandardKey.Open], f)
        self._act("export", "&Export", self.export, [QKeySequence.StandardKey.Save], f,
                  "Write cleaned postings and labels to the export folder")
        self._act("export_to", "Export &to…", self.export_to, ["Ctrl+Shift+S"], f)
        self.recent_menu = f.addMenu("Recent &workspaces")
        f.addSeparator()
        self._act("quit", "&Quit", self.close, [QKeySequence.StandardKey.Quit], f)

        e = mb.addMenu("&Edit")
        undo = self.undo_group.createUndoAction(self, "&Undo")
        undo.setObjectName("undo")
        undo.setShortcuts([QKeySequence.StandardKey.Undo])
        redo = self.undo_group.createRedoAction(self, "&Redo")
        redo.setObjectName("redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for a in (undo, redo):
            e.addAction(a)
            self.addAction(a)
            self.actions_by_name[a.objectName()] = a
        hist = self.history_dock.toggleViewAction()
        hist.setText("&History")
        hist.setObjectName("history_toggle")
        hist.setShortcut(QKeySequence("Ctrl+H"))
        e.addAction(hist)
        self.actions_by_name["history"] = hist
        e.addSeparator()
        self._act("toggle", "&Toggle line and move on", self.toggle_selection, ["Space"], e,
                  "Keep or drop the current line (or the selected lines)")
        self._act("split", "&Split or join line", self.split_join, ["S"], e,
                  "Split the current line into segments, or join its segments back")
        self._act("identical", "Apply to all &identical lines", self.apply_identical, ["Ctrl+I"], e)
        self._act("rule", "Make a &rule from this line…", self.make_rule, ["Ctrl+R"], e)

        p = mb.addMenu("&Posting")
        self._act("reviewed", "Mark &reviewed and open next", self.mark_reviewed_next,
                  ["Return", "Enter"], p)
        self._act("skip", "S&kip and open next", self.skip_next, ["Shift+Return", "Shift+Enter"], p)
        self._act("flag", "&Flag", self.toggle_flag, ["F"], p)
        self._act("note", "&Note…", self.edit_note, ["N"], p)
        self._act("remove", "Re&move from the queue", self.remove_posting, [], p,
                  "Take this posting out of the workspace (Ctrl+Z puts it back)")
        p.addSeparator()
        self._act("next_posting", "Ne&xt posting", lambda: self.step_posting(1), ["Alt+Down"], p)
        self._act("prev_posting", "Pre&vious posting", lambda: self.step_posting(-1), ["Alt+Up"], p)

        g = mb.addMenu("&Go")
        self._act("next_line", "Next line", lambda: self.lines.move(1), ["J"], g)
        self._act("prev_line", "Previous line", lambda: self.lines.move(-1), ["K"], g)
        self._act("focus_lines", "Focus the lines", self.lines.setFocus, ["Ctrl+1"], g)
        self._act("find", "&Find in the posting…", self.find_bar.open, ["Ctrl+F"], g)
        self._act("go_to_line", "&Go to line…", self.go_to_line, ["Ctrl+G"], g)
        self._act("focus_queue", "Focus the queue search", self.queue.search_box.setFocus, ["Ctrl+Shift+F"], g)

        v = mb.addMenu("&View")
        self._act("larger", "&Larger text", lambda: self.set_font_size(1),
                  [QKeySequence.StandardKey.ZoomIn, "Ctrl+="], v)
        self._act("smaller", "&Smaller text", lambda: self.set_font_size(-1), [QKeySequence.StandardKey.ZoomOut], v)
        self._act("normal_size", "&Normal text size", lambda: self.set_font_size(0), ["Ctrl+0"], v)
        v.addSeparator()
        queue_toggle = self.queue_dock.toggleViewAction()
        queue_toggle.setText("&Queue")
        queue_toggle.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        v.addAction(queue_toggle)
        self.actions_by_name["queue_toggle"] = queue_toggle
        preview = self._act("preview_toggle", "&Cleaned preview", lambda: None, ["Ctrl+Shift+P"], v)
        preview.setCheckable(True)
        preview.setChecked(True)
        preview.toggled.connect(self.splitter.widget(1).setVisible)

        h = mb.addMenu("&Help")
        self._act("shortcuts", "&Keyboard shortcuts", self.show_shortcuts, ["?", "F1"], h)

    # ------------------------------------------------------------------ the workspace refusing
    def guard(self, work: Callable[[], Any], *, quiet: bool = False) -> Any:
        """Run ``work`` (what a menu action, the queue or a timer does). A workspace that
        refuses a write (another program holds its lock past ``ws.edit_timeout``) or fails
        (a damaged page, a full disk) is one line naming the workspace file in the status
        bar and, unless ``quiet`` (timers), a message; what failed did not happen, None is
        returned, and the window stays usable for everything that still reads."""
        try:
            return work()
        except sqlite3.DatabaseError as e:
            self.report_failure(database_failure(self.ws.path, e), quiet=quiet)
        except (WorkspaceBusy, WorkspaceDamaged) as e:
            self.report_failure(e, quiet=quiet)
        return None

    def report_failure(self, error: Exception, *, quiet: bool = False, also: str = "") -> None:
        text = str(error) + also
        self.statusBar().showMessage(("Not saved: " if isinstance(error, WorkspaceBusy) else "") + text, 15000)
        if not quiet:
            title = "Not saved" if isinstance(error, WorkspaceBusy) else "Workspace damaged"
            self.dialogs.error(self, title, text)

    # ------------------------------------------------------------------ opening postings
    def open_posting(self, pid: int) -> bool:
        """Show posting ``pid``; a posting that cannot be read shows why, the queue stays usable."""
        if self.pid is not None and self.pid != pid:
            self._account_time()
        self.pid = pid
        self._opened_at = time.monotonic()
        self.queue.select(pid)
        stack = self.stacks.get(pid)
        if stack is None:
            stack = self.stacks[pid] = QUndoStack(self.undo_group)
        self.undo_group.setActiveStack(stack)
        try:
            # A newly filtered posting's decisions are cached once it is on screen
            # (_flush_cache); its edits are written at once, as always.
            try:
                session = open_session(self.ws, self.cleaner, pid, self.reviewer, cache_later=True,
                                       link=self.links.get(pid))
            except sqlite3.DatabaseError as db_error:
                raise database_failure(self.ws.path, db_error) from None
            self.links[pid] = session.link  # type: ignore[assignment]
        except InputError as e:
            self.model.set_session(None, None)
            self.banner.setText(f"⚠ This posting cannot be opened: {e}\n"
                                "The rest of the queue is unaffected; pick another posting.")
            self.banner.show()
            self.queue_model.refresh(pid)
            self._update_title()
            emit(self.posting_opened, -1)
            return False
        warnings = session.posting.warnings
        self.banner.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.banner.setVisible(bool(warnings))
        self.model.set_session(session, stack)
        first = next((i for i, lr in enumerate(session.lines) if lr.decision is not None), 0)
        self.lines.go_to(self.model.index(first, 0))
        self.lines.measure_first_row()
        self.lines.setFocus()
        self.queue_model.refresh(pid)
        self._update_title()
        self._prefetch_next()
        self._opened += 1
        if self.ws.has_cache_later:
            opened = self._opened
            self.lines.after_paint("flush_cache", lambda: self.guard(lambda: self._flush_cache(opened),
                                                                     quiet=True))
            self._cache_timer.start()  # in case nothing paints (a hidden window)
        emit(self.posting_opened, pid)
        return True

    def _flush_cache(self, opened: int | None = None) -> None:
        """Write the decisions held back while the posting opened; the queue row (and
        the window title) then show the posting's title and changed count from them.
        ``opened`` says after which opening's paint this runs: none newer may have opened
        since (a newer posting's write waits for its own paint)."""
        if opened is not None and opened != self._opened:
            return
        self._cache_timer.stop()
        for pid in self.ws.flush_cache():
            self.queue_model.refresh(pid)
            if pid == self.pid:
                self._update_title()

    def open_first(self) -> None:
        """Open the posting and line left at the last close, else the first new posting."""
        ids = [r.id for r in self.queue_model.rows]
        pid, line = self._saved_position()
        if pid in ids and self.open_posting(pid):
            if 0 <= line < self.model.rowCount():
                self.lines.go_to(self.model.index(line, 0))
            return
        if ids:
            nxt = next((r.id for r in self.queue_model.rows if r.status == "new" and not r.error), ids[0])
            self.open_posting(nxt)

    def step_posting(self, step: int) -> None:
        rows = self.queue_model.rows
        if not rows:
            return
        i = self.queue_model.row_of(self.pid) if self.pid is not None else -1
        self.open_posting(rows[(i + step) % len(rows)].id)

    def next_unreviewed(self) -> int | None:
        """The next new posting after the open one: one the queue shows (its filter and
        search) if there is one, else any."""
        rows = self.queue_model.rows
        start = self.queue_model.row_of(self.pid) if self.pid is not None else -1
        shown = self.queue.shown_ids()
        candidates = [r.id for k in range(1, len(rows) + 1)
                      if (r := rows[(start + k) % len(rows)]).status == "new" and not r.error
                      and r.id != self.pid]
        return next((pid for pid in candidates if pid in shown), candidates[0] if candidates else None)

    @property
    def cleaner(self) -> Any:
        """The rules and classifier reviews use (made when first needed)."""
        if self._cleaner is None:
            self._cleaner = self.cleaner_factory()
        return self._cleaner

    @cleaner.setter
    def cleaner(self, cleaner: Any) -> None:
        self._cleaner = cleaner

    @property
    def session(self) -> Session | None:
        return self.model.session

    # ------------------------------------------------------------------ editing
    def selected_keys(self) -> list[tuple[int, int | None]]:
        rows = self.lines.selectionModel().selectedRows(0)
        if len(rows) <= 1:
            rows = [self.lines.currentIndex()]
        keys = [k for idx in rows if (k := self.model.key_of(idx)) is not None]
        return sorted(keys, key=lambda k: (k[0], -1 if k[1] is None else k[1]))

    def toggle_selection(self) -> None:
        if self.session is None:
            return
        many = len(self.lines.selectionModel().selectedRows(0)) > 1
        self.model.toggle(self.selected_keys())
        if not many:
            self.lines.move(1)

    def split_join(self) -> None:
        line = self.lines.current_line()
        if self.session is None or line < 0:
            return
        if not self.model.split_or_join(line):
            self.statusBar().showMessage(f"Line {line + 1} has only one segment: nothing to split.", 4000)
            return
        self.lines.go_to(self.model.index(line, 0))

    def apply_identical(self) -> None:
        s, line = self.session, self.lines.current_line()
        if s is None or self.pid is None or line < 0 or s.lines[line].decision is None:
            return
        if s.lines[line].segments is not None:
            self.statusBar().showMessage("Join the line first: identical lines are matched whole.", 4000)
            return
        keep = bool(s.line_final(line))
        self._index_for(1.0)
        plan = plan_identical(s, self.pid, line, keep, self.ws.units_where_norm(normalise(s.lines[line].text)))
        if plan.lines == 0:
            self.statusBar().showMessage("Every identical line already has this label.", 4000)
            return
        verb = "Keep" if keep else "Drop"
        if not self.dialogs.confirm(self, "Apply to all identical lines",
                                    f"{verb} {plural(plan.lines, 'line')} in {plural(plan.postings, 'posting')} whose text "
                                    f"is “{s.lines[line].text.strip()[:80]}”?{self._unindexed_note()}"):
            return
        self.model.push(identical_change(s, plan))
        self._schedule_queue_refresh(all_rows=True)

    def make_rule(self) -> None:
        s, line = self.session, self.lines.current_line()
        if s is None or line < 0 or s.lines[line].decision is None:
            return
        key = self.model.key_of(self.lines.currentIndex())
        text = s.text(key) if key is not None else s.lines[line].text
        action = "keep" if (s.final(key) if key is not None else s.line_final(line)) else "drop"
        segment = key is not None and key[1] is not None
        proposals = propose_rules(text, action, reviewer=self.reviewer, posting=s.posting.id,
                                  at=now()[:10], unit="segment" if segment else "line")
        rule = self.dialogs.make_rule(self, proposals, self.rule_previews(), self.ws.rules_path,
                                      site=s.posting.site)
        if rule is None:
            return
        self.save_rule(rule)

    def rule_previews(self, replacing: Rule | None = None) -> Callable[[Rule], RuleEffect]:
        """The effect preview of the rule dialogs (:func:`~jdreview.workspace.session.rule_preview`),
        over the workspace's units read once per dialog."""
        self._index_for(1.0)
        sites = {r.id: r.site for r in self.queue_model.rows}
        lines = list(self.ws.all_line_units())
        segments: list[Any] = []

        def effect(rule: Rule) -> RuleEffect:
            if "segment" in (rule.unit, replacing.unit if replacing else "") and not segments:
                segments.extend(self.ws.all_segment_units())
            units = lines + segments if rule.unit == "segment" else lines
            return rule_preview(self.ws, self.cleaner, rule, units, sites, replacing)

        return effect

    def save_rule(self, rule: Rule) -> None:
        """Append ``rule`` to the workspace's rule file and re-filter with it."""
        try:
            append_rule(self.ws.rules_path, rule)
            self._cleaner = self.cleaner_factory()
        except (InputError, OSError) as e:
            self.dialogs.error(self, "Rule not saved", str(e))
            return
        self.refilter()
        self.statusBar().showMessage(f"Rule {rule.id} saved to {self.ws.rules_path}", 6000)

    def refilter(self) -> None:
        """The rules changed: re-filter the open posting (edits kept) and re-index the rest."""
        s = self.session
        if s is not None and self.pid is not None:
            line = self.lines.current_line()
            s.set_result(filter_cached(self.ws, self.cleaner, self.pid, s.posting))
            self.model.refresh()
            self.lines.go_to(self.model.index(max(line, 0), 0))
        if self.background_index:
            self._start_indexing()
        self._schedule_queue_refresh(all_rows=True)

    # ------------------------------------------------------------------ posting status
    def mark_reviewed_next(self) -> None:
        if self.pid is None:
            return
        if self.session is None:  # it could not be read: nobody reviewed it
            self.statusBar().showMessage("This posting cannot be opened, so it cannot be marked reviewed: "
                                         "skip it (Shift+Return) or remove it (Posting > Remove).", 8000)
            return
        self._account_time()
        self.ws.set_status(self.pid, "reviewed", self.reviewer)
        self.queue_model.refresh(self.pid)
        self._go_next_after_status("reviewed")

    def skip_next(self) -> None:
        if self.pid is None:
            return
        self._account_time()
        self.ws.set_status(self.pid, "skipped", self.reviewer)
        self.queue_model.refresh(self.pid)
        self._go_next_after_status("skipped")

    def _go_next_after_status(self, what: str) -> None:
        self._refresh_queue_figures()
        nxt = self.next_unreviewed()
        if nxt is None:
            self.statusBar().showMessage(f"Marked {what}. No unreviewed postings left.", 6000)
            return
        self.open_posting(nxt)

    def toggle_flag(self) -> None:
        if self.pid is None:
            return
        self.ws.set_flag(self.pid, not self.ws.row(self.pid).flagged)
        self.queue_model.refresh(self.pid)
        self._refresh_queue_figures()
        self._update_title()

    def edit_note(self) -> None:
        """Posting > Note. A note the workspace refuses is kept: the editor opens with it
        next time, so nothing typed is lost."""
        pid = self.pid
        if pid is None:
            return
        current = self._unsaved_notes.get(pid)
        text = self.dialogs.note(self, self.ws.row(pid).note if current is None else current)
        if text is None:
            return
        try:
            self.ws.set_note(pid, text)
        except (sqlite3.DatabaseError, WorkspaceBusy, WorkspaceDamaged) as e:
            self._unsaved_notes[pid] = text
            err = database_failure(self.ws.path, e) if isinstance(e, sqlite3.DatabaseError) else e
            self.report_failure(err, also=" (your note is kept: press N to try again)")
            return
        self._unsaved_notes.pop(pid, None)
        self.queue_model.refresh(pid)
        self._update_title()

    # ------------------------------------------------------------------ files
    def add_files(self) -> None:
        paths = self.dialogs.open_paths(self)
        if paths:
            self.add_paths(paths)

    def remove_posting(self) -> None:
        """Posting > Remove: out of the queue; Ctrl+Z (in the posting shown next) puts it back."""
        pid = self.pid
        if pid is None:
            return
        self._account_time()
        rows = self.queue_model.rows
        i = self.queue_model.row_of(pid)
        after = [r.id for r in rows[i + 1:] + rows[:i] if r.id != pid]
        name = display_name(self.ws.row(pid))
        removed = self.ws.remove_posting(pid)
        # Its undo history is kept: put back, the posting has it again (with the removals
        # of other postings made from it, so those stay undoable too).
        self.links.pop(pid, None)
        self.pid = None
        self.model.set_session(None, None)
        self.queue_model.reload()
        if after:
            self.open_posting(after[0])
        else:  # the last one: its removal is undone from the window's own history
            self.undo_group.setActiveStack(self.queue_stack)
            self._update_title()
        stack = self.undo_group.activeStack()
        assert stack is not None
        stack.push(RemoveCommand(self, removed, name))
        self.statusBar().showMessage(f"Removed {name} from the queue (Ctrl+Z puts it back).", 6000)
        self._refresh_queue_figures()

    def restore_posting(self, removed: RemovedPosting | None) -> None:
        """Put a removed posting back (None: it is back already) and show it in the queue."""
        if removed is not None:
            self.ws.restore(removed)
        self.queue_model.reload()
        if self.pid is not None:
            self.queue.select(self.pid)
        self._refresh_queue_figures()

    def add_paths(self, paths: Sequence[str], *, ask: bool = True) -> AddReport:
        """Add files and folders to the queue; inputs that cannot be added are shown in
        a message (with ``ask``) and returned in the report either way."""
        try:
            report = self.ws.add_paths(paths)
        finally:  # a write refused part-way: the queue shows what was added before it
            self.guard(self.queue_model.reload, quiet=True)
        if self.pid is not None:
            self.queue.select(self.pid)
        self.statusBar().showMessage(f"Added {report.added} postings"
                                     + (f" ({report.existing} already here)" if report.existing else ""), 6000)
        if report.errors and ask:
            shown = "\n".join(report.errors[:20])
            more = f"\n… and {len(report.errors) - 20} more" if len(report.errors) > 20 else ""
            self.dialogs.error(self, "Some inputs could not be added", shown + more)
        if self.pid is None:
            self.open_first()
        if self.background_index:
            self._start_indexing()
        self._refresh_queue_figures()
        return report

    def export(self, directory: str | None = None) -> None:
        """Export the workspace in the background; ``export_finished`` fires when done."""
        if self._export_job is not None and self._export_job.running:
            self.statusBar().showMessage("An export is already running.", 4000)
            return
        self._account_time()
        # the export job reads the workspace through its own connection; decisions not
        # cached (a held lock) are made again by the filter there
        self.guard(self._flush_cache, quiet=True)
        target = directory or self.export_dir
        self._export_job = ExportJob(self.ws.directory, self.cleaner, target)
        self._export_job.start()
        self.statusBar().showMessage(f"Exporting to {target}…")
        self._export_poll.start()

    def _poll_export(self) -> None:
        job = self._export_job
        if job is None:
            self._export_poll.stop()
            return
        if job.running:
            self.statusBar().showMessage(f"Exporting to {job.outdir}… {job.count} postings")
            return
        self._export_poll.stop()
        if job.error is not None or job.summary is None:
            self.statusBar().clearMessage()
            self.dialogs.error(self, "Export failed", job.error or "unknown error")
            return
        summary = job.summary
        self._schedule_queue_refresh(all_rows=True)
        msg = f"Exported {summary.postings} postings and {summary.labels} labels to {job.outdir}"
        if summary.errors:
            msg += f" ({len(summary.errors)} postings could not be read)"
        self.statusBar().showMessage(msg, 8000)
        emit(self.export_finished, job.outdir)

    def export_to(self) -> None:
        d = self.dialogs.export_dir(self, self.export_dir)
        if d:
            self.export_dir = d
            self.settings.setValue("export_dir", d)
            self.export(d)

    def show_shortcuts(self) -> None:
        self.dialogs.shortcuts(self, list(self.actions_by_name.values()))

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    # ------------------------------------------------------------------ showing
    def _on_write_failed(self, message: str) -> None:
        """The workspace refused an edit (another program holds its lock): say so."""
        self.statusBar().showMessage(f"Edit not saved: {message}", 10000)
        self.dialogs.error(self, "Edit not saved", message)

    def _on_edited(self) -> None:
        s = self.session
        self.preview.show_preview(s.preview() if s is not None else None)
        if s is None:
            self.counts_label.setText("")
        else:
            c = s.counts()
            self.counts_label.setText(f"Kept {c['kept']} · Dropped {c['dropped']} · "
                                      f"Changed by you {c['changed']}")
        self._schedule_queue_refresh()

    def set_font_size(self, step: int) -> None:
        """View > Larger/Smaller text (``step`` +1/-1; 0: the system size), remembered."""
        base = self.font().pointSize()
        size = 0 if step == 0 else min(max(self.font_size() + step, 6), 36)
        self.settings.setValue("font_size", size)
        self._apply_font(size or base)

    def font_size(self) -> int:
        try:
            return int(self.settings.value("font_size", 0)) or self.font().pointSize()
        except (TypeError, ValueError):
            return self.font().pointSize()

    def _apply_font(self, size: int) -> None:
        for pane in (self.lines, self.preview):
            f = pane.font()
            f.setPointSize(size)
            pane.setFont(f)
        self.model.set_font(self.lines.font())

    def changeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "model"):  # went dark or light
            self.model.palette_changed()
        super().changeEvent(event)

    def find_in_posting(self, text: str, backwards: bool = False) -> None:
        s = self.session
        line = s.find(text, self.lines.current_line(), backwards=backwards) if s is not None else None
        self.find_bar.result.setText("" if line is not None or not text.strip() else "not found")
        if line is not None:
            self.lines.go_to(self.model.index(line, 0))

    def go_to_line(self) -> None:
        s = self.session
        if s is None or not s.lines:
            return
        n = self.dialogs.line_number(self, self.lines.current_line() + 1, len(s.lines))
        if n is not None:
            self.lines.go_to(self.model.index(min(max(n, 1), len(s.lines)) - 1, 0))
            self.lines.setFocus()

    def _check_others(self) -> None:
        """Another connection committed (a second window, an export, the indexer):
        show that window's edits of the open posting, and the queue's new figures."""
        version = self.ws.data_version()
        if version == self._seen_version:
            return
        self._seen_version = version
        if self.model.sync():
            self.statusBar().showMessage("Another window changed this posting: shown as saved now.", 6000)
        if self._indexer is None or not self._indexer.running:
            self._schedule_queue_refresh(all_rows=True)

    def _on_current_line(self, line: int) -> None:
        self.preview.highlight(line)
        self.preview.scroll_to_line(line, centre=True)

    def _schedule_queue_refresh(self, all_rows: bool = False) -> None:
        if self._closed:  # a closed window (its workspace maybe closed too) repaints no figures
            return
        self._queue_all = getattr(self, "_queue_all", False) or all_rows
        self._queue_timer.start()

    def _refresh_queue_figures(self) -> None:
        if getattr(self, "_queue_all", False):
            self._queue_all = False
            self.queue_model.reload()
            if self.pid is not None:
                self.queue.select(self.pid)
        elif self.pid is not None:
            self.queue_model.refresh(self.pid)
        self.queue.show_progress(self.ws.progress())
        self.lines.set_placeholder("" if self.queue_model.rows else EMPTY_HINT)

    def _update_title(self) -> None:
        name = ""
        if self.pid is not None:
            try:
                name = display_name(self.ws.row(self.pid)) + " — "
            except KeyError:
                pass
        self.setWindowTitle(f"{name}jdreview — {self.ws.directory}")
        s = self.session
        if s is None:
            self.raw_title.setText("Raw posting")
        else:
            p = s.posting
            where = os.path.basename(p.source.split("#", 1)[0]) + (
                "#" + p.source.rsplit("#", 1)[1] if "#" in p.source else "")
            row = self.ws.row(self.pid) if self.pid is not None else None
            extra = ""
            if row is not None:
                extra = f" · {row.status}" + (" · ⚑ flagged" if row.flagged else "") + (
                    f" · note: {row.note.splitlines()[0][:60]}" if row.note.strip() else "")
            self.raw_title.setText(f"Raw posting: {where}" + (f" · site {p.site}" if p.site else "")
                                   + f" · {len(p.lines)} lines{extra}")
            self.raw_title.setToolTip(row.note if row is not None and row.note else "")

    # ------------------------------------------------------------------ background work
    def _start_indexing(self, first: int | None = None) -> None:
        """(Re)start the worker that caches decisions for postings not opened yet,
        ``first`` (the next posting up) before the rest."""
        if self._indexer is not None:
            self._indexer.stop()
        self._indexer = BackgroundIndexer(self.ws.directory, self.cleaner)
        if first is not None:
            self._indexer.prefer(first)
        self._indexer.start()
        self._indexer_poll.start()

    def _prefetch_next(self) -> None:
        """Have the next unreviewed posting cached while this one is reviewed."""
        nxt = self.next_unreviewed()
        if nxt is None or not self.background_index:
            return
        if self._indexer is not None and self._indexer.running:
            self._indexer.prefer(nxt)
        else:
            self._start_indexing(first=nxt)

    def _poll_indexer(self) -> None:
        if self._indexer is not None and not self._indexer.running:
            self._indexer_poll.stop()
            self._schedule_queue_refresh(all_rows=True)

    def index_all(self) -> None:
        """Filter and cache every posting now (tests and small workspaces)."""
        while index_next(self.ws, self.cleaner, 50):
            pass

    def _index_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and index_next(self.ws, self.cleaner, 5):
            pass

    def _unindexed_note(self) -> str:
        n = len(self.ws.stale(self.cleaner.rules.version, self.cleaner.classifier_version, 1_000_000))
        return f"\n\n({n} postings not read yet are not counted.)" if n else ""

    def _account_time(self) -> None:
        if self.pid is None:
            return
        t = time.monotonic()
        try:
            self.ws.add_time(self.pid, min(t - self._opened_at, MAX_STRETCH))
        except (sqlite3.DatabaseError, WorkspaceBusy, WorkspaceDamaged):
            return  # refused: the time stays counted from the same moment, added next time
        self._opened_at = t

    # ------------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        geo = self.settings.value("geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(1400, 860)
        state = self.settings.value("window_state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        split = self.settings.value("splitter")
        if isinstance(split, QByteArray) and not split.isEmpty():
            self.splitter.restoreState(split)

    def _position_key(self) -> str:
        import hashlib

        return "position/" + hashlib.sha1(self.ws.directory.encode()).hexdigest()[:16]

    def _saved_position(self) -> tuple[int, int]:
        v = self.settings.value(self._position_key())
        try:
            pid, line = (int(x) for x in str(v).split(":"))
        except (TypeError, ValueError):
            return -1, -1
        return pid, line

    def recent_workspaces(self) -> list[str]:
        v = self.settings.value("recent_workspaces", [])
        if isinstance(v, str):
            v = [v]
        return [str(x) for x in (v or [])]

    def _remember_workspace(self) -> None:
        recent = [self.ws.directory] + [d for d in self.recent_workspaces() if d != self.ws.directory]
        recent = recent[:RECENT_MAX]
        self.settings.setValue("recent_workspaces", recent)
        self.recent_menu.clear()
        for d in recent:
            a = self.recent_menu.addAction(d)
            a.setEnabled(self.open_workspace is not None and d != self.ws.directory)
            a.triggered.connect(lambda _c=False, d=d: self.open_workspace and self.open_workspace(d))

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._watch.stop()
        if self._indexer is not None:
            self._indexer.stop()
        if self._export_job is not None:
            self._export_job.wait(60)  # files are written atomically; let it finish
        self._export_poll.stop()
        self._indexer_poll.stop()
        self._queue_timer.stop()
        self.guard(self._flush_cache, quiet=True)
        if self._closed:
            super().closeEvent(event)
            return
        self._closed = True
        self._account_time()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.setValue("splitter", self.splitter.saveState())
        if self.pid is not None:  # reopening the workspace returns here
            self.settings.setValue(self._position_key(), f"{self.pid}:{max(self.lines.current_line(), 0)}")
        self.settings.sync()
        super().closeEvent(event)



class RemoveCommand(QUndoCommand):
    """Posting > Remove on the undo stack of the posting shown next: undo puts it back.

    ``done`` says whether the posting is out of the workspace. An undo or redo that the
    workspace refuses (a held lock, a damaged page) changes nothing and keeps the step."""

    def __init__(self, window: MainWindow, removed: RemovedPosting, name: str) -> None:
        super().__init__(f"remove {name} from the queue")
        self.window, self.removed, self.done = window, removed, True

    def redo(self) -> None:
        if self.done:  # pushed after the removal: nothing to do the first time
            return
        w = self.window
        if w.guard(lambda: w.ws.remove_posting(self.removed.id)) is None:
            self._step_back(undo=True)  # refused: the posting is still there
            return
        self.done = True
        w.links.pop(self.removed.id, None)
        w.guard(w.queue_model.reload, quiet=True)
        if w.pid is not None:
            w.queue.select(w.pid)
        w.guard(w._refresh_queue_figures, quiet=True)

    def undo(self) -> None:
        if not self.done:
            return
        w = self.window
        if w.guard(lambda: w.ws.restore(self.removed) or True) is None:
            self._step_back(undo=False)  # refused: the posting is still out
            return
        self.done = False
        w.guard(lambda: w.restore_posting(None), quiet=True)
        if w.pid is None:  # the window shows nothing (it was the last one): show it again
            w.guard(lambda: w.open_posting(self.removed.id))

    def _step_back(self, *, undo: bool) -> None:
        """Move the stack's index back to where it was (the stack moves past a step whatever
        the step did); the stack's own undo or redo then meets ``done`` unchanged and does
        nothing. The step stays, to be tried again: it holds the only copy of the posting."""
        stack = self.window.undo_group.activeStack()
        if stack is not None:
            QTimer.singleShot(0, stack.undo if undo else stack.redo)
