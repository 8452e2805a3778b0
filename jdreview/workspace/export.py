"""Export: cleaned postings as text and the labels as JSON Lines.

``export_workspace`` writes, into an output folder:

- ``cleaned/<stem>.txt`` -- each posting's cleaned text, exactly what the window's
  preview shows (both come from :meth:`jdreview.workspace.session.Session.cleaned_text`);
- ``labels.jsonl`` -- one record per unit (line, or segment of a split line).

Every label record carries ``schema`` (:data:`LABEL_SCHEMA`), the posting's id and
content hash, its source, url and site, the unit's line and segment index and text,
the automatic decision and its reason, the final label, whether the person changed
it, the reviewer, the review status and time, and the rule-set and classifier
versions that produced the automatic decision, and a checksum over all of them
(:func:`record_checksum`): a record edited by hand, damaged, or without its checksum is
refused on read (:func:`read_labels`).

An export is written into a temporary folder beside the output folder and swapped in
whole when it is complete (:class:`ExportFolder`): a kill at any moment leaves the old
export or the new one, never a mix, and records are streamed to disk one posting at a
time, so memory stays flat however large the workspace.

Other exports (pairs, dataset cards) add functions here and reuse
:func:`write_jsonl` and :func:`iter_sessions`.

>>> rec = {"schema": 1, "kind": "label", "posting_id": "p", "posting_hash": "h", "source": "s",
...        "line": 0, "segment": None, "text": "x", "auto": {"keep": True, "source": "default",
...        "reason": "default"}, "label": True, "changed": False}
>>> validate_label(rec, "<doc>") is rec
True
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..filter.rules import normalise
from ..io.jsonio import iter_json_lines

if TYPE_CHECKING:
    from ..engines.local import Cleaner
    from .session import Session
    from .store import Workspace

LABEL_SCHEMA = 1
LABELS_NAME = "labels.jsonl"
CLEANED_DIR = "cleaned"
#: Everything an export folder may hold: this module's files and the training data that
#: :func:`jdreview.learn.export_training_data` adds (pairs, dataset card). An existing
#: folder holding anything else is not an export, and is never replaced.
EXPORT_ENTRIES = frozenset({CLEANED_DIR, LABELS_NAME, "pairs", "pairs.chat.jsonl", "pairs.jsonl",
                            "dataset_card.md", "dataset_card.json", ".jdreview-export.json"})
#: The marker inside every export folder, written first into its temporary folder and
#: removed last: which process wrote it and for which OUTDIR. A later export removes a
#: temporary folder beside OUTDIR only when its name and this marker prove it is one a
#: killed export left behind (:func:`remove_stale_temporaries`).
MARKER_NAME = ".jdreview-export.json"
MARKER_KIND = "jdreview-export-folder"
_TEMP_SUFFIX = ".export-tmp"

#: Fields every label record must have, with their types.
_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "schema": int, "kind": str, "posting_id": str, "posting_hash": str, "source": str,
    "line": int, "text": str, "auto": dict, "label": bool, "changed": bool,
}
_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "segment": (int, type(None)), "url": str, "site": str, "reviewer": str, "status": str,
    "reviewed_at": str, "time_spent": (int, float), "flagged": bool, "note": str,
    "rules_version": str, "classifier_version": str, "norm_hash": str, "exported_at": str,
    "checksum": str,
}


def record_checksum(rec: dict[str, Any]) -> str:
    """The checksum of a label record: SHA-256 over every other field (canonical JSON).

    >>> record_checksum({"a": 1}) == record_checksum({"a": 1, "checksum": "x"})
    True
    """
    body = json.dumps({k: v for k, v in rec.items() if k != "checksum"}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def check_checksum(obj: dict[str, Any], where: str) -> None:
    """Refuse a label record without its checksum or whose checksum does not match."""
    if "checksum" not in obj:
        raise InputError(where, "label record has no 'checksum' (every exported record carries "
                         "one); export it again from the workspace or gold")
    if obj["checksum"] != record_checksum(obj):
        raise InputError(where, "label record checksum does not match its fields (the record was "
                         "edited or damaged); export it again from the workspace or gold")


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
        rec["checksum"] = record_checksum(rec)
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
    """Read and validate a labels file, every record's checksum too; errors name the
    file and line."""
    for n, obj in iter_json_lines(path):
        rec = validate_label(obj, f"{path}:{n}")
        check_checksum(rec, f"{path}:{n}")
        yield rec


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
    from .store import WorkspaceBusy, WorkspaceDamaged

    for pid in ws.ids():
        meta = ws.meta(pid)
        if reviewed_only and meta["status"] != "reviewed":
            continue
        try:
            session = open_session(ws, cleaner, pid)
        except (WorkspaceBusy, WorkspaceDamaged):
            raise  # the workspace itself failed: no export (the one already there is kept)
        except InputError as e:
            if errors is not None:
                errors.append(str(e))
            continue
        session.persist = None  # export never writes edits
        yield pid, session, meta


class ExportFolder:
    """An export written into a temporary folder beside ``outdir`` (:attr:`path`) and
    put in its place whole by :meth:`commit`: the old export and the new one are
    exchanged in one rename (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames
    a moment apart), then the old one is removed. Leaving the ``with`` block without a
    commit removes the temporary folder and leaves ``outdir`` as it was.

    ``outdir`` must be new, empty or an earlier export (:data:`EXPORT_ENTRIES`): a folder
    holding anything else is refused with :class:`InputError`, never replaced. Temporary
    folders that a killed export of ``outdir`` left beside it are removed first
    (:func:`remove_stale_temporaries`).
    """

    def __init__(self, outdir: str) -> None:
        self.outdir = os.path.abspath(outdir)
        if os.path.lexists(self.outdir) and not os.path.isdir(self.outdir):
            raise InputError(outdir, "cannot export here: not a folder")
        if os.path.isdir(self.outdir):
            try:
                foreign = sorted(e for e in os.listdir(self.outdir) if e not in EXPORT_ENTRIES)
            except OSError as e:
                raise InputError(outdir, f"cannot export here: {e.strerror or e}") from None
            if foreign:
                raise InputError(outdir, f"cannot export here: the folder holds {foreign[0]!r}, which is "
                                 "not part of a jdreview export (an export replaces its folder whole); "
                                 "choose a new or empty folder")
        parent = os.path.dirname(self.outdir)
        try:
            os.makedirs(parent, exist_ok=True)
            remove_stale_temporaries(self.outdir)
            self.path = tempfile.mkdtemp(prefix=f".{os.path.basename(self.outdir)}.", suffix=_TEMP_SUFFIX,
                                         dir=parent)
            _write_marker(self.path, self.outdir)  # first: whatever a kill leaves is provably ours
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.path, 0o777 & ~umask)  # mkdtemp's folder is private; an export is not
        except OSError as e:
            raise InputError(outdir, f"cannot export here: {e.strerror or e}") from None
        self.committed = False

    def __enter__(self) -> ExportFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.committed:
            _remove_own(self.path)

    def old_labels(self) -> int:
        """How many label records the export already in ``outdir`` holds (0 if none)."""
        path = os.path.join(self.outdir, LABELS_NAME)
        n = 0
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    n += block.count(b"\n")
        except OSError:
            return 0
        return n

    def commit(self) -> None:
        if not os.path.isdir(self.outdir):
            os.rename(self.path, self.outdir)
        else:
            # the old export gets the marker too: a kill while it is removed below leaves
            # a folder the next export can prove is its own
            _write_marker(self.outdir, self.outdir)
            if _exchange(self.path, self.outdir):
                _remove_own(self.path)  # the old export, now at the temporary name
            else:
                old = self.path + ".old"
                os.rename(self.outdir, old)
                os.rename(self.path, self.outdir)
                _remove_own(old)
        self.committed = True


def _write_marker(folder: str, outdir: str) -> None:
    with open(os.path.join(folder, MARKER_NAME), "w", encoding="utf-8") as f:
        json.dump({"kind": MARKER_KIND, "outdir": os.path.basename(outdir), "pid": os.getpid(),
                   "host": socket.gethostname()}, f)


def _remove_own(folder: str) -> None:
    """Remove an export folder of ours, its marker last (a kill half-way leaves it provable)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        if e.name != MARKER_NAME:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(e.path)
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(folder, MARKER_NAME))
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or a number that cannot be checked: leave it
    return True


def remove_stale_temporaries(outdir: str) -> list[str]:
    """Remove the temporary folders a killed export of ``outdir`` left beside it; returns them.

    A folder is removed only when it is provably one: its name is the export's own
    (``.<OUTDIR name>.<random>.export-tmp``, or that plus ``.old``) and either it holds
    nothing but the marker (or nothing at all), or its marker (:data:`MARKER_NAME`) names
    this OUTDIR and a process of this host that no longer runs. A running export's folder,
    and any folder of a like name without our marker, are left alone.
    """
    outdir = os.path.abspath(outdir)
    parent, base = os.path.split(outdir)
    own = re.compile(rf"\.{re.escape(base)}\.[a-z0-9_]{{8}}{re.escape(_TEMP_SUFFIX)}(\.old)?\Z")
    try:
        names = [n for n in os.listdir(parent) if own.match(n)]
    except OSError:
        return []
    removed = []
    for name in names:
        path = os.path.join(parent, name)
        if os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            entries = set(os.listdir(path))
        except OSError:
            continue
        if not entries <= {MARKER_NAME} and not _stale_marker(os.path.join(path, MARKER_NAME), base):
            continue
        _remove_own(path)
        removed.append(path)
    return removed


def _stale_marker(path: str, base: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    if not isinstance(m, dict) or m.get("kind") != MARKER_KIND or m.get("outdir") != base:
        return False
    pid = m.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or m.get("host") != socket.gethostname():
        return False
    return pid != os.getpid() and not _alive(pid)


def _exchange(a: str, b: str) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where that
    is not available, so the caller falls back to two renames."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot
        return False
    raise OSError(err, os.strerror(err), b)


def export_workspace(ws: Workspace, cleaner: Cleaner, outdir: str, *, reviewed_only: bool = False,
                     progress: Callable[[int], None] | None = None,
                     finish: Callable[[str], None] | None = None) -> ExportSummary:
    """Write ``outdir/cleaned/<stem>.txt`` and ``outdir/labels.jsonl`` for the workspace.

    Everything is written into a temporary folder (``finish(folder)`` adds more there,
    e.g. the training data and dataset card) and swapped in for ``outdir`` at the end
    (:class:`ExportFolder`); records go to disk as each posting is done. An export with
    no posting never replaces one with labels (:class:`InputError`).
    """
    from ..engines.local import unique_stem  # here: the review window imports this module at start
    from .store import now

    summary = ExportSummary(outdir=outdir)
    stamp = now()
    used: set[str] = set()
    with ExportFolder(outdir) as folder:
        os.makedirs(os.path.join(folder.path, CLEANED_DIR))
        with open(os.path.join(folder.path, LABELS_NAME), "w", encoding="utf-8") as labels:
            for pid, session, meta in iter_sessions(ws, cleaner, reviewed_only=reviewed_only,
                                                    errors=summary.errors):
                stem = session.posting.stem or str(pid)
                if "#" in session.posting.source:  # a batch record: file stem plus record number
                    stem += "-" + session.posting.source.rsplit("#", 1)[1]
                stem = unique_stem(_safe_stem(stem), used)
                with open(os.path.join(folder.path, CLEANED_DIR, stem + ".txt"), "w",
                          encoding="utf-8") as f:
                    f.write(session.cleaned_text())
                for rec in label_records(session, meta, stamp):
                    labels.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    summary.labels += 1
                summary.postings += 1
                if progress is not None:
                    progress(summary.postings)
        if summary.postings == 0:
            old = folder.old_labels()
            if old:
                raise InputError(outdir, f"nothing to export (the workspace is empty, or no posting "
                                 f"could be read); the export already there ({old} labels) is kept")
        if finish is not None:
            finish(folder.path)
        folder.commit()
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
        except sqlite3.DatabaseError as e:  # a damaged page: one line naming the workspace file
            from .store import DB_NAME, database_failure

            self.error = str(database_failure(os.path.join(self.directory, DB_NAME), e))
        except Exception as e:  # never die silently in a thread: the window shows it
            self.error = f"{type(e).__name__}: {e}"
