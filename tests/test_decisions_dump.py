"""scripts/decisions_dump.py: one line per decision, and a comparison that finds any change."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "decisions_dump.py"


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("decisions_dump", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


POSTING = b"Data Engineer\nApply now\n\nWe build data pipelines in Python and SQL for the whole company.\n"


def test_every_unit_has_a_row_and_every_file_a_checksum() -> None:
    rows = list(_module().dump_lines([("a.txt", POSTING), ("empty.txt", b"  \n")]))
    units = [r.split("\t") for r in rows if r.startswith("a.txt\t") and "\tcleaned\t" not in r]
    assert [u[1] for u in units] == ["1", "2", "4"]  # line numbers of the units, the blank line is none
    assert all(u[2] == "-" and u[3] in ("0", "1") and u[4] for u in units)
    apply = units[1]
    assert apply[3] == "0" and apply[4].startswith("rule:"), apply  # "Apply now" goes by a rule
    assert sum(r.startswith("a.txt\tcleaned\t") for r in rows) == 1
    assert rows[-1].startswith("empty.txt\terror\t")  # a refused posting is a row too


def test_compare_counts_the_lines_that_differ(tmp_path: Path) -> None:
    mod = _module()
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    rows = list(mod.dump_lines([("a.txt", POSTING)]))
    a.write_text("\n".join(rows) + "\n", encoding="utf-8")
    b.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert mod.compare(a, b) == 0
    changed = [r.replace("\t1\t", "\t0\t", 1) if r.startswith("a.txt\t4\t") else r for r in rows]
    b.write_text("\n".join(changed) + "\n", encoding="utf-8")
    assert mod.compare(a, b) == 1
    b.write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
    assert mod.compare(a, b) == 1  # a missing line


def test_the_script_writes_a_dump_of_the_seeds(tmp_path: Path) -> None:
    out = tmp_path / "dump.tsv"
    res = subprocess.run([sys.executable, str(SCRIPT), "-o", str(out)], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    rows = out.read_text(encoding="utf-8").splitlines()
    seeds = sorted(p.name for p in (ROOT / "assets" / "samples" / "seeds").glob("*.txt"))
    assert [r.split("\t")[0] for r in rows if "\tcleaned\t" in r][:len(seeds)] == [f"seeds/{s}" for s in seeds]
