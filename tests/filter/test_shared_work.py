"""Work the filter's stages share or skip: each faster form answers exactly as the plain one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jdreview.filter.lexicon as lexicon_module
from jdreview.filter.features import blocks
from jdreview.filter.lexicon import cues
from jdreview.filter.pipeline import _FACT, _has_phrase, _may_be_fact, _phrases_pattern, auto_filter
from jdreview.filter.rules import RuleSet, normalise, parse_rules
from jdreview.filter.words import word_count
from jdreview.io.posting import Posting

#: letters, digits, the underscore, separators and non-ASCII alphanumerics (é, ß, 東, ٣)
_ALPHABET = "ab _-/·é1ß東٣"
_PHRASES = st.lists(st.text(_ALPHABET, min_size=1, max_size=4), min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(st.text(_ALPHABET, max_size=16), _PHRASES)
def test_one_pattern_finds_a_whole_word_phrase_where_the_find_loop_does(norm: str, phrases: list[str]) -> None:
    want = any(_has_phrase(norm, p) for p in phrases)
    assert (_phrases_pattern(tuple(phrases)).search(norm) is not None) == want


def test_the_phrase_pattern_reads_underscores_and_other_scripts_as_the_loop_does() -> None:
    pat = _phrases_pattern(("remote", "full time", "c++"))
    for norm, want in [("remote", True), ("fully remote.", True), ("remote_first", True), ("remoteé", False),
                       ("東remote", False), ("٣remote", False), ("full time, c++", True), ("c++x", False)]:
        assert (pat.search(norm) is not None) == want == any(_has_phrase(norm, p) for p in ("remote", "full time", "c++"))


DROP_ALL_BUT_ONE = parse_rules("""
schema = 1
[[rule]]
id = "chrome"
kind = "regex"
action = "drop"
pattern = '^menu item'
""")


def _posting(kept_lines: int, dropped_lines: int) -> Posting:
    kept = ["We build the data pipelines of the company in Python and SQL, every day."] * kept_lines
    return Posting.from_text("\n".join(kept + [f"menu item number {n} of the site" for n in range(dropped_lines)]) + "\n")


def test_a_posting_that_keeps_almost_nothing_is_warned_about() -> None:
    # 1 kept line of 14 words against 36 dropped lines of 7 words: 14 of 266 words, 5.3% -> no warning;
    # 37 dropped lines: 14 of 273, 5.1% -> none; 60 dropped lines: 14 of 434, 3.2% -> a warning naming the share
    assert not any("keeps" in w for w in auto_filter(_posting(1, 36), DROP_ALL_BUT_ONE).warnings)
    assert not any("keeps" in w for w in auto_filter(_posting(1, 37), DROP_ALL_BUT_ONE).warnings)
    assert any("14 of 294 words" in w for w in auto_filter(_posting(1, 40), DROP_ALL_BUT_ONE).warnings)
    warned = [w for w in auto_filter(_posting(1, 60), DROP_ALL_BUT_ONE).warnings if "keeps" in w]
    assert warned and "14 of 434 words" in warned[0], warned
    # nothing kept at all
    nothing = auto_filter(_posting(0, 20), DROP_ALL_BUT_ONE).warnings
    assert any("keeps 0 of 140 words" in w for w in nothing), nothing


def test_no_warning_without_rules_or_below_fifty_words() -> None:
    assert not auto_filter(_posting(0, 7), DROP_ALL_BUT_ONE).warnings  # 49 words: too short to judge
    assert not auto_filter(_posting(1, 60), RuleSet()).warnings  # everything kept


_FACT_PIECES = st.sampled_from(["posted", "reposted", "updated", "published", "today", "an ", "a ", "3", "12", "£",
                                "$", "usd", " days", " ago", "vor ", "einem ", "tag", "il y a ", "hace ", "fa",
                                " geleden", "deadline", "closing date ", "veröffentlicht", ":", " ", "x", "٣", "."])


@settings(max_examples=600, deadline=None)
@given(st.lists(_FACT_PIECES, max_size=8).map("".join))
def test_a_line_the_fact_check_skips_holds_no_fact(norm: str) -> None:
    if _FACT.search(norm) is not None:
        assert _may_be_fact(norm), norm


def test_the_fact_check_skips_lines_of_no_digit_and_no_date_word() -> None:
    assert not _may_be_fact("senior data engineer") and not _may_be_fact("remote, london")
    assert _may_be_fact("vor einem tag") and _may_be_fact("a day ago") and _may_be_fact("٣ days")


def test_blocks_asked_twice_of_one_posting_answer_alike_and_apart_when_lines_differ() -> None:
    lines = ["Du hast", "Airflow", "oder mehr.", "Next", "Apply"]
    first = blocks(lines, [0, 1, 2, 3, 4])
    first.append(99)  # a caller's change to its answer is its own
    assert blocks(lines, [0, 1, 2, 3, 4]) == [0, 0, 0, 1, 2]
    assert blocks(lines, [0, 1, 3, 4]) == [0, 0, 1, 2]  # other units: answered anew
    changed = ["Du hast", "Airflow.", "Oder mehr.", "Next", "Apply"]
    assert blocks(changed, [0, 1, 2, 3, 4]) == [0, 0, 1, 2, 3]  # other lines too
    lines[1] = "Airflow."  # the same list changed in place is other lines
    assert blocks(lines, [0, 1, 2, 3, 4]) == [0, 0, 1, 2, 3]


_CUE_TEXTS = ["Acme is an Equal  Opportunity EMPLOYER.", "Diversity &amp; Inclusion at Acme", "  We process your personal data ",
              "Wir verarbeiten Ihre personenbezogenen Daten gemäß DSGVO.", "我们是平等就业机会雇主", "You build pipelines.",
              "We look forward to hearing from you!", "No agencies please\u00a0(unsolicited CVs)", ""]


def test_cues_from_the_rules_normalised_text_are_the_cues_of_the_text() -> None:
    plain = {}
    for text in _CUE_TEXTS:
        lexicon_module._CUES.clear()
        plain[text] = cues(text)
    assert any(plain.values()) and not all(plain.values())
    for text in _CUE_TEXTS:
        lexicon_module._CUES.clear()
        assert cues(text, normalise(text)) == plain[text], text


def test_the_cue_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexicon_module, "CACHE_ENTRIES", 3)
    lexicon_module._CUES.clear()
    for text in _CUE_TEXTS[:5]:
        cues(text)
    assert 1 <= len(lexicon_module._CUES) <= 3
    assert cues(_CUE_TEXTS[0]) == ("eeo",)


@settings(max_examples=500, deadline=None)
@given(st.text("東京渋谷ไทย。、ab AßİΣ\t\u3000\u00a0\u2028x1", max_size=14))
def test_a_normalised_line_has_the_words_of_the_line(text: str) -> None:
    # the kept-share check counts a line's words on its normalised text
    assert word_count(normalise(text)) == word_count(text)


def test_the_kept_share_counts_the_kept_segments_of_a_line() -> None:
    # one line of 61 words whose first sentence no rule drops and the rest a rule drops:
    # 4 of 61 words kept (6.6%) -> no warning; the same line all dropped (60 words) -> a warning
    rs = parse_rules('''
schema = 1
[[rule]]
id = "junk"
kind = "regex"
unit = "segment"
action = "drop"
pattern = '^Junk'
''')
    line = "We build data pipelines. " + " ".join(["Junk words of the site footer here."] * 7) + " Junk" * 8
    r = auto_filter(Posting.from_text(line + "\n"), rs)
    assert r.lines[0].segments is not None and r.cleaned_text().startswith("We build data pipelines.")
    assert not r.warnings
    r = auto_filter(Posting.from_text(line.replace("We build data pipelines.", "Junk data pipelines.") + "\n"), rs)
    assert r.cleaned_text().strip() == "" and any("keeps 0 of 60 words" in w for w in r.warnings), r.warnings
