"""A small catalogue of hostile inputs, generated under a test's tmp_path (never third-party
data): bad bytes, deep nesting, a FIFO, an unreadable folder, colliding output names.

``build(root)`` writes the catalogue and returns what a clean of it must do: which inputs
are bad (one error line each, naming them), which records and files are good (each
cleaned once) and which warnings name a line.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

GOOD = "Data Engineer\nApply\nYou build pipelines in Python and SQL.\n"
GOOD_CLEAN = "Data Engineer\nYou build pipelines in Python and SQL.\n"
DEEP = 100_000


def posting(word: str) -> str:
    return f"{word} Engineer\nApply\nYou build {word} pipelines in Python and SQL.\n"


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def can_drop_privileges() -> bool:
    """Whether a child process can be made to obey file modes (not root, or root with setpriv)."""
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


def unprivileged(cmd: list[str]) -> list[str]:
    """``cmd`` run so that file modes apply to it: root keeps its uid but loses the
    capabilities that let it read and write any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    if os.geteuid() != 0:
        return cmd
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps, *cmd]


def jdreview(*args: str) -> list[str]:
    return [sys.executable, "-m", "jdreview", *args]


@dataclass
class Catalogue:
    root: Path
    #: input path (relative to root) -> the place the error line must name ("" = the file)
    bad: dict[str, str] = field(default_factory=dict)
    #: single-posting inputs -> a word only their cleaned text holds
    good_files: dict[str, str] = field(default_factory=dict)
    #: batch inputs -> the record numbers that must be cleaned (once each)
    good_records: dict[str, list[int]] = field(default_factory=dict)
    #: input -> line a warning must name
    warnings: dict[str, int] = field(default_factory=dict)


def build(root: Path, *, unreadable: bool = True) -> Catalogue:
    root.mkdir(parents=True, exist_ok=True)
    cat = Catalogue(root)

    (root / "a_good.txt").write_text(posting("Alpha"), encoding="utf-8")
    cat.good_files["a_good.txt"] = "Alpha"
    (root / "b_page.html").write_text(
        "<html><body><h1>Bravo Engineer</h1><p>Apply</p><p>You build Bravo pipelines in Python.</p>"
        "</body></html>", encoding="utf-8")
    cat.good_files["b_page.html"] = "Bravo"

    # item 3: one 0xff byte in record 6 of a JSON Lines file
    lines = [json.dumps({"id": f"r{i}", "text": posting(f"Rec{i}")}).encode() for i in range(1, 9)]
    lines[5] = lines[5].replace(b"Rec6", b"Rec\xff6")
    (root / "c_records.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    cat.bad["c_records.jsonl"] = "6"
    cat.good_records["c_records.jsonl"] = [1, 2, 3, 4, 5, 7, 8]

    # item 3: one 0xff byte inside a quoted, multi-line CSV field (record 4, lines 11-13)
    rows = [b"id,title,description"]
    for i in range(1, 11):
        body = posting(f"Row{i}").rstrip("\n").encode().replace(b"\n", b"\r\n" if i % 2 else b"\n")
        if i == 4:
            body = body.replace(b"Row4 pipelines", b"Row4 pipe\xfflines")
        rows.append(f"row{i},Engineer {i},\"".encode() + body + b"\"")
    (root / "d_rows.csv").write_bytes(b"\n".join(rows) + b"\n")
    cat.bad["d_rows.csv"] = "11"  # record 4 starts on line 11 (header, then three lines a row)
    cat.good_records["d_rows.csv"] = [1, 2, 3, 5, 6, 7, 8, 9, 10]

    # item 3: a text posting, valid UTF-8 but for a few bytes: cleaned, with a warning
    (root / "e_mostly_utf8.txt").write_bytes(
        "Zürich Charlie Engineer\nGehalt: 50.000 €\n".encode() + b"You build \xff\xfe pipelines.\nApply\n")
    cat.good_files["e_mostly_utf8.txt"] = "Charlie"
    cat.warnings["e_mostly_utf8.txt"] = 3

    # item 4: a JSON Lines line nested 100,000 deep between two good records
    (root / "f_deep.jsonl").write_text(
        json.dumps({"id": "d1", "text": posting("Deep1")}) + "\n"
        + '{"id": "d2", "text": "x", "extra": ' + deep_json() + "}\n"
        + json.dumps({"id": "d3", "text": posting("Deep3")}) + "\n", encoding="utf-8")
    cat.bad["f_deep.jsonl"] = "2"
    cat.good_records["f_deep.jsonl"] = [1, 3]

    # item 8: FIFOs named like a posting and like a batch file
    os.mkfifo(root / "g_fifo.txt")
    os.mkfifo(root / "g_fifo.jsonl")
    cat.bad["g_fifo.txt"] = ""
    cat.bad["g_fifo.jsonl"] = ""

    # item 6: a folder nobody may read
    if unreadable and can_drop_privileges():
        locked = root / "h_locked"
        locked.mkdir()
        (locked / "inside.txt").write_text(posting("Hidden"), encoding="utf-8")
        locked.chmod(0)
        cat.bad["h_locked"] = ""

    # item 7: 4,000 wrapped lines without a full stop (was quadratic: minutes): bounded time
    wrapped = [f"and keep pipeline number {k} and its report running for the {k % 97} people who rely on it"
               for k in range(4000)]
    (root / "j_wrapped.txt").write_text("Hotel Engineer\nApply\nYou run the Hotel data platform with the "
                                        "analytics team\n" + "\n".join(wrapped) + "\n", encoding="utf-8")
    cat.good_files["j_wrapped.txt"] = "Hotel"

    # refused whole: an empty file, a binary file named like a posting
    (root / "k_empty.txt").write_bytes(b"")
    cat.bad["k_empty.txt"] = ""
    (root / "l_doc.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02 binary\x00" * 50)
    cat.bad["l_doc.txt"] = ""

    # item 2: inputs whose outputs would share names under --explain
    (root / "x.txt").write_text(posting("Xray"), encoding="utf-8")
    (root / "x.explain.txt").write_text(posting("Yankee"), encoding="utf-8")
    cat.good_files["x.txt"] = "Xray"
    cat.good_files["x.explain.txt"] = "Yankee"
    return cat


def unlock(cat: Catalogue) -> None:
    """Give the unreadable folder its mode back, so tmp_path can be removed."""
    locked = cat.root / "h_locked"
    if locked.exists():
        locked.chmod(stat.S_IRWXU)
