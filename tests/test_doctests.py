"""The examples in the core's docstrings run and hold (ftfy-style contracts)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import jdreview

CORE = ["jdreview"] + sorted(m.name for m in pkgutil.walk_packages(jdreview.__path__, "jdreview.")
                             if not m.name.startswith("jdreview.gui") and m.name != "jdreview.__main__")


def test_the_core_has_examples() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(n), optionflags=doctest.ELLIPSIS).attempted
                    for n in CORE)
    assert attempted >= 30


@pytest.mark.parametrize("name", CORE)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failed, _attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0
