"""Files to postings: single files, pair files and batch files (JSON Lines, JSON arrays, CSV).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .decode import _looks_binary, decode_bytes, normalise_newlines, repair_text

#: Files larger than this are refused (a posting is a few kB; 16 MB is a mistake).
from .posting import SITES, Posting, detect_site

#: Files larger than this are refused (a posting is a few kB; 16 MB is a mistake).
MAX_POSTING_BYTES = 16 * 1024 * 1024
#: One record of a batch file larger than this is refused.
MAX_RECORD_CHARS = 4 * 1024 * 1024
#: A JSON document (a JSON array batch file, a classifier) nested deeper than this is
#: refused (Python's parser would exhaust the stack; real postings nest a few levels).
MAX_JSON_DEPTH = 200

TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
BATCH_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv")
ALL_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + BATCH_SUFFIXES

PAIR_RAW_MARK = "Original Job Description from LLM:"
PAIR_CLEAN_MARK = "Filtered resume it should be:"

#: Record fields that may hold the posting, in order of preference.
TEXT_FIELDS = ("text", "raw", "raw_text", "content", "html", "body", "description",
               "job_description", "jobDescription", "description_html")
ID_FIELDS = ("id", "job_id", "jobId", "uid", "key")
URL_FIELDS = ("url", "job_url", "jobUrl", "link", "job_url_direct")



# --------------------------------------------------------------------------- files


def open_regular(path: str) -> int:
    """A file descriptor of ``path`` for reading, if it is a regular file.

    Opened without blocking, so a FIFO with no writer (or a device) is refused with
    :class:`InputError` instead of hanging the batch; raises OSError as ``os.open`` does.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file")
            raise InputError(path, f"not a regular file ({kind}); give - to read standard input")
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: str, limit: int = MAX_POSTING_BYTES) -> bytes:
    try:
        fd = open_regular(path)
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > limit:
                raise InputError(path, f"file too large ({size / 2**20:.1f} MiB; the limit for one "
                                 f"posting is {limit / 2**20:.0f} MiB)")
            return f.read(limit + 1)
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


def read_stream(stream: Any, source: str = "<stdin>", limit: int = MAX_POSTING_BYTES) -> bytes:
    """The bytes of a stream (standard input), refused past ``limit`` like a file."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(source, f"input too large (over {limit / 2**20:.0f} MiB, the limit for one "
                         "posting)")
    return bytes(data)


def split_pair(text: str) -> tuple[str, str | None]:
    """Split a seed-002 pair file into its raw part and its hand-cleaned part."""
    i = text.find(PAIR_RAW_MARK)
    j = text.find(PAIR_CLEAN_MARK)
    if i < 0 or j < i:
        return text, None
    raw = text[i + len(PAIR_RAW_MARK):j]
    clean = text[j + len(PAIR_CLEAN_MARK):]
    return raw.strip("\n") + "\n", clean.strip("\n") + "\n"


def load_posting_bytes(data: bytes, source: str = "", *, html: bool | None = None,
                       **kw: Any) -> Posting:
    """One posting from the bytes of a text, Markdown, pair or HTML file."""
    if not data.strip():
        raise InputError(source, "empty file")
    warnings: list[str] = []
    text = decode_bytes(data, source, warnings)
    if html is None:
        html = source.lower().endswith(HTML_SUFFIXES) or _looks_like_html(text)
    if html:
        p = Posting.from_html(text, source=source, **kw)
        p.warnings[:0] = warnings
        return p
    raw, gold = split_pair(normalise_newlines(text))
    p = Posting.from_text(raw, source=source, **kw)
    p.warnings.extend(warnings)
    if gold is not None:
        p.gold = repair_text(gold)
    if not any(line.strip() for line in p.lines):
        raise InputError(source, "no text (the file holds only whitespace)")
    return p


def load_posting(path: str) -> Posting:
    """Load one single-posting file (``.txt``, ``.md``, pair file, ``.html``)."""
    return load_posting_bytes(read_bytes(path), path)


_HTML_START = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body|<div|<p>|<p |<section|<article|<ul|<h[1-6])",
                         re.IGNORECASE)


def _looks_like_html(text: str) -> bool:
    if "<" not in text:
        return False
    return bool(_HTML_START.match(text[:2048])) or (
        text.count("</p>") + text.count("<br") + text.count("</li>") + text.count("</div>") >= 2)


def is_batch_file(path: str) -> bool:
    return path.lower().endswith(BATCH_SUFFIXES)


@dataclass(slots=True)
class Record:
    """One record of a batch file: its original fields and the posting (or the error)."""

    number: int  # 1-based record number in the file
    fields: dict[str, Any]
    posting: Posting | None
    error: InputError | None


def iter_batch(path: str) -> Iterator[Record]:
    """Stream the records of a JSON Lines, JSON array or CSV/TSV file.

    Memory stays flat for JSON Lines and CSV (records are read one at a time). A bad
    record yields a :class:`Record` with ``error`` set; the others carry on. A file
    that cannot be read at all raises :class:`InputError`.
    """
    low = path.lower()
    try:
        if low.endswith((".jsonl", ".ndjson")):
            yield from _iter_jsonl(path)
        elif low.endswith(".json"):
            yield from _iter_json_array(path)
        else:
            yield from _iter_csv(path, "\t" if low.endswith(".tsv") else ",")
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None


#: A JSON Lines line longer than this is one bad record (not read whole into memory).
MAX_LINE_BYTES = 4 * MAX_RECORD_CHARS + (1 << 20)
#: A JSON file that is one object (not an array) larger than this is refused.
MAX_JSON_OBJECT_BYTES = 4 * MAX_POSTING_BYTES
_SURROGATES = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _open_text(path: str, errors: str = "strict") -> io.TextIOWrapper:
    """A batch file as text: regular files only, UTF-8 (with or without BOM) or UTF-16."""
    f = os.fdopen(open_regular(path), "rb")
    head = f.read(4)
    f.seek(0)
    enc = "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    return io.TextIOWrapper(f, encoding=enc, errors=errors, newline="")


def _bad_bytes(text: str, prefix: str = "") -> str | None:
    """What a text decoded with surrogateescape says about its undecodable bytes, or None."""
    m = _SURROGATES.search(text)
    if m is None:
        return None
    return f"{prefix}invalid UTF-8 byte 0x{ord(m.group()) - 0xDC00:02x} at column {m.start() + 1}"


def _iter_jsonl(path: str) -> Iterator[Record]:
    with _open_text(path) as probe:
        utf16 = probe.encoding == "utf-16"
    if utf16:  # rare: read as text, strictly (a bad byte in UTF-16 ends the file)
        yield from _iter_jsonl_text(path)
        return
    with os.fdopen(open_regular(path), "rb") as f:
        n = 0
        lineno = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES)
            if not raw:
                break
            lineno += 1
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while True:  # skip the rest of the line without holding it
                    more = f.readline(1 << 20)
                    if not more or more.endswith(b"\n"):
                        break
                n += 1
                yield Record(n, {}, None, InputError(path, f"record too large (a line over "
                                                     f"{MAX_LINE_BYTES // 2**20} MiB)", line=lineno))
                continue
            if not raw.strip():
                continue
            n += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield Record(n, {}, None, InputError(
                    path, f"not UTF-8 (invalid byte 0x{raw[e.start]:02x} at byte {e.start + 1} of the line)",
                    line=lineno))
                continue
            yield _json_record(path, n, line, lineno)


def _iter_jsonl_text(path: str) -> Iterator[Record]:
    with _open_text(path) as f:
        n = 0
        try:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                n += 1
                yield _json_record(path, n, line, lineno)
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-16 ({e.reason} after record {n})") from None


def _json_record(path: str, n: int, line: str, lineno: int) -> Record:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return Record(n, {}, None, InputError(path, f"not JSON ({e.msg} at column {e.colno})", line=lineno))
    except RecursionError:
        return Record(n, {}, None, InputError(path, "JSON nested too deeply", line=lineno))
    return _record(path, n, obj, line=lineno)


def _iter_json_array(path: str) -> Iterator[Record]:
    """The records of a JSON array, parsed one at a time from a sliding buffer, so that
    memory holds one record, not the file. A file that is one JSON object (a single
    record, or an object wrapping the list under ``postings``, ``jobs``...) is read
    whole, up to :data:`MAX_JSON_OBJECT_BYTES`."""
    with _open_text(path) as f:
        reader = _ArrayReader(f, path)
        first = reader.peek()
        if first == "[":
            yield from reader.records()
            return
    data = read_bytes(path, limit=MAX_JSON_OBJECT_BYTES)
    try:
        obj = json.loads(decode_bytes(data, path))
    except json.JSONDecodeError as e:
        raise InputError(path, f"not JSON ({e.msg})", line=e.lineno) from None
    except RecursionError:
        raise InputError(path, "JSON nested too deeply") from None
    if isinstance(obj, dict):
        for key in ("postings", "jobs", "records", "data", "items", "results"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
        else:
            obj = [obj]
    if not isinstance(obj, list):
        raise InputError(path, "JSON must be an array of records or an object with a list of them")
    for n, item in enumerate(obj, 1):
        yield _record(path, n, item)


class _ArrayReader:
    """Reads ``[record, record, ...]`` one record at a time (``json.JSONDecoder.raw_decode``
    over a buffer refilled a megabyte at a time); line numbers follow the text read."""

    CHUNK = 1 << 20

    def __init__(self, f: io.TextIOWrapper, path: str) -> None:
        self.f, self.path = f, path
        self.buf, self.pos = "", 0
        self.line = 1  # line number at self.pos
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self.f.read(self.CHUNK)
        except UnicodeDecodeError as e:
            raise InputError(self.path, f"not UTF-8 ({e.reason})", line=self.line) from None
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end)."""
        while True:
            buf = self.buf
            i = self.pos
            n = len(buf)
            while i < n and buf[i] in " \t\r\n":
                i += 1
            self._advance(i)
            if i < n:
                return buf[i]
            if not self._fill():
                return ""

    def records(self) -> Iterator[Record]:
        self._advance(self.pos + 1)  # the "["
        n = 0
        if self.peek() == "]":
            return
        while True:
            n += 1
            line = self.line
            obj = self._value(n)
            yield _record(self.path, n, obj, line=line)
            c = self.peek()
            if c == ",":
                self._advance(self.pos + 1)
                continue
            if c == "]":
                return
            raise InputError(self.path, f"not JSON (expected ',' or ']' after record {n})", line=self.line)

    def _value(self, n: int) -> Any:
        if not self.peek():
            raise InputError(self.path, f"not JSON (the array ends after record {n - 1} without ']')",
                             line=self.line)
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise InputError(self.path, f"record {n}: JSON nested too deeply", line=self.line) from None
            except json.JSONDecodeError as e:
                incomplete = e.pos >= len(self.buf) - 1 or e.msg.startswith("Unterminated string")
                if incomplete and len(self.buf) - self.pos <= MAX_LINE_BYTES and self._fill():
                    continue
                if incomplete and not self.eof:
                    raise InputError(self.path, f"record {n} too large (over {MAX_LINE_BYTES // 2**20} MiB)",
                                     line=self.line) from None
                line = self.line + self.buf.count("\n", self.pos, max(self.pos, e.pos))
                raise InputError(self.path, f"record {n}: not JSON ({e.msg})", line=line) from None
            if end == len(self.buf) and not self.eof and not isinstance(obj, (dict, list, str)):
                # a number or literal may go on in the next chunk
                if self._fill():
                    continue
            self._advance(end)
            return obj


def _iter_csv(path: str, delimiter: str) -> Iterator[Record]:
    csv.field_size_limit(MAX_RECORD_CHARS * 2)
    # Undecodable bytes are kept as surrogates while the CSV is split into records, so one
    # bad byte inside a quoted field cannot throw the quoting out of step (which turned
    # fragments of a field into records of their own); the record holding it fails alone.
    with _open_text(path, errors="surrogateescape") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        try:
            header = reader.fieldnames
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError(path, f"unreadable CSV header: {e}", line=1) from None
        if not header:
            raise InputError(path, "empty CSV (no header row)", line=1)
        bad = _bad_bytes(delimiter.join(header), "CSV header: ")
        if bad:
            raise InputError(path, bad, line=1)
        if not _pick(dict.fromkeys(header, "x"), TEXT_FIELDS):
            raise InputError(path, "CSV has no text column (expected one of: "
                             + ", ".join(TEXT_FIELDS) + ")", line=1)
        n = 0
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as e:
                n += 1
                yield Record(n, {}, None, InputError(path, f"unreadable CSV row: {e}", line=start))
                continue
            n += 1
            if None in row:  # more cells than header columns
                row.pop(None)
            problem = next((b for k, v in row.items() if isinstance(v, str)
                            for b in [_bad_bytes(v, f"field {k!r}: ")] if b), None)
            if problem:
                yield Record(n, {}, None, InputError(path, problem, line=start))
                continue
            yield _record(path, n, row, line=start)


def _pick(obj: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        v = obj.get(name)
        if isinstance(v, str) and v.strip():
            return name
    return None


def _record(path: str, n: int, obj: Any, line: int | None = None) -> Record:
    if not isinstance(obj, dict):
        return Record(n, {}, None, InputError(path, "record is not an object", record=n, line=line))
    key = _pick(obj, TEXT_FIELDS)
    if key is None:
        return Record(n, obj, None, InputError(
            path, "record has no text (expected a non-empty field: " + ", ".join(TEXT_FIELDS[:7]) + ")",
            record=n, line=line))
    text = obj[key]
    if len(text) > MAX_RECORD_CHARS:
        return Record(n, obj, None, InputError(path, f"record too large ({len(text)} characters)",
                                               record=n, line=line))
    if _looks_binary(b"", text=text[:65536]):
        return Record(n, obj, None, InputError(path, f"the {key!r} field holds binary data, not a posting",
                                               record=n, line=line))
    meta = {
        "id": str(next((obj[k] for k in ID_FIELDS if obj.get(k) not in (None, "")), "")),
        "url": str(next((obj[k] for k in URL_FIELDS if obj.get(k)), "")),
        "site": str(obj.get("site") or ""),
        "title": str(obj.get("title") or ""),
        "company": str(obj.get("company") or ""),
        "source": f"{path}#{n}",
    }
    try:
        if "html" in key or _looks_like_html(text):
            p = Posting.from_html(text, **meta)
        else:
            p = Posting.from_text(text, **meta)
    except InputError as e:
        return Record(n, obj, None, InputError(path, e.message, record=n, line=line))
    if p.site and not meta["site"]:
        pass
    elif meta["site"]:
        p.site = _canonical_site(meta["site"], p)
    return Record(n, obj, p, None)


def _canonical_site(name: str, p: Posting) -> str:
    low = name.lower().strip()
    for site, _ in SITES:
        if site in low:
            return site
    return low or detect_site(p.url, p.lines)


def posting_from_record(fields: dict[str, Any], source: str = "") -> Posting:
    """A posting from one batch record (used by the Dask engine); raises InputError."""
    rec = _record(source, 0, fields)
    if rec.error is not None:
        raise InputError(source, rec.error.message)
    assert rec.posting is not None
    return rec.posting


def iter_inputs(paths: list[str], errors: list[InputError] | None = None) -> Iterator[str]:
    """Expand folders into the posting files they hold (sorted, recursively).

    A folder that cannot be read is appended to ``errors`` (or, without a list, raised
    as :class:`InputError`): never skipped in silence.
    """
    def unreadable(e: OSError) -> None:
        err = InputError(e.filename or "", f"cannot read folder: {e.strerror or e}")
        if errors is None:
            raise err
        errors.append(err)

    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, onerror=unreadable):
                dirs.sort()
                for name in sorted(files):
                    if name.lower().endswith(ALL_SUFFIXES) and not name.startswith("."):
                        yield os.path.join(root, name)
        else:
            yield path
