"""The memo of a rule file's validation and translations (start-up, issue 9): what a
second start reads instead of parsing and translating every pattern again."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from jdreview.errors import InputError
from jdreview.filter import linear, rules
from jdreview.filter.rules import parse_rules

RULES = r'''schema = 1
[[rule]]
id = "applicants"
kind = "regex"
pattern = '^\d+ (?:applicants?|Bewerber)\b'

[[rule]]
id = "similar"
kind = "section"
pattern = '^(?:similar jobs|ähnliche jobs)\s*$'
end = '^\w+ footer$'

[[rule]]
id = "fields"
kind = "regex"
unit = "segment"
pattern = '^(?:\d+ (?:days?|weeks?) ago|vor \d+ tagen)$'
'''
LINES = ["12 applicants", "Über 3 Bewerber", "12 applicantsx", "Similar jobs", "ähnliche Jobs ",
         "3 weeks ago", "vor 2 Tagen", "Data Engineer", "σ footer"]


def _fresh() -> None:
    """A new process, as far as the translations go."""
    linear._KNOWN.clear()
    linear._CHECKED.clear()
    linear._COMPILED.clear()
    linear._DATABASES.clear()
    for f in (linear.translate, linear._translated, linear._parse):
        f.cache_clear()


def _answers(rs: rules.RuleSet) -> list[object]:
    return [(rs.match_regex(x, "", "line", "drop"), rs.section_hits(x), rs.may_match_segment(x, ""))
            for x in LINES]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JDREVIEW_CACHE", str(tmp_path))
    monkeypatch.setattr(linear, "MEMO_AFTER_SECONDS", 0.0)
    _fresh()
    return tmp_path


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("parsed a pattern the memo holds")

    monkeypatch.setattr(linear, "_parse", refuse)
    monkeypatch.setattr(rules.regex, "compile", refuse)


def test_a_second_start_reads_the_memo_and_answers_alike(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _answers(parse_rules(RULES, "r.toml"))
    assert len(list(cache.glob("tr-*.json"))) == 1
    _fresh()
    with monkeypatch.context() as m:
        _no_parsing(m)
        second = parse_rules(RULES, "r.toml")
    assert _answers(second) == first
    assert first[0][0] is not None and first[3][1] and first[6][2]  # the rules do match


def test_a_damaged_memo_is_ignored_and_written_again(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _answers(parse_rules(RULES, "r.toml"))
    (memo,) = cache.glob("tr-*.json")
    raw = bytearray(memo.read_bytes())
    raw[-10] ^= 1
    memo.write_bytes(bytes(raw))
    _fresh()
    assert linear.load_memo(str(memo)) is None
    assert _answers(parse_rules(RULES, "r.toml")) == first
    assert linear.load_memo(str(memo)) is not None  # rebuilt
    _fresh()
    with monkeypatch.context() as m:
        _no_parsing(m)
        assert _answers(parse_rules(RULES, "r.toml")) == first


def test_a_changed_file_is_validated_again(cache: Path) -> None:
    parse_rules(RULES, "r.toml")
    _fresh()
    bad = RULES + '\n[[rule]]\nid = "look"\nkind = "regex"\npattern = \'^(?=.*\\d)apply\'\n'
    with pytest.raises(InputError, match="lookahead"):
        parse_rules(bad, "r.toml")
    with pytest.raises(InputError, match="bad regex"):
        parse_rules(RULES.replace("Bewerber)", "Bewerber"), "r.toml")
    assert regex.compile(r"\d").search("1")  # the module is untouched
