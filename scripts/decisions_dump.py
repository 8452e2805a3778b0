"""Every decision the filter makes, one line each, to check a refactor changes none.

Cleans the seeds, the corpus's raw files and the first N distinct NHS postings in process
with the default rules and classifier, and writes one tab-separated line per unit:
file, line number (1-based), segment (1-based, "-" for a whole line), keep (1/0), reason
and the classifier's score (``repr``, so a float that moves in its last digit shows), then
one line per file with a checksum of its cleaned text. Two dumps of two revisions are equal
exactly when every decision, every reason and every cleaned text is. (The script runs with
``PYTHONHASHSEED=0``: the classifier's sums over sets of words follow the string hash's
order, so without a fixed seed scores differ from run to run in their last digit.)

    python scripts/decisions_dump.py --nhs 3000 -o /tmp/new.tsv   # this checkout's code
    python scripts/decisions_dump.py --nhs 3000 --ref main         # dump REV and this checkout, diff

With ``--ref``, REV's ``jdreview/`` is exported from git into a temporary folder and
dumped in a child process; the exit status is 0 when both dumps are identical and 1
otherwise (the first differing lines are printed, with how many differ).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")
NHS = SHARED / "bench" / "nhs-distinct.jsonl.gz"


def sources(nhs: int, seeds: Path, corpus: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every posting to dump, in a fixed order."""
    for p in sorted(seeds.glob("*.txt")):
        yield f"seeds/{p.name}", p.read_bytes()
    if corpus.is_dir():
        for p in sorted(corpus.iterdir()):
            yield f"corpus/{p.name}", p.read_bytes()
    if nhs and NHS.is_file():
        with gzip.open(NHS, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f):
                if n >= nhs:
                    break
                yield f"nhs/{n:05d}.txt", json.loads(line)["text"].encode("utf-8")


def dump_lines(items: Iterable[tuple[str, bytes]]) -> Iterator[str]:
    """The dump's lines (without newlines) for ``items``, cleaned by the imported jdreview."""
    from jdreview.engines.local import Cleaner
    from jdreview.errors import InputError
    from jdreview.io.inputs import load_posting_bytes

    cleaner = Cleaner.create()
    for name, data in items:
        try:
            result = cleaner.clean(load_posting_bytes(data, name))
        except InputError as e:  # a posting the filter refuses is a decision too
            yield f"{name}\terror\t{e}"
            continue
        for line, seg, _text, d in result.units():
            score = "-" if d.score is None else repr(d.score)
            yield f"{name}\t{line + 1}\t{'-' if seg is None else seg + 1}\t{int(d.keep)}\t{d.reason}\t{score}"
        digest = hashlib.sha1(result.cleaned_text().encode("utf-8")).hexdigest()
        yield f"{name}\tcleaned\t{digest}"


def write_dump(out: Path, nhs: int) -> None:
    seeds = ROOT / "assets" / "samples" / "seeds"
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in dump_lines(sources(nhs, seeds, SHARED / "corpus" / "raw")):
            f.write(row + "\n")
    os.replace(tmp, out)


def compare(a: Path, b: Path, show: int = 10) -> int:
    """Print the first differing lines of two dumps; return how many lines differ."""
    la = a.read_text(encoding="utf-8").splitlines()
    lb = b.read_text(encoding="utf-8").splitlines()
    diff = [(n, x, y) for n, (x, y) in enumerate(zip(la, lb, strict=False), 1) if x != y]
    if len(la) != len(lb):
        diff.append((min(len(la), len(lb)) + 1, f"<{len(la)} lines>", f"<{len(lb)} lines>"))
    for n, x, y in diff[:show]:
        print(f"line {n}:\n  ref {x}\n  new {y}")
    return len(diff)


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # the classifier sums over sets of words, whose order follows the string hash:
        # a fixed seed makes the scores repeat to the last digit from run to run
        os.execve(sys.executable, [sys.executable, *sys.argv], dict(os.environ, PYTHONHASHSEED="0"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nhs", type=int, default=0, help="also dump the first N distinct NHS postings")
    ap.add_argument("-o", "--out", type=Path, help="write this checkout's dump here")
    ap.add_argument("--ref", help="git revision to dump too and compare with")
    args = ap.parse_args()
    if args.ref is None:
        if args.out is None:
            ap.error("give -o FILE or --ref REV")
        write_dump(args.out, args.nhs)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        code = t / "ref"
        code.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.ref, "jdreview"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
        ref_out, new_out = t / "ref.tsv", args.out or t / "new.tsv"
        for path, out in ((code, ref_out), (ROOT, new_out)):
            # the child imports the jdreview of PATH; this script's own functions do the dump
            env = dict(os.environ, PYTHONPATH=str(path))
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--nhs", str(args.nhs),
                            "-o", str(out)], env=env, check=True, cwd=str(path))
        n = compare(ref_out, new_out)
        total = len(new_out.read_text(encoding="utf-8").splitlines())
        print(f"{n} of {total} lines differ from {args.ref}" if n else f"identical to {args.ref}: {total} lines")
        return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main())
