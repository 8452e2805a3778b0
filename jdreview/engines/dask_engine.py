"""Cleaning millions of postings on Dask: ``jdreview clean --engine dask``.

The same :class:`~jdreview.engines.local.Cleaner` as the local engine runs inside Dask
tasks, so a record comes out byte for byte as ``jdreview clean`` writes it. Dask
does the distribution (scheduling, retries on a lost worker, progress); jdreview
only decides how inputs split into partitions and how one partition is cleaned.

Partitions:

- JSON Lines (uncompressed, UTF-8): byte blocks cut at line ends (as
  ``dask.bytes.read_bytes`` cuts them), so one big file spreads over all workers;
  each line is parsed on its own, so a line that is not JSON fails alone.
- Parquet: one partition per row group (footers are read when planning, so a
  corrupt file is reported once and the others carry on).
- CSV, TSV, JSON arrays and compressed files: one partition per file, read by the
  local engine's own reader (:func:`jdreview.io.inputs.iter_batch`).

Each task writes its own output file (``OUTDIR/part-NNNNNN.jsonl`` or
``.parquet``, numbered in input order, so reading the parts in name order gives
the records in input order) and returns only counts and its errors, so memory
per worker is bounded by the block size, not by the input size. Records that
fail go to ``OUTDIR/errors/errors.jsonl`` with source, line, record number and
reason; a summary goes to ``OUTDIR/_summary.json`` and standard error.

The rules and classifier reach the workers as file *contents* (read once on
the client, broadcast once to every worker); each worker process rebuilds the
Cleaner once and checks that its rule-set version equals the client's, so a
worker running a different jdreview is refused instead of silently cleaning
differently. Dask itself is an optional extra and is imported lazily here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import IO, Any

from ..errors import InputError, UsageError
from ..filter.decision import FilterConfig

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

INSTALL_HINT = "the Dask engine needs the optional extra: pip install 'jdreview[dask]'"

JSONL_SUFFIXES = (".jsonl", ".ndjson")
WHOLE_FILE_SUFFIXES = (".json", ".csv", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
INPUT_SUFFIXES = JSONL_SUFFIXES + WHOLE_FILE_SUFFIXES + PARQUET_SUFFIXES
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".lz4")

#: Block size bounds for splitting JSON Lines files (bytes). The block size in use
#: is the total input divided into BLOCKS_PER_WORKER blocks per worker, within these
#: bounds, so a small input still spreads evenly over every worker (the last block
#: does not leave one worker idle for long) and a big one keeps tasks short and
#: worker memory bounded.
MIN_BLOCKSIZE = 64 * 1024
MAX_BLOCKSIZE = 16 * 1024 * 1024
BLOCKS_PER_WORKER = 8
#: A Parquet output file is closed and the next one begun after this many records.
PARQUET_ROWS_PER_FILE = 20_000
#: At most this many failures are printed on standard error; all are in errors.jsonl.
MAX_PRINTED_ERRORS = 20


# ---------------------------------------------------------------- the cleaner on workers

@dataclass(frozen=True)
class CleanerSpec:
    """What a worker needs to rebuild the client's Cleaner: options and file contents.

    Rule and classifier files are carried as bytes, so workers need not see the
    client's file system; ``rules_version`` is the client's, checked on the worker.
    """

    rule_files: tuple[tuple[str, bytes], ...]
    classifier: tuple[str, bytes] | None
    default_rules: bool
    use_classifier: bool
    config: FilterConfig  # the whole filter configuration, not only its threshold
    rules_version: str
    classifier_version: str

    @property
    def token(self) -> str:
        h = hashlib.sha256(repr((self.default_rules, self.use_classifier, self.config,
                                 self.rules_version, self.classifier_version)).encode())
        for name, data in self.rule_files:
            h.update(name.encode() + b"\0" + data)
        if self.classifier:
            h.update(self.classifier[0].encode() + b"\0" + self.classifier[1])
        return h.hexdigest()

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> tuple[CleanerSpec, Any]:
        """Validate the options by building the Cleaner here; raise InputError if bad."""
        from .local import Cleaner

        cleaner = Cleaner.create(**options)  # a bad rule file fails here, once, in one line
        rule_files = tuple((os.path.basename(p), _read_local(p)) for p in options.get("rule_files") or ())
        clf_path = options.get("classifier")
        use_clf = options.get("use_classifier", True)
        clf = (os.path.basename(clf_path), _read_local(clf_path)) if clf_path and use_clf else None
        spec = cls(rule_files, clf, options.get("default_rules", True), use_clf,
                   cleaner.config, cleaner.rules.version, cleaner.classifier_version)
        return spec, cleaner


def _read_local(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


_CLEANERS: dict[str, Any] = {}  # per worker process: spec token -> Cleaner


def worker_cleaner(spec: CleanerSpec) -> Any:
    """The Cleaner for ``spec``, built once per worker process and then reused."""
    cleaner = _CLEANERS.get(spec.token)
    if cleaner is not None:
        return cleaner
    from .local import Cleaner

    tmp = tempfile.mkdtemp(prefix="jdreview-rules-")
    try:
        paths = []
        for i, (name, data) in enumerate(spec.rule_files):
            os.makedirs(os.path.join(tmp, str(i)))
            paths.append(os.path.join(tmp, str(i), name))
            with open(paths[-1], "wb") as f:
                f.write(data)
        clf_path = None
        if spec.classifier:
            clf_path = os.path.join(tmp, "classifier-" + spec.classifier[0])
            with open(clf_path, "wb") as f:
                f.write(spec.classifier[1])
        cleaner = Cleaner.create(paths, default_rules=spec.default_rules, classifier=clf_path,
                                 use_classifier=spec.use_classifier, config=spec.config)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if (cleaner.rules.version, cleaner.classifier_version) != (spec.rules_version, spec.classifier_version):
        from ..version import __version__

        raise RuntimeError(
            f"worker's jdreview {__version__} builds rule set {cleaner.rules.version} / classifier "
            f"{cleaner.classifier_version or '-'}, the client built {spec.rules_version} / "
            f"{spec.classifier_version or '-'}: install the same jdreview on the workers")
    _CLEANERS.clear()  # one spec at a time: a long-lived worker does not accumulate cleaners
    _CLEANERS[spec.token] = cleaner
    return cleaner


# ---------------------------------------------------------------- planning partitions

@dataclass(frozen=True)
class Partition:
    """One task's share of the input.

    kind: ``jsonl-block`` (bytes ``offset``..``offset+length`` of a JSON Lines file,
    cut at line ends), ``parquet`` (row group ``index`` whose first row is record
    ``first_record``), or ``file`` (the whole file through the local reader).
    """

    number: int
    kind: str
    url: str  # fsspec URL or local path, as workers open it
    source: str  # the name errors show (the path as the user gave or globbed it)
    offset: int = 0
    length: int = 0
    index: int = 0
    first_record: int = 1


@dataclass
class FileProblem:
    source: str
    reason: str


def _base_suffix(name: str) -> tuple[str, str | None]:
    """The format suffix and the compression suffix (if any) of a file name."""
    low = name.lower()
    comp = None
    for c in COMPRESSION_SUFFIXES:
        if low.endswith(c):
            comp, low = c, low[: -len(c)]
            break
    return posixpath.splitext(low)[1], comp


def expand_inputs(paths: list[str]) -> tuple[list[tuple[Any, str, str]], list[FileProblem]]:
    """Inputs (paths, globs, folders, fsspec URLs) as ``(fs, path, source)`` files."""
    from fsspec.core import url_to_fs

    files: list[tuple[Any, str, str]] = []
    problems: list[FileProblem] = []
    for given in paths:
        try:
            fs, root = url_to_fs(given)
            if any(c in given for c in "*?["):
                found = sorted(fs.glob(root))
                if not found:
                    problems.append(FileProblem(given, "no files match"))
                for p in found:
                    if not fs.isdir(p):
                        files.append((fs, p, _display(fs, p, given)))
            elif fs.isdir(root):
                found = sorted(p for p in fs.find(root)
                               if not posixpath.basename(p).startswith((".", "_"))
                               and _base_suffix(p)[0] in INPUT_SUFFIXES)
                if not found:
                    problems.append(FileProblem(given, "folder holds no JSON Lines, CSV or Parquet files"))
                files.extend((fs, p, _display(fs, p, given)) for p in found)
            elif fs.exists(root):
                files.append((fs, root, given))
            else:
                problems.append(FileProblem(given, "no such file"))
        except (OSError, ValueError, ImportError) as e:
            problems.append(FileProblem(given, f"cannot open: {e}"))
    return files, problems


def _display(fs: Any, path: str, given: str) -> str:
    return path if _is_local(fs) else fs.unstrip_protocol(path)


def _is_local(fs: Any) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def plan_partitions(files: list[tuple[Any, str, str]], blocksize: int | None,
                    n_workers: int) -> tuple[list[Partition], list[FileProblem]]:
    """Split files into partitions, in input order. Problems: files that cannot be used."""
    import pyarrow.parquet as pq

    parts: list[Partition] = []
    problems: list[FileProblem] = []
    sizes: dict[str, int] = {}
    for fs, path, source in files:
        suffix, comp = _base_suffix(path)
        if suffix in JSONL_SUFFIXES and comp is None:
            try:
                sizes[path] = int(fs.size(path))
            except OSError as e:
                problems.append(FileProblem(source, f"cannot read: {e}"))
    if blocksize is None:
        total = sum(sizes.values())
        blocksize = max(MIN_BLOCKSIZE, min(MAX_BLOCKSIZE, total // max(1, BLOCKS_PER_WORKER * n_workers) + 1))
    for fs, path, source in files:
        suffix, comp = _base_suffix(path)
        url = path if _is_local(fs) else fs.unstrip_protocol(path)
        if suffix not in INPUT_SUFFIXES:
            problems.append(FileProblem(source, "not a batch file (the Dask engine reads .jsonl, "
                                        ".ndjson, .json, .csv, .tsv and .parquet files)"))
        elif suffix in JSONL_SUFFIXES and comp is None:
            if path not in sizes:
                continue
            if _utf16(fs, path):  # cannot be cut at b"\n": read whole
                parts.append(Partition(len(parts), "file", url, source))
                continue
            size = sizes[path]
            for off in range(0, max(size, 1), blocksize):
                parts.append(Partition(len(parts), "jsonl-block", url, source, offset=off,
                                       length=min(blocksize, size - off)))
        elif suffix in PARQUET_SUFFIXES:
            try:
                with fs.open(path, "rb") as f:
                    meta = pq.ParquetFile(f).metadata
                first = 1
                for i in range(meta.num_row_groups):
                    parts.append(Partition(len(parts), "parquet", url, source, index=i,
                                           first_record=first))
                    first += meta.row_group(i).num_rows
            except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a bad file
                problems.append(FileProblem(source, f"not a readable Parquet file ({_one_line(e)})"))
        else:
            parts.append(Partition(len(parts), "file", url, source))
    return parts, problems


def _utf16(fs: Any, path: str) -> bool:
    import codecs

    with fs.open(path, "rb") as f:
        return f.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:300]


# ---------------------------------------------------------------- one task

@dataclass
class PartResult:
    """What a task sends back: counts and errors only (the records are in its file)."""

    number: int
    cleaned: int = 0
    lines: int = 0  # physical lines in a JSON Lines block (to number later blocks' lines)
    records: int = 0  # records seen (to number later blocks' records)
    errors: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def clean_partition(part: Partition, spec: CleanerSpec, outdir: str, fmt: str) -> PartResult:
    """Clean one partition and write its output file(s); runs on a worker.

    Block-relative line and record numbers in the errors are made absolute by the
    client, which knows how many lines the earlier blocks of the file held.
    """
    cleaner = worker_cleaner(spec)
    res = PartResult(part.number)
    writer = _PartWriter(outdir, part.number, fmt)
    try:
        if part.kind == "jsonl-block":
            _clean_jsonl_block(part, cleaner, writer, res)
        elif part.kind == "parquet":
            _clean_parquet(part, cleaner, writer, res)
        else:
            _clean_file(part, cleaner, writer, res)
    except InputError as e:  # the file could not be read further: what was read is kept
        res.errors.append(_error(part.source, e.message, e.line, e.record))
    finally:
        res.outputs = writer.close()
    return res


def _error(source: str, reason: str, line: int | None = None, record: int | None = None,
           rec_id: Any = None, block: bool = False) -> dict[str, Any]:
    e = {"source": source, "line": line, "record": record, "reason": reason}
    if rec_id not in (None, ""):
        e["id"] = str(rec_id)
    if block:
        e["_relative"] = True
    return e


def _clean_record(cleaner: Any, fields: Any, source: str) -> dict[str, Any]:
    from ..io.inputs import posting_from_record

    if not isinstance(fields, dict):
        raise InputError(source, "record is not an object")
    out: dict[str, Any] = cleaner.record_output(fields, cleaner.clean(posting_from_record(fields, source)))
    return out


def _record_id(fields: Any) -> Any:
    from ..io.inputs import ID_FIELDS

    if isinstance(fields, dict):
        return next((fields[k] for k in ID_FIELDS if fields.get(k) not in (None, "")), None)
    return None


def _clean_jsonl_block(part: Partition, cleaner: Any, writer: _PartWriter, res: PartResult) -> None:
    from fsspec.core import url_to_fs
    from fsspec.utils import read_block

    fs, path = url_to_fs(part.url)
    with fs.open(path, "rb") as f:
        data = read_block(f, part.offset, part.length, b"\n")
    try:
        text = data.decode("utf-8-sig" if part.offset == 0 else "utf-8")
        lines: list[str | bytes] = list(io.StringIO(text, newline=""))
    except UnicodeDecodeError:  # keep the good lines; only the bad ones fail
        lines = list(io.BytesIO(data))
    for lineno, line in enumerate(lines, 1):
        res.lines += 1
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if part.offset == 0 and lineno == 1 else "utf-8")
            except UnicodeDecodeError as e:
                if line.strip():
                    res.records += 1
                    res.errors.append(_error(part.source, f"not UTF-8 ({e.reason} at byte {e.start})",
                                             lineno, res.records, block=True))
                continue
        if not line.strip():
            continue
        res.records += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            res.errors.append(_error(part.source, f"not JSON ({e.msg} at column {e.colno})",
                                     lineno, res.records, block=True))
            continue
        except RecursionError:  # one line nested 100,000 deep: one bad record, not a lost block
            res.errors.append(_error(part.source, "JSON nested too deeply", lineno, res.records,
                                     block=True))
            continue
        _clean_one(cleaner, obj, part.source, lineno, res.records, writer, res, block=True)


def _clean_one(cleaner: Any, fields: Any, source: str, line: int | None, record: int,
               writer: _PartWriter, res: PartResult, block: bool = False) -> None:
    try:
        out = _clean_record(cleaner, fields, source)
    except InputError as e:
        res.errors.append(_error(source, e.message, line, record, _record_id(fields), block))
        return
    except Exception as e:  # noqa: BLE001 - one bad record must not stop millions of others
        res.errors.append(_error(source, f"{type(e).__name__}: {_one_line(e)}", line, record,
                                 _record_id(fields), block))
        return
    writer.write(out)
    res.cleaned += 1


def _clean_parquet(part: Partition, cleaner: Any, writer: _PartWriter, res: PartResult) -> None:
    import pyarrow.parquet as pq
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(part.url)
    try:
        with fs.open(path, "rb") as f:
            rows = pq.ParquetFile(f).read_row_group(part.index).to_pylist()
    except Exception as e:  # noqa: BLE001 - a corrupt row group: report it, keep the others
        raise InputError(part.source, f"row group {part.index} unreadable ({_one_line(e)})") from None
    for i, row in enumerate(rows):
        res.records += 1
        _clean_one(cleaner, row, part.source, None, part.first_record + i, writer, res)


def _clean_file(part: Partition, cleaner: Any, writer: _PartWriter, res: PartResult) -> None:
    """A whole file through the local engine's reader (remote or compressed: copied first)."""
    from fsspec.core import url_to_fs

    from ..io.inputs import iter_batch

    fs, path = url_to_fs(part.url)
    suffix, comp = _base_suffix(path)
    tmpdir = None
    local = path
    try:
        if comp is not None or not _is_local(fs):
            import fsspec

            tmpdir = tempfile.mkdtemp(prefix="jdreview-input-")
            local = os.path.join(tmpdir, "input" + suffix)
            try:
                with fsspec.open(part.url, "rb", compression="infer") as src, open(local, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except Exception as e:  # noqa: BLE001 - bad gzip, lost connection, ...
                raise InputError(part.source, f"cannot read ({_one_line(e)})") from None
        for rec in iter_batch(local):
            res.records += 1
            if rec.error is not None or rec.posting is None:
                err = rec.error
                res.errors.append(_error(part.source, err.message if err else "unreadable",
                                         err.line if err else None, rec.number, _record_id(rec.fields)))
                continue
            try:
                out = cleaner.record_output(rec.fields, cleaner.clean(rec.posting))
            except Exception as e:  # noqa: BLE001
                res.errors.append(_error(part.source, f"{type(e).__name__}: {_one_line(e)}", None,
                                         rec.number, _record_id(rec.fields)))
                continue
            writer.write(out)
            res.cleaned += 1
    except InputError as e:
        raise InputError(part.source, e.message, line=e.line, record=e.record) from None
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


# ---------------------------------------------------------------- writing parts

class _PartWriter:
    """Output of one partition: ``part-NNNNNN.jsonl``, or Parquet files of bounded size.

    Files are written under a temporary name and moved into place when complete, so
    a task retried after a lost worker never leaves half a file.
    """

    def __init__(self, outdir: str, number: int, fmt: str) -> None:
        from fsspec.core import url_to_fs

        self.fs, self.dir = url_to_fs(outdir)
        self.number, self.fmt = number, fmt
        self.done: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self.chunk = 0
        self.jsonl: IO[bytes] | None = None
        self.tmp = ""

    def write(self, record: dict[str, Any]) -> None:
        if self.fmt == "jsonl":
            if self.jsonl is None:
                self.tmp = posixpath.join(self.dir, f".part-{self.number:06d}.jsonl.tmp")
                self.jsonl = self.fs.open(self.tmp, "wb")
            line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
            self.jsonl.write(line.encode("utf-8"))
        else:
            self.rows.append(record)
            if len(self.rows) >= PARQUET_ROWS_PER_FILE:
                self._flush_parquet()

    def _flush_parquet(self) -> None:
        import pyarrow.parquet as pq

        name = f"part-{self.number:06d}-{self.chunk:04d}.parquet"
        tmp = posixpath.join(self.dir, "." + name + ".tmp")
        with self.fs.open(tmp, "wb") as f:
            pq.write_table(records_to_table(self.rows), f)
        self._commit(tmp, name)
        self.rows, self.chunk = [], self.chunk + 1

    def _commit(self, tmp: str, name: str) -> None:
        final = posixpath.join(self.dir, name)
        self.fs.mv(tmp, final)
        self.done.append(name)

    def close(self) -> list[str]:
        if self.jsonl is not None:
            self.jsonl.close()
            self.jsonl = None
            self._commit(self.tmp, f"part-{self.number:06d}.jsonl")
        if self.rows:
            self._flush_parquet()
        return self.done


def records_to_table(records: list[dict[str, Any]]) -> Any:
    """Records as an Arrow table: every field a column (missing values null).

    A column whose values Arrow cannot hold in one type (a number in one record, a
    string in the next) is stored as JSON text; a column of nulls only as string.
    """
    import pyarrow as pa

    names: dict[str, None] = {}
    for r in records:
        names.update(dict.fromkeys(r))
    cols = {}
    for name in names:
        values = [r.get(name) for r in records]
        try:
            arr = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arr = pa.array([v if v is None or isinstance(v, str) else
                            json.dumps(v, ensure_ascii=False, default=str) for v in values], pa.string())
        if pa.types.is_null(arr.type):
            arr = arr.cast(pa.string())
        cols[name] = arr
    return pa.table(cols)


# ---------------------------------------------------------------- the client side

@dataclass
class DaskSummary:
    inputs: int = 0
    partitions: int = 0
    records: int = 0
    cleaned: int = 0
    errors: int = 0
    elapsed: float = 0.0
    workers: int = 0
    outputs: list[str] = field(default_factory=list)

    def line(self) -> str:
        rate = self.cleaned / self.elapsed if self.elapsed > 0 else 0.0
        return (f"jdreview: {self.cleaned:,} records cleaned, {self.errors:,} failed, from "
                f"{self.inputs} input file(s) in {self.partitions} partition(s) on {self.workers} "
                f"worker(s), {self.elapsed:.1f} s ({rate:,.0f} records/s)")


class _Bar:
    """Progress on standard error: partitions done, records cleaned, failures, rate."""

    def __init__(self, stream: IO[str], enabled: bool, total: int) -> None:
        self.stream, self.enabled, self.total = stream, enabled, total
        self.start = self.last = time.monotonic()
        self.drawn = False

    def update(self, done: int, cleaned: int, errors: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self.last >= 0.2:
            self.last = now
            rate = cleaned / max(now - self.start, 1e-9)
            width = 24
            fill = int(width * done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{self.total} partitions, "
                              f"{cleaned:,} records, {errors:,} failed, {rate:,.0f}/s ")
            self.stream.flush()
            self.drawn = True

    def done(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def clean_on_dask(client: Any, paths: list[str], outdir: str, cleaner_options: dict[str, Any], *,
                  fmt: str = "jsonl", blocksize: int | None = None, progress: str = "auto",
                  stderr: IO[str] | None = None) -> DaskSummary:
    """Clean batch files on the Dask cluster behind ``client``; write parts, errors, summary.

    Raises InputError for a bad rule or classifier file (nothing runs then). Every
    other failure (a bad file, a bad record, a failed task) is counted and written
    to ``OUTDIR/errors/errors.jsonl``; the rest of the input is still cleaned.
    """
    from distributed import as_completed
    from fsspec.core import url_to_fs

    stderr = stderr or sys.stderr
    if fmt not in ("jsonl", "parquet"):
        raise ValueError(f"unknown output format {fmt!r}")
    start = time.monotonic()
    spec, _ = CleanerSpec.from_options(cleaner_options)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    files, problems = expand_inputs(paths)
    check_outdir(files, outdir)
    parts, plan_problems = plan_partitions(files, blocksize, n_workers)
    problems += plan_problems

    out_fs, out_root = url_to_fs(outdir)
    out_fs.makedirs(out_root, exist_ok=True)
    _remove_old_parts(out_fs, out_root)
    summary = DaskSummary(inputs=len(files), partitions=len(parts), workers=n_workers)
    errors: list[dict[str, Any]] = [_error(p.source, p.reason) for p in problems]
    results: dict[int, PartResult] = {}
    failed = len(errors)

    show = progress == "always" or (progress == "auto" and stderr.isatty())
    bar = _Bar(stderr, show, len(parts))
    if parts:
        spec_future = client.scatter(spec, broadcast=True, hash=False)
        futures = client.map(clean_partition, parts, spec=spec_future, outdir=outdir, fmt=fmt,
                             key=[f"jdreview-clean-{spec.token[:8]}-{time.time_ns()}-{p.number}"
                                  for p in parts], pure=False)
        by_key = {f.key: p for f, p in zip(futures, parts, strict=True)}
        pending = as_completed(futures)
        del futures  # only as_completed holds them now, so each result goes once read
        for fut in pending:
            part = by_key[fut.key]
            try:
                res = fut.result()
            except Exception as e:  # noqa: BLE001 - a task that failed as a whole
                res = PartResult(part.number, errors=[_error(
                    part.source, f"partition {part.number} failed: {type(e).__name__}: {_one_line(e)}")])
            fut.release()
            results[part.number] = res
            summary.cleaned += res.cleaned
            summary.records += res.records
            summary.outputs.extend(res.outputs)
            failed += len(res.errors)
            bar.update(len(results), summary.cleaned, failed)
        bar.update(len(results), summary.cleaned, failed, force=True)
        bar.done()
        errors += _absolute_errors(parts, results)
    summary.errors = len(errors)
    summary.outputs.sort()
    summary.elapsed = time.monotonic() - start
    _write_errors(out_fs, out_root, errors)
    _write_summary(out_fs, out_root, summary, spec, paths, fmt)
    for problem in errors[:MAX_PRINTED_ERRORS]:
        stderr.write(f"jdreview: error: {format_error(problem)}\n")
    if len(errors) > MAX_PRINTED_ERRORS:
        stderr.write(f"jdreview: ... and {len(errors) - MAX_PRINTED_ERRORS:,} more in "
                     f"{posixpath.join(outdir, 'errors', 'errors.jsonl')}\n")
    stderr.write(summary.line() + "\n")
    return summary


def _absolute_errors(parts: list[Partition], results: dict[int, PartResult]) -> list[dict[str, Any]]:
    """Errors in input order, with block-relative line and record numbers made absolute."""
    out: list[dict[str, Any]] = []
    lines_before: dict[str, tuple[int, int]] = {}
    for part in parts:
        res = results.get(part.number)
        if res is None:
            continue
        base_lines, base_records = lines_before.get(part.url, (0, 0))
        for e in res.errors:
            e = dict(e)
            if e.pop("_relative", False):
                e["line"] = base_lines + e["line"] if e["line"] is not None else None
                e["record"] = base_records + e["record"] if e["record"] is not None else None
            out.append(e)
        if part.kind == "jsonl-block":
            lines_before[part.url] = (base_lines + res.lines, base_records + res.records)
    return out


def format_error(e: dict[str, Any]) -> str:
    """One line, as the local engine names a failure: ``source:line: record N: reason``."""
    where = e["source"]
    if e.get("line") is not None:
        where += f":{e['line']}"
    if e.get("record") is not None:
        where += f": record {e['record']}"
    return f"{where}: {e['reason']}"


def _remove_old_parts(fs: Any, root: str) -> None:
    """Parts of an earlier run in OUTDIR would mix with this one's: remove the parts that
    run's ``_summary.json`` lists, its errors file and its temporary files -- never a file
    this engine did not write (an input named ``part-00000.jsonl`` stays)."""
    try:
        with fs.open(posixpath.join(root, "_summary.json"), "rb") as f:
            data = json.loads(f.read())
    except (OSError, ValueError, RecursionError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("outputs"), list):
        for name in data["outputs"]:
            base = posixpath.basename(name) if isinstance(name, str) else ""
            if base.startswith("part-") and base.endswith((".jsonl", ".parquet")):
                p = posixpath.join(root, base)
                if fs.exists(p):
                    fs.rm(p)
        err = posixpath.join(root, "errors", "errors.jsonl")
        if fs.exists(err):
            fs.rm(err)
    try:
        names = fs.ls(root, detail=False)
    except FileNotFoundError:
        return
    for p in names:  # temporary parts of a run that was killed: this engine's own names
        base = posixpath.basename(p.rstrip("/"))
        if base.startswith(".part-") and base.endswith(".tmp"):
            fs.rm(p)


def check_outdir(files: list[tuple[Any, str, str]], outdir: str) -> None:
    """Refuse (:class:`UsageError`) inputs inside OUTDIR: this engine writes and replaces
    ``part-*`` files there, so an input in it could be overwritten or mixed with output."""
    from fsspec.core import url_to_fs

    out_fs, out_root = url_to_fs(outdir)
    local = "file" in _protocols(out_fs)
    root = os.path.realpath(out_root) if local else out_root.rstrip("/")
    for fs, path, source in files:
        if _protocols(fs) != _protocols(out_fs):
            continue
        p = os.path.realpath(path) if local else path
        if p == root or p.startswith(root.rstrip("/") + "/"):
            raise UsageError(outdir, f"the input {source} lies inside the output folder, where this "
                             "engine writes its parts; choose an output folder outside the inputs")


def _protocols(fs: Any) -> set[str]:
    proto = fs.protocol
    return set(proto) if isinstance(proto, (tuple, list)) else {proto}


def _write_errors(fs: Any, root: str, errors: list[dict[str, Any]]) -> None:
    d = posixpath.join(root, "errors")
    fs.makedirs(d, exist_ok=True)
    tmp = posixpath.join(d, ".errors.jsonl.tmp")
    with fs.open(tmp, "wb") as f:
        for e in errors:
            f.write((json.dumps(e, ensure_ascii=False) + "\n").encode("utf-8"))
    fs.mv(tmp, posixpath.join(d, "errors.jsonl"))


def _write_summary(fs: Any, root: str, s: DaskSummary, spec: CleanerSpec, paths: list[str],
                   fmt: str) -> None:
    from ..version import __version__

    data = {"schema": 1, "jdreview_version": __version__, "inputs": paths, "format": fmt,
            "rules_version": spec.rules_version, "classifier_version": spec.classifier_version,
            "input_files": s.inputs, "partitions": s.partitions, "records": s.records,
            "cleaned": s.cleaned, "errors": s.errors, "workers": s.workers,
            "elapsed_s": round(s.elapsed, 3), "outputs": s.outputs}
    tmp = posixpath.join(root, "._summary.json.tmp")
    with fs.open(tmp, "wb") as f:
        f.write(json.dumps(data, indent=1).encode("utf-8"))
    fs.mv(tmp, posixpath.join(root, "_summary.json"))


def default_workers() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def start_local_cluster(workers: int) -> tuple[Any, Any]:
    """A LocalCluster of ``workers`` processes with one thread each, and its client.

    Cleaning is pure Python (the GIL): processes, not threads, give parallelism.
    """
    import logging

    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return cluster, Client(cluster)


def check_workers(client: Any) -> str | None:
    """A message if some worker cannot import jdreview or runs another version of it."""
    from ..version import __version__

    def probe() -> str | None:  # nested so it is shipped by value, not by import
        try:
            import jdreview

            return str(jdreview.__version__)
        except ImportError:
            return None

    versions = client.run(probe)
    missing = [w for w, v in versions.items() if v is None]
    if missing:
        return (f"jdreview is not installed on {len(missing)} worker(s) ({missing[0]}, ...): install "
                f"it there too, e.g. pip install 'jdreview[dask]=={__version__}'")
    other = {v for v in versions.values() if v != __version__}
    if other:
        return f"workers run jdreview {', '.join(sorted(other))}, this client runs {__version__}"
    return None


def run_dask_clean(paths: list[str], outdir: str | None, cleaner_options: dict[str, Any], *,
                   scheduler: str | None = None, workers: int = 0, fmt: str = "jsonl",
                   progress: str = "auto", blocksize: int | None = None,
                   stderr: IO[str] | None = None) -> int:
    """``jdreview clean --engine dask``: returns the exit code (0 ok, 1 some failed, 2 usage).

    Without ``scheduler`` a local cluster of ``workers`` processes (default: one per
    core) runs for the duration of the command; with one, that cluster is used.
    """
    stderr = stderr or sys.stderr
    try:
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as e:
        stderr.write(f"jdreview: error: {INSTALL_HINT} ({e.name or e} is missing)\n")
        return EXIT_USAGE
    if outdir is None or "-" in paths:
        stderr.write("jdreview: error: the Dask engine reads files and writes a folder: give -o OUTDIR "
                     "and no - input\n")
        return EXIT_USAGE
    if workers < 0:
        stderr.write("jdreview: error: --workers must be positive\n")
        return EXIT_USAGE
    # Validate rule and classifier files, and that no input lies in OUTDIR, before paying
    # for a cluster.
    CleanerSpec.from_options(cleaner_options)
    try:
        check_outdir(expand_inputs(paths)[0], outdir)
    except UsageError as e:
        stderr.write(f"jdreview: error: {e}\n")
        return EXIT_USAGE
    cluster = client = None
    try:
        if scheduler:
            from distributed import Client

            if workers:
                stderr.write("jdreview: note: --workers is ignored with --scheduler\n")
            try:
                client = Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as e:
                stderr.write(f"jdreview: error: cannot reach the Dask scheduler at {scheduler}: "
                             f"{_one_line(e)}\n")
                return EXIT_FAILED
            problem = check_workers(client)
            if problem:
                stderr.write(f"jdreview: error: {problem}\n")
                return EXIT_FAILED
        else:
            cluster, client = start_local_cluster(workers or default_workers())
        summary = clean_on_dask(client, paths, outdir, cleaner_options, fmt=fmt, blocksize=blocksize,
                                progress=progress, stderr=stderr)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return EXIT_FAILED if summary.errors else EXIT_OK
