#!/usr/bin/env python3
"""Filter cost of postings the caches have not seen, against ones they have.

    .venv/bin/python benchmarks/bench_cold.py [--corpus DIR] [--repeat 5]

``bench_clean.py`` replicates the corpus, so after the first copy of each posting every
line is a cache hit; a real batch of distinct postings pays for its new lines. This
cleans the corpus's distinct text postings with a fresh cleaner (cold: lazy imports and
first calls already paid on a seed), then again (warm), in process, best of ``--repeat``.
Last line: ``RESULT cold_filter_ms <ms per posting>``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jdreview.engines.local import Cleaner  # noqa: E402
from jdreview.filter import features as classifier  # noqa: E402
from jdreview.io.inputs import load_posting  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    raw = Path(a.corpus) / "raw"
    if not raw.is_dir():
        print(f"no corpus at {raw}: nothing to measure", file=sys.stderr)
        return 2
    postings = [load_posting(str(p)) for p in sorted(raw.iterdir()) if p.suffix in (".txt", ".md")]
    seed = load_posting(str(ROOT / "assets" / "samples" / "seeds" / "002_857223e5a1dd0063.txt"))
    cold, warm = [], []
    for _ in range(a.repeat):
        for f in vars(classifier).values():  # the module-level per-line caches too
            if hasattr(f, "cache_clear"):
                f.cache_clear()
        cleaner = Cleaner.create()
        cleaner.clean(seed)
        t = time.perf_counter()
        for p in postings:
            cleaner.clean(p).cleaned_text()
        cold.append((time.perf_counter() - t) / len(postings))
        t = time.perf_counter()
        for p in postings:
            cleaner.clean(p).cleaned_text()
        warm.append((time.perf_counter() - t) / len(postings))
    lines = sum(len(p.lines) for p in postings) / len(postings)
    print(f"{len(postings)} distinct text postings, {lines:.0f} lines on average")
    print(f"cold (lines not seen before): {min(cold) * 1e3:.2f} ms a posting (best of "
          f"{', '.join(f'{x * 1e3:.1f}' for x in cold)})")
    print(f"warm (every line cached):     {min(warm) * 1e3:.2f} ms a posting (best of "
          f"{', '.join(f'{x * 1e3:.2f}' for x in warm)})")
    print(f"RESULT cold_filter_ms {min(cold) * 1e3:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
