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
