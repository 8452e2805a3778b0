"""The user's three seed postings reproduce their gold exactly with the default cleaner,
after ftfy repair and whitespace folding on both sides (``jdreview.learn.evaluate.fold``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jdreview.engines.local import Cleaner
from jdreview.io.inputs import load_posting
from jdreview.learn.evaluate import fold, score

SAMPLES = Path(__file__).parents[1] / "assets" / "samples"
SEEDS = sorted((SAMPLES / "seeds").glob("*.txt"))
TUNING = pytest.mark.xfail(strict=False, reason="filter tuning in progress")
#: seeds whose exact gold the default filter does not reach yet (the lead un-xfails them)
NOT_YET: set[str] = set()


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.create()


def test_the_seeds_and_their_gold_are_in_the_repository() -> None:
    assert len(SEEDS) == 3
    for seed in SEEDS:
        assert (SAMPLES / "gold" / seed.name).is_file()


@pytest.mark.parametrize("seed", [pytest.param(s, id=s.stem, marks=[TUNING] if s.stem in NOT_YET else [])
                                  for s in SEEDS])
def test_seed_reproduces_its_gold_exactly(seed: Path, cleaner: Cleaner) -> None:
    gold = (SAMPLES / "gold" / seed.name).read_text(encoding="utf-8")
    out = cleaner.clean(load_posting(str(seed))).cleaned_text()
    assert fold(out) == fold(gold)


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem for s in SEEDS])
def test_seed_is_close_to_its_gold(seed: Path, cleaner: Cleaner) -> None:
    # a looser floor that holds while the exact test is being tuned
    gold = (SAMPLES / "gold" / seed.name).read_text(encoding="utf-8")
    out = cleaner.clean(load_posting(str(seed))).cleaned_text()
    s = score(out, gold)
    assert s["f1"] >= 0.98 and s["p"] >= 0.98


def test_pair_seed_carries_the_same_gold_as_the_gold_file() -> None:
    seed = SAMPLES / "seeds" / "002_857223e5a1dd0063.txt"
    gold = (SAMPLES / "gold" / seed.name).read_text(encoding="utf-8")
    p = load_posting(str(seed))
    assert p.gold is not None and fold(p.gold) == fold(gold)


def test_fold_repairs_and_folds_whitespace() -> None:
    assert fold("  Cambridge, MA \u00ac\u2211 1 week ago \n\n Next  ") == "Cambridge, MA \u00b7 1 week ago Next"
