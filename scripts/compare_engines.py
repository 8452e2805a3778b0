"""Check that this checkout cleans exactly like another revision: byte for byte.

Runs ``jdreview clean --explain`` over the corpus, the seeds and (optionally) a sample of
the distinct NHS postings with the code of REV (exported from git into a temporary
folder) and with this checkout's code, and compares every output file (cleaned text and
explanation). Used when the matching engine or the HTML renderer changes underneath the
same rules and classifier.

    python scripts/compare_engines.py --ref main            # corpus + seeds
    python scripts/compare_engines.py --ref 2b19ce8 --nhs 2000

Exit status 0 when every file is identical, 1 otherwise (the differing files are named,
with their first differing line).
"""

from __future__ import annotations

import argparse
import filecmp
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")


def inputs(folder: Path, nhs: int) -> list[str]:
    paths = [str(p) for p in sorted((ROOT / "assets" / "samples" / "seeds").glob("*.txt"))]
    paths += [str(p) for p in sorted((SHARED / "corpus" / "raw").iterdir())]
    if nhs:
        nhs_dir = folder / "nhs"
        nhs_dir.mkdir()
        with gzip.open(SHARED / "bench" / "nhs-distinct.jsonl.gz", "rt", encoding="utf-8") as f:
            for n, line in enumerate(f):
                if n >= nhs:
                    break
                (nhs_dir / f"nhs{n:05d}.txt").write_text(json.loads(line)["text"], encoding="utf-8")
        paths.append(str(nhs_dir))
    return paths


def clean(code: Path, paths: list[str], out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(code))
    res = subprocess.run([sys.executable, "-m", "jdreview", "clean", "--explain", *paths, "-o", str(out)],
                         env=env, capture_output=True, text=True, cwd=str(code))
    if res.returncode not in (0, 1):
        raise SystemExit(f"clean with {code} failed ({res.returncode}): {res.stderr.strip()[-400:]}")


def first_difference(a: Path, b: Path) -> str:
    la, lb = a.read_text(encoding="utf-8").split("\n"), b.read_text(encoding="utf-8").split("\n")
    for n, (x, y) in enumerate(zip(la, lb, strict=False), 1):
        if x != y:
            return f"line {n}: {x[:80]!r} != {y[:80]!r}"
    return f"{len(la)} lines != {len(lb)} lines"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default="main", help="git revision to compare with (default main)")
    ap.add_argument("--nhs", type=int, default=0, help="also clean the first N distinct NHS postings")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        ref = t / "ref"
        ref.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.ref, "jdreview"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(ref)], input=archive, check=True)
        paths = inputs(t, args.nhs)
        clean(ref, paths, t / "out-ref")
        clean(ROOT, paths, t / "out-new")
        names = sorted(p.name for p in (t / "out-ref").iterdir() if p.name != "jdreview-run.jsonl")
        new_names = sorted(p.name for p in (t / "out-new").iterdir() if p.name != "jdreview-run.jsonl")
        bad = 0
        if names != new_names:
            print(f"different output files: {sorted(set(names) ^ set(new_names))[:10]}")
            bad += 1
        for name in names:
            a, b = t / "out-ref" / name, t / "out-new" / name
            if b.exists() and not filecmp.cmp(a, b, shallow=False):
                bad += 1
                print(f"{name}: {first_difference(a, b)}")
        print(f"{len(names)} output files compared with {args.ref}: "
              f"{'all identical' if not bad else f'{bad} differ'}")
        return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
