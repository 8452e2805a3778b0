"""Killing the program (SIGKILL) loses no edit already shown on screen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from jdreview.workspace.store import Workspace

CHILD = os.path.join(os.path.dirname(__file__), "kill_child.py")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("edits", [1, 40])
def test_sigkill_loses_no_edit_shown(tmp_path, seeds, edits):
    ws_dir = str(tmp_path / "ws")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, CHILD, ws_dir, seeds[2]], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    shown: dict[int, bool] = {}
    count = 0
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            parts = raw.split()
            if parts and parts[0] == "EDIT":
                shown[int(parts[1])] = parts[2] == "1"
                count += 1
                if count >= edits:
                    break
        os.kill(proc.pid, signal.SIGKILL)  # at once: the child is still editing
    finally:
        proc.kill()
        proc.wait(30)
    assert count == edits, "the child stopped before making its edits"
    with Workspace.open(ws_dir) as ws:
        assert ws.integrity_ok()
        pid = ws.ids()[0]
        saved = ws.overrides(pid)
        for line, keep in shown.items():
            assert saved.get((line, None)) == keep, f"line {line}: shown {keep}, saved {saved.get((line, None))}"


def test_a_long_session_ends_cleanly(tmp_path, seeds):
    """PySide6 6.12 loses references to True and None as the window runs (every Python
    emit, many void calls); without jdreview.gui.compat a session aborts with
    "Fatal Python error: bool_dealloc" after a few hundred edits, or at exit."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, CHILD, str(tmp_path / "ws"), seeds[2], "800"],
                       capture_output=True, text=True, env=env, timeout=240)
    assert "Fatal Python error" not in r.stderr
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.count("EDIT ") == 800
