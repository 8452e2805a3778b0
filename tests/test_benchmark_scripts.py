"""The held-out and floor benchmarks run from a checkout and end with their RESULT line.

They need ``../shared/bench`` (the distinct NHS Jobs postings) and skip without it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = next((p / "bench" / "nhs-distinct.jsonl.gz" for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared")
              if (p / "bench" / "nhs-distinct.jsonl.gz").is_file()), None)
needs_bench = pytest.mark.skipif(BENCH is None, reason="no ../shared/bench/nhs-distinct.jsonl.gz")


def run(script: str, *args: str) -> list[str]:
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                         text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout.splitlines()


@needs_bench
def test_left_alone_counts_what_it_drops_by_reason() -> None:
    out = run("left_alone.py", "--postings", "25")
    m = re.fullmatch(r"RESULT left_alone_kept_words (\d\.\d{4})", out[-1])
    assert m and 0.8 < float(m.group(1)) < 1.0, out[-1]
    words = int(re.search(r"(\d+) words", out[0]).group(1))  # type: ignore[union-attr]
    kept = int(re.search(r"(\d+) kept", out[0]).group(1))  # type: ignore[union-attr]
    assert abs(kept / words - float(m.group(1))) < 1e-4
    # the vacancy URL line of every posting is dropped by the url rule, and counted so
    assert any(re.fullmatch(r"\s*\d+\s+25\s+rule:url-only", line) for line in out), out


@needs_bench
def test_the_python_floor_is_cheaper_than_the_filter() -> None:
    pytest.importorskip("trafilatura")
    pytest.importorskip("hyperscan")
    out = run("bench_floor.py", "--postings", "60", "--repeat", "1")
    assert re.fullmatch(r"RESULT python_floor_vs_trafilatura \d+\.\d\d", out[-1]), out[-1]
    rate = {m.group(1).strip(): float(m.group(2)) for line in out
            if (m := re.match(r"\s+(trafilatura|jdreview filter|python floor|floor \+ essentials)\s+(\d+) postings", line))}
    # (the floors do a small part of the filter's work: about a third of its time or less)
    assert min(rate["python floor"], rate["floor + essentials"]) > 1.5 * rate["jdreview filter"], rate
