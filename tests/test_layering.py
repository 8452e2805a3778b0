"""The core never imports Qt: every module outside ``jdreview.gui`` loads without PySide6.

Modules are discovered with pkgutil, so a new core module is covered without editing
this file. Each check runs in a fresh interpreter: in this process another test may
already have imported PySide6.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys

import pytest

import jdreview


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
    for name in ("jdreview.posting", "jdreview.rules", "jdreview.filtering", "jdreview.cli"):
        assert name in found


@pytest.mark.parametrize("module", core_modules())
def test_core_module_does_not_load_qt(module: str) -> None:
    code = (f"import importlib, sys; importlib.import_module({module!r}); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'));"
            "print(','.join(bad))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"{module} loaded Qt: {proc.stdout.strip()}"


def test_all_core_modules_together_do_not_load_qt() -> None:
    mods = core_modules()
    code = ("import importlib, sys\n"
            f"for m in {mods!r}: importlib.import_module(m)\n"
            "print('PySide6' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
