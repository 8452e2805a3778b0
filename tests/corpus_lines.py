"""The non-blank lines of the seeds, the development corpus and some distinct NHS postings.

Engine-equivalence tests (the RE2 rule engine, the lexicon's one-pass check) compare two
matchers on every one of these lines. The corpus lives beside the project (``../shared``);
without it the tests skip, except under CI, where its absence is an error.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from jdreview.io.inputs import load_posting

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if (p / "corpus").is_dir()),
              ROOT.parent / "shared")


def corpus_lines(nhs_postings: int) -> list[str]:
    """Every non-blank line of the seeds and corpus raw files, then of the first NHS postings."""
    if not (SHARED / "corpus" / "raw").is_dir():
        if os.environ.get("CI"):
            raise RuntimeError(f"development corpus not found at {SHARED / 'corpus'}")
        pytest.skip("development corpus not found")
    paths = sorted((ROOT / "assets" / "samples" / "seeds").glob("*.txt"))
    paths += sorted((SHARED / "corpus" / "raw").iterdir())
    lines = [x for p in paths for x in load_posting(str(p)).lines if x.strip()]
    nhs = SHARED / "bench" / "nhs-distinct.jsonl.gz"
    if nhs.is_file():
        with gzip.open(nhs, "rt", encoding="utf-8") as f:
            for n, rec in enumerate(f):
                if n >= nhs_postings:
                    break
                lines += [x for x in json.loads(rec)["text"].split("\n") if x.strip()]
    return lines
