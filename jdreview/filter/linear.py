"""Rule regexes on RE2: linear time, and one pass over a line for all the patterns of a group.

The rules are written in the ``regex`` module's syntax and have always meant what
``regex`` makes of them (Unicode ``\\w``, ``\\s``, ``\\d`` and ``\\b``). RE2 runs in time
linear in the line whatever the pattern, so a catastrophic pattern cannot exist, and a
``re2.Set`` answers "which of these patterns occur in this line?" in one pass. This
module translates a pattern into RE2 syntax with the same meaning:

- ``\\w``, ``\\s``, ``\\d`` (and their negations, also inside classes) become explicit
  Unicode classes built from the ``regex`` module itself, so both agree on every
  code point (RE2's own classes are ASCII-only);
- ``\\b`` is RE2's own on ASCII text, where both engines agree. On other text a
  word-boundary mark (U+FDD0, a noncharacter) is put at every Unicode word boundary
  the ``regex`` module finds, and the pattern is translated to expect the mark where
  it says ``\\b`` and to step over marks everywhere else; so "a boundary here" is
  "a mark here", exactly;
- lookaround, backreferences, atomic groups, possessive repeats, ``\\B`` and the
  ``regex``-only extensions have no linear-time equivalent: :func:`check` names the
  construct and rule files that use one are refused on load.

Lines that hold a newline or the mark itself, or that are not valid Unicode (lone
surrogates), are matched by the ``regex`` module with the old time limit: a line
never holds a newline, so that path is a safety net, not a speed path.

Where the ``hyperscan`` package imports (:data:`ENGINE`), the yes/no pass runs on
Hyperscan instead, whose precompiled automaton costs about the same on new text as on
text seen before (RE2's lazily built DFA makes new states for new text): a
:class:`Scanner` holds every set of a rule set in one database, so one pass over a
line reports every pattern of every set that occurs in it. Hyperscan reads the
"plain" lines, ASCII and the common non-ASCII punctuation, symbols and spaces
(:data:`_PLAIN_CHARS`, one byte each in a code page of its own), where its ASCII
``\b`` and ASCII case folding are exactly the regex module's (the translation spells
the remaining case partners out, ``translate(..., "hs")``). Every other line (a letter
outside ASCII: the German, French, Cyrillic or Chinese text of the corpus) takes the
RE2 route above; so do rule sets a Hyperscan database is not worth compiling for
(:data:`COMPILE_AFTER`). Where a match's start is needed (two floating rules hit one
line) RE2 gives it, as before.
"""

from __future__ import annotations

import array
import bisect
import codecs
import functools
import hashlib
import os
import re
import re._constants as _c
import re._parser as _sre
import time
from collections.abc import Callable, Sequence
from typing import Any

import re2
import regex
from re2 import _re2

_hs: Any
try:  # the faster engine where it installs (x86-64 wheels); RE2 everywhere else
    import hyperscan as _hs
except ImportError:  # pragma: no cover - other platforms
    _hs = None

#: The engine of the line-level yes/no passes: "hyperscan" where the package imports
#: (unless JDREVIEW_REGEX_ENGINE=re2 asks for RE2), else "re2". Read when a set is built.
ENGINE = "hyperscan" if _hs is not None and os.environ.get("JDREVIEW_REGEX_ENGINE", "") != "re2" else "re2"

#: Seconds a pattern may spend on one line on the ``regex`` safety path.
REGEX_TIMEOUT = 0.05
MARK = "\ufdd0"
_MARK_B = MARK.encode()
_M = r"\x{FDD0}"
_MAX_REPEAT = 1000  # RE2's limit on counted repetition
_MAX_MEM = 256 << 20
_I, _S, _MULTI, _A, _L = (int(f) for f in (re.IGNORECASE, re.DOTALL, re.MULTILINE, re.ASCII, re.LOCALE))
_BOUNDARY = regex.compile(r"\b", regex.V0)
_POSIX = re.compile(r"\[:\^?[A-Za-z]+:\]")


class Unsupported(ValueError):
    """A pattern the linear-time engine cannot run; the message says which construct."""


# --------------------------------------------------------------------------- Unicode classes

_TABLES: dict[str, list[tuple[int, int]]] = {}


def _all_chars() -> str:
    return (array.array("I", range(0xD800)).tobytes().decode("utf-32-le")
            + array.array("I", range(0xE000, 0x110000)).tobytes().decode("utf-32-le"))


def _table(name: str) -> list[tuple[int, int]]:
    """Code point ranges of ``\\w``, ``\\s`` or ``\\d`` as the ``regex`` module defines them
    (computed once per process from the module itself, about 50 ms)."""
    if not _TABLES:
        text = _all_chars()
        for key in ("w", "s", "d"):
            ranges = []
            for m in regex.finditer(rf"\{key}+", text):
                lo, hi = ord(text[m.start()]), ord(text[m.end() - 1])
                ranges.append((lo, hi))
            _TABLES[key] = _merge(ranges)
    return _TABLES[name]


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for lo, hi in ranges:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= 0x10FFFF:
        out.append((nxt, 0x10FFFF))
    return out


def _minus(ranges: list[tuple[int, int]], cp: int) -> list[tuple[int, int]]:
    out = []
    for lo, hi in ranges:
        if lo <= cp <= hi:
            if lo < cp:
                out.append((lo, cp - 1))
            if cp < hi:
                out.append((cp + 1, hi))
        else:
            out.append((lo, hi))
    return out


def _cp(c: int) -> str:
    ch = chr(c)
    if ch.isascii() and ch.isalnum():
        return ch
    return rf"\x{{{c:X}}}"


def _class_body(ranges: list[tuple[int, int]]) -> str:
    key = tuple(ranges)
    body = _BODIES.get(key)
    if body is None:
        body = "".join(_cp(lo) if lo == hi else f"{_cp(lo)}-{_cp(hi)}" for lo, hi in ranges)
        if len(_BODIES) < 4096:
            _BODIES[key] = body
    return body


_BODIES: dict[tuple[tuple[int, int], ...], str] = {}


_CATS = {
    _c.CATEGORY_WORD: ("w", False), _c.CATEGORY_NOT_WORD: ("w", True),
    _c.CATEGORY_SPACE: ("s", False), _c.CATEGORY_NOT_SPACE: ("s", True),
    _c.CATEGORY_DIGIT: ("d", False), _c.CATEGORY_NOT_DIGIT: ("d", True),
}
#: Case pairs the regex module's IGNORECASE folds and RE2's (?i) does not (found by
#: comparing both on every cased code point; tests/test_linear.py checks the list):
#: a case-insensitive literal or class holding a key also takes its partners.
_EXTRA_FOLDS = {0x49: (0x131,), 0x69: (0x130,), 0x130: (0x69,), 0x131: (0x49,),
                0xDF: (0x1DF95,), 0x1E9E: (0x1DF95,), 0x1DF95: (0xDF, 0x1E9E)}
#: What a case-insensitive literal matches in the regex module where RE2 differs
#: (regex's folding is not transitive here: İ matches i but not I).
_LITERAL_FOLDS = {0x49: (0x49, 0x69, 0x131), 0x69: (0x49, 0x69, 0x130), 0x130: (0x69, 0x130),
                  0x131: (0x49, 0x131), 0xDF: (0xDF, 0x1E9E, 0x1DF95),
                  0x1E9E: (0xDF, 0x1E9E, 0x1DF95), 0x1DF95: (0xDF, 0x1E9E, 0x1DF95)}
#: Non-ASCII code points a case-insensitive pattern holds that the regex module lets
#: match ASCII letters (tests/filter/test_linear.py finds them from the module itself).
_ASCII_PARTNERS = {0x212A: (0x4B, 0x6B), 0x17F: (0x53, 0x73), 0x130: (0x69,), 0x131: (0x49,)}
_LETTER_PARTNERS = {0x4B: 0x212A, 0x6B: 0x212A, 0x53: 0x17F, 0x73: 0x17F}


def _ascii_folds(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """What a case-insensitive class (or literal) of ``ranges`` also matches among ASCII
    letters and their look-alikes, spelled out for Hyperscan, whose own folding is not
    the regex module's: each ASCII letter's other case (and K/ſ look-alikes), each
    look-alike's ASCII letters."""
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if lo < 128:
            for c in range(lo, min(hi, 127) + 1):
                ch = chr(c)
                if ch.isalpha():
                    out.append((ord(ch.swapcase()),) * 2)
                    if c in _LETTER_PARTNERS:
                        out.append((_LETTER_PARTNERS[c],) * 2)
        if hi >= 0x17F:
            out += [(p, p) for cp, partners in _ASCII_PARTNERS.items() if lo <= cp <= hi for p in partners]
    return out


_ASCII_TABLES = {"w": [(48, 57), (65, 90), (95, 95), (97, 122)], "d": [(48, 57)],
                 "s": [(9, 13), (28, 32)]}


# --------------------------------------------------------------------------- translation


def check(pattern: str, case_sensitive: bool = False) -> None:
    """Raise :class:`Unsupported` when ``pattern`` cannot run on RE2 with its meaning.

    >>> check(r"^\\d+ applicants?\\b")
    >>> check(r"^(?=.*\\d)[\\d ]+$")
    Traceback (most recent call last):
    ...
    jdreview.filter.linear.Unsupported: a lookahead or lookbehind ((?=...), (?!...), (?<=...), (?<!...))
    """
    if (pattern, case_sensitive) in _CHECKED:
        return
    translate(pattern, case_sensitive, "marker")
    prog = _re2.RE2(translate(pattern, case_sensitive, "native").encode(), _options())
    if not prog.ok():
        raise Unsupported(f"something RE2 cannot compile ({prog.error()})")


@functools.lru_cache(maxsize=1024)
def translate(pattern: str, case_sensitive: bool, bmode: str = "native") -> str:
    r"""``pattern`` (``regex`` syntax, IGNORECASE unless ``case_sensitive``) in RE2 syntax.

    ``bmode`` says what ``\b`` becomes: ``native`` (RE2's ``\b``, exact on ASCII
    text), ``drop`` (nothing: a pattern that matches wherever the original could), or
    ``marker`` (the word-boundary mark, for text prepared by :func:`mark_boundaries`).

    >>> translate(r"^Apply now\b", False)
    '(?:(?i:^Apply\\x{20}now\\b))'
    >>> translate(r"^Apply now\b", False, "marker")
    '(?:(?i:^\\x{FDD0}?A\\x{FDD0}?p\\x{FDD0}?p\\x{FDD0}?l\\x{FDD0}?y\\x{FDD0}?\\x{20}\\x{FDD0}?n\\x{FDD0}?o\\x{FDD0}?w\\x{FDD0}))'
    """
    known = _KNOWN.get((pattern, case_sensitive, bmode))
    if known is not None:
        return known[0]
    if _POSIX.search(pattern):
        raise Unsupported("a POSIX class ([[:alpha:]]) means different things to regex and RE2")
    if _loose_brace(pattern):
        raise Unsupported("a '{' that is not a repeat count (the regex module may read it as "
                          "fuzzy matching, {e<=1}; write \\{ for a brace)")
    try:
        parsed = _parse(pattern, case_sensitive)
    except (re.error, OverflowError, RecursionError) as e:
        raise Unsupported(f"syntax the linear-time engine does not know ({e})") from None
    flags = int(parsed.state.flags)
    if not case_sensitive:
        flags |= _I
    if flags & _L:
        raise Unsupported("the locale flag (?L)")
    return _translated(pattern, case_sensitive, bmode)[0]


@functools.lru_cache(maxsize=256)
def _parse(pattern: str, case_sensitive: bool) -> Any:
    """The ``re`` parser's tree of ``pattern``, parsed once for its three translations
    (the emitter only reads the tree)."""
    return _sre.parse(pattern, 0 if case_sensitive else _I)


@functools.lru_cache(maxsize=1024)
def _translated(pattern: str, case_sensitive: bool, bmode: str) -> tuple[str, bool]:
    """(RE2 source, whether a leading lookbehind was turned into a consumed character:
    then the match starts one character early and its start is asked of ``regex``)."""
    known = _KNOWN.get((pattern, case_sensitive, bmode))
    if known is not None:
        return known
    parsed = _parse(pattern, case_sensitive)
    flags = int(parsed.state.flags)
    if not case_sensitive:
        flags |= _I
    em = _Emitter(bmode)
    data = list(parsed.data)
    if len(data) == 1 and data[0][0] is _c.BRANCH:  # top-level alternatives: each is an edge
        body = "(?:" + "|".join(em.seq(list(alt.data), flags, edge=True) for alt in data[0][1][1]) + ")"
    else:
        body = em.seq(data, flags, edge=True)
    if flags & _I and bmode != "hs":
        body = f"(?i:{body})"
    return f"(?:{body})", em.shifted


_REPEAT = re.compile(r"\{\d*(?:,\d*)?\}")


def _loose_brace(pattern: str) -> bool:
    """Whether a ``{`` outside a class and unescaped does not start a repeat count."""
    escape = in_class = False
    skip_to = -1
    for k, ch in enumerate(pattern):
        if k <= skip_to:
            continue
        if escape:
            escape = False
            if ch.isalpha() and pattern.startswith("{", k + 1):  # \p{Lu}, \N{...}: not counts
                end = pattern.find("}", k + 1)
                skip_to = end if end >= 0 else len(pattern)
        elif ch == "\\":
            escape = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "{" and not _REPEAT.match(pattern, k):
            return True
    return False


class _Emitter:
    def __init__(self, bmode: str) -> None:
        self.bmode = bmode
        self.marker = bmode == "marker"
        self.hs = bmode == "hs"  # Hyperscan: case folding spelled out, no (?i)
        self.shifted = False

    def seq(self, items: list[tuple[Any, Any]], flags: int, edge: bool = False) -> str:
        out = []
        prev_b = False
        head = tail = ""
        if edge:
            # a one-character lookbehind at the start of the pattern, or lookahead at its
            # end, is the same yes/no as that character consumed (or the text's edge):
            # (?<!\S)word(?!\S) is (?:^|\s)word(?:\s|$). The window writes these.
            if items and items[0][0] in (_c.ASSERT, _c.ASSERT_NOT) and items[0][1][0] == -1:
                head = self.edge_char(items[0], flags, start=True)
                items = items[1:]
                self.shifted = True
            if items and items[-1][0] in (_c.ASSERT, _c.ASSERT_NOT) and items[-1][1][0] == 1:
                tail = self.edge_char(items[-1], flags, start=False)
                items = items[:-1]
        out.append(head)
        for op, av in items:
            if op is _c.AT and av is _c.AT_BOUNDARY:
                if prev_b:  # \b\b is \b
                    continue
                prev_b = True
            else:
                prev_b = False
            out.append(self.node(op, av, flags))
        out.append(tail)
        return "".join(out)

    def edge_char(self, item: tuple[Any, Any], flags: int, start: bool) -> str:
        op, (_direction, sub) = item
        sub = list(sub.data)
        if len(sub) != 1 or sub[0][0] not in (_c.LITERAL, _c.NOT_LITERAL, _c.IN, _c.CATEGORY, _c.ANY):
            raise Unsupported("a lookahead or lookbehind ((?=...), (?!...), (?<=...), (?<!...)) "
                              "other than one character at the pattern's start or end")
        kind, av = sub[0]
        if kind is _c.LITERAL:
            items, negate = [(_c.LITERAL, av)], False
        elif kind is _c.NOT_LITERAL:
            items, negate = [(_c.LITERAL, av)], True
        elif kind is _c.CATEGORY:
            items, negate = [(_c.CATEGORY, av)], False
        elif kind is _c.ANY:
            items, negate = ([], True) if flags & _S else ([(_c.LITERAL, 10)], True)
        else:
            items = list(av)
            negate = bool(items) and items[0][0] is _c.NEGATE
            if negate:
                items = items[1:]
        if op is _c.ASSERT:
            return self.atom(self.cls(items, negate, flags))
        char = self.atom(self.cls(items, not negate, flags))
        if start:
            return f"(?:\\A|{char})"
        end = f"{_M}?\\z" if self.marker else "\\z"
        return f"(?:{end}|{char})"

    def atom(self, body: str) -> str:
        return f"{_M}?{body}" if self.marker else body

    def cls(self, items: list[tuple[Any, Any]], negate: bool, flags: int) -> str:
        ranges: list[tuple[int, int]] = []
        for op, av in items:
            if op is _c.LITERAL:
                ranges.append((av, av))
            elif op is _c.RANGE:
                ranges.append((av[0], av[1]))
            elif op is _c.CATEGORY:
                name, neg = _CATS[av]
                table = _ASCII_TABLES[name] if flags & _A else _table(name)
                ranges.extend(_complement(table) if neg else table)
            else:
                raise Unsupported(f"a class item the engine does not know ({op})")
        if flags & _I:
            ranges += [(p, p) for cp, partners in _EXTRA_FOLDS.items()
                       if any(lo <= cp <= hi for lo, hi in ranges) for p in partners]
            if self.hs:
                ranges += _ascii_folds(ranges)
        ranges = _merge(ranges)
        if self.hs:  # only plain text reaches Hyperscan: the class within it, spelled positively
            return _byte_class(_complement(ranges) if negate else ranges)
        if self.marker:
            if negate:
                ranges = _merge([*ranges, (0xFDD0, 0xFDD0)])
            else:
                ranges = _minus(ranges, 0xFDD0)
        if not ranges:
            return "[^\\x{0}-\\x{10FFFF}]" if not negate else "[\\x{0}-\\x{10FFFF}]"
        return ("[^" if negate else "[") + _class_body(ranges) + "]"

    def node(self, op: Any, av: Any, flags: int) -> str:
        if op is _c.LITERAL:
            if self.hs and flags & _I:
                cps = set(_LITERAL_FOLDS.get(av, (av,)))
                cps.update(p for p, _ in _ascii_folds([(av, av)]))
                return _byte_class([(c, c) for c in cps])
            if self.hs:
                return _byte_class([(av, av)]) if av > 127 or not chr(av).isalnum() else chr(av)
            if flags & _I and av in _LITERAL_FOLDS:  # regex's own set, as it is
                return self.atom("(?-i:[" + "".join(map(_cp, _LITERAL_FOLDS[av])) + "])")
            return self.atom(_cp(av))
        if op is _c.NOT_LITERAL:
            return self.atom(self.cls([(_c.LITERAL, av)], True, flags))
        if op is _c.ANY:
            if flags & _S:
                return self.atom(self.cls([], True, flags))
            return self.atom(self.cls([(_c.LITERAL, 10)], True, flags))
        if op is _c.IN:
            items = list(av)
            negate = bool(items) and items[0][0] is _c.NEGATE
            if negate:
                items = items[1:]
            return self.atom(self.cls(items, negate, flags))
        if op is _c.CATEGORY:
            return self.atom(self.cls([(op, av)], False, flags))
        if op is _c.BRANCH:
            return "(?:" + "|".join(self.seq(list(alt.data), flags) for alt in av[1]) + ")"
        if op is _c.SUBPATTERN:
            _group, add, delete, sub = av
            inner = flags | add
            inner &= ~delete
            body = self.seq(list(sub.data), inner)
            if (inner ^ flags) & _I and not self.hs:
                return f"(?i:{body})" if inner & _I else f"(?-i:{body})"
            return f"(?:{body})"
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            lo, hi, sub = av
            if lo > _MAX_REPEAT or (hi is not _c.MAXREPEAT and hi > _MAX_REPEAT):
                raise Unsupported(f"a repeat count over {_MAX_REPEAT}")
            body = f"(?:{self.seq(list(sub.data), flags)})"
            if hi is _c.MAXREPEAT:
                q = "*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}"
            elif lo == hi:
                q = f"{{{lo}}}"
            elif (lo, hi) == (0, 1):
                q = "?"
            else:
                q = f"{{{lo},{hi}}}"
            return body + q + ("?" if op is _c.MIN_REPEAT else "")
        if op is _c.AT:
            return self.at(av, flags)
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            raise Unsupported("a lookahead or lookbehind ((?=...), (?!...), (?<=...), (?<!...))")
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            raise Unsupported("a backreference (\\1, (?P=name), (?(1)...))")
        if op is _c.ATOMIC_GROUP:
            raise Unsupported("an atomic group (?>...)")
        if op is _c.POSSESSIVE_REPEAT:
            raise Unsupported("a possessive repeat (*+, ++, ?+)")
        raise Unsupported(f"a construct the linear-time engine does not know ({op})")

    def at(self, av: Any, flags: int) -> str:
        m = self.marker
        if av is _c.AT_BEGINNING:
            return "(?m:^)" if flags & _MULTI else "^"
        if av is _c.AT_BEGINNING_STRING:
            return r"\A"
        if av is _c.AT_END:
            end = "(?m:$)" if flags & _MULTI else "$"
            return f"{_M}?{end}" if m else end
        if av is _c.AT_END_STRING:
            return f"{_M}?\\z" if m else r"\z"
        if av is _c.AT_BOUNDARY:
            if flags & _A:
                raise Unsupported("\\b under the ASCII flag (?a)")
            return {"native": r"\b", "hs": r"\b", "drop": "", "marker": _M}[self.bmode]
        if av is _c.AT_NON_BOUNDARY:
            raise Unsupported("\\B (not a word boundary): write what may stand there instead")
        raise Unsupported(f"an anchor the linear-time engine does not know ({av})")


def uses_boundary(pattern: str) -> bool:
    """Whether the parsed pattern has a ``\\b`` anywhere (then non-ASCII text needs marks)."""
    return translate(pattern, True, "native") != translate(pattern, True, "drop")


def mark_boundaries(text: str) -> str:
    """``text`` with :data:`MARK` at every word boundary the ``regex`` module sees.

    >>> mark_boundaries("für 5").replace(MARK, "|")
    '|für| |5|'
    """
    marked: str = _BOUNDARY.sub(MARK, text)
    return marked


def _options() -> Any:
    o = re2.Options()
    o.max_mem = _MAX_MEM
    o.log_errors = False
    o.never_capture = True
    return o


# --------------------------------------------------------------------------- pattern sets

_UNANCHORED = _re2.RE2.Anchor.UNANCHORED


class _Compiled:
    """The RE2 programs of one tuple of patterns (shared by every set built from it)."""

    def __init__(self, patterns: tuple[tuple[str, bool], ...]) -> None:
        opts = _options()
        self.opts = opts
        native_set = _re2.Set(_UNANCHORED, opts)
        relaxed_set = _re2.Set(_UNANCHORED, opts)
        self.sources: list[tuple[str, str, str] | None] = []
        self.set_index: list[int] = []
        self.needs_mark: list[bool] = []
        self.forced: list[int] = []  # patterns that only the regex module can run
        self.shifted: set[int] = set()  # matches start a character early: starts asked of regex
        for i, (pat, cs) in enumerate(patterns):
            try:
                n, r, m = (translate(pat, cs, mode) for mode in ("native", "drop", "marker"))
                if native_set.Add(n.encode()) < 0:
                    raise Unsupported("RE2 refused the translation")
            except Unsupported:
                self.forced.append(i)
                self.sources.append(None)
                self.needs_mark.append(False)
                continue
            relaxed_set.Add(r.encode())
            self.set_index.append(i)
            self.sources.append((n, r, m))
            if _translated(pat, cs, "native")[1]:
                self.shifted.add(i)
            self.needs_mark.append(n != r)
        self.any_set = bool(self.set_index)
        if self.any_set and (not native_set.Compile() or not relaxed_set.Compile()):
            raise Unsupported("RE2 could not compile the pattern set (too large)")
        self.native_set = native_set
        self.relaxed_set = relaxed_set
        self.any_mark = any(self.needs_mark)
        # the patterns with \b, translated for marked text, as one more set: a yes/no
        # per pattern costs one DFA pass, where a match with its span can cost 50 us
        marked_set = _re2.Set(_UNANCHORED, opts)
        self.marked_index: list[int] = []
        for i, src in enumerate(self.sources):
            if src is not None and self.needs_mark[i]:
                marked_set.Add(src[2].encode())
                self.marked_index.append(i)
        if self.marked_index and not marked_set.Compile():
            raise Unsupported("RE2 could not compile the pattern set (too large)")
        self.marked_set = marked_set
        self._single: dict[tuple[int, int], Any] = {}

    def single(self, i: int, mode: int) -> Any:
        """Pattern ``i`` alone (mode 0 native, 1 relaxed, 2 marked), compiled on first use."""
        key = (i, mode)
        prog = self._single.get(key)
        if prog is None:
            src = self.sources[i]
            assert src is not None
            prog = self._single[key] = _re2.RE2(src[mode].encode(), self.opts)
        return prog


_COMPILED: dict[tuple[tuple[str, bool], ...], _Compiled] = {}


def _compiled(patterns: tuple[tuple[str, bool], ...]) -> _Compiled:
    hit = _COMPILED.get(patterns)
    if hit is None:
        if len(_COMPILED) >= 256:
            _COMPILED.clear()
        hit = _COMPILED[patterns] = _Compiled(patterns)
    return hit


class PatternSet:
    """Patterns searched together: which of them occur in a text, and where each starts.

    ``hits`` costs one RE2 pass on ASCII text, and on other text one pass plus, only
    when a pattern with ``\\b`` may match, a confirming pass over the marked text.

    >>> ps = PatternSet([(r"\\bapply\\b", False), (r"\\d+ applicants", False)])
    >>> ps.hits("12 applicants"), ps.hits("Jetzt bewerben: Apply!"), ps.hits("reapplying")
    ([1], [0], [])
    >>> ps.hits("Über 12 applicants"), ps.hits("Applyé")
    ([1], [])
    """

    def __init__(self, patterns: Sequence[tuple[str, bool]],
                 on_timeout: Callable[[str], None] | None = None) -> None:
        self.patterns = tuple(patterns)
        #: the Hyperscan scanner answering for this set (its own, or one shared by a
        #: rule set's sets), and where this set's ids start in it
        self._scanner: Scanner | None = None
        self._lo = self._hi = 0
        self._hs = ENGINE == "hyperscan"
        self.pattern = self.patterns[0][0] if len(self.patterns) == 1 else ""
        self.on_timeout = on_timeout
        self._regex: list[Any] | None = None
        c = self._c = _compiled(self.patterns)
        self._set_index = c.set_index
        self._needs_mark = c.needs_mark
        self._forced = c.forced
        self._any_set = c.any_set
        self._any_mark = c.any_mark
        self._native_set = c.native_set
        self._relaxed_set = c.relaxed_set

    def __len__(self) -> int:
        return len(self.patterns)

    # -- the safety path
    def _regexes(self) -> list[Any]:
        if self._regex is None:
            self._regex = [regex.compile(p, (0 if cs else regex.IGNORECASE) | regex.V0)
                           for p, cs in self.patterns]
        return self._regex

    def _regex_search(self, i: int, text: str) -> Any:
        try:
            return self._regexes()[i].search(text, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            if self.on_timeout is not None:
                self.on_timeout(text)
            return None

    def _slow_hits(self, text: str) -> list[int]:
        return [i for i in range(len(self.patterns)) if self._regex_search(i, text) is not None]

    def hits(self, text: str) -> list[int]:
        """Indexes of the patterns that occur in ``text``, in order."""
        if self._hs:
            scanner = self._scanner
            if scanner is None:
                scanner = Scanner([self])
            got = scanner.hits(text)
            if got is not None:  # ASCII or plain text: Hyperscan's answer is exact
                lo, hi = self._lo, self._hi
                out = [g - lo for g in got if lo <= g < hi] if got else []
                if self._forced:
                    out += [i for i in self._forced if self._regex_search(i, text) is not None]
                    out.sort()
                return out
        return self._re2_hits(text)

    def _re2_hits(self, text: str) -> list[int]:
        if "\n" in text or MARK in text:
            return self._slow_hits(text)
        try:
            data = text.encode()
        except UnicodeEncodeError:  # lone surrogates: RE2 reads UTF-8 only
            return self._slow_hits(text)
        out: list[int] = []
        if self._any_set:
            if len(data) == len(text):  # ASCII: RE2's \b is the regex module's
                found = self._native_set.Match(data)
            else:
                found = self._relaxed_set.Match(data)
                if found and self._any_mark:
                    needs = self._needs_mark
                    index = self._set_index
                    if any(needs[index[k]] for k in found):
                        # a \b pattern may match: confirm on the text with its boundaries marked
                        c = self._c
                        confirmed = {c.marked_index[j] for j in c.marked_set.Match(mark_boundaries(text).encode()) or ()}
                        found = [k for k in found if not needs[index[k]] or index[k] in confirmed]
            if found:
                index = self._set_index
                out = [index[k] for k in found]
        if self._forced:
            out += [i for i in self._forced if self._regex_search(i, text) is not None]
        if len(out) > 1:
            out.sort()
        return out

    def search(self, text: str) -> bool:
        """Whether any pattern occurs in ``text``."""
        return bool(self.hits(text))

    def starts(self, text: str, which: Sequence[int]) -> list[int]:
        """Where the leftmost match of each pattern in ``which`` starts, in UTF-8 bytes of
        ``text`` (comparable with each other; -1 when it does not occur)."""
        out = []
        data: bytes | None = None
        marked: bytes | None = None
        slow = "\n" in text or MARK in text
        if not slow:
            try:
                data = text.encode()
            except UnicodeEncodeError:
                slow = True
        for i in which:
            if slow or i in self._forced or i in self._c.shifted:
                m = self._regex_search(i, text)
                out.append(-1 if m is None else len(text[:m.start()].encode("utf-8", "surrogatepass")))
                continue
            assert data is not None
            if len(data) == len(text) or not self._needs_mark[i]:
                prog = self._c.single(i, 0 if len(data) == len(text) else 1)
                out.append(prog.Match(_UNANCHORED, data, 0, len(data))[0][0])
                continue
            if marked is None:
                marked = mark_boundaries(text).encode()
            start = self._c.single(i, 2).Match(_UNANCHORED, marked, 0, len(marked))[0][0]
            # a start in the marked text, as a start in the text: each mark is 3 bytes
            out.append(-1 if start < 0 else start - len(_MARK_B) * marked.count(_MARK_B, 0, start))
        return out


# --------------------------------------------------------------------------- Hyperscan

_HS_FLAGS = 0
if _hs is not None:
    _HS_FLAGS = _hs.HS_FLAG_SINGLEMATCH | _hs.HS_FLAG_ALLOWEMPTY


#: The non-ASCII characters Hyperscan sees, each as one byte of its own code page
#: (byte 0x80 + position): Latin-1's signs and the punctuation, symbols, spaces and
#: emoji most frequent in the corpus and the NHS postings. Each is "plain": not a word
#: character and without case (not ``\w``, ``\p{Cased}``, changed by no case mapping or
#: folding), so on text of ASCII and these characters Hyperscan's ASCII ``\b`` is the
#: regex module's Unicode ``\b`` and a class needs only the plain characters it holds
#: (tests/filter/test_linear.py checks every one). A line holding any other character,
#: a newline or the mark is answered by RE2.
_PLAIN_CHARS = "".join(dict.fromkeys(
    "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb6\xb7"
    "\xb8\xb9\xbb\xbc\xbd\xbe\xbf\xd7\xf7"
    "\u2022\u2019\u2013\u2018\u2026\u201c\u201d\u2014\uff5e\u252c\u30fb\u3001\u20ac\u202f"
    "\u3002\uff08\uff09\u2011\uf0b7\u2605\u2010\uff0f\u3010\u3011\u300c\u300d\u203b\uff01"
    "\u2122\u200f\u2563\uff1c\uff1e\u2028\u25c6\uff0c\uf0a7\u25ce\u25cf\u222b\u2192\u2310"
    "\u060c\u2066\u2069\u2060\u221e\U0001f680\U0001f91d\U0001f30d\U0001f4bc\u200b\uff1a"
    "\u266a\u2606\uf8ff\u2020\u220f\U0001f525\U0001f4c8\U0001f4a1\U0001f4b0\u26a1\U0001f9e0"
    "\U0001f50e\U0001f37d\U0001f6b2\U0001f3e2\U0001f3af\U0001f6e0\u2705\U0001f50d\U0001f4cd"
    "\U0001f331\u301c\u300a\u300b\uff3c\uff1b\u2023\u2043\u25aa\u25a0\u25ba\u2713"
    "\u2714\u2716\u2715\u2212\u2032\u2033\u201e\u201a\u2039\u203a\u2015\u2012\ufeff"
    "\u2002\u2003\u2009\u200a\u3000"))[:127]


@functools.lru_cache(maxsize=1)
def _codepage() -> tuple[dict[int, int], Any, list[int]]:
    """(code point -> its byte, the codec map that encodes plain text to those bytes,
    the code points in order); ASCII is itself but the newline, which, like every other
    character, has no byte."""
    table = {c: c for c in range(128) if c != 10}
    table.update((ord(ch), 0x80 + k) for k, ch in enumerate(_PLAIN_CHARS))
    decoding = ["\ufffe"] * 256
    for cp, b in table.items():
        decoding[b] = chr(cp)
    return table, codecs.charmap_build("".join(decoding)), sorted(table)


def _byte_class(ranges: list[tuple[int, int]]) -> str:
    """The bytes of the plain characters in ``ranges``, as a Hyperscan class (a newline,
    which plain text never holds, when there are none)."""
    table, _map, cps = _codepage()
    got = sorted(table[cps[k]] for lo, hi in ranges
                 for k in range(bisect.bisect_left(cps, lo), bisect.bisect_right(cps, hi)))
    if not got:
        return r"\x0a"
    spans: list[list[int]] = []
    for b in got:
        if spans and b == spans[-1][1] + 1:
            spans[-1][1] = b
        else:
            spans.append([b, b])
    return "[" + "".join(rf"\x{lo:02x}" if lo == hi else rf"\x{lo:02x}-\x{hi:02x}" for lo, hi in spans) + "]"


#: New lines a scanner leaves to RE2 before it compiles its Hyperscan database, when
#: the database is not in the cache: compiling the shipped rules takes Hyperscan 3-5 s,
#: which pays back after about as many lines as a batch of a few thousand postings
#: holds; a rule set built for one posting (the window's previews) never pays it.
COMPILE_AFTER = 20_000
#: A database that compiled faster than this is not kept on disk (compiling it again
#: costs less than the file); the cache keeps the newest CACHE_FILES databases.
CACHE_AFTER_SECONDS = 0.25
CACHE_FILES = 16


class Scanner:
    """Several :class:`PatternSet` s answered by one Hyperscan pass over a text: the pass
    reports the ids of every pattern of every set that occurs in it, each set reads
    its own. A rule set scans a line once for its keep, drop, segment and section
    patterns together (cached per text: the filter asks about a line several times).

    Text that is not plain (:data:`_PLAIN_CHARS`: a letter outside ASCII, a newline),
    and every text while the database is not compiled yet, gets ``None``: the sets
    answer it the RE2 way, exact on any text.

    The database is kept on disk in Hyperscan's own serialised form (never pickle),
    keyed by the patterns, this module's source, the Hyperscan version and the
    machine (:func:`_cache_path`); a damaged or foreign file is ignored and replaced.
    """

    def __init__(self, sets: Sequence[PatternSet]) -> None:
        self._sets = list(sets)
        self._key = tuple(ps.patterns for ps in self._sets)
        self._db: Any = None
        self._whole = False  # every set in the compiled database (set on attach)
        self._pending = 0
        self._cache: dict[str, tuple[int, ...] | None] = {}
        self._map = _codepage()[1]
        for ps in self._sets:
            ps._scanner, ps._hs, ps._lo, ps._hi = self, True, 0, 0
        hit = _DATABASES.get(self._key)
        if hit is None:
            path = _cache_path(self._key)
            hit = _load(path) if path is not None else None
            if hit is not None:
                _remember(self._key, hit)
        if hit is not None:
            self._attach(*hit)

    def _attach(self, db: Any, bounds: list[tuple[int, int]]) -> None:
        self._db = db
        for ps, (lo, hi) in zip(self._sets, bounds, strict=True):
            ps._scanner = self if lo >= 0 else None
            ps._hs = lo >= 0
            ps._lo, ps._hi = lo, hi
        self._whole = all(lo >= 0 for lo, _hi in bounds)

    def compile(self) -> None:
        """Compile the database now (kept on disk when compiling it took a while)."""
        if self._db is None:
            hit = _DATABASES.get(self._key)
            if hit is None:
                t = time.perf_counter()
                hit = _build(self._sets)
                if time.perf_counter() - t >= CACHE_AFTER_SECONDS:
                    path = _cache_path(self._key)
                    if path is not None:
                        _store(path, *hit)
                _remember(self._key, hit)
            self._attach(*hit)

    def misses(self, text: str) -> bool:
        """Whether one scan says that no pattern of any set occurs in ``text``. Never when
        RE2 has to answer the text, nor when a set Hyperscan refused answers on RE2 (an
        empty scan then says nothing about its patterns)."""
        return self.hits(text) == () and self._whole

    def hits(self, text: str) -> tuple[int, ...] | None:
        """Sorted ids of the patterns in ``text``, or None when RE2 has to answer."""
        cache = self._cache
        got = cache.get(text, _UNSEEN)
        if got is _UNSEEN:
            if self._db is None:
                self._pending += 1
                if self._pending <= COMPILE_AFTER:
                    return None
                self.compile()
            got = self._scan(text)
            if len(cache) >= 4096:
                cache.clear()
            cache[text] = got
        return got  # type: ignore[return-value]

    def _scan(self, text: str) -> tuple[int, ...] | None:
        if text.isascii():
            if "\n" in text:
                return None
            data = text.encode()
        elif "\ufffe" in text:  # the code page's "no character" marker: not plain
            return None
        else:
            try:
                data = codecs.charmap_encode(text, "strict", self._map)[0]
            except UnicodeEncodeError:  # not plain: a letter outside ASCII, a newline, ...
                return None
        db = self._db
        if db is False:  # no pattern at all
            return ()
        found: list[int] = []
        db.scan(data, match_event_handler=_collect, context=found)
        if not found:
            return ()
        found.sort()
        return tuple(found)


_UNSEEN = object()
_Key = tuple[tuple[tuple[str, bool], ...], ...]
_DATABASES: dict[_Key, tuple[Any, list[tuple[int, int]]]] = {}


def _remember(key: _Key, hit: tuple[Any, list[tuple[int, int]]]) -> None:
    if len(_DATABASES) >= 32:
        _DATABASES.pop(next(iter(_DATABASES)))
    _DATABASES[key] = hit


def _collect(pid: int, _start: int, _end: int, _flags: int, found: Any) -> None:
    found.append(pid)


def _compile(sources: list[str], ids: list[int]) -> Any:
    """A Hyperscan block-mode database of ``sources`` (byte mode, over :func:`_codepage`
    bytes; False when there is no pattern)."""
    if not sources:
        return False
    db = _hs.Database()
    db.compile(expressions=[src.encode() for src in sources], ids=ids, elements=len(sources),
               flags=[_HS_FLAGS] * len(sources))
    return db


def _build(sets: Sequence[PatternSet]) -> tuple[Any, list[tuple[int, int]]]:
    """The database of every set Hyperscan compiles, and each set's ids in it; a set
    with a pattern Hyperscan refuses (bounds (-1, -1)) stays on RE2 whole."""
    per_set = [[(i, translate(p, cs, "hs")) for i, (p, cs) in enumerate(ps.patterns) if i not in ps._forced]
               for ps in sets]
    try:
        return _assemble(per_set, [True] * len(sets))
    except Exception:  # hyperscan.error: some pattern it refuses; find whose
        return _assemble(per_set, [_compiles([src for _i, src in mine]) for mine in per_set])


def _assemble(per_set: list[list[tuple[int, str]]], usable: list[bool]) -> tuple[Any, list[tuple[int, int]]]:
    sources: list[str] = []
    ids: list[int] = []
    bounds: list[tuple[int, int]] = []
    nxt = 0
    for mine, ok in zip(per_set, usable, strict=True):
        if not ok:
            bounds.append((-1, -1))
            continue
        sources += [src for _i, src in mine]
        ids += [nxt + i for i, _src in mine]
        n = max((i for i, _src in mine), default=-1) + 1
        bounds.append((nxt, nxt + n))
        nxt += n
    return _compile(sources, ids), bounds


def _compiles(sources: list[str]) -> bool:
    try:
        _compile(sources, list(range(len(sources))))
    except Exception:  # hyperscan.error: a construct or size it refuses
        return False
    return True


# --------------------------------------------------------------------------- the database cache

_CACHE_MAGIC = b"jdreview-hyperscan-1\n"


def _cache_dir() -> str | None:
    """Where compiled databases are kept: ``$JDREVIEW_CACHE`` (empty: nowhere), else
    ``$XDG_CACHE_HOME/jdreview`` or ``~/.cache/jdreview``."""
    env = os.environ.get("JDREVIEW_CACHE")
    if env is not None:
        return env or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "jdreview")


def source_digest(path: str) -> bytes:
    """The digest of the source file ``path`` as it was imported (read at import, not when
    a database or memo is first stored: a process still running old code after the file
    changed must not store its results under the new code's key)."""
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).digest()
    except OSError:  # pragma: no cover - a zipped install: the package version stands in
        from ..version import __version__

        return __version__.encode()


_SOURCE_DIGEST = source_digest(__file__)


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    """This module's source and the Hyperscan build: what the translation and the
    database format depend on besides the patterns."""
    import hashlib
    import platform

    h = hashlib.sha256(_SOURCE_DIGEST)
    h.update(repr((getattr(_hs, "__version__", ""), platform.machine(), _HS_FLAGS)).encode())
    return h.hexdigest()


def _cache_path(key: _Key) -> str | None:
    folder = _cache_dir()
    if folder is None or _hs is None:
        return None
    import hashlib

    h = hashlib.sha256(_code_hash().encode())
    h.update(repr(key).encode("utf-8", "surrogatepass"))
    return os.path.join(folder, f"hs-{h.hexdigest()[:32]}.db")


def _read_checked(path: str, magic: bytes) -> bytes | None:
    """The body of a cache file written as ``magic``, the body's SHA-256 and the body, or
    None when it is missing, foreign or damaged."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    head = len(magic) + 32
    body = raw[head:]
    if not raw.startswith(magic) or hashlib.sha256(body).digest() != raw[len(magic):head]:
        return None
    return body


def _write_checked(path: str, magic: bytes, body: bytes, prefix: str, suffix: str) -> None:
    """Write ``body`` at ``path`` as :func:`_read_checked` reads it (atomically), then keep
    only the newest ``CACHE_FILES`` files named ``prefix...suffix`` in its folder."""
    from ..io.atomic import atomic_write_bytes

    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    atomic_write_bytes(path, magic + hashlib.sha256(body).digest() + body, durable=False)
    kept = sorted((e for e in os.scandir(folder) if e.name.startswith(prefix) and e.name.endswith(suffix)),
                  key=lambda e: e.stat().st_mtime, reverse=True)
    for old in kept[CACHE_FILES:]:
        os.remove(old.path)


def _load(path: str) -> tuple[Any, list[tuple[int, int]]] | None:
    """The database and set bounds stored at ``path``, or None when the file is
    missing, damaged, or from another Hyperscan or CPU."""
    import json

    body = _read_checked(path, _CACHE_MAGIC)
    if body is None:
        return None
    try:
        n = int.from_bytes(body[:4], "little")
        bounds = [(int(lo), int(hi)) for lo, hi in json.loads(body[4:4 + n])]
        payload = body[4 + n:]
        if not payload:
            return False, bounds
        db = _hs.loadb(payload, _hs.HS_MODE_BLOCK)
        db.scratch = _hs.Scratch(db)
        db.scan(b"probe", match_event_handler=_collect, context=[])  # a foreign CPU fails here
    except Exception:  # bad JSON, another Hyperscan version or platform
        return None
    return db, bounds


def _store(path: str, db: Any, bounds: list[tuple[int, int]]) -> None:
    """Keep ``db`` at ``path`` atomically (a cache that cannot be written is skipped)."""
    import json


    try:
        meta = json.dumps(bounds).encode()
        body = len(meta).to_bytes(4, "little") + meta + (_hs.dumpb(db) if db is not False else b"")
        _write_checked(path, _CACHE_MAGIC, body, "hs-", ".db")
    except Exception:  # a read-only home, a full disk, a file another process removed
        pass


# --------------------------------------------------------------------------- the translation memo
# Start-up: validating a rule file's patterns (the regex module's parse, the checks of
# :func:`check`) and translating them takes about 0.3 s for the shipped rules, the same
# every run. What it found is kept on disk beside the databases, as data (JSON) under a
# checksum, keyed by the rule file's text, this module's and the caller's source and the
# engines' versions; a damaged or foreign file is ignored and rebuilt.

#: (pattern, case_sensitive, bmode) -> what :func:`_translated` gives, read from a memo
_KNOWN: dict[tuple[str, bool, str], tuple[str, bool]] = {}
#: (pattern, case_sensitive) that :func:`check` passed, read from a memo
_CHECKED: set[tuple[str, bool]] = set()
_MEMO_MAGIC = b"jdreview-translations-1\n"
#: a rule file whose validation and translation took less than this is not memoised
MEMO_AFTER_SECONDS = 0.1


def memo_path(text: str, salt: bytes) -> str | None:
    """Where the memo of rule-file ``text`` is kept (``salt``: the caller's own source
    digest), or None when there is no cache folder."""
    import hashlib
    import sys

    folder = _cache_dir()
    if folder is None:
        return None
    h = hashlib.sha256(_SOURCE_DIGEST + salt)
    h.update(repr((regex.__version__, getattr(re2, "__version__", ""), sys.version)).encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return os.path.join(folder, f"tr-{h.hexdigest()[:32]}.json")


def load_memo(path: str) -> dict[str, Any] | None:
    """The memo at ``path`` (its translations and checks now known to this module, its
    ``"validated"`` list for the caller), or None when it is missing or damaged."""
    import json

    body = _read_checked(path, _MEMO_MAGIC)
    if body is None:
        return None
    try:
        doc = json.loads(body)
        translated = [(p, cs, mode, src, shifted) for p, cs, mode, src, shifted in doc["translated"]]
        checked = [(p, cs) for p, cs in doc["checked"]]
        validated = [(p, cs, key) for p, cs, key in doc["validated"]]
    except (ValueError, TypeError, KeyError):
        return None
    for p, cs, mode, src, shifted in translated:
        if not (isinstance(p, str) and isinstance(src, str) and mode in ("native", "drop", "marker")
                and isinstance(cs, bool) and isinstance(shifted, bool)):
            return None
    if not all(isinstance(p, str) and isinstance(cs, bool) for p, cs in checked) or not all(
            isinstance(p, str) and isinstance(cs, bool) and isinstance(key, str) for p, cs, key in validated):
        return None
    for p, cs, mode, src, shifted in translated:
        _KNOWN[(p, cs, mode)] = (src, shifted)
    _CHECKED.update(checked)
    return {"validated": validated}


def store_memo(path: str, patterns: Sequence[tuple[str, bool]], validated: Sequence[tuple[str, bool, str]]) -> None:
    """Keep at ``path`` the translations of ``patterns`` (those that translate), the
    checks they passed and the caller's ``validated`` list; atomically, skipped when
    the cache cannot be written."""
    import json


    translated = []
    checked = []
    for p, cs in dict.fromkeys(patterns):
        try:
            for mode in ("native", "drop", "marker"):
                translate(p, cs, mode)
                src, shifted = _translated(p, cs, mode)
                translated.append((p, cs, mode, src, shifted))
            check(p, cs)
        except Unsupported:
            continue
        checked.append((p, cs))
    try:
        body = json.dumps({"translated": translated, "checked": checked, "validated": list(validated)},
                          ensure_ascii=True).encode()
        _write_checked(path, _MEMO_MAGIC, body, "tr-", ".json")
    except Exception:  # a read-only home, a full disk, a file another process removed
        pass
