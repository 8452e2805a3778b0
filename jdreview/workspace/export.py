"""Export: cleaned postings as text and the labels as JSON Lines.

``export_workspace`` writes, into an output folder:

- ``cleaned/<stem>.txt`` -- each posting's cleaned text, exactly what the window's
  preview shows (both come from :meth:`jdreview.workspace.session.Session.cleaned_text`);
- ``labels.jsonl`` -- one record per unit (line, or segment of a split line).

Every label record carries ``schema`` (:data:`LABEL_SCHEMA`), the posting's id and
content hash, its source, url and site, the unit's line and segment index and text,
the automatic decision and its reason, the final label, whether the person changed
it, the reviewer, the review status and time, and the rule-set and classifier
versions that produced the automatic decision. Files are written atomically
(temporary file, then ``os.replace``); :func:`read_labels` validates every record.

Other exports (pairs, dataset cards) add functions here and reuse
:func:`write_jsonl` and :func:`iter_sessions`.

>>> rec = {"schema": 1, "kind": "label", "posting_id": "p", "posting_hash": "h", "source": "s",
...        "line": 0, "segment": None, "text": "x", "auto": {"keep": True, "source": "default",
...        "reason": "default"}, "label": True, "changed": False}
>>> validate_label(rec, "<doc>") is rec
True
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engines.local import unique_stem
from ..errors import InputError
from ..filter.rules import normalise
from ..io.atomic import atomic_write_text
from ..io.jsonio import iter_json_lines, write_jsonl

if TYPE_CHECKING:
    from ..engines.local import Cleaner
    from .session import Session
    from .store import Workspace

LABEL_SCHEMA = 1
LABELS_NAME = "labels.jsonl"
CLEANED_DIR = "cleaned"

#: Fields every label record must have, with their types.
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "schema": int, "kind": str, "posting_id": str, "posting_hash": str, "source": str,
    "line": int, "text": str, "auto": dict, "label": bool, "changed": bool,
}
_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "segment": (int, type(None)), "url": str, "site": str, "reviewer": str, "status": str,
    "reviewed_at": str, "time_spent": (int, float), "flagged": bool, "note": str,
    "rules_version": str, "classifier_version": str, "norm_hash": str, "exported_at": str,
}


def norm_hash(text: str) -> str:
    """A short hash of a unit's normalised text (the same line everywhere, one hash)."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()[:16]


def label_records(session: Session, meta: dict[str, Any], exported_at: str = "") -> Iterator[dict[str, Any]]:
    """One label record per unit of ``session``; ``meta`` is the workspace's posting row."""
    p = session.posting
    reviewed = meta.get("status") == "reviewed"
    for line, seg in session.all_keys():
        d = session.auto((line, seg))
        text = session.text((line, seg))
        auto: dict[str, Any] = {**d.to_json(), "reason": d.reason}
        rec: dict[str, Any] = {
            "schema": LABEL_SCHEMA, "kind": "label",
            "posting_id": p.id or meta.get("posting_id", ""), "posting_hash": p.content_hash,
            "source": p.source, "url": p.url, "site": p.site,
            "line": line, "segment": seg, "text": text, "norm_hash": norm_hash(text),
            "auto": auto, "label": session.final((line, seg)), "changed": session.changed((line, seg)),
            "reviewer": meta.get("reviewer", "") if reviewed else "",
            "status": meta.get("status", "new"), "reviewed_at": meta.get("reviewed_at", ""),
            "time_spent": round(float(meta.get("time_spent", 0.0)), 3),
            "flagged": bool(meta.get("flagged", False)), "note": meta.get("note", ""),
            "rules_version": session.result.rules_version,
            "classifier_version": session.result.classifier_version,
        }
        if exported_at:
            rec["exported_at"] = exported_at
        yield rec


def validate_label(obj: Any, where: str) -> dict[str, Any]:
    """Check one label record; raise :class:`InputError` naming ``where`` if it is bad."""
    if not isinstance(obj, dict):
        raise InputError(where, "label record is not a JSON object")
    schema = obj.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise InputError(where, "label record has no integer 'schema'")
    if schema > LABEL_SCHEMA:
        raise InputError(where, f"label schema {schema} is newer than this jdreview understands "
                         f"({LABEL_SCHEMA}); upgrade jdreview")
    for name, typ in _REQUIRED.items():
        if name not in obj:
            raise InputError(where, f"label record lacks {name!r}")
        v = obj[name]
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            raise InputError(where, f"label field {name!r} has the wrong type ({type(v).__name__})")
    for name, typ in _OPTIONAL.items():
        if name in obj and not isinstance(obj[name], typ):
            raise InputError(where, f"label field {name!r} has the wrong type ({type(obj[name]).__name__})")
    auto = obj["auto"]
    if not isinstance(auto.get("keep"), bool) or not isinstance(auto.get("source"), str):
        raise InputError(where, "label field 'auto' needs 'keep' (bool) and 'source' (string)")
    if obj["line"] < 0:
        raise InputError(where, "label field 'line' is negative")
    return obj


def read_labels(path: str) -> Iterator[dict[str, Any]]:
    """Read and validate a labels file; errors name the file and line."""
    for n, obj in iter_json_lines(path):
        yield validate_label(obj, f"{path}:{n}")


@dataclass
class ExportSummary:
    postings: int = 0
    labels: int = 0
    errors: list[str] = field(default_factory=list)
    outdir: str = ""


def iter_sessions(ws: Workspace, cleaner: Cleaner, *, reviewed_only: bool = False,
                  errors: list[str] | None = None) -> Iterator[tuple[int, Session, dict[str, Any]]]:
    """Every posting of the workspace as a session (read-only use), with its row.

    Postings that cannot be read are reported in ``errors`` and skipped.
    """
    from .session import open_session

    for pid in ws.ids():
        meta = ws.meta(pid)
        if reviewed_only and meta["status"] != "reviewed":
            continue
        try:
            session = open_session(ws, cleaner, pid)
        except InputError as e:
            if errors is not None:
                errors.append(str(e))
            continue
        session.persist = None  # export never writes edits
        yield pid, session, meta


def export_workspace(ws: Workspace, cleaner: Cleaner, outdir: str, *, reviewed_only: bool = False,
                     only: Iterable[int] | None = None,
                     progress: Callable[[int], None] | None = None) -> ExportSummary:
    """Write ``outdir/cleaned/<stem>.txt`` and ``outdir/labels.jsonl`` for the workspace.

    ``only`` limits the cleaned texts written to these posting ids (the labels file
    always covers every exported posting, so it is never partial).
    """
    from .store import now

    summary = ExportSummary(outdir=outdir)
    stamp = now()
    os.makedirs(os.path.join(outdir, CLEANED_DIR), exist_ok=True)
    wanted = set(only) if only is not None else None
    used: set[str] = set()
    records: list[dict[str, Any]] = []
    for pid, session, meta in iter_sessions(ws, cleaner, reviewed_only=reviewed_only,
                                            errors=summary.errors):
        stem = session.posting.stem or str(pid)
        if "#" in session.posting.source:  # a batch record: file stem plus record number
            stem += "-" + session.posting.source.rsplit("#", 1)[1]
        stem = unique_stem(_safe_stem(stem), used)
        if wanted is None or pid in wanted:
            atomic_write_text(os.path.join(outdir, CLEANED_DIR, stem + ".txt"), session.cleaned_text(),
                              durable=False)
        records.extend(label_records(session, meta, stamp))
        summary.postings += 1
        if progress is not None:
            progress(summary.postings)
    summary.labels = write_jsonl(os.path.join(outdir, LABELS_NAME), records)
    return summary


def _safe_stem(stem: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).strip("._")
    return keep[:100] or "posting"




class ExportJob:
    """Run :func:`export_workspace` in a worker thread with its own workspace connection,
    so a window stays responsive while a large workspace exports.

    ``count`` is the postings exported so far; when ``running`` is False, ``summary`` or
    ``error`` holds the outcome.
    """

    def __init__(self, directory: str, cleaner: Cleaner, outdir: str, **options: Any) -> None:
        import threading

        self.directory, self.cleaner, self.outdir, self.options = directory, cleaner, outdir, options
        self.count = 0
        self.summary: ExportSummary | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="jdreview-export", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        from .store import Workspace

        def tick(n: int) -> None:
            self.count = n

        try:
            with Workspace.open(self.directory) as ws:
                self.summary = export_workspace(ws, self.cleaner, self.outdir, progress=tick,
                                                **self.options)
        except (OSError, InputError) as e:
            self.error = str(e)
        except Exception as e:  # never die silently in a thread: the window shows it
            self.error = f"{type(e).__name__}: {e}"
