"""The layers hold: import-linter's contracts (``[tool.importlinter]`` in pyproject.toml)
pass on the package and fail on a copy given a deliberate upward import, and the core,
imported whole in a fresh interpreter, never loads PySide6.

Modules are discovered with pkgutil, so a new core module is covered without editing
this file.
"""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jdreview

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports") or os.path.join(os.path.dirname(sys.executable), "lint-imports")


def core_modules() -> list[str]:
    """Every module of the package except ``jdreview.gui`` and ``__main__``.

    Walks the folders with ``pkgutil.iter_modules`` rather than ``walk_packages``,
    which would import ``jdreview.gui`` (and so Qt) to look inside it.
    """
    names = ["jdreview"]
    todo = [(list(jdreview.__path__), "jdreview.")]
    while todo:
        path, prefix = todo.pop()
        for info in pkgutil.iter_modules(path, prefix):
            if info.name == "jdreview.gui" or info.name.endswith(".__main__"):
                continue
            names.append(info.name)
            if info.ispkg:
                sub = os.path.join(path[0], info.name.rsplit(".", 1)[1])
                todo.append(([sub], info.name + "."))
    return sorted(names)


def test_discovery_finds_the_core() -> None:
    found = core_modules()
    for name in ("jdreview.io.posting", "jdreview.filter.rules", "jdreview.filter.decision", "jdreview.cli"):
        assert name in found


def test_all_core_modules_together_do_not_load_qt() -> None:
    mods = core_modules()
    code = ("import importlib, sys\n"
            f"for m in {mods!r}: importlib.import_module(m)\n"
            "print('PySide6' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([LINT, "--config", str(tree / "pyproject.toml"), "--no-cache"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_hold() -> None:
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(("module", "upward"), [
    ("io/atomic.py", "from ..filter import rules"),               # io reaching up into the filter
    ("filter/rules.py", "from ..workspace import store"),         # filter reaching the workspace
    ("learn/evaluate.py", "from .. import cli"),                   # learn reaching the CLI
    ("workspace/export.py", "from ..gui import compat"),           # the core importing the window
    ("filter/decision.py", "from . import pipeline"),              # a loop inside the filter
])
def test_an_upward_import_breaks_the_contract(tmp_path: Path, module: str, upward: str) -> None:
    shutil.copytree(ROOT / "jdreview", tmp_path / "jdreview",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "jdreview" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n", encoding="utf-8")
    proc = _lint(tmp_path)
    assert proc.returncode != 0, proc.stdout
    assert "BROKEN" in proc.stdout

