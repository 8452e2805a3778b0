"""Starting the review window: ``jdreview review`` (and the ``jdreview-gui`` launcher,
:func:`jdreview.cli.gui_main`).

``run(args)`` opens the workspace, adds the given paths, shows the window on the
first unreviewed posting, and runs the event loop; with ``--screenshot FILE.png`` it
renders the window once to the file and exits instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from ..errors import InputError
from ..workspace.session import cleaner_for
from ..workspace.store import Workspace, default_reviewer, default_workspace_dir
from .compat import install_refcount_guard
from .main_window import MainWindow

ORG, APP = "jdreview", "jdreview"


def application() -> QApplication:
    """The QApplication (created once), named so that QSettings has a home."""
    install_refcount_guard()
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_DontShowIconsInMenus, False)
        # Qt's raster engine splits every fill taller than a few dozen pixels across a
        # thread pool and waits for it. For this window's fills (a pane's background, a
        # scroll bar) the hand-off costs more than the fill: on a 2-core machine a toggle
        # repainted both panes in a median 9-10 ms with the pool, 5-6 ms without, and the
        # pool's wake-ups caused the slowest frames. Qt reads this switch once, when the
        # pool would first be made; a value the user set is left alone.
        os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
        QCoreApplication.setOrganizationName(ORG)
        QCoreApplication.setApplicationName(APP)
        app = QApplication(sys.argv[:1])
        app.setApplicationDisplayName("jdreview")
    assert isinstance(app, QApplication)
    return app


def make_window(ws: Workspace, args: argparse.Namespace, *, settings: QSettings | None = None,
                dialogs: object = None, background_index: bool = True) -> MainWindow:
    opts = {"default_rules": not getattr(args, "no_default_rules", False),
            "classifier": getattr(args, "classifier", None),
            "use_classifier": not getattr(args, "no_classifier", False),
            "threshold": getattr(args, "threshold", None)}
    rule_files = list(getattr(args, "rules", []) or [])
    reviewer = getattr(args, "reviewer", None) or default_reviewer()
    windows: list[MainWindow] = []

    def open_other(directory: str) -> None:  # File > Recent workspaces: a second window
        other = Workspace.open(directory)
        w = make_window(other, args, settings=settings, dialogs=dialogs)
        windows.append(w)
        w.show()
        w.open_first()

    return MainWindow(ws, lambda: cleaner_for(ws, rule_files, **opts), reviewer=reviewer,
                      settings=settings, dialogs=dialogs,  # type: ignore[arg-type]
                      background_index=background_index, open_workspace=open_other)


def run(args: argparse.Namespace) -> int:
    """Run the window for parsed ``jdreview review`` arguments; returns the exit code."""
    app = application()
    try:
        ws = Workspace.open(args.workspace or default_workspace_dir())
    except InputError as e:
        print(f"jdreview: error: {e}", file=sys.stderr)
        return 1
    settings = None
    if args.screenshot:  # a render, not a session: the user's window settings stay as they are
        import tempfile

        settings = QSettings(os.path.join(tempfile.mkdtemp(prefix="jdreview-shot-"), "settings.ini"),
                             QSettings.Format.IniFormat)
    window = make_window(ws, args, settings=settings, background_index=not args.screenshot)
    if args.screenshot:
        if not load_queue(window, args.paths, ask=False):
            window.close()
            ws.close()
            return 1
        return screenshot(app, window, args.screenshot, ws)
    window.show()  # visible first; the rules compile and the first posting loads next
    QTimer.singleShot(0, lambda: load_queue(window, args.paths))
    code = app.exec()
    ws.close()
    return code


def load_queue(window: MainWindow, paths: Sequence[str], *, ask: bool = True) -> bool:
    """Add ``paths`` (opening the first posting), or open the first unreviewed one.

    A bad rule or classifier file (found when the rules are first compiled) is reported
    on standard error and in a message box, and the program ends with exit code 1.
    Paths that cannot be added (a mistyped name) are reported on standard error (and,
    with ``ask``, in a message box); then False is returned.
    """
    try:
        window.cleaner  # noqa: B018 - compile the rules now, before any posting opens
    except InputError as e:
        print(f"jdreview: error: {e}", file=sys.stderr)
        if window.isVisible():
            window.dialogs.error(window, "Cannot start reviewing", str(e))
            window.close()
            QCoreApplication.exit(1)
        return False
    if paths:
        report = window.add_paths(list(paths), ask=ask)
        for err in report.errors or ():
            print(f"jdreview: error: {err}", file=sys.stderr)
        return not report.errors
    window.guard(window.open_first)  # a damaged workspace: one line, the window stays up
    return True


def screenshot(app: QApplication, window: MainWindow, path: str, ws: Workspace) -> int:
    """Render the window (first posting loaded) to ``path`` and return."""
    window.resize(1500, 900)
    window.show()
    for _ in range(5):
        app.processEvents()
    ok = window.grab().save(path)
    window.close()
    ws.close()
    if not ok:
        print(f"jdreview: error: {path}: cannot write the screenshot", file=sys.stderr)
        return 1
    print(f"jdreview: screenshot written to {path}", file=sys.stderr)
    return 0
