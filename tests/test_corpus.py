"""The pinned quality floor on the development corpus (``../shared/corpus``).

The default cleaner runs on every posting; word precision, recall, F1 and lines to
toggle are computed exactly as the corpus's ``score.py`` computes them (through
``jdreview.learn.evaluate``), and the means must stay at or above the floors in
``tests/data/quality_floor.json``. Raise the floors when the filter improves; never
lower them to make a change pass. The corpus is other people's published data: it is
read from beside the project and never copied into it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jdreview.engines.local import Cleaner
from jdreview.io.inputs import load_posting
from jdreview.learn.evaluate import corpus_digest, corpus_items, score

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
FLOOR_FILE = Path(__file__).parent / "data" / "quality_floor.json"
FLOOR = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))

if not (CORPUS / "manifest.tsv").is_file():
    if os.environ.get("CI"):  # CI is given the corpus: a missing one is a failure, not a skip
        raise RuntimeError(f"development corpus not found at {CORPUS}")
    pytest.skip(f"development corpus not found at {CORPUS} (it lives beside the project, "
                "never inside it; CI provides it)", allow_module_level=True)

ITEMS = corpus_items(str(CORPUS))


@pytest.fixture(scope="module")
def scores() -> dict[str, dict[str, Any]]:
    cleaner = Cleaner.create()
    out = {}
    for item in ITEMS:
        pred = cleaner.clean(load_posting(item["raw"])).cleaned_text()
        out[item["id"]] = score(pred, item["gold"], text_input=item["text_input"])
    return out


def test_floor_file_covers_the_corpus() -> None:
    assert set(FLOOR["postings"]) == {item["id"] for item in ITEMS}


def test_floor_was_measured_on_this_corpus() -> None:
    assert FLOOR["corpus_sha256"] == corpus_digest(CORPUS), (
        "the corpus changed since the floors were pinned: re-run benchmarks/quality.py "
        "--write-floor once, in its own commit")


@pytest.mark.parametrize("pid", [item["id"] for item in ITEMS])
def test_posting_stays_above_its_floor(pid: str, scores: dict[str, dict[str, Any]]) -> None:
    s, floor = scores[pid], FLOOR["postings"][pid]
    assert s["f1"] >= floor["f1"], f"{pid}: F1 {s['f1']:.4f} fell below its floor {floor['f1']}"
    assert s["p"] >= floor["p"], f"{pid}: precision {s['p']:.4f} fell below its floor {floor['p']}"


def test_means_stay_above_the_floor(scores: dict[str, dict[str, Any]]) -> None:
    n = len(scores)
    mean = {k: sum(s[k] for s in scores.values()) / n for k in ("p", "r", "f1")}
    toggles = [s["toggles"] for s in scores.values() if s["toggles"] is not None]
    mean["toggles"] = sum(toggles) / len(toggles)
    measured = ", ".join(f"{k} {v:.4f}" for k, v in mean.items())
    floor = FLOOR["mean"]
    assert mean["f1"] >= floor["f1"], f"mean F1 below the floor ({measured})"
    assert mean["p"] >= floor["p"], f"mean precision below the floor ({measured})"
    assert mean["r"] >= floor["r"], f"mean recall below the floor ({measured})"
    assert mean["toggles"] <= floor["max_toggles"], f"mean toggles above the ceiling ({measured})"
