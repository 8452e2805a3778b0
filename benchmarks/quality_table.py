#!/usr/bin/env python3
"""The README's quality table: leave-one-site-out per site family and overall, beside the
peers scored on the same postings by ``../shared/tools/score.py --system NAME``.

    .venv/bin/python benchmarks/quality_table.py [--corpus ../shared/corpus]
                                                  [--loso-json FILE] [--peer-json SYSTEM=FILE ...]

Without ``--loso-json`` the leave-one-site-out report is computed here (``jdreview.loso``,
about a minute); without ``--peer-json`` each peer is run through score.py. Prints a
Markdown table (word F1 per family, lines to toggle on text postings) and the means.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jdreview.filter.rules import default_rules  # noqa: E402
from jdreview.learn.loso import load_loso_items, loso_eval  # noqa: E402

PEERS = ("trafilatura", "justext", "resiliparse")


def _peer(system: str, corpus: str, score_py: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([sys.executable, str(score_py), corpus, "--system", system, "--json", f.name],
                       check=False, capture_output=True)
        return json.loads(Path(f.name).read_text(encoding="utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--loso-json", help="a report of `jdreview eval --loso --json` (else computed)")
    ap.add_argument("--peer-json", action="append", default=[], metavar="SYSTEM=FILE",
                    help="a `score.py --json` output of a peer (else score.py is run)")
    a = ap.parse_args()
    if a.loso_json:
        report = json.loads(Path(a.loso_json).read_text(encoding="utf-8"))
    else:
        report = loso_eval(load_loso_items([a.corpus, str(ROOT / "assets" / "samples" / "seeds")],
                                           str(ROOT / "assets" / "samples" / "gold")), default_rules())
    given = dict(x.split("=", 1) for x in a.peer_json)
    score_py = Path(a.corpus).resolve().parent / "tools" / "score.py"
    peers = {s: (json.loads(Path(given[s]).read_text(encoding="utf-8")) if s in given
                 else _peer(s, a.corpus, score_py)) for s in PEERS}
    fam_of = {r["id"]: r["site"] for r in report["rows"] if r["site"] != "seeds"}

    def fam_mean(rows: list[dict], fam: str, key: str) -> float | None:
        vals = [r[key] for r in rows if fam_of.get(r["id"]) == fam and r[key] is not None]
        return sum(vals) / len(vals) if vals else None

    def cell(f1: float | None, tg: float | None) -> str:
        return "-" if f1 is None else f"{f1:.3f}" + ("" if tg is None else f" / {tg:.1f}")

    head = "| site family | postings | jdreview, leave one site out | " + " | ".join(PEERS) + " |"
    print(head)
    print("| --- | ---: |" + " --- |" * (1 + len(PEERS)))
    for fam, s in report["sites"].items():
        has_text = any(r["toggles"] is not None for r in report["rows"] if r["site"] == fam)
        cells = [cell(s["f1"], s["toggles"] if has_text else None)]
        for p in PEERS:
            cells.append(cell(fam_mean(peers[p]["rows"], fam, "f1"), fam_mean(peers[p]["rows"], fam, "toggles")))
        print(f"| {fam} | {s['postings']} | " + " | ".join(cells) + " |")
    m = report["mean"]
    print(f"| **all {report['postings']} postings** (P / R / F1 / toggles) | {report['postings']} | "
          f"{m['p']:.3f} / {m['r']:.3f} / **{m['f1']:.3f}** / {m['toggles']:.1f} | "
          + " | ".join(f"{peers[p]['p']:.3f} / {peers[p]['r']:.3f} / {peers[p]['f1']:.3f} / "
                       f"{peers[p]['toggles']:.1f}" for p in PEERS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
