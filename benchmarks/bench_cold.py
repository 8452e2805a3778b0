#!/usr/bin/env python3
"""Where the time of a posting goes when the caches have not seen its lines.

    .venv/bin/python benchmarks/bench_cold.py [--nhs 1000] [--repeat 3]

``bench_clean.py`` times whole processes; this splits one posting's cost into its stages,
in process, best of ``--repeat`` (each run with fresh caches), on two sets of distinct
postings: the corpus's text postings and ``--nhs`` distinct NHS Jobs postings from
``../shared/bench/nhs-distinct.jsonl.gz``. Stages: loading (bytes to lines: decoding,
mojibake check, site detection), the rules alone (``auto_filter`` without a
classifier: exact, regex, section and structural rules, segments), and the classifier
(the full filter minus the rules-alone time). The corpus is then cleaned again with
warm caches. Last line: ``RESULT cold_filter_ms <ms per NHS posting, full filter>``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if (p / "corpus").is_dir()),
              ROOT.parent / "shared")

import jdreview  # noqa: E402
from jdreview.engines.local import Cleaner  # noqa: E402
from jdreview.filter.pipeline import auto_filter  # noqa: E402
from jdreview.io.inputs import load_posting_bytes  # noqa: E402


def clear_caches() -> None:
    """Every module-level per-line cache (functools caches) of the package."""
    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("jdreview"):
            for f in list(vars(mod).values()):
                if hasattr(f, "cache_clear"):
                    f.cache_clear()


def stages(items: list[tuple[str, bytes]], repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` CPU ms per posting of each stage, each run with cold caches."""
    best: dict[str, float] = {}
    seed = load_posting_bytes((ROOT / "assets" / "samples" / "seeds" / "002_857223e5a1dd0063.txt").read_bytes(), "s.txt")
    for _ in range(repeat):
        clear_caches()
        t = time.process_time()
        postings = [load_posting_bytes(data, name) for name, data in items]
        load = time.process_time() - t
        cleaner = Cleaner.create()
        cleaner.clean(seed)  # lazy imports and first calls are not per posting
        t = time.process_time()
        for p in postings:
            auto_filter(p, cleaner.rules, None, cleaner.config).cleaned_text()
        rules = time.process_time() - t
        clear_caches()
        cleaner = Cleaner.create()
        cleaner.clean(seed)
        t = time.process_time()
        for p in postings:
            cleaner.clean(p).cleaned_text()
        full = time.process_time() - t
        t = time.process_time()
        for p in postings:
            cleaner.clean(p).cleaned_text()
        warm = time.process_time() - t
        n = len(postings)
        run = {"load": load / n, "rules": rules / n, "full": full / n, "warm": warm / n}
        for k, v in run.items():
            best[k] = min(best.get(k, v), v)
    return {k: v * 1e3 for k, v in best.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nhs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    raw = SHARED / "corpus" / "raw"
    nhs = SHARED / "bench" / "nhs-distinct.jsonl.gz"
    if not raw.is_dir() or not nhs.is_file():
        print(f"no corpus or bench data under {SHARED}: nothing to measure", file=sys.stderr)
        return 2
    corpus = [(p.name, p.read_bytes()) for p in sorted(raw.iterdir()) if p.suffix in (".txt", ".md")]
    records = []
    with gzip.open(nhs, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= a.nhs:
                break
            records.append((f"nhs{n}.txt", json.loads(line)["text"].encode("utf-8")))
    print(f"jdreview {jdreview.__version__}; CPU ms per posting, best of {a.repeat}, fresh caches each run")
    print(f"{'postings':<34} {'load':>6} {'rules':>6} {'classifier':>10} {'filter':>7} {'warm filter':>11}")
    result = 0.0
    for label, items in ((f"corpus texts ({len(corpus)} distinct)", corpus), (f"NHS ({len(records)} distinct)", records)):
        s = stages(items, a.repeat)
        print(f"{label:<34} {s['load']:6.2f} {s['rules']:6.2f} {s['full'] - s['rules']:10.2f} "
              f"{s['full']:7.2f} {s['warm']:11.2f}")
        result = s["full"]
    print(f"RESULT cold_filter_ms {result:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
