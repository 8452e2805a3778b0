"""Run ``jdreview export`` and SIGKILL this process just before its K-th file-system step
under a folder (issue 10, item 13: a kill at any point of an export).

    python export_kill_child.py FOLDER K -- export arguments...

The steps are counted with an audit hook (``sys.addaudithook``: Python raises an audit
event before it opens a file for writing, renames, makes or removes a folder, or calls
into C through ctypes, which is how the export swaps folders), so no code of jdreview is
replaced. With K = 0 nothing is killed and the number of steps is printed on standard
output as ``STEPS n``.
"""

from __future__ import annotations

import os
import signal
import sys

WRITES = {"os.rename", "os.replace", "os.mkdir", "os.remove", "os.rmdir", "os.chmod",
          "shutil.rmtree", "ctypes.call_function"}


def main() -> int:
    folder, k = os.fsencode(os.path.abspath(sys.argv[1])), int(sys.argv[2])
    args = sys.argv[sys.argv.index("--") + 1:]
    steps = 0

    def under(value: object) -> bool:
        if isinstance(value, (str, bytes, os.PathLike)):
            return os.fsencode(value).startswith(folder)
        if isinstance(value, (tuple, list)):
            return any(under(v) for v in value)
        return False

    def hook(event: str, eargs: tuple) -> None:
        nonlocal steps
        if event == "open":
            path, mode, flags = eargs
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else \
                bool(flags & (os.O_WRONLY | os.O_RDWR))
            if not writes:
                return
            if not under(path):
                return
        elif event not in WRITES or not under(eargs):
            return
        steps += 1
        if steps == k:
            os.kill(os.getpid(), signal.SIGKILL)

    from jdreview.cli import main as jdreview

    sys.addaudithook(hook)
    rc = jdreview(args)
    print(f"STEPS {steps}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
