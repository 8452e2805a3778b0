"""Editing a user rule file in place: replace, disable or delete one rule.

A user rule file (the workspace's ``rules.toml``) is layered on top of the shipped rules,
and a rule there replaces any earlier rule of the same id. So a shipped rule is
*disabled* by writing an override with its id and ``enabled = false``, and *edited* by
writing an override with the new pattern; deleting a user rule removes its table (and
with it any override, so a shipped rule of the same id comes back).

Edits are made on the file's text, one ``[[rule]]`` table at a time, so comments and
the other rules stay as written. Every new text is parsed before it is written (a file
we could not read back is never written), and it is written atomically.

>>> import os, tempfile
>>> from jdreview.filter.rules import Rule, RuleSet, load_rules
>>> path = os.path.join(tempfile.mkdtemp(), "rules.toml")
>>> shipped = RuleSet([Rule("apply", "exact", ("apply now",))])
>>> disable_rule(path, "apply", shipped)
>>> load_rules(path).get("apply").enabled
False
>>> delete_rule(path, "apply"); len(load_rules(path))
0
"""

from __future__ import annotations

import dataclasses
import re

from ..errors import InputError
from ..io.atomic import atomic_write_text
from .rules import SCHEMA, Rule, RuleSet, load_rule_sets, parse_rules

_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
#: the source name :func:`jdreview.filter.rules.default_rules` gives the shipped rules
_DEFAULT_SOURCE = "jdreview:data/default_rules.toml"
_NEW_FILE = f"# jdreview user rules (schema {SCHEMA}); see README for the format\nschema = {SCHEMA}\n"


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except FileNotFoundError:
        return _NEW_FILE


def _blocks(text: str) -> tuple[str, list[str]]:
    """The text before the first ``[[rule]]`` table, and each table's text (in order,
    the same order :func:`~jdreview.filter.rules.parse_rules` reads them)."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if _HEADER.match(ln)]
    if not starts:
        return text, []
    head = "".join(lines[:starts[0]])
    bounds = [*starts, len(lines)]
    return head, ["".join(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def _join(head: str, blocks: list[str]) -> str:
    parts = [head.rstrip("\n") + "\n"] + [b.rstrip("\n") + "\n" for b in blocks]
    return "\n".join(parts)


def _write(path: str, text: str) -> None:
    parse_rules(text, path)  # never write a file we could not read back
    atomic_write_text(path, text)


def user_rule_ids(path: str) -> list[str]:
    """The ids of the rules defined in the user file ``path`` (none when it is missing)."""
    return [r.id for r in parse_rules(_read(path), path).rules]


def _index_of(path: str, text: str, rule_id: str) -> int | None:
    ids = [r.id for r in parse_rules(text, path).rules]
    return ids.index(rule_id) if rule_id in ids else None


def replace_rule(path: str, rule: Rule) -> None:
    """Write ``rule`` into the user file: in place of the table with the same id, or
    appended (an override of a shipped rule). Raises :class:`InputError` if the result
    would not be a valid rule file; the file is then left as it was."""
    text = _read(path)
    head, blocks = _blocks(text)
    k = _index_of(path, text, rule.id)
    clean = dataclasses.replace(rule, origin="")
    if k is None:
        blocks.append(clean.to_toml())
    else:
        blocks[k] = clean.to_toml()
    _write(path, _join(head, blocks))


def disable_rule(path: str, rule_id: str, base_rules: RuleSet) -> None:
    """Disable rule ``rule_id``: its table in the user file gets ``enabled = false``, or,
    for a rule defined elsewhere (``base_rules``, e.g. the shipped rules), an override with
    the same id and ``enabled = false`` is appended."""
    own = parse_rules(_read(path), path).get(rule_id)
    rule = own if own is not None else base_rules.get(rule_id)
    if rule is None:
        raise InputError(path, f"no rule {rule_id!r} to disable")
    replace_rule(path, dataclasses.replace(rule, enabled=False))


def enable_rule(path: str, rule_id: str, base_rules: RuleSet) -> None:
    """Undo :func:`disable_rule`: a pure override (same as the base rule, disabled) is
    removed; a rule of the user's own is re-enabled in place."""
    own = parse_rules(_read(path), path).get(rule_id)
    if own is None:
        return
    base = base_rules.get(rule_id)
    if base is not None and _same(dataclasses.replace(own, enabled=base.enabled), base):
        delete_rule(path, rule_id)
    else:
        replace_rule(path, dataclasses.replace(own, enabled=True))


def base_rules(rules: RuleSet, path: str) -> RuleSet:
    """The rules the user file ``path`` is layered on: ``rules`` (a loaded, layered rule
    set) reloaded from its sources without that file. Needed to enable a shipped rule
    again, since the loaded set holds only the override that replaced it."""
    files = [s for s in rules.sources if s not in (path, _DEFAULT_SOURCE)]
    return load_rule_sets(files, defaults=_DEFAULT_SOURCE in rules.sources)


def _same(a: Rule, b: Rule) -> bool:
    # compared as written: a rule read back from its own TOML can differ in fields the
    # file does not hold (e.g. min_lines of an exact rule)
    return a.to_toml() == b.to_toml()


def delete_rule(path: str, rule_id: str) -> None:
    """Remove rule ``rule_id``'s table from the user file (a shipped rule it overrode
    applies again). Raises :class:`InputError` if the file has no such rule."""
    text = _read(path)
    k = _index_of(path, text, rule_id)
    if k is None:
        raise InputError(path, f"no rule {rule_id!r} in this file (only rules of the user file can be deleted)")
    head, blocks = _blocks(text)
    del blocks[k]
    _write(path, _join(head, blocks))
