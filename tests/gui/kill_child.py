"""Child process of the kill test: opens the real window and toggles lines forever.

After each toggle is on screen it prints ``EDIT <line> <0|1>`` (the label shown) and
flushes, so the parent knows what the person saw. The parent SIGKILLs it at any moment.
Usage: python kill_child.py WORKSPACE_DIR POSTING [STOP_AFTER]
With STOP_AFTER, it quits normally after that many edits (the long-session test).
"""

from __future__ import annotations

import os
import sys
from argparse import Namespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from jdreview.gui.app import application, make_window  # noqa: E402
from jdreview.workspace.store import Workspace  # noqa: E402


def main() -> None:
    ws_dir, posting = sys.argv[1], sys.argv[2]
    stop_after = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    done = [0]
    app = application()
    ws = Workspace.open(ws_dir)
    args = Namespace(rules=[], no_default_rules=False, classifier=None, no_classifier=False,
                     threshold=None, reviewer="killed")
    settings = QSettings(os.path.join(ws_dir, "settings.ini"), QSettings.Format.IniFormat)
    w = make_window(ws, args, settings=settings, background_index=False)
    w.show()
    w.add_paths([posting])
    w.activateWindow()

    def step() -> None:
        if not w.isActiveWindow():
            w.activateWindow()
            return
        s = w.session
        line = w.lines.current_line()
        if s is None or line < 0 or s.lines[line].decision is None or s.lines[line].segments is not None:
            QTest.keyClick(w.lines, Qt.Key.Key_J)
            if w.lines.current_line() == line:  # at the end: start again at the top
                w.lines.go_to(w.model.index(0, 0))
            return
        QTest.keyClick(w.lines, Qt.Key.Key_Space)  # toggles, persists, moves on
        print(f"EDIT {line} {int(bool(s.line_final(line)))}", flush=True)
        done[0] += 1
        if stop_after and done[0] >= stop_after:
            timer.stop()
            w.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(0)
    print("READY", flush=True)
    code = app.exec()
    ws.close()
    sys.exit(code)


if __name__ == "__main__":
    main()
