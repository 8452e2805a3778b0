"""Scoring cleaned postings against gold, exactly as the development corpus defines it.

Word precision, recall and F1 over the multiset of lower-cased ``\\w+`` tokens, both
sides repaired with ftfy; and, for text inputs, the lines a reviewer would still
have to toggle (lines in the output but not the gold plus lines in the gold but not
the output, as multisets of whitespace-folded lines).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.decode import repair_text
from ..io.inputs import iter_inputs, load_posting

_TOKEN = re.compile(r"\w+", re.UNICODE)
_WS = re.compile(r"\s+")


def _fix(text: str) -> str:
    import ftfy

    return ftfy.fix_text(text, uncurl_quotes=False)


def word_counts(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(_fix(text)))


def line_counts(text: str) -> Counter[str]:
    return Counter(x for x in (_WS.sub(" ", _fix(raw)).strip() for raw in text.splitlines()) if x)


def prf(pred: Counter[str], gold: Counter[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of two token multisets.

    >>> prf(Counter("a b c".split()), Counter("a b d".split()))
    (0.6666666666666666, 0.6666666666666666, 0.6666666666666666)
    """
    tp = sum((pred & gold).values())
    p = tp / max(1, sum(pred.values()))
    r = tp / max(1, sum(gold.values()))
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def toggles(pred: str, gold: str) -> int:
    pl, gl = line_counts(pred), line_counts(gold)
    return sum((pl - gl).values()) + sum((gl - pl).values())


def score(pred: str, gold: str, *, text_input: bool = True) -> dict[str, Any]:
    p, r, f = prf(word_counts(pred), word_counts(gold))
    return {"p": p, "r": r, "f1": f, "toggles": toggles(pred, gold) if text_input else None}


def fold(text: str) -> str:
    """ftfy repair and whitespace folding: the form in which seeds must equal their gold."""
    return _WS.sub(" ", repair_text(text)).strip()


def evaluate_paths(paths: list[str], gold_dir: str | None, cleaner: Any) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for path in iter_inputs(paths):
        try:
            posting = load_posting(path)
            gold = posting.gold
            if gold_dir:
                gpath = os.path.join(gold_dir, posting.stem + ".txt")
                if os.path.exists(gpath):
                    gold = load_posting(gpath).text if gold is None else gold
                    with open(gpath, encoding="utf-8", errors="replace") as f:
                        gold = f.read()
            if gold is None:
                raise InputError(path, "no gold: give --gold DIR with <stem>.txt, or a pair file")
            pred = cleaner.clean(posting).cleaned_text()
            row = {"id": posting.stem, "path": path, **score(pred, gold, text_input=posting.kind == "text")}
            rows.append(row)
        except InputError as e:
            errors.append(str(e))
    n = len(rows) or 1
    tg = [r["toggles"] for r in rows if r["toggles"] is not None]
    return {
        "rows": rows,
        "mean": {"p": sum(r["p"] for r in rows) / n, "r": sum(r["r"] for r in rows) / n,
                 "f1": sum(r["f1"] for r in rows) / n,
                 "toggles": (sum(tg) / len(tg)) if tg else None},
        "postings": len(rows),
        "errors": errors,
    }


def format_table(report: dict[str, Any]) -> str:
    out = [f"{'posting':<40} {'P':>6} {'R':>6} {'F1':>6} {'toggles':>8}"]
    for r in report["rows"]:
        tg = "-" if r["toggles"] is None else str(r["toggles"])
        out.append(f"{r['id'][:40]:<40} {r['p']:6.3f} {r['r']:6.3f} {r['f1']:6.3f} {tg:>8}")
    m = report["mean"]
    tg = "-" if m["toggles"] is None else f"{m['toggles']:.2f}"
    out.append(f"{'mean of ' + str(report['postings']):<40} {m['p']:6.3f} {m['r']:6.3f} {m['f1']:6.3f} {tg:>8}")
    return "\n".join(out) + "\n"


def corpus_items(root: str) -> list[dict[str, Any]]:
    """The postings of a gold corpus (``manifest.tsv``, ``raw/``, ``gold/`` or ``labels/``),
    read exactly as the corpus's ``score.py`` reads them.

    Each item has ``id``, ``raw`` (path), ``text_input`` (scored for toggles: not HTML)
    and ``gold`` (text). The gold is ``gold/ID.txt`` (or the manifest's ``gold`` column),
    else rebuilt from ``labels/ID.keep`` over ``text/ID.txt`` or the raw file.
    """
    with open(os.path.join(root, "manifest.tsv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    items = []
    for r in rows:
        raw = os.path.join(root, r["file"])
        gold_path = os.path.join(root, r.get("gold") or os.path.join("gold", r["id"] + ".txt"))
        if os.path.exists(gold_path):
            with open(gold_path, encoding="utf-8") as f:
                gold = f.read()
        else:
            gold = _gold_from_labels(root, r["id"], raw)
        items.append({"id": r["id"], "raw": raw, "gold": gold,
                      "text_input": not raw.endswith((".html", ".htm"))})
    return items


def _gold_from_labels(root: str, pid: str, raw: str) -> str:
    src = os.path.join(root, "text", pid + ".txt")
    if not os.path.exists(src):
        src = raw
    with open(src, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    with open(os.path.join(root, "labels", pid + ".keep"), encoding="utf-8") as f:
        spec = "\n".join(line.split("#")[0] for line in f)
    keep: list[int] = []
    for part in re.split(r"[,\s]+", spec.strip()):
        if part:
            a, _, b = part.partition("-")
            keep.extend(range(int(a), int(b or a) + 1))
    return "\n".join(lines[k - 1] for k in keep) + "\n"


def corpus_digest(corpus: str | os.PathLike[str]) -> str:
    """sha256 over a corpus's manifest, raw files and gold (relative names and bytes), so a
    pinned quality floor can tell that the corpus it was measured on has changed."""
    h = hashlib.sha256()
    root = Path(corpus)
    for sub in ("manifest.tsv", "raw", "gold"):
        paths = [root / sub] if (root / sub).is_file() else sorted((root / sub).rglob("*"))
        for f in paths:
            if f.is_file():
                h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def raise_floor(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The better of a pinned floor and a newly measured one, key by key: the higher
    score, the lower ceiling (keys starting ``max_``); keys only one side has are kept.
    A floor written through this never goes down (trafilatura's eval gate does the same).

    >>> raise_floor({"f1": 0.95, "max_toggles": 2.0, "old": 1}, {"f1": 0.93, "max_toggles": 3.0})
    {'f1': 0.95, 'max_toggles': 2.0, 'old': 1}
    >>> raise_floor({"a": {"f1": 0.5}}, {"a": {"f1": 0.7}, "b": {"f1": 0.1}})
    {'a': {'f1': 0.7}, 'b': {'f1': 0.1}}
    """
    out = dict(new)
    for k, v in old.items():
        if k not in new:
            out[k] = v
        elif isinstance(v, Mapping) and isinstance(new[k], Mapping):
            out[k] = raise_floor(v, new[k])
        elif isinstance(v, (int, float)) and isinstance(new[k], (int, float)):
            out[k] = min(v, new[k]) if k.startswith("max_") else max(v, new[k])
    return out
