"""The review window's speed on two checkouts, in the same run: bench_gui.py in turn.

Run: .venv/bin/python benchmarks/compare_gui.py OLD_CHECKOUT [--rounds 3]

OLD_CHECKOUT is a folder holding another version's ``jdreview/`` (for example
``git archive COMMIT | tar -x -C /tmp/old``). Each round runs ``bench_gui.py --quick`` on the
old checkout, then on this one (so both see the same load on a shared machine), and
prints, per figure, the best and the range over the rounds. The last line reads
``RESULT gui_toggle_max_ms <best slowest toggle of this checkout>``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NEW = os.path.dirname(HERE)


def run(tree: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": tree, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, os.path.join(HERE, "bench_gui.py"), "--quick"],
                         capture_output=True, text=True, check=True, env=env, cwd=tree).stdout
    return {parts[1]: float(parts[2]) for line in out.splitlines()
            if (parts := line.split()) and parts[0] == "FIGURE"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="a checkout of the version to compare with")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    got: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for k in range(args.rounds):
        for name, tree in (("old", os.path.abspath(args.old)), ("new", NEW)):
            got[name].append(run(tree))
            print(f"round {k + 1}, {name}: " + ", ".join(f"{f} {v:.1f}" for f, v in got[name][-1].items()),
                  flush=True)
    print(f"best of {args.rounds} (range), old -> new:")
    names = list(dict.fromkeys(f for runs in got.values() for r in runs for f in r))
    for f in names:
        cols = []
        for name in ("old", "new"):
            vals = [r[f] for r in got[name] if f in r]
            cols.append(f"{min(vals):.1f} ({min(vals):.1f}-{max(vals):.1f})" if vals else "-")
        print(f"  {f:20s} {cols[0]:>22s} -> {cols[1]}")
    print(f"RESULT gui_toggle_max_ms {min(r['toggle_max_ms'] for r in got['new']):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
