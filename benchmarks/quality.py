#!/usr/bin/env python3
"""Measure the default cleaner on the development corpus; optionally rewrite the pinned floor.

    .venv/bin/python benchmarks/quality.py                  # print per-posting and mean figures
    .venv/bin/python benchmarks/quality.py --write-floor     # pin tests/data/quality_floor.json

Scores are computed as ``../shared/tools/score.py`` computes them (``jdreview.evaluate``).
The floor is the measured means minus 0.01 (toggles: plus 0.5) and each posting's
precision and F1 minus 0.05; ``--write-floor`` also pins the leave-one-site-out means
(``learn.loso_report`` on the corpus and the seeds, floors 0.01 below, toggles 0.5 above)
and the corpus's sha256, so a changed corpus is noticed. Only raise the floor with this;
never lower it by hand to let a change pass.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jdreview.batch import Cleaner  # noqa: E402
from jdreview.evaluate import corpus_digest, corpus_items, score  # noqa: E402
from jdreview.learn import load_labelled, loso_report  # noqa: E402
from jdreview.posting import load_posting  # noqa: E402
from jdreview.rules import default_rules  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
FLOOR_FILE = ROOT / "tests" / "data" / "quality_floor.json"
SEEDS = ROOT / "assets" / "samples" / "seeds"
GOLD = ROOT / "assets" / "samples" / "gold"



def _down(x: float, margin: float) -> float:
    return max(0.0, math.floor((x - margin) * 1000) / 1000)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--write-floor", action="store_true", help=f"rewrite {FLOOR_FILE.name}")
    a = ap.parse_args()
    if not Path(a.corpus, "manifest.tsv").is_file():
        print(f"no corpus at {a.corpus}", file=sys.stderr)
        return 2
    cleaner = Cleaner.create()
    rows = {}
    for item in corpus_items(a.corpus):
        pred = cleaner.clean(load_posting(item["raw"])).cleaned_text()
        s = rows[item["id"]] = score(pred, item["gold"], text_input=item["text_input"])
        tg = "-" if s["toggles"] is None else s["toggles"]
        print(f"{item['id']}  P {s['p']:.3f}  R {s['r']:.3f}  F1 {s['f1']:.3f}  toggles {tg}")
    n = len(rows)
    mean = {k: sum(r[k] for r in rows.values()) / n for k in ("p", "r", "f1")}
    tgs = [r["toggles"] for r in rows.values() if r["toggles"] is not None]
    mean["toggles"] = sum(tgs) / len(tgs) if tgs else 0.0
    print(f"mean of {n}: P {mean['p']:.4f} R {mean['r']:.4f} F1 {mean['f1']:.4f} "
          f"toggles {mean['toggles']:.2f}")
    loso = None
    if a.write_floor:
        report = loso_report(load_labelled([a.corpus, str(SEEDS)], str(GOLD)), default_rules())
        loso = {k: round(v, 4) for k, v in report["mean"].items()}
        print(f"leave-one-site-out over {report['postings']} postings, {report['sites']} sites: "
              + " ".join(f"{k} {v:.4f}" for k, v in loso.items()))
    if a.write_floor and loso is not None:
        old = json.loads(FLOOR_FILE.read_text(encoding="utf-8")) if FLOOR_FILE.exists() else {}
        data = {
            "note": old.get("note", "Floors for tests/test_corpus.py, written by benchmarks/quality.py "
                                    "--write-floor. Raise them when the filter improves; never lower "
                                    "them to let a change pass."),
            "measured": {k: round(v, 4) for k, v in mean.items()},
            "mean": {"p": _down(mean["p"], 0.01), "r": _down(mean["r"], 0.01),
                     "f1": _down(mean["f1"], 0.01), "max_toggles": round(mean["toggles"] + 0.5, 2)},
            "postings": {k: {"p": _down(v["p"], 0.05), "f1": _down(v["f1"], 0.05)}
                         for k, v in rows.items()},
            "loso_measured": loso,
            "loso": {"f1": _down(loso["f1"], 0.01), "word_f1": _down(loso["word_f1"], 0.01),
                     "max_toggles": round(loso["toggles"] + 0.5, 2)},
            "corpus_sha256": corpus_digest(a.corpus),
        }
        FLOOR_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {FLOOR_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
