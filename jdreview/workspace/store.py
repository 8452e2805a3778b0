"""The workspace: an SQLite database holding every posting under review and every edit.

One file, ``<workspace dir>/workspace.sqlite``, in WAL mode, so that a reader never
blocks a writer and two windows (or a window and ``jdreview export``) can share it
without corrupting it. Every write is one short transaction that is committed before
the call returns: an edit that the window shows is already in the database file's
write-ahead log, so killing the program (even with SIGKILL) loses nothing. With
``synchronous=NORMAL`` a commit costs a write, not an fsync (well under a frame);
only a power cut can lose the last commits, never corrupt the file.

The one write that may wait is the cache of automatic decisions, which the filter can
always make again: :meth:`Workspace.cache_later` holds it until
:meth:`Workspace.flush_cache` (the window flushes once the posting is on screen), and
every read of the cache flushes first. The person's edits never wait and do not depend
on the cache (an override holds the label itself), so a kill before the flush costs a
re-filter on the next open, never an edit.

What it holds, per posting (a row of ``postings``): its identity (source path or
``file#record``, posting id, content hash, url, site), a snapshot of its lines (taken
the first time it is opened, so reopening shows exactly the state it was left in even
if the file changes), status (new, reviewed, skipped), flag, note, error, reviewer,
timestamps and time spent. Per unit: the automatic decision and its reason
(``units``: a cache of the filter's result, tagged with the rule-set version), the
person's overrides (``overrides``) and the lines they split or joined (``splits``).

Every write waits at most :attr:`Workspace.edit_timeout` (2 s) for another program's
write lock, then is refused with :class:`WorkspaceBusy` and nothing written; a damaged
database fails as :func:`database_failure` says, in one line naming the file.

Postings are added lazily: adding a folder of 10,000 files records their paths; each
file is read when it is first opened (or by the idle indexer).

>>> import tempfile
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> ws.schema_version
1
>>> ws.close()
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..io.inputs import ALL_SUFFIXES, is_batch_file, iter_batch, iter_inputs
from ..io.posting import Posting

SCHEMA_VERSION = 1
DB_NAME = "workspace.sqlite"
#: The user's rule file inside a workspace: "Make a rule from this line" appends here.
RULES_NAME = "rules.toml"
#: the classifier ``jdreview train --workspace`` learns from the reviewed postings
CLASSIFIER_NAME = "classifier.json"
STATUSES = ("new", "reviewed", "skipped")

#: A unit key: (line index, segment index or None for the whole line).
Key = tuple[int, "int | None"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS postings(
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    posting_id TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    text TEXT,                      -- snapshot of the lines, NULL until first loaded
    gold TEXT,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'reviewed', 'skipped')),
    flagged INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    reviewed_at TEXT NOT NULL DEFAULT '',
    time_spent REAL NOT NULL DEFAULT 0,
    rules_version TEXT NOT NULL DEFAULT '',   -- version of the cached units
    classifier_version TEXT NOT NULL DEFAULT '',
    warnings TEXT NOT NULL DEFAULT '',        -- the loader's warnings, one a line
    attrs TEXT,                     -- an HTML page's structure marks per line (JSON), NULL: not recorded
    paths TEXT                      -- an HTML page's container path per line (JSON)
);
CREATE TABLE IF NOT EXISTS units(
    posting INTEGER NOT NULL REFERENCES postings(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    seg INTEGER NOT NULL,           -- -1: the whole line (always present for a unit line)
    start INTEGER NOT NULL,
    end_ INTEGER NOT NULL,
    text TEXT NOT NULL,
    norm TEXT NOT NULL,
    keep INTEGER NOT NULL,
    source TEXT NOT NULL,
    rule TEXT NOT NULL DEFAULT '',
    score REAL,
    segmented INTEGER NOT NULL DEFAULT 0,  -- on seg -1 rows: the filter split this line
    PRIMARY KEY (posting, line, seg)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS units_norm ON units(norm);
CREATE TABLE IF NOT EXISTS overrides(
    posting INTEGER NOT NULL REFERENCES postings(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    seg INTEGER NOT NULL,           -- -1: the whole line
    keep INTEGER NOT NULL,
    reviewer TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 0, -- the workspace's edit counter when written
    PRIMARY KEY (posting, line, seg)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS splits(
    posting INTEGER NOT NULL REFERENCES postings(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    split INTEGER NOT NULL,         -- 1: the person split the line, 0: joined it back
    at TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (posting, line)
) WITHOUT ROWID;
"""


#: Columns added to schema 1 after its release: added on open to older workspaces (an
#: older jdreview ignores them, so the schema number stays).
_ADDED_COLUMNS = (("postings", "warnings", "TEXT NOT NULL DEFAULT ''"),
                  ("postings", "attrs", "TEXT"),
                  ("postings", "paths", "TEXT"),
                  ("overrides", "rev", "INTEGER NOT NULL DEFAULT 0"),
                  ("splits", "rev", "INTEGER NOT NULL DEFAULT 0"))

#: An edit's key in :meth:`Workspace.edit_revs`: ("o", line, segment) for an override,
#: ("s", line, None) for a split choice.
EditKey = tuple[str, int, "int | None"]


class EditConflict(Exception):
    """An edit was refused: another connection (a second window) changed these units
    since this one last read them. ``keys`` are :data:`EditKey` values, or for other
    postings (posting id, line, segment)."""

    def __init__(self, keys: Sequence[tuple[Any, ...]]) -> None:
        super().__init__(f"{len(keys)} units were changed elsewhere")
        self.keys = list(keys)


@dataclass(frozen=True)
class RemovedPosting:
    """Everything a removed posting had (its row, cached decisions and edits), so that
    :meth:`Workspace.restore` puts it back exactly."""

    id: int
    posting: tuple[Any, ...]
    posting_columns: tuple[str, ...]
    units: tuple[tuple[Any, ...], ...]
    overrides: tuple[tuple[Any, ...], ...]
    splits: tuple[tuple[Any, ...], ...]


#: Overrides that differ from the automatic decision. A segment the person split off has
#: no cached decision of its own: it inherits its line's (see review.user_split).
_CHANGED = ("FROM overrides o JOIN units ul ON ul.posting = o.posting AND ul.line = o.line "
            "AND ul.seg = -1 LEFT JOIN units us ON us.posting = o.posting AND us.line = o.line "
            "AND us.seg = o.seg AND o.seg >= 0 WHERE o.keep != coalesce(us.keep, ul.keep)")


def now() -> str:
    """UTC time as ISO 8601 with seconds, the form every timestamp here uses."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def default_reviewer() -> str:
    try:
        return os.environ.get("JDREVIEW_REVIEWER") or getpass.getuser()
    except Exception:  # no user name on this system: not worth failing for
        return "reviewer"


def default_workspace_dir() -> str:
    """The per-user workspace used when ``--workspace`` is not given.

    ``$JDREVIEW_WORKSPACE`` if set; otherwise ``$XDG_DATA_HOME/jdreview/workspace``
    (``~/.local/share/jdreview/workspace``) on Linux,
    ``~/Library/Application Support/jdreview/workspace`` on macOS and
    ``%APPDATA%\\jdreview\\workspace`` on Windows.
    """
    env = os.environ.get("JDREVIEW_WORKSPACE")
    if env:
        return env
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.path.join(home, "AppData", "Roaming")
    elif sys.platform == "darwin":
        base = os.path.join(home, "Library", "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    return os.path.join(base, "jdreview", "workspace")


@dataclass(frozen=True, slots=True)
class PostingRow:
    """One posting of the queue: what the queue shows, without the text."""

    id: int
    source: str
    posting_id: str
    title: str
    site: str
    status: str
    flagged: bool
    note: str
    error: str
    time_spent: float
    changed: int  # overrides that differ from the automatic decision


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One cached automatic decision, joined with the person's override if any."""

    posting: int
    line: int
    seg: int | None
    text: str
    norm: str
    keep: bool
    source: str
    rule: str
    override: bool | None
    reviewed: bool  # the posting is marked reviewed: its final labels are the person's


@dataclass
class AddReport:
    added: int = 0
    existing: int = 0
    errors: list[str] | None = None


class WorkspaceBusy(InputError):
    """Another program holds the workspace's write lock for longer than the write may
    wait (:attr:`Workspace.edit_timeout`): nothing was written (the caller shows it and
    keeps its state as it was)."""


class WorkspaceDamaged(InputError):
    """The workspace database failed while it was in use: a damaged page, a disk that is
    full or cannot be read. What was being read or written did not happen."""


def database_failure(path: str, e: sqlite3.Error) -> InputError:
    """The one-line error for an SQLite failure on an open workspace at ``path``: a lock
    held too long is :class:`WorkspaceBusy`, anything else :class:`WorkspaceDamaged`.

    >>> str(database_failure("w.sqlite", sqlite3.DatabaseError("database disk image is malformed")))
    'w.sqlite: workspace database is damaged (database disk image is malformed); restore it from a backup or recover it with: sqlite3 w.sqlite .recover'
    """
    text = " ".join(str(e).split())  # SQLite quotes the bad text it met: one line, short
    if len(text) > 120:
        text = text[:119] + "…"
    low = text.lower()
    if "locked" in low or "busy" in low:
        return WorkspaceBusy(path, f"the workspace is locked by another program ({text}); the change "
                             "was not saved, try it again")
    if "full" in low:
        return WorkspaceDamaged(path, f"the disk holding the workspace is full ({text}); the change was "
                                "not saved: free some space and try again")
    if "readonly" in low or "read-only" in low:
        return WorkspaceDamaged(path, f"the workspace became read-only ({text}); the change was not saved")
    return WorkspaceDamaged(path, f"workspace database is damaged ({text}); restore it from a backup or "
                            f"recover it with: sqlite3 {path} .recover")


def unknown_files(paths: Iterable[str]) -> list[str]:
    """One line per folder of ``paths`` that holds files of a type jdreview does not
    read (they are not added): said, never skipped in silence."""
    out = []
    for path in paths:
        if not os.path.isdir(path):
            continue
        names = [name for _root, _dirs, files in os.walk(path) for name in files
                 if not name.startswith(".") and not name.lower().endswith(ALL_SUFFIXES)]
        if names:
            shown = ", ".join(sorted(names)[:3]) + (", …" if len(names) > 3 else "")
            out.append(f"{path}: {len(names)} file{'s' if len(names) > 1 else ''} of unknown type "
                       f"not added ({shown}); postings are {' '.join(ALL_SUFFIXES)}")
    return out


class Workspace:
    """The workspace database. Not thread-safe: one instance per thread."""

    #: Seconds any write waits for another program's write lock before it is refused
    #: with :class:`WorkspaceBusy` (nothing written): the window never freezes longer.
    EDIT_TIMEOUT = 2.0

    def __init__(self, directory: str, conn: sqlite3.Connection) -> None:
        self.directory = directory
        self.conn = conn
        self.edit_timeout = self.EDIT_TIMEOUT
        #: cache writes held back by cache_later, by posting, in the order they came
        self._later: dict[int, Callable[[], None]] = {}

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, directory: str | None = None) -> Workspace:
        """Open (creating if needed) the workspace in ``directory``.

        Raises :class:`InputError` when the directory cannot be used or the database is
        from a newer jdreview or is not a workspace.
        """
        directory = os.path.abspath(directory or default_workspace_dir())
        path = os.path.join(directory, DB_NAME)
        try:
            if os.path.getsize(path) == 0:
                # sqlite would take an empty file for a new database; a workspace that was
                # truncated (or a stray empty file) must not become an empty workspace
                raise InputError(path, "empty file (0 bytes), not a jdreview workspace; delete it "
                                 "to start a new workspace here")
        except OSError:
            pass  # no file yet: a new workspace
        try:
            os.makedirs(directory, exist_ok=True)
            conn = sqlite3.connect(path, timeout=cls.EDIT_TIMEOUT, isolation_level=None,
                                   check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            raise InputError(path, f"cannot open workspace: {e}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(cls.EDIT_TIMEOUT * 1000)}")
            with _tx(conn):
                _check_identity(conn, path)
                row = _meta_get(conn, "schema")
                if row is None:
                    _create(conn)
                elif not row.isdigit():
                    raise InputError(path, f"not a jdreview workspace (schema {row!r})")
                elif int(row) > SCHEMA_VERSION:
                    raise InputError(path, f"workspace schema {row} is newer than this jdreview "
                                     f"understands ({SCHEMA_VERSION}); upgrade jdreview")
                else:
                    _add_columns(conn)
        except sqlite3.DatabaseError as e:
            conn.close()
            if _read_only(directory, path, e):
                raise InputError(path, f"workspace is read-only: cannot write to {directory} ({e}); "
                                 "open it from a folder you may write to") from None
            raise InputError(path, f"not a jdreview workspace ({e})") from None
        except InputError:
            conn.close()
            raise
        return cls(directory, conn)

    @property
    def edit_timeout(self) -> float:
        """Seconds every write of this connection waits for another program's write lock
        (edits, status, flag, note, removing, the decision cache) before it is refused."""
        return self._edit_timeout

    @edit_timeout.setter
    def edit_timeout(self, seconds: float) -> None:
        self._edit_timeout = seconds
        self.conn.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")

    def close(self) -> None:
        try:
            self.flush_cache()
        except InputError:
            pass  # a held lock or a damaged page: the cache is only the filter's, made again
        finally:
            self.conn.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> str:
        return os.path.join(self.directory, DB_NAME)

    @property
    def rules_path(self) -> str:
        """The user's rule file for this workspace (created by the first saved rule)."""
        return os.path.join(self.directory, RULES_NAME)

    @property
    def classifier_path(self) -> str:
        """The classifier learned from this workspace's reviews (``jdreview train --workspace``),
        which reviewing uses when no other is given."""
        return os.path.join(self.directory, CLASSIFIER_NAME)

    @property
    def schema_version(self) -> int:
        return int(_meta_get(self.conn, "schema") or 0)

    # ------------------------------------------------------------------ adding
    def add_paths(self, paths: Iterable[str]) -> AddReport:
        """Add files, folders and batch files to the queue; returns counts and errors.

        Single-posting files are recorded by path only (read when first opened); batch
        files are read now, one record per posting, their text stored. Adding a path
        that is already in the workspace does nothing.
        """
        report = AddReport(errors=[])
        assert report.errors is not None
        stamp = now()
        singles: list[str] = []
        unreadable: list[InputError] = []
        for path in iter_inputs(list(paths), unreadable):
            if not os.path.isfile(path):  # a mistyped path: said now, not queued as an error row
                report.errors.append(f"{path}: " + ("not a posting file" if os.path.exists(path)
                                                    else "no such file or folder"))
                continue
            if not os.path.basename(path).lower().endswith(ALL_SUFFIXES):
                # named, not found in a folder: said as the folder's unknown files are,
                # instead of a queue row that can only ever fail to load
                report.errors.append(f"{path}: a file of unknown type, not added; postings are "
                                     + " ".join(ALL_SUFFIXES))
                continue
            if is_batch_file(path):
                self._add_singles(singles, report, stamp)  # keep the order given
                singles = []
                self._add_batch(path, report, stamp)
            else:
                singles.append(os.path.abspath(path))
        self._add_singles(singles, report, stamp)
        report.errors.extend(str(e) for e in unreadable)
        report.errors.extend(unknown_files(paths))
        return report

    def _add_singles(self, singles: list[str], report: AddReport, stamp: str) -> None:
        if not singles:
            return
        with _tx(self.conn):
            before = self.conn.total_changes
            self.conn.executemany("INSERT OR IGNORE INTO postings(source, added_at) VALUES (?, ?)",
                                  [(s, stamp) for s in singles])
            n = self.conn.total_changes - before
        report.added += n
        report.existing += len(singles) - n

    def _add_batch(self, path: str, report: AddReport, stamp: str) -> None:
        assert report.errors is not None
        rows = []
        try:
            for rec in iter_batch(path):
                if rec.error is not None or rec.posting is None:
                    report.errors.append(str(rec.error))
                    continue
                p = rec.posting
                rows.append((os.path.abspath(path) + f"#{rec.number}", p.id, p.content_hash, p.url,
                             p.site, p.title, p.company, p.kind, "\n".join(p.lines), p.gold, stamp,
                             "\n".join(p.warnings), attrs_json(p), paths_json(p)))
        except InputError as e:
            report.errors.append(str(e))
        with _tx(self.conn):
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO postings(source, posting_id, content_hash, url, site, title, "
                "company, kind, text, gold, added_at, warnings, attrs, paths) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            n = self.conn.total_changes - before
        report.added += n
        report.existing += len(rows) - n

    def add_posting(self, posting: Posting) -> int:
        """Add one already-loaded posting (its text stored); returns its row id."""
        with _tx(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO postings(source, posting_id, content_hash, url, site, title, "
                "company, kind, text, gold, added_at, warnings, attrs, paths) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (posting.source or f"posting:{posting.content_hash}", posting.id, posting.content_hash,
                 posting.url, posting.site, posting.title, posting.company, posting.kind,
                 "\n".join(posting.lines), posting.gold, now(), "\n".join(posting.warnings),
                 attrs_json(posting), paths_json(posting)))
            row = self.conn.execute("SELECT id FROM postings WHERE source = ?",
                                    (posting.source or f"posting:{posting.content_hash}",)).fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ reading postings
    def rows(self) -> list[PostingRow]:
        """Every posting of the queue in the order they were added (cheap: no text)."""
        cur = self.conn.execute(
            "SELECT p.id, p.source, p.posting_id, p.title, p.site, p.status, p.flagged, p.note, "
            "p.error, p.time_spent, "
            f"(SELECT count(*) {_CHANGED} AND o.posting = p.id) "
            "FROM postings p ORDER BY p.id")
        return [PostingRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9], r[10])
                for r in cur]

    def row(self, pid: int) -> PostingRow:
        for r in self._rows_where("p.id = ?", (pid,)):
            return r
        raise KeyError(pid)

    def _rows_where(self, where: str, args: Sequence[Any]) -> list[PostingRow]:
        cur = self.conn.execute(
            "SELECT p.id, p.source, p.posting_id, p.title, p.site, p.status, p.flagged, p.note, "
            "p.error, p.time_spent, "
            f"(SELECT count(*) {_CHANGED} AND o.posting = p.id) "
            f"FROM postings p WHERE {where} ORDER BY p.id", args)
        return [PostingRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9], r[10])
                for r in cur]

    def ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM postings ORDER BY id")]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM postings").fetchone()[0])

    def load(self, pid: int) -> Posting:
        """The posting's lines: the stored snapshot, or the file read now (and snapshotted).

        Raises :class:`InputError` (and records it on the posting) when the file is bad.
        """
        r = self.conn.execute(
            "SELECT source, posting_id, url, site, title, company, kind, text, gold, warnings, attrs, "
            "paths FROM postings WHERE id = ?", (pid,)).fetchone()
        if r is None:
            raise KeyError(pid)
        source, posting_id, url, site, title, company, kind, text, gold, warnings, attrs, paths = r
        if text is not None:  # the snapshot keeps the loader's warnings (a truncated page)
            lines = text.split("\n") if text else []
            if (attrs is None or paths is None) and kind == "html":
                attrs, paths = self._recover_attrs(pid, source, lines)
            line_attrs = attrs_from_json(attrs, len(lines))
            return Posting(lines=lines, id=posting_id, source=source,
                           url=url, site=site, title=title, company=company, kind=kind or "text",
                           gold=gold, warnings=warnings.split("\n") if warnings else [],
                           line_attrs=line_attrs,
                           line_paths=paths_from_json(paths, len(lines)) if line_attrs is not None else None)
        from ..io.inputs import load_posting

        try:
            p = load_posting(source)
        except InputError as e:
            self.set_error(pid, str(e))
            raise
        with _tx(self.conn):
            self.conn.execute(
                "UPDATE postings SET posting_id=?, content_hash=?, url=?, site=?, title=?, company=?, "
                "kind=?, text=?, gold=?, warnings=?, attrs=?, paths=?, error='' WHERE id=?",
                (p.id, p.content_hash, p.url, p.site, p.title, p.company, p.kind,
                 "\n".join(p.lines), p.gold, "\n".join(p.warnings), attrs_json(p), paths_json(p), pid))
        return p

    def _recover_attrs(self, pid: int, source: str, lines: list[str]) -> tuple[str, str]:
        """The structure marks and container paths of an HTML page snapshotted before the
        workspace kept them: the file rendered again, when it still gives the snapshot's
        lines (else none: a changed file is no evidence about the old lines). Recorded,
        so it is done once."""
        from ..io.inputs import load_posting

        attrs = paths = ""
        if "#" not in source and os.path.isfile(source):
            try:
                p = load_posting(source)
            except (InputError, OSError):
                p = None
            if p is not None and p.lines == lines and p.line_attrs is not None:
                attrs, paths = attrs_json(p) or "", paths_json(p) or ""
        try:
            with _tx(self.conn):
                self.conn.execute("UPDATE postings SET attrs = ?, paths = ? WHERE id = ?", (attrs, paths, pid))
        except WorkspaceBusy:
            pass  # found again next time
        return attrs, paths

    def set_title_if_empty(self, pid: int, title: str) -> None:
        """Name a posting that has no title of its own (the queue shows it)."""
        with _tx(self.conn):
            self.conn.execute("UPDATE postings SET title = ? WHERE id = ? AND title = ''",
                              (title[:120], pid))

    def set_error(self, pid: int, message: str) -> None:
        with _tx(self.conn):
            self.conn.execute("UPDATE postings SET error = ? WHERE id = ?", (message, pid))

    # ------------------------------------------------------------------ automatic decisions
    def cached_units(self, pid: int, rules_version: str, classifier_version: str) -> list[tuple[Any, ...]] | None:
        """The cached filter result rows for ``pid`` if made by these versions, else None
        (a reviewed posting's, whatever made them: :meth:`frozen_units`)."""
        self._flush_before_read()
        r = self.conn.execute("SELECT rules_version, classifier_version, text IS NOT NULL "
                              "FROM postings WHERE id = ?", (pid,)).fetchone()
        if r is None or not r[2] or r[0] != rules_version or r[1] != classifier_version:
            return None
        return self._unit_rows(pid)

    def _unit_rows(self, pid: int) -> list[tuple[Any, ...]]:
        return self.conn.execute(
            "SELECT line, seg, start, end_, keep, source, rule, score, segmented FROM units "
            "WHERE posting = ? ORDER BY line, seg", (pid,)).fetchall()

    def frozen_units(self, pid: int) -> tuple[list[tuple[Any, ...]], str, str] | None:
        """The automatic decisions a reviewed posting was reviewed with, and the rule-set and
        classifier versions that made them; None when ``pid`` is not reviewed or nothing is
        cached yet (a posting marked reviewed unseen: its first cached decisions freeze).

        A reviewed posting's decisions are frozen at review: a later rule or classifier (a
        ``jdreview train --workspace``) changes neither what the window shows of it nor what
        export and training read from it. Setting it back to new or skipped thaws them."""
        self._flush_before_read()
        r = self.conn.execute("SELECT rules_version, classifier_version, text IS NOT NULL "
                              "FROM postings WHERE id = ? AND status = 'reviewed'", (pid,)).fetchone()
        if r is None or not r[2]:
            return None
        rows = self._unit_rows(pid)
        if not rows and (r[0], r[1]) == ("", ""):
            return None  # never cached
        return rows, r[0], r[1]

    def save_units(self, pid: int, rows: Iterable[tuple[Any, ...]], rules_version: str,
                   classifier_version: str) -> None:
        """Replace the cached automatic decisions of ``pid`` (not those a reviewed posting
        holds: they are frozen, :meth:`frozen_units`).

        Each row: (line, seg, start, end, text, norm, keep, source, rule, score, segmented).
        """
        with _tx(self.conn):
            r = self.conn.execute("SELECT status = 'reviewed' AND (rules_version != '' OR "
                                  "classifier_version != '') FROM postings WHERE id = ?",
                                  (pid,)).fetchone()
            if r is not None and r[0]:
                return  # frozen at review (an indexer that filtered it just before)
            self.conn.execute("DELETE FROM units WHERE posting = ?", (pid,))
            self.conn.executemany(
                "INSERT INTO units(posting, line, seg, start, end_, text, norm, keep, source, rule, "
                "score, segmented) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(pid, *r) for r in rows])
            self.conn.execute("UPDATE postings SET rules_version = ?, classifier_version = ? "
                              "WHERE id = ?", (rules_version, classifier_version, pid))

    def cache_later(self, pid: int, write: Callable[[], None]) -> None:
        """Hold ``write`` (a :meth:`save_units` of ``pid``, made again by the filter if
        lost) until :meth:`flush_cache`; a later one for the same posting replaces it.

        Reads of the cache (:meth:`cached_units`, :meth:`stale`, the unit queries) and
        :meth:`close` flush first, so no reader sees a cache older than what was held.
        The queue's "changed" counts (:meth:`rows`, :meth:`progress`) do not wait for it:
        until the flush they count a newly filtered posting's overrides as unchanged.
        """
        self._later.pop(pid, None)
        self._later[pid] = write

    @property
    def has_cache_later(self) -> bool:
        """True while :meth:`cache_later` holds a write."""
        return bool(self._later)

    def flush_cache(self) -> list[int]:
        """Run the writes held by :meth:`cache_later`, oldest first; returns their postings."""
        done = []
        while self._later:
            pid = next(iter(self._later))
            write = self._later.pop(pid)
            try:
                write()
            except WorkspaceBusy:
                # another program holds the lock: the rest would wait as long again; the
                # filter makes these decisions again when they are next needed
                self._later.clear()
                raise
            done.append(pid)
        return done

    def _flush_before_read(self) -> None:
        """Flush before a read of the cache; a held lock drops the held writes (they are
        the filter's, made again) instead of failing the read."""
        try:
            self.flush_cache()
        except WorkspaceBusy:
            pass

    def stale(self, rules_version: str, classifier_version: str, limit: int = 1) -> list[int]:
        """Postings whose cached decisions are missing or out of date (for the indexer);
        a reviewed posting's are frozen, only missing when never cached."""
        self._flush_before_read()
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM postings WHERE error = '' AND (text IS NULL OR CASE WHEN "
            "status = 'reviewed' AND (rules_version != '' OR classifier_version != '') THEN 0 "
            "ELSE rules_version != ? OR classifier_version != ? END) ORDER BY id LIMIT ?",
            (rules_version, classifier_version, limit))]

    def units_where_norm(self, norm: str) -> list[UnitRow]:
        """Whole-line units (lines the filter did not split) whose normalised text is ``norm``."""
        return self._units("u.seg = -1 AND u.segmented = 0 AND u.norm = ?", (norm,))

    def all_line_units(self) -> Iterator[UnitRow]:
        """Every whole-line unit of the workspace (lines the filter did not split)."""
        yield from self._units("u.seg = -1 AND u.segmented = 0", ())

    def all_segment_units(self) -> Iterator[UnitRow]:
        """Every segment unit of the workspace (lines the filter split and nobody joined)."""
        yield from self._units("u.seg >= 0", (), split_ok="coalesce(s.split, 1) != 0")

    def _units(self, where: str, args: Sequence[Any],
               split_ok: str = "coalesce(s.split, 0) = 0") -> list[UnitRow]:
        self._flush_before_read()
        cur = self.conn.execute(
            "SELECT u.posting, u.line, u.seg, u.text, u.norm, u.keep, u.source, u.rule, o.keep, "
            "p.status = 'reviewed' FROM units u JOIN postings p ON p.id = u.posting "
            "LEFT JOIN overrides o ON o.posting = u.posting AND o.line = u.line AND o.seg = u.seg "
            "LEFT JOIN splits s ON s.posting = u.posting AND s.line = u.line "
            f"WHERE {where} AND {split_ok} ORDER BY u.posting, u.line", args)
        return [UnitRow(r[0], r[1], None if r[2] < 0 else r[2], r[3], r[4], bool(r[5]), r[6], r[7],
                        None if r[8] is None else bool(r[8]), bool(r[9])) for r in cur]

    # ------------------------------------------------------------------ the person's edits
    def overrides(self, pid: int) -> dict[Key, bool]:
        return {(line, None if seg < 0 else seg): bool(keep) for line, seg, keep in
                self.conn.execute("SELECT line, seg, keep FROM overrides WHERE posting = ?", (pid,))}

    def splits(self, pid: int) -> dict[int, bool]:
        return {line: bool(split) for line, split in
                self.conn.execute("SELECT line, split FROM splits WHERE posting = ?", (pid,))}

    def write_edits(self, pid: int, overrides: Iterable[tuple[Key, bool | None]] = (),
                    splits: Iterable[tuple[int, bool | None]] = (), reviewer: str = "",
                    elsewhere: Iterable[tuple[int, Key, bool | None]] = ()) -> int:
        """Write overrides and splits (None deletes) in one transaction, committed on return.

        ``elsewhere`` carries overrides of other postings (apply to identical lines).
        Raises :class:`WorkspaceBusy` (nothing written) when another program holds the
        write lock for more than :attr:`edit_timeout` seconds.
        Returns the edit counter the rows were written with (see :meth:`write_change`).
        """
        return self.write_change(pid, [(k, None, v) for k, v in overrides],
                                 [(line, None, v) for line, v in splits], reviewer,
                                 [(p, k, None, v) for p, k, v in elsewhere], check_elsewhere=False)

    def write_change(self, pid: int, overrides: Iterable[tuple[Key, bool | None, bool | None]] = (),
                     splits: Iterable[tuple[int, bool | None, bool | None]] = (), reviewer: str = "",
                     elsewhere: Iterable[tuple[int, Key, bool | None, bool | None]] = (), *,
                     expect: dict[EditKey, int] | None = None, check_elsewhere: bool = True) -> int:
        """Write a change given as (unit, before, after) in one transaction; returns the
        edit counter its rows carry (one number per write, rising across the workspace).

        With ``expect`` (:meth:`edit_revs` as the writer last saw them), the write is
        refused with :class:`EditConflict` when a unit it touches was written since by
        another connection: a second window's newer edit is never overwritten unseen.
        Overrides of other postings (``elsewhere``) must still hold their ``before``
        value (``check_elsewhere``). Raises :class:`WorkspaceBusy` (nothing written) when
        another program holds the write lock for more than :attr:`edit_timeout` seconds.
        """
        try:
            return self._write_change(pid, list(overrides), list(splits), reviewer, list(elsewhere),
                                      now(), expect, check_elsewhere)
        except sqlite3.DatabaseError as e:  # a damaged page, a full disk: nothing was written
            raise database_failure(self.path, e) from None

    def _write_change(self, pid: int, overrides: list[tuple[Key, bool | None, bool | None]],
                      splits: list[tuple[int, bool | None, bool | None]], reviewer: str,
                      elsewhere: list[tuple[int, Key, bool | None, bool | None]], stamp: str,
                      expect: dict[EditKey, int] | None, check_elsewhere: bool) -> int:
        with _tx(self.conn):
            if expect is not None:
                current = self.edit_revs(pid)
                touched = [("o", k[0], k[1]) for k, _b, _a in overrides] + \
                    [("s", line, None) for line, _b, _a in splits]
                stale = [k for k in touched if current.get(k) != expect.get(k)]
                if stale:
                    raise EditConflict(stale)
            if check_elsewhere and elsewhere:
                others = [(p, *k) for p, k, before, _a in elsewhere if self._override_of(p, k) != before]
                if others:
                    raise EditConflict(others)
            rev = self._next_rev()
            for key, _before, keep in overrides:
                self._write_override(pid, key, keep, reviewer, stamp, rev)
            for other, key, _before, keep in elsewhere:
                self._write_override(other, key, keep, reviewer, stamp, rev)
            for line, _before, split in splits:
                if split is None:
                    self.conn.execute("DELETE FROM splits WHERE posting=? AND line=?", (pid, line))
                else:
                    self.conn.execute("INSERT OR REPLACE INTO splits(posting, line, split, at, rev) "
                                      "VALUES (?,?,?,?,?)", (pid, line, int(split), stamp, rev))
        return rev

    def edit_revs(self, pid: int) -> dict[EditKey, int]:
        """The edit counter of every override and split choice of ``pid``."""
        out: dict[EditKey, int] = {("o", line, None if seg < 0 else seg): rev for line, seg, rev in
                                   self.conn.execute("SELECT line, seg, rev FROM overrides "
                                                     "WHERE posting = ?", (pid,))}
        out.update({("s", line, None): rev for line, rev in
                    self.conn.execute("SELECT line, rev FROM splits WHERE posting = ?", (pid,))})
        return out

    def edit_state(self, pid: int) -> tuple[dict[Key, bool], dict[int, bool], dict[EditKey, int]]:
        """Overrides, splits and their edit counters of ``pid``, read in one snapshot."""
        outer = not self.conn.in_transaction
        if outer:
            self.conn.execute("BEGIN")
        try:
            return self.overrides(pid), self.splits(pid), self.edit_revs(pid)
        finally:
            if outer:
                self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """A number that changes whenever another connection (a second window, the
        indexer, an export) commits to the workspace; this connection's own commits
        leave it alone (SQLite's ``PRAGMA data_version``)."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _next_rev(self) -> int:
        self.conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('rev', '0')")
        self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'rev'")
        return int(_meta_get(self.conn, "rev") or 0)

    def _override_of(self, pid: int, key: Key) -> bool | None:
        r = self.conn.execute("SELECT keep FROM overrides WHERE posting=? AND line=? AND seg=?",
                              (pid, key[0], -1 if key[1] is None else key[1])).fetchone()
        return None if r is None else bool(r[0])

    def _write_override(self, pid: int, key: Key, keep: bool | None, reviewer: str, stamp: str,
                        rev: int = 0) -> None:
        line, seg = key
        s = -1 if seg is None else seg
        if keep is None:
            self.conn.execute("DELETE FROM overrides WHERE posting=? AND line=? AND seg=?", (pid, line, s))
        else:
            self.conn.execute("INSERT OR REPLACE INTO overrides(posting, line, seg, keep, reviewer, at, rev) "
                              "VALUES (?,?,?,?,?,?,?)", (pid, line, s, int(keep), reviewer, stamp, rev))

    # ------------------------------------------------------------------ removing
    def remove_posting(self, pid: int) -> RemovedPosting:
        """Take a posting out of the workspace (with its decisions and edits); the
        returned record puts it back with :meth:`restore`."""
        with _tx(self.conn):
            cur = self.conn.execute("SELECT * FROM postings WHERE id = ?", (pid,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(pid)
            cols = tuple(d[0] for d in cur.description)
            removed = RemovedPosting(
                pid, tuple(row), cols,
                tuple(self.conn.execute("SELECT * FROM units WHERE posting = ?", (pid,))),
                tuple(self.conn.execute("SELECT * FROM overrides WHERE posting = ?", (pid,))),
                tuple(self.conn.execute("SELECT * FROM splits WHERE posting = ?", (pid,))))
            self.conn.execute("DELETE FROM postings WHERE id = ?", (pid,))  # cascades
        self._later.pop(pid, None)
        return removed

    def restore(self, removed: RemovedPosting) -> None:
        """Put back a posting taken out by :meth:`remove_posting`, under its old id."""
        with _tx(self.conn):
            marks = ",".join("?" * len(removed.posting_columns))
            self.conn.execute(f"INSERT INTO postings({','.join(removed.posting_columns)}) "
                              f"VALUES ({marks})", removed.posting)
            for table, rows in (("units", removed.units), ("overrides", removed.overrides),
                                ("splits", removed.splits)):
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    self.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)

    def set_status(self, pid: int, status: str, reviewer: str = "") -> None:
        """Set a posting's review status. A posting that could not be read cannot be
        marked reviewed (nobody saw it): that raises :class:`InputError`."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        # what the window shows may still be held (cache_later): written first, so the
        # decisions frozen at review are the ones the person saw
        self._flush_before_read()
        with _tx(self.conn):
            if status == "reviewed":
                r = self.conn.execute("SELECT source, error FROM postings WHERE id = ?", (pid,)).fetchone()
                if r is not None and r[1]:
                    raise InputError(r[0], "cannot be marked reviewed: it could not be read")
            self.conn.execute("UPDATE postings SET status=?, reviewer=?, reviewed_at=? WHERE id=?",
                              (status, reviewer, now() if status != "new" else "", pid))

    def set_flag(self, pid: int, flagged: bool) -> None:
        with _tx(self.conn):
            self.conn.execute("UPDATE postings SET flagged=? WHERE id=?", (int(flagged), pid))

    def set_note(self, pid: int, note: str) -> None:
        with _tx(self.conn):
            self.conn.execute("UPDATE postings SET note=? WHERE id=?", (note, pid))

    def add_time(self, pid: int, seconds: float) -> None:
        if seconds > 0:
            with _tx(self.conn):
                self.conn.execute("UPDATE postings SET time_spent = time_spent + ? WHERE id=?",
                                  (seconds, pid))

    def meta(self, pid: int) -> dict[str, Any]:
        """Everything known of a posting except its text: for export and the window."""
        cur = self.conn.execute("SELECT * FROM postings WHERE id = ?", (pid,))
        names = [d[0] for d in cur.description]
        r = cur.fetchone()
        if r is None:
            raise KeyError(pid)
        d = dict(zip(names, r, strict=True))
        d.pop("text", None)
        return d

    # ------------------------------------------------------------------ progress
    def progress(self) -> dict[str, float]:
        """Queue-wide figures: total, reviewed, skipped, flagged, lines changed, postings/hour."""
        total, reviewed, skipped, flagged, spent = self.conn.execute(
            "SELECT count(*), coalesce(sum(status='reviewed' AND error=''),0), "
            "coalesce(sum(status='skipped'),0), coalesce(sum(flagged),0), "
            "coalesce(sum(CASE WHEN status='reviewed' AND error='' THEN time_spent END),0) "
            "FROM postings").fetchone()
        changed = self.conn.execute(
            f"SELECT count(*) {_CHANGED}").fetchone()[0]
        per_hour = reviewed / spent * 3600 if spent > 0 else 0.0
        return {"total": total, "reviewed": reviewed, "skipped": skipped, "flagged": flagged,
                "changed": changed, "per_hour": per_hour}

    def integrity_ok(self) -> bool:
        return bool(self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def attrs_json(posting: Posting) -> str | None:
    """An HTML posting's per-line structure marks as the workspace stores them (JSON),
    None for a posting without them."""
    if posting.line_attrs is None or len(posting.line_attrs) != len(posting.lines):
        return None
    return json.dumps([list(a) for a in posting.line_attrs], ensure_ascii=False, separators=(",", ":"))


def attrs_from_json(text: str | None, n_lines: int) -> list[tuple[str, ...]] | None:
    """The structure marks :func:`attrs_json` stored, if they describe ``n_lines`` lines;
    anything else (none recorded, damaged, another length) is no evidence: None.

    >>> attrs_from_json('[["html:nav"],[]]', 2)
    [('html:nav',), ()]
    >>> attrs_from_json('[["html:nav"]]', 2) is None
    True
    """
    obj = _stored_list(text, n_lines, lambda a: isinstance(a, list) and all(isinstance(x, str) for x in a))
    return None if obj is None else [tuple(a) for a in obj]


def _stored_list(text: str | None, n_lines: int, item_ok: Callable[[Any], bool]) -> list[Any] | None:
    """A JSON list of ``n_lines`` items each ``item_ok``, or None (nothing stored, damaged,
    another length): per-line evidence a snapshot keeps."""
    if not text:
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, list) or len(obj) != n_lines or not all(item_ok(x) for x in obj):
        return None
    return obj


def paths_json(posting: Posting) -> str | None:
    """An HTML posting's per-line container paths as the workspace stores them (JSON)."""
    if posting.line_paths is None or len(posting.line_paths) != len(posting.lines):
        return None
    return json.dumps(posting.line_paths, ensure_ascii=False, separators=(",", ":"))


def paths_from_json(text: str | None, n_lines: int) -> list[str] | None:
    """The container paths :func:`paths_json` stored, if they describe ``n_lines`` lines;
    anything else is no evidence: None."""
    return _stored_list(text, n_lines, lambda x: isinstance(x, str))


def _meta_get(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        r = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:  # no meta table yet: a new database
        return None
    return None if r is None else r[0]


#: ``PRAGMA application_id`` of a jdreview workspace ("jdrv"): how a workspace is told from
#: another program's SQLite file before anything is written to it.
APPLICATION_ID = 0x6A647276


def _check_identity(conn: sqlite3.Connection, path: str) -> None:
    """Raise :class:`InputError` unless the database is a jdreview workspace or brand new.

    A workspace carries :data:`APPLICATION_ID` (older ones a ``meta`` row with the schema,
    and get the id now); a database with neither and any table of its own belongs to
    another program and is left untouched.
    """
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == APPLICATION_ID:
        return
    if app_id != 0:
        raise InputError(path, f"not a jdreview workspace (another program's SQLite database, "
                         f"application id {app_id:#x})")
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    if not tables:
        return  # a new database: _create gives it the id
    if _meta_get(conn, "schema") is None:
        raise InputError(path, "not a jdreview workspace (another program's SQLite database, with "
                         f"tables {', '.join(sorted(tables)[:3])})")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _read_only(directory: str, path: str, e: sqlite3.Error) -> bool:
    text = str(e).lower()
    if "readonly" in text or "read-only" in text:
        return True
    return not os.access(directory, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK))


def _add_columns(conn: sqlite3.Connection) -> None:
    for table, column, decl in _ADDED_COLUMNS:
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")


def _create(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for stmt in _SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('created', ?)", (now(),))


def _path_of(conn: sqlite3.Connection) -> str:
    for _seq, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return str(file)
    return DB_NAME


class _tx:
    """``with _tx(conn):`` one IMMEDIATE transaction (writers queue on the lock, no
    deadlock between two windows), committed on exit, rolled back on error.
    Nested use joins the outer transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        self.outer = not self.conn.in_transaction
        if self.outer:
            try:  # the lock is taken here: waits busy_timeout (Workspace.edit_timeout) at most
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                raise database_failure(_path_of(self.conn), e) from None
        return self.conn

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if not self.outer:
            return
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
