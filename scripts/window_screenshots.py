#!/usr/bin/env python3
"""The review window under Xvfb, driven with xdotool, captured as the X server shows it.

    .venv/bin/python scripts/window_screenshots.py OUTDIR [POSTING ...]

For each size (1024x700, 1600x1000, and the README's 1400x860) and palette (light, and a
dark Fusion palette as a dark desktop gives it), starts ``Xvfb``, runs ``jdreview review``
on a new workspace with the seeds (and any POSTING given), drops the third line with Space,
moves two lines on, and saves ``OUTDIR/window-WxH-PALETTE.png`` with ImageMagick's
``import``. Needs Xvfb, xdotool and ImageMagick (``apt-get install xvfb xdotool imagemagick``)
and the Qt xcb libraries listed in the README.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "assets", "samples", "seeds")

#: run inside the X session: jdreview review, in a dark palette when asked (what a dark
#: desktop theme hands a Fusion application)
CHILD = r"""
import sys
from jdreview.gui.app import application
from jdreview.cli import main
app = application()
if sys.argv[1] == "dark":
    from PySide6.QtGui import QColor, QPalette
    pal, r = QPalette(), QPalette.ColorRole
    for role, c in ((r.Window, "#353535"), (r.WindowText, "#e8e8e8"), (r.Base, "#232323"),
                    (r.AlternateBase, "#2c2c2c"), (r.Text, "#e8e8e8"), (r.Button, "#353535"),
                    (r.ButtonText, "#e8e8e8"), (r.Highlight, "#2a82da"), (r.HighlightedText, "#ffffff"),
                    (r.ToolTipBase, "#353535"), (r.ToolTipText, "#e8e8e8"), (r.PlaceholderText, "#8a8a8a"),
                    (r.Light, "#4a4a4a"), (r.Midlight, "#404040"), (r.Mid, "#2a2a2a"), (r.Dark, "#1e1e1e")):
        pal.setColor(role, QColor(c))
    for role in (r.Text, r.WindowText, r.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7f7f7f"))
    app.setPalette(pal)
raise SystemExit(main(["review", "--workspace", sys.argv[2], *sys.argv[3:]]))
"""


def xdo(env: dict[str, str], *args: str) -> str:
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=60).stdout.strip()


def shot(out: str, size: tuple[int, int], palette: str, postings: list[str], display: int) -> str:
    w, h = size
    env = {**os.environ, "DISPLAY": f":{display}", "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": ROOT}
    env.pop("QT_QPA_PLATFORMTHEME", None)
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="jdreview-shot-config-")  # no remembered geometry
    xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{w}x{h}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = None
    try:
        time.sleep(1.0)  # the X server starts
        ws = tempfile.mkdtemp(prefix="jdreview-shot-ws-")
        app = subprocess.Popen([sys.executable, "-c", CHILD, palette, ws, *postings], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        win = xdo(env, "search", "--sync", "--onlyvisible", "--name", "jdreview").splitlines()[-1]
        xdo(env, "windowmove", win, "0", "0")
        xdo(env, "windowsize", win, str(w), str(h))
        time.sleep(3.0)  # the rules compile, the first posting opens and paints
        xdo(env, "windowfocus", "--sync", win)
        for key in ("Down", "Down", "space", "j", "j"):  # drop the third line, move on two
            xdo(env, "key", "--window", win, key)
            time.sleep(0.3)
        time.sleep(1.0)
        path = os.path.join(out, f"window-{w}x{h}-{palette}.png")
        subprocess.run(["import", "-window", "root", path], env=env, check=True, timeout=60)
        return path
    finally:
        for p in (app, xvfb):
            if p is not None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    missing = [t for t in ("Xvfb", "xdotool", "import") if shutil.which(t) is None]
    if missing:
        print(f"window_screenshots: {', '.join(missing)} not found; apt-get install xvfb xdotool "
              "imagemagick", file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    postings = sorted(os.path.join(SEEDS, n) for n in os.listdir(SEEDS)) + sys.argv[2:]
    display = 91
    for size in ((1024, 700), (1600, 1000), (1400, 860)):
        for palette in ("light", "dark"):
            print(shot(out, size, palette, postings, display), flush=True)
            display += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
