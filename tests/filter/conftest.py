"""The ``engine`` fixture: a test that takes it runs once per engine of the line passes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jdreview.filter import linear

ENGINES = ["re2", "hyperscan"] if linear._hs is not None else ["re2"]


@pytest.fixture(autouse=True, scope="session")
def _hyperscan_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests keep their compiled Hyperscan databases in a folder of their own."""
    mp = pytest.MonkeyPatch()
    mp.setenv("JDREVIEW_CACHE", str(tmp_path_factory.mktemp("hyperscan-cache")))
    yield
    mp.undo()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """RE2 (the fallback where ``hyperscan`` does not import) or Hyperscan, for the sets
    built during the test."""
    monkeypatch.setattr(linear, "ENGINE", request.param)
    monkeypatch.setattr(linear, "COMPILE_AFTER", 0)  # Hyperscan from the first line on
    yield request.param
