"""Rules and rule sets: the explicit, human-editable half of the filter.

A rule file is TOML: one ``[[rule]]`` table per rule. TOML because people edit these
files by hand (comments, no trailing-comma traps), regexes go in literal strings
(``'\\d+ applicants'``: no double escaping), Python reads it with the standard
library, and every rule starts on a line we can point to in an error message.

    schema = 1

    [[rule]]
    id = "apply-button"
    kind = "exact"                 # exact | regex | section | lexicon | repeated_block | repeated_title
    pattern = ["apply", "apply now"]
    action = "drop"                # drop | keep  (keep rules outrank drop rules)
    scope = "all"                  # all, or a site such as "linkedin"
    note = "buttons"
    provenance = { by = "jdreview", at = "2026-11-22", posting = "" }
    enabled = true

Regexes are written in the ``regex`` module's syntax and run on RE2 in linear time
(:mod:`jdreview.filter.linear`): all the regexes of a scope in one pass over a line, and a
pattern RE2 cannot run with its meaning is refused when its file is loaded.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, get_args

import regex

from ..errors import InputError
from ..limits import CACHE_ENTRIES
from . import linear
from .lexicon import cues, lexicon
from .linear import REGEX_TIMEOUT as REGEX_TIMEOUT  # the safety path's limit, named by the batch
from .linear import PatternSet, Scanner, Unsupported
from .linear import check as check_linear

#: this module's source as imported: part of the key of a rule file's memo (its validation
#: lives here)
_SOURCE_DIGEST = linear.source_digest(__file__)

SCHEMA = 1
Kind = Literal["exact", "regex", "section", "repeated_block", "repeated_title", "link_list", "lexicon",
               "near_duplicate"]
Action = Literal["drop", "keep"]
Unit = Literal["line", "segment"]
KINDS: tuple[Kind, ...] = get_args(Kind)
ACTIONS: tuple[Action, ...] = get_args(Action)
UNITS: tuple[Unit, ...] = get_args(Unit)
FIELDS = {"id", "kind", "pattern", "action", "scope", "unit", "end", "max_lines", "min_lines",
          "case_sensitive", "note", "provenance", "enabled"}
PROVENANCE_FIELDS = {"by", "at", "posting", "from"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_WS = re.compile(r"\s+")
_CACHE_SIZE = CACHE_ENTRIES
_EDGE_PUNCT = " !.:;,?-–—•·*>|»«→←\u200b\ufeff"
_RULE_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")  # TOML allows [[ rule ]]


def normalise(text: str) -> str:
    """The form exact rules compare: whitespace folded, case folded.

    >>> normalise("  Apply   NOW ")
    'apply now'
    """
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule. ``pattern`` is a tuple of strings (exact), or one regex string."""

    id: str
    kind: Kind
    pattern: tuple[str, ...] = ()
    action: Action = "drop"
    scope: str = "all"
    unit: Unit = "line"
    end: str = ""
    max_lines: int = 0
    min_lines: int = 2
    case_sensitive: bool = False
    note: str = ""
    provenance: tuple[tuple[str, str], ...] = ()
    enabled: bool = True
    origin: str = ""  # "file:line" where the rule was defined

    def to_toml(self) -> str:
        """The rule as a ``[[rule]]`` table, ready to append to a rule file."""
        out = ["[[rule]]", f"id = {_toml_str(self.id)}", f"kind = {_toml_str(self.kind)}"]
        if self.kind in ("exact", "lexicon"):
            out.append("pattern = [" + ", ".join(_toml_str(p) for p in self.pattern) + "]")
        elif self.pattern:
            out.append(f"pattern = {_toml_str(self.pattern[0])}")
        out.append(f"action = {_toml_str(self.action)}")
        out.append(f"scope = {_toml_str(self.scope)}")
        if self.kind in ("regex", "lexicon") and self.unit != "line":
            out.append(f"unit = {_toml_str(self.unit)}")
        if self.end:
            out.append(f"end = {_toml_str(self.end)}")
        if self.max_lines:
            out.append(f"max_lines = {self.max_lines}")
        if self.kind in ("repeated_block", "link_list", "near_duplicate") and self.min_lines != 2:
            out.append(f"min_lines = {self.min_lines}")
        if self.case_sensitive:
            out.append("case_sensitive = true")
        if self.note:
            out.append(f"note = {_toml_str(self.note)}")
        if self.provenance:
            out.append("provenance = { " + ", ".join(f"{k} = {_toml_str(v)}" for k, v in self.provenance) + " }")
        out.append(f"enabled = {'true' if self.enabled else 'false'}")
        return "\n".join(out) + "\n"


def _toml_str(s: str) -> str:
    if "'" not in s and "\n" not in s and not any(ord(c) < 32 for c in s):
        return "'" + s + "'"  # literal string: regexes stay readable
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_MAYBE = Rule("may-match", "regex")  # cached marker: "some segment may match"


class RuleSet:
    """An ordered collection of rules with compiled matchers.

    Later layers replace earlier rules of the same id (a user file can redefine or
    disable a shipped rule). ``version`` is a content hash: the same rules give the
    same version on every machine.

    >>> rs = RuleSet([Rule("apply", "exact", ("apply",))])
    >>> rs.match_exact("  APPLY ", "")
    Rule(id='apply', ...)
    """

    def __init__(self, rules: Iterable[Rule] = (), sources: Iterable[str] = ()) -> None:
        by_id: dict[str, Rule] = {}
        for r in rules:
            by_id[r.id] = r
        self.rules: list[Rule] = list(by_id.values())
        self.sources = list(sources)
        self._version: str | None = None
        self._compile()

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules, version {self.version})"

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    def layered(self, other: RuleSet) -> RuleSet:
        return RuleSet([*self.rules, *other.rules], [*self.sources, *other.sources])

    def with_rule(self, rule: Rule) -> RuleSet:
        return RuleSet([*self.rules, rule], self.sources)

    def without(self, rule_id: str) -> RuleSet:
        return RuleSet([r for r in self.rules if r.id != rule_id], self.sources)

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = self._hash()
        return self._version

    def _hash(self) -> str:
        h = hashlib.sha256()
        for r in self.rules:
            if r.enabled:
                h.update(repr((r.id, r.kind, r.pattern, r.action, r.scope, r.unit, r.end,
                               r.max_lines, r.min_lines, r.case_sensitive)).encode())
        return h.hexdigest()[:12]

    # ---- compiled matchers
    def _compile(self) -> None:
        self._version = None
        self._sets: list[PatternSet] = []  # every set built here, for the one shared scan
        self._by_id = {r.id: r for r in self.rules}
        active = [r for r in self.rules if r.enabled]
        # exact: normalised line -> rule, keep rules shadow drop rules of the same text
        self._exact: dict[str, dict[str, Rule]] = {}
        for r in sorted((r for r in active if r.kind == "exact"), key=lambda r: r.action == "keep"):
            table = self._exact.setdefault(r.scope, {})
            for p in r.pattern:
                table[normalise(p)] = r
        # per (scope, unit, action): every regex rule's pattern in one RE2 set (one pass
        # over a line for all of them), with each rule and whether it is anchored at the
        # line start. The answer is the one the regex engine gave when the anchored rules
        # were tried first, then the floating ones merged into one alternation (the rule
        # whose match starts leftmost, the first such in order).
        self._combined: dict[tuple[str, str, str], _Group] = {}
        grouped: dict[tuple[str, str, str], list[Rule]] = {}
        for r in active:
            if r.kind == "regex":
                grouped.setdefault((r.scope, r.unit, r.action), []).append(r)
        for key, items in grouped.items():
            anchored = [_is_anchored(r.pattern[0]) for r in items]
            # whether the floating ones merge is asked (and cached) only when two of them match one text
            floating = tuple((r.pattern[0], r.case_sensitive) for r, a in zip(items, anchored, strict=True) if not a)
            self._combined[key] = (self._set([(r.pattern[0], r.case_sensitive) for r in items]),
                                   items, anchored, floating)
        # segment rules are anchored to segments, not lines: to ask "could a segment
        # of this line match?" cheaply, try the patterns with their anchors removed
        self._seg_any: dict[str, PatternSet] = {}
        for (scope, unit, action), items in grouped.items():
            if unit == "segment" and action == "drop":
                self._seg_any[scope] = self._set([(_unanchor(r.pattern[0]), r.case_sensitive) for r in items])
        section_rules = [r for r in active if r.kind == "section"]
        # a section's start is found by the one set of all starts (section_hits): its
        # own set is only compiled if something asks for it
        self.sections = [(r, _LazySet([(r.pattern[0], r.case_sensitive)], self._timed_out),
                          self._set([(r.end, r.case_sensitive)]) if r.end else None) for r in section_rules]
        self._section_starts = self._set([(r.pattern[0], r.case_sensitive) for r in section_rules]) \
            if section_rules else None
        # lexicon rules: (scope, unit, action) -> [(rule, the cue names it drops or keeps)]
        self._lexicon: dict[tuple[str, str, str], list[tuple[Rule, frozenset[str]]]] = {}
        for r in active:
            if r.kind == "lexicon":
                self._lexicon.setdefault((r.scope, r.unit, r.action), []).append((r, frozenset(r.pattern)))
        self.structural = [r for r in active
                           if r.kind in ("repeated_block", "repeated_title", "link_list", "near_duplicate")]
        self.timeouts: list[str] = []
        self._segment_need: dict[str, dict[str, bool]] = {}
        self.timeout_count = 0
        self._cache: dict[tuple[str, str, str, str], Rule | None] = {}
        #: filtering's per-line decision caches, site -> line -> Decision | None
        self._line_caches: dict[str, dict[str, Any]] = {}
        #: line -> indexes of the section rules that start on it (read directly by the filter)
        self.section_cache: dict[str, tuple[int, ...]] = {}
        #: line -> normalise(line) (read directly by the filter)
        self.norm_cache: dict[str, str] = {}
        #: the one Hyperscan pass over a line that answers every set (keep, drop,
        #: segment, sections), when the engine is Hyperscan
        self._scanner: Scanner | None = None
        if self._sets and linear.ENGINE == "hyperscan":
            self._scanner = Scanner(self._sets)
        #: (unit, action) pairs with a lexicon rule in some scope (those need cues even
        #: when no pattern occurs in a line)
        self._lexicon_units = {(u, a) for _s, u, a in self._lexicon}

    def scopes(self, site: str) -> tuple[str, ...]:
        return ("all", site) if site else ("all",)

    def match_exact(self, line: str, site: str, norm: str | None = None) -> Rule | None:
        """The exact rule for a line, compared after whitespace and case folding, and
        again without surrounding punctuation and bullets ("Apply now!" is "apply now")."""
        n = normalise(line) if norm is None else norm
        bare = n.strip(_EDGE_PUNCT)
        hit = None
        for scope in self.scopes(site):
            table = self._exact.get(scope)
            if not table:
                continue
            r = table.get(n)
            if r is None and bare != n and bare:
                r = table.get(bare)
            if r is not None and (hit is None or r.action == "keep"):
                hit = r
        return hit

    def match_regex(self, text: str, site: str, unit: str, action: str) -> Rule | None:
        """The first regex rule of this unit and action that matches ``text``.

        Results are cached per line text: page chrome repeats across the postings of
        a site, so a batch mostly asks about lines it has seen (the cache is bounded)."""
        scanner = self._scanner
        if scanner is not None and scanner.misses(text) and (unit, action) not in self._lexicon_units:
            return None  # no pattern of the rule set occurs in the line (one cached scan says so)
        key = (text, site, unit, action)
        cache = self._cache
        if key in cache:
            return cache[key]
        hit = self._match_regex(text, site, unit, action)
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = hit
        return hit

    def _match_regex(self, text: str, site: str, unit: str, action: str) -> Rule | None:
        for scope in self.scopes(site):
            group = self._combined.get((scope, unit, action))
            hits = group[0].hits(text) if group is not None else None
            if group is not None and hits:
                _patterns, items, anchored, floating_patterns = group
                floating = []
                for i in hits:
                    if anchored[i]:
                        return items[i]  # the anchored rules are tried first, in order
                    floating.append(i)
                if len(floating) == 1 or not _merges(floating_patterns):
                    return items[floating[0]]
                starts = group[0].starts(text, floating)
                return items[min(zip(starts, floating, strict=True))[1]]
            lex = self._lexicon.get((scope, unit, action))
            if lex:
                found = set(cues(text, self.norm_cache.get(text)))
                if found:
                    for rule, names in lex:
                        if found & names:
                            return rule
        return None

    def may_match_segment(self, text: str, site: str) -> bool:
        """Whether some segment of ``text`` could match a segment drop rule (cached)."""
        key = (text, site, "", "may")
        cache = self._cache
        if key in cache:
            return cache[key] is not None
        hit = None
        for scope in self.scopes(site):
            pat = self._seg_any.get(scope)
            if pat is not None and pat.search(text):
                hit = _MAYBE
                break
            lex = self._lexicon.get((scope, "segment", "drop"))
            if lex and (found := set(cues(text, self.norm_cache.get(text)))) and any(found & names for _r, names in lex):
                hit = _MAYBE
                break
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = hit
        return hit is not None

    def line_cache(self, site: str) -> dict[str, Any]:
        """A per-site table the filter keeps of the line rules' decision on each line."""
        cache = self._line_caches.get(site)
        if cache is None:
            cache = self._line_caches[site] = {}
        return cache

    def segment_cache(self, site: str) -> dict[str, bool]:
        """A per-site table the filter keeps of which lines need splitting into segments."""
        cache = self._segment_need.get(site)
        if cache is None:
            cache = self._segment_need[site] = {}
        return cache

    def section_hits(self, text: str) -> tuple[int, ...]:
        """Indexes (into ``sections``) of the section rules that start at ``text`` (cached)."""
        hits = self.section_cache.get(text)
        if hits is None:
            scanner = self._scanner
            if scanner is not None and scanner.misses(text):
                return ()
            starts = self._section_starts
            hits = tuple(starts.hits(text)) if starts is not None else ()
            if len(self.section_cache) >= _CACHE_SIZE:
                self.section_cache.clear()
            self.section_cache[text] = hits
        return hits

    def normalised(self, text: str) -> str:
        """:func:`normalise`, cached per line text."""
        n = self.norm_cache.get(text)
        if n is None:
            n = normalise(text)
            if len(self.norm_cache) >= _CACHE_SIZE:
                self.norm_cache.clear()
            self.norm_cache[text] = n
        return n

    def section_matches(self, rule: Rule, pattern: Any, text: str) -> bool:
        """Whether ``text`` matches a section rule's end pattern (cached)."""
        key = (text, rule.id, pattern.pattern, "section")
        cache = self._cache
        if key in cache:
            return cache[key] is not None
        hit = rule if pattern.search(text) else None
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = hit
        return hit is not None

    def lexicon_rule(self, text: str, site: str) -> Rule | None:
        """The first lexicon drop rule (any unit) one of whose cues ``text`` holds."""
        found = set(cues(text, self.norm_cache.get(text)))
        if not found:
            return None
        for scope in self.scopes(site):
            for unit in UNITS:
                for rule, names in self._lexicon.get((scope, unit, "drop"), ()):
                    if found & names:
                        return rule
        return None

    def has_lexicon_rules(self, site: str) -> bool:
        return any(key[0] in self.scopes(site) and key[2] == "drop" for key in self._lexicon)

    def has_segment_rules(self, site: str) -> bool:
        return any((s, "segment", a) in self._combined or (s, "segment", a) in self._lexicon
                   for s in self.scopes(site) for a in ACTIONS)

    def _set(self, patterns: list[tuple[str, bool]]) -> PatternSet:
        ps = PatternSet(patterns, self._timed_out)
        self._sets.append(ps)
        return ps

    def _timed_out(self, text: str) -> None:
        self.timeout_count += 1
        if len(self.timeouts) < 5:  # a few samples to name; the count says how many
            self.timeouts.append(text[:60])


def _unanchor(pattern: str) -> str:
    """``^foo$`` -> ``foo``: a pattern that matches wherever the anchored one could
    match a part of a line (an approximation that only ever matches more)."""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern.replace("|^", "|").replace("$|", "|").replace("(?:^", "(?:")


def _is_anchored(pattern: str) -> bool:
    """Whether every top-level alternative of ``pattern`` starts with ``^`` (so the
    pattern can only match at the start of a line).

    >>> _is_anchored('^a|^b'), _is_anchored('^a|b'), _is_anchored('^(?:a|b)$'), _is_anchored('[|^]x')
    (True, False, True, False)
    """
    depth, in_class, escape, start = 0, False, False, True
    for ch in pattern:
        if start:
            if ch != "^":
                return False
            start = False
            continue
        if escape:
            escape = False
        elif ch == "\\":
            escape = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            start = True
    return not start


class _LazySet:
    """A :class:`PatternSet` compiled when first used (compiling costs start-up time)."""

    __slots__ = ("patterns", "pattern", "_on_timeout", "_set")

    def __init__(self, patterns: list[tuple[str, bool]], on_timeout: Any) -> None:
        self.patterns = tuple(patterns)
        self.pattern = self.patterns[0][0] if len(self.patterns) == 1 else ""
        self._on_timeout = on_timeout
        self._set: PatternSet | None = None

    def get(self) -> PatternSet:
        if self._set is None:
            self._set = PatternSet(self.patterns, self._on_timeout)
        return self._set

    def hits(self, text: str) -> list[int]:
        return self.get().hits(text)

    def search(self, text: str) -> bool:
        return self.get().search(text)


#: (all the regexes of a (scope, unit, action) as one set, their rules, which are
#:  anchored, the (pattern, case_sensitive) of the floating ones)
_Group = tuple[PatternSet, list[Rule], list[bool], tuple[tuple[str, bool], ...]]


@functools.lru_cache(maxsize=256)
def _merges(patterns: tuple[tuple[str, bool], ...]) -> bool:
    """Whether the patterns merge into one alternation (the engine this replaced
    then reported the leftmost match; patterns it could not merge, e.g. two defining
    the same group name, it tried one by one and reported the first that matched).
    Asked of a rule set's floating regexes the first time two of them match one text.

    >>> _merges(((r"\\bapply\\b", False), (r"Apply$", True)))
    True
    """
    parts = [f"(?P<jdr_{i}>{p})" if cs else f"(?P<jdr_{i}>(?i:{p}))" for i, (p, cs) in enumerate(patterns)]
    try:
        regex.compile("|".join(parts), regex.V0)
    except (regex.error, ValueError, OverflowError):
        return False
    return True


# --------------------------------------------------------------------------- loading


def load_rules(path: str) -> RuleSet:
    """Load and validate one rule file; errors name the file and line."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
    return parse_rules(data, path)


def parse_rules(data: bytes | str, source: str = "<rules>") -> RuleSet:
    """Parse rule-file text (TOML); raise :class:`InputError` naming file and line."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError(source, f"rule file is not UTF-8 (byte {e.start})") from None
    else:
        text = data
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        raise InputError(source, f"not valid TOML: {msg}", line=int(m.group(1)) if m else None) from None
    except RecursionError:
        raise InputError(source, "not valid TOML: arrays or tables nested too deeply") from None
    lines = text.split("\n")
    starts = [i + 1 for i, line in enumerate(lines) if _RULE_HEADER.match(line)]
    schema = doc.get("schema", SCHEMA)
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise InputError(source, f"rule file schema must be a positive integer, not {schema!r}",
                         line=_key_line(lines, "schema", 1, len(lines)))
    if schema > SCHEMA:
        raise InputError(source, f"rule file schema {schema!r} is newer than this jdreview "
                         f"understands ({SCHEMA}); upgrade jdreview", line=_key_line(lines, "schema", 1, len(lines)))
    unknown_top = set(doc) - {"schema", "rule"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise InputError(source, f"unknown top-level key {key!r} (expected 'schema' and [[rule]] tables)",
                         line=_key_line(lines, key, 1, len(lines)))
    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list):
        raise InputError(source, "'rule' must be written as [[rule]] tables")
    seen: dict[str, int] = {}
    rules = []
    # what validating and translating this very text found last time (linear's memo)
    t0 = time.process_time()
    memo = linear.memo_path(text, _SOURCE_DIGEST)
    known = linear.load_memo(memo) if memo is not None else None
    validated: set[tuple[str, bool, str]] = set(known["validated"]) if known is not None else set()
    for i, obj in enumerate(raw_rules):
        line = starts[i] if i < len(starts) else None
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(lines)
        rule = _validate(obj, source, line or 1, end, lines, validated)
        if rule.id in seen:
            raise InputError(source, f"duplicate rule id {rule.id!r} (first defined at line {seen[rule.id]})",
                             line=line)
        seen[rule.id] = line or 0
        rules.append(rule)
    rs = RuleSet(rules, [source])
    if memo is not None and known is None and time.process_time() - t0 >= linear.MEMO_AFTER_SECONDS:
        patterns = [pat for ps in rs._sets for pat in ps.patterns]
        patterns += [(r.pattern[0], r.case_sensitive) for r, _start, _end in rs.sections]
        linear.store_memo(memo, patterns, sorted(validated))
    return rs


def _key_line(lines: list[str], key: str, start: int, end: int) -> int | None:
    pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for n in range(start, min(end, len(lines)) + 1):
        if pat.match(lines[n - 1]):
            return n
    return start if start else None


def _validate(obj: dict[str, Any], source: str, start: int, end: int, lines: list[str],
              validated: set[tuple[str, bool, str]] | None = None) -> Rule:
    """One rule table as a :class:`Rule`; ``validated`` holds the (pattern,
    case_sensitive, key) whose regex checks passed (read from the memo of this very
    file, or filled here)."""
    def fail(msg: str, key: str | None = None) -> InputError:
        return InputError(source, msg, line=_key_line(lines, key, start, end) if key else start)

    unknown = set(obj) - FIELDS
    if unknown:
        key = sorted(unknown)[0]
        return_err = fail(f"unknown field {key!r} in rule (allowed: {', '.join(sorted(FIELDS))})", key)
        raise return_err
    rid = obj.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        raise fail("rule needs an 'id': letters, digits, '-', '_', '.', ':'", "id" if "id" in obj else None)
    kind = obj.get("kind")
    if kind not in KINDS:
        raise fail(f"rule {rid!r}: kind must be one of {', '.join(KINDS)}, not {kind!r}", "kind")
    action = obj.get("action", "drop")
    if action not in ACTIONS:
        raise fail(f"rule {rid!r}: action must be 'drop' or 'keep', not {action!r}", "action")
    scope = obj.get("scope", "all")
    if not isinstance(scope, str) or not scope:
        raise fail(f"rule {rid!r}: scope must be 'all' or a site name", "scope")
    unit = obj.get("unit", "line")
    if unit not in UNITS or (unit == "segment" and kind not in ("regex", "lexicon")):
        raise fail(f"rule {rid!r}: unit must be 'line' or 'segment' (segment only for regex and lexicon rules)",
                   "unit")
    for key, typ in (("note", str), ("end", str), ("enabled", bool), ("case_sensitive", bool),
                     ("max_lines", int), ("min_lines", int)):
        if key in obj and not isinstance(obj[key], typ):
            raise fail(f"rule {rid!r}: {key} must be a {typ.__name__}", key)
    pattern = obj.get("pattern")
    patterns: tuple[str, ...]
    if kind == "exact":
        if isinstance(pattern, str):
            pattern = [pattern]
        if not isinstance(pattern, list) or not pattern or not all(isinstance(p, str) and p.strip() for p in pattern):
            raise fail(f"rule {rid!r}: an exact rule needs a non-empty pattern (a line or a list of lines)", "pattern")
        patterns = tuple(pattern)
    elif kind == "lexicon":
        known = lexicon()
        if (not isinstance(pattern, list) or not pattern
                or not all(isinstance(p, str) and p in known for p in pattern)):
            raise fail(f"rule {rid!r}: a lexicon rule's pattern is a list of cue names "
                       f"({', '.join(sorted(known))})", "pattern")
        patterns = tuple(pattern)
    elif kind in ("regex", "section"):
        if not isinstance(pattern, str) or not pattern:
            raise fail(f"rule {rid!r}: a {kind} rule needs a regex pattern", "pattern")
        patterns = (pattern,)
        case_sensitive = bool(obj.get("case_sensitive", False))
        for key, pat in (("pattern", pattern), ("end", obj.get("end", ""))):
            if not pat or validated is not None and (pat, case_sensitive, key) in validated:
                continue
            try:
                regex.compile(pat, regex.V0)
            except (regex.error, OverflowError, ValueError) as e:
                raise fail(f"rule {rid!r}: bad regex in {key}: {e}", key) from None
            if regex.compile(pat, regex.V0).search("") is not None and key == "pattern":
                raise fail(f"rule {rid!r}: pattern matches the empty string, so it would match every line", key)
            try:
                check_linear(pat, case_sensitive)
            except Unsupported as e:
                raise fail(f"rule {rid!r}: the regex in {key} uses {e}, which the linear-time engine (RE2) "
                           "cannot run; rewrite it without (see the README's rule files section)", key) from None
            if validated is not None:
                validated.add((pat, case_sensitive, key))
    else:
        if pattern not in (None, "", []):
            raise fail(f"rule {rid!r}: a {kind} rule takes no pattern", "pattern")
        patterns = ()
    if "end" in obj and kind != "section":
        raise fail(f"rule {rid!r}: 'end' only applies to section rules", "end")
    prov = obj.get("provenance", {})
    if not isinstance(prov, dict) or set(prov) - PROVENANCE_FIELDS or not all(isinstance(v, str) for v in prov.values()):
        raise fail(f"rule {rid!r}: provenance must be a table of strings with keys "
                   f"{', '.join(sorted(PROVENANCE_FIELDS))}", "provenance")
    return Rule(
        id=rid, kind=kind, pattern=patterns, action=action, scope=scope.lower(), unit=unit,
        end=obj.get("end", ""), max_lines=obj.get("max_lines", 0), min_lines=obj.get("min_lines", 2),
        case_sensitive=obj.get("case_sensitive", False), note=obj.get("note", ""),
        provenance=tuple(sorted(prov.items())), enabled=obj.get("enabled", True),
        origin=f"{source}:{start}",
    )


def default_rules() -> RuleSet:
    """The rule set shipped inside the package (``jdreview/data/default_rules.toml``)."""
    data = resources.files("jdreview").joinpath("data/default_rules.toml").read_bytes()
    return parse_rules(data, "jdreview:data/default_rules.toml")


def load_rule_sets(paths: Iterable[str] = (), *, defaults: bool = True) -> RuleSet:
    """The default rules with each user file layered on top, in order."""
    rs = default_rules() if defaults else RuleSet()
    for p in paths:
        rs = rs.layered(load_rules(p))
    return rs


def append_rule(path: str, rule: Rule) -> None:
    """Append one rule to a user rule file, atomically, validating the result first."""
    from ..io.atomic import atomic_write_text

    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = f"# jdreview user rules (schema {SCHEMA}); see README for the format\nschema = {SCHEMA}\n"
    new = old.rstrip("\n") + "\n\n" + rule.to_toml()
    parse_rules(new, path)  # never write a file we could not read back
    atomic_write_text(path, new)
