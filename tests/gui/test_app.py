"""``jdreview review`` as a subprocess: the screenshot mode, and a bad rule file."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QImage

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def test_screenshot_renders_the_window_with_the_first_posting(tmp_path, seeds):
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, "-m", "jdreview", "review", "--workspace", str(tmp_path / "ws"),
                        seeds[2], "--screenshot", str(out)], capture_output=True, text=True, env=ENV,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    img = QImage(str(out))
    assert not img.isNull() and img.width() >= 1200 and img.height() >= 700
    # not a blank image: the panes drew text (many distinct pixel values)
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20
    from jdreview.workspace.store import Workspace

    with Workspace.open(str(tmp_path / "ws")) as ws:
        assert ws.count() == 1 and ws.cached_units(ws.ids()[0], *_versions(ws)) is not None


def _versions(ws):
    row = ws.conn.execute("SELECT rules_version, classifier_version FROM postings").fetchone()
    return row[0], row[1]


def test_a_bad_rule_file_is_one_line_and_exit_1(tmp_path, seeds):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\nkind = "regex"\npattern = "(unclosed"\n')
    r = subprocess.run([sys.executable, "-m", "jdreview", "review", "--workspace", str(tmp_path / "ws"),
                        "--rules", str(bad), seeds[0], "--screenshot", str(tmp_path / "s.png")],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 1
    assert "bad.toml" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "s.png").exists()
