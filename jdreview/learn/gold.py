"""Gold as line labels: corpus folders (``labels/ID.keep`` ranges, ``gold/ID.txt``) and
pair files (a raw part and its hand-cleaned part) turned into per-line keep/drop.

A gold text is aligned to the posting's lines in order: a line is kept when its
folded form is the next unmatched gold line, or when the gold holds a trimmed form
of it (a line whose noise segments the person cut off counts as kept).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import InputError
from ..io.decode import repair_text
from ..io.inputs import load_posting
from ..io.posting import Posting

_WS = re.compile(r"\s+")


def _fold(s: str) -> str:
    return _WS.sub(" ", s).strip()


@dataclass
class GoldPosting:
    """A posting with a person's label for every unit line (line index -> keep)."""

    posting: Posting
    labels: dict[int, bool]
    site: str
    language: str = ""


def labels_from_gold_text(posting: Posting, gold: str) -> dict[int, bool]:
    """Align a cleaned text to the posting's lines.

    >>> p = Posting.from_text("Title\\nApply\\nBody text. No agencies.\\n")
    >>> labels_from_gold_text(p, "Title\\nBody text.\\n")
    {0: True, 1: False, 2: True}
    """
    gold_lines = [_fold(x) for x in repair_text(gold).split("\n") if x.strip()]
    labels: dict[int, bool] = {}
    g = 0
    for i, line in enumerate(posting.lines):
        f = _fold(line)
        if not f:
            continue
        # look ahead a little: gold may skip nothing, but lines may be trimmed
        hit = None
        for k in range(g, min(g + 3, len(gold_lines))):
            gl = gold_lines[k]
            if gl == f or (len(gl) >= 8 and (f.startswith(gl) or f.endswith(gl) or gl in f)):
                hit = k
                break
        if hit is not None:
            labels[i] = True
            g = hit + 1
        else:
            labels[i] = False
    return labels


def labels_from_keep(spec: str, lines: list[str]) -> dict[int, bool]:
    """Line labels from a ``.keep`` file: 1-based ranges, ``#`` comments."""
    keep: set[int] = set()
    body = "\n".join(x.split("#")[0] for x in spec.split("\n"))
    for part in re.split(r"[,\s]+", body.strip()):
        if part:
            a, _, b = part.partition("-")
            keep.update(range(int(a), int(b or a) + 1))
    return {i: (i + 1) in keep for i, line in enumerate(lines) if line.strip()}


def iter_corpus(root: str) -> Iterator[GoldPosting]:
    """The postings of a corpus folder (``manifest.tsv``, ``raw/``, ``text/``, ``labels/``
    or ``gold/``) with their line labels. HTML postings use ``text/ID.txt``, the
    rendering the labels refer to."""
    manifest = os.path.join(root, "manifest.tsv")
    if not os.path.exists(manifest):
        raise InputError(root, "not a corpus folder (no manifest.tsv)")
    with open(manifest, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        pid = r["id"]
        text_path = os.path.join(root, "text", pid + ".txt")
        src = text_path if os.path.exists(text_path) else os.path.join(root, r["file"])
        posting = load_posting(src)
        posting.id = pid
        if r["file"].endswith((".html", ".htm")):
            posting.kind = "html"
        keep_path = os.path.join(root, "labels", pid + ".keep")
        gold_path = os.path.join(root, "gold", pid + ".txt")
        if os.path.exists(keep_path):
            with open(keep_path, encoding="utf-8") as f:
                labels = labels_from_keep(f.read(), posting.lines)
        elif os.path.exists(gold_path):
            with open(gold_path, encoding="utf-8") as f:
                labels = labels_from_gold_text(posting, f.read())
        else:
            continue
        yield GoldPosting(posting, labels, _site_name(r.get("site", "")) or posting.site,
                          r.get("language", ""))


def _site_name(text: str) -> str:
    t = text.lower()
    for name in ("linkedin", "softgarden", "personio", "workable", "hibob", "greenhouse",
                 "ashby", "smartrecruiters", "workday", "indeed"):
        if name in t:
            return name
    return re.sub(r"[^a-z0-9.]+", "-", t.split("(")[0].strip()).strip("-")


def iter_pairs(paths: list[str], gold_dir: str | None = None) -> Iterator[GoldPosting]:
    """Pair files (seed-002 form), or raw files with ``gold_dir/<stem>.txt``."""
    for path in paths:
        p = load_posting(path)
        gold = p.gold
        if gold_dir:
            gp = os.path.join(gold_dir, p.stem + ".txt")
            if os.path.exists(gp):
                with open(gp, encoding="utf-8", errors="replace") as f:
                    gold = f.read()
        if gold is None:
            raise InputError(path, "no gold for this posting (not a pair file, no gold file)")
        yield GoldPosting(p, labels_from_gold_text(p, gold), p.site or "seed")
