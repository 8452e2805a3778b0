"""Issue 10, item 15: every GUI test runs under one ``qapp`` fixture that installs the
PySide6 reference-count guard (tests that only ask for ``qapp`` included), so a long
hypothesis run cannot abort the interpreter with "none_dealloc"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GUI_TESTS = Path(__file__).parent

PROBE = '''
import sys

def pytest_sessionfinish(session):
    with open("{out}", "w") as f:
        f.write("guarded" if sys.getrefcount(None) > 1 << 39 else "unguarded")
'''


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 (PEP 683)")
def test_a_test_that_asks_only_for_qapp_runs_with_the_refcount_guard(tmp_path: Path) -> None:
    out = tmp_path / "probe.txt"
    (tmp_path / "refcount_probe.py").write_text(PROBE.replace("{out}", str(out)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
           "QT_QPA_PLATFORM": "offscreen"}
    # test_panes.py asks for nothing but qapp; run it alone, in a fresh interpreter
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "refcount_probe", "-p", "no:cacheprovider",
                        str(GUI_TESTS / "test_panes.py")], capture_output=True, text=True, env=env,
                       timeout=300, cwd=GUI_TESTS.parent.parent)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert out.read_text() == "guarded"


def test_one_qapp_for_every_gui_test(qapp) -> None:
    from PySide6.QtWidgets import QApplication

    assert QApplication.instance() is qapp
