"""The one exception type the core raises for bad input.

Every message names the file and, where known, the place (line, record, byte), so
the command line and the window can show it as a single line without a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input: a file, record or rule that cannot be used.

    >>> str(InputError("a.txt", "binary file", line=3))
    'a.txt:3: binary file'
    """

    def __init__(self, source: str, message: str, *, line: int | None = None,
                 record: int | None = None) -> None:
        self.source = source
        self.message = message
        self.line = line
        self.record = record
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.record is not None:
            where += f": record {self.record}"
        return f"{where}: {self.message}"


class UsageError(InputError):
    """A command that must not run as given (exit status 2): e.g. an output folder whose
    outputs would overwrite the inputs.

    >>> str(UsageError("out", "would overwrite the input out/p.txt"))
    'out: would overwrite the input out/p.txt'
    """
