"""Atomic file writes: write a temporary file beside the target, fsync, then replace.

A crash or kill at any moment leaves either the old file or the new one, never half.
"""

from __future__ import annotations

import os
import tempfile
import threading


def atomic_write_bytes(path: str, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically.

    ``durable`` also fsyncs, so the file survives a power cut, not only a crash; batch
    outputs that can be regenerated skip it (an fsync per file costs milliseconds).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "x.txt")
    >>> atomic_write_bytes(p, b"hi"); open(p, "rb").read()
    b'hi'
    """
    directory = os.path.dirname(os.path.abspath(path))
    if durable:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=directory)
    else:
        # batch outputs: one temporary name per thread and folder is enough (a thread
        # writes one file at a time), far cheaper than mkstemp's random names, and the
        # file system makes one new name per output instead of two
        tmp = os.path.join(directory, f".jdreview-{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except FileNotFoundError:
            os.makedirs(directory, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        if durable:
            # mkstemp makes the file private (0600); give it the mode the target had,
            # or the usual one for a new file
            try:
                mode = os.stat(path).st_mode & 0o777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(tmp, mode)
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked (a signal, a full pipe)
                view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str, text: str, *, durable: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)
