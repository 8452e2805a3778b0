"""Data-driven filter cases (``tests/cases/*.json``, described in its README): each
mechanism of the filter with a small posting that failed before the mechanism existed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jdreview.engines.local import Cleaner
from jdreview.io.posting import Posting

CASES = Path(__file__).parents[1] / "cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if case.get("xfail") else []
            params.append(pytest.param(case, id=f"{path.stem}:{case['label']}", marks=marks))
    return params


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.create()


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any], cleaner: Cleaner) -> None:
    raw = case["input"]
    text = "\n".join(raw) + "\n" if isinstance(raw, list) else raw
    posting = Posting.from_html(text) if case.get("kind") == "html" else Posting.from_text(text)
    result = cleaner.clean(posting)
    out = result.cleaned_text()
    missing = [s for s in case.get("keep", []) if s not in out]
    leaked = [s for s in case.get("drop", []) if s in out]
    assert not missing and not leaked, f"lost {missing}, kept {leaked}; cleaned text:\n{out}"
    for text, rule in case.get("not_dropped_by", {}).items():
        hits = [u for u in result.units() if text in u[2]]
        assert hits, f"no unit holds {text!r}"
        assert all(d.keep or d.rule != rule for _line, _seg, _text, d in hits), (text, rule)
    if "warning" in case:
        assert any(case["warning"] in w for w in result.warnings), result.warnings


def test_every_case_checks_something() -> None:
    for param in _load():
        case = param.values[0]
        assert case.get("keep") or case.get("drop") or case.get("warning") or case.get("not_dropped_by"), \
            case["label"]


def test_wrapped_prose_is_featurised_once_per_text() -> None:
    # 400 wrapped lines without a full stop are one block: its text is featurised once,
    # not once per line (that was quadratic: 4,000 such lines took 99 s)
    from jdreview.filter.features import _text_features

    words = "data pipeline team build service customer product system design quality".split()
    text = "\n".join(" ".join(words[(i + k) % 10] for k in range(11)) + f" and w{i}" for i in range(400))
    _text_features.cache_clear()
    Cleaner.create().clean(Posting.from_text(text))
    info = _text_features.cache_info()
    assert info.misses <= 401 + 1  # each line's own text, and the block's once
    assert info.hits + info.misses <= 3 * 401
