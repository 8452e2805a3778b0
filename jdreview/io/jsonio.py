"""JSON files and JSON Lines: readers that name the file and line of every error, and an
atomic JSON Lines writer."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import InputError
from .atomic import atomic_write_text


def iter_json_lines(path: str) -> Iterator[tuple[int, Any]]:
    """(line number, value) of every non-blank line of a JSON Lines file; a missing
    file, a line that is not JSON or bytes that are not UTF-8 raise one InputError
    naming the file and line."""
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
    with f:
        n = 0
        try:
            for n, raw in enumerate(f, 1):  # noqa: B007 - n names the line in errors
                if not raw.strip():
                    continue
                try:
                    yield n, json.loads(raw)
                except json.JSONDecodeError as e:
                    raise InputError(path, f"not JSON ({e.msg})", line=n) from None
                except RecursionError:
                    raise InputError(path, "JSON nested too deeply", line=n) from None
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text", line=n + 1) from None


def read_json(path: str, what: str) -> Any:
    """One JSON document (a classifier, a dataset card); errors in one line naming the file."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(path, f"not a JSON {what} ({e})") from None
    except RecursionError:
        raise InputError(path, f"not a JSON {what} (nested too deeply)") from None


def write_jsonl(path: str, records: Iterable[dict[str, Any]]) -> int:
    """Write records as JSON Lines atomically; returns how many were written."""
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=False) for r in records]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)
