"""Work-arounds for defects of the Qt binding, each checked at run time.

PySide6 6.12.0's ``SignalInstance.emit`` returns ``True`` without taking a reference
to it, so every signal emitted from Python lowers the reference count of ``True``;
after a few hundred edits the interpreter aborts ("bool_dealloc: deallocating True").
:func:`emit` emits and, only where the probe shows the defect, gives the reference back.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def _emit_drops_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True) + sys.getrefcount(False)
    result = probe.ping.emit()
    del result
    return sys.getrefcount(True) + sys.getrefcount(False) < before


EMIT_DROPS_REFERENCE = _emit_drops_a_reference()
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, without PySide6 6.12's reference-count defect."""
    result = signal.emit(*args)
    if EMIT_DROPS_REFERENCE and isinstance(result, bool):
        _incref(result)


# PySide6 6.12.0 also returns None from void methods (and takes None back from Python
# overrides) without the reference bookkeeping, so None -- and through other paths
# True and False -- lose references as the window runs, and when one reaches zero the
# interpreter aborts ("none_dealloc"), in a long session or at exit. Python 3.12 makes
# these singletons immortal (PEP 683); on 3.11 the guard does what that PEP does: it
# gives each a reference count so large that no session can lose it all. A singleton
# is never freed anyway, so the surplus costs nothing.
_IMMORTAL = 1 << 40
_installed = False


def install_refcount_guard() -> None:
    """Make None, True and False effectively immortal (once per process; a no-op on
    Python 3.12+, where they already are)."""
    global _installed
    if _installed or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    _installed = True
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object
        ctypes.c_ssize_t.from_address(id(obj)).value += _IMMORTAL
