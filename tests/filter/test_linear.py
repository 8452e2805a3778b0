"""The linear-time rule engines (RE2, Hyperscan) against the ``regex`` engine they replaced.

The rules mean what the ``regex`` module makes of them (Unicode ``\\w``, ``\\s``, ``\\d``,
``\\b`` and case folding). These tests hold the RE2 engine to the same answers: on every
line (and segment) of the corpus, the seeds and distinct NHS postings, on hand-written
lines in the corpus's languages (``tests/data/unicode_rules.json``), on every code point
for the classes and case folding, and through :class:`RuleSet` to the rule a merged
``regex`` alternation reported. The reference here is the old matcher's logic in a few
lines of ``regex``.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
import regex
from corpus_lines import corpus_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from jdreview.errors import InputError
from jdreview.filter import linear
from jdreview.filter.linear import MARK, PatternSet, Unsupported, check, translate
from jdreview.filter.rules import Rule, RuleSet, _is_anchored, _unanchor, default_rules, parse_rules
from jdreview.filter.segments import _FIELD_SEP, split_segments

#: every test here runs on both engines (RE2 alone, and Hyperscan with RE2 for the
#: lines it leaves): the reference is the same regex module
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "data" / "unicode_rules.json").read_text(encoding="utf-8"))["cases"]


def _ref(pattern: str, case_sensitive: bool) -> Any:
    return regex.compile(pattern, (0 if case_sensitive else regex.IGNORECASE) | regex.V0)


def _lines() -> list[str]:
    lines = corpus_lines(100)
    # the same lines in other cases and with look-alike letters
    lines += [x.upper() for x in lines[:400]] + [x.replace("s", "\u017f").replace("k", "\u212a") for x in lines[:400]]
    lines += [c["text"] for c in CASES]
    return lines


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return _lines()


@pytest.fixture(scope="module")
def units(lines: list[str]) -> list[str]:
    """Every line and every segment the filter could ask about."""
    out = set(lines)
    for x in lines:
        if _FIELD_SEP.search(x) or len(x) > 40:
            out.update(x[s:e] for s, e in split_segments(x))
    return sorted(out)


def _patterns(rs: RuleSet) -> list[tuple[str, str, bool]]:
    out = []
    for r in rs.rules:
        if r.kind in ("regex", "section"):
            out.append((r.id, r.pattern[0], r.case_sensitive))
            out.append((r.id + "/unanchored", _unanchor(r.pattern[0]), r.case_sensitive))
        if r.end:
            out.append((r.id + "/end", r.end, r.case_sensitive))
    return out


# --------------------------------------------------------------------------- equivalence


def test_every_shipped_pattern_runs_on_re2() -> None:
    for rid, pattern, cs in _patterns(default_rules()):
        check(pattern, cs)  # raises Unsupported, naming the construct
        assert not PatternSet([(pattern, cs)])._forced, rid


def test_each_shipped_pattern_matches_what_regex_matches(units: list[str]) -> None:
    """Every default pattern (and the unanchored form the segment check uses), on every
    line and segment: the same yes/no, and the same leftmost start."""
    for rid, pattern, cs in _patterns(default_rules()):
        ps, ref = PatternSet([(pattern, cs)]), _ref(pattern, cs)
        for text in units:
            m = ref.search(text)
            assert bool(ps.hits(text)) == (m is not None), (rid, text)
            if m is not None:
                assert ps.starts(text, [0]) == [len(text[:m.start()].encode())], (rid, text)


_REF_GROUPS: dict[tuple[int, str, str, str], list[tuple[list[Rule], Any]]] = {}


def _reference_rule(rs: RuleSet, text: str, site: str, unit: str, action: str) -> Rule | None:
    """The rule the regex engine reported: per scope, the anchored rules first (the first
    that matches at the start), then the floating ones merged into one alternation
    (the leftmost match, the first such in order)."""
    for scope in rs.scopes(site):
        key = (id(rs), scope, unit, action)
        if key not in _REF_GROUPS:
            items = [r for r in rs.rules if r.enabled and r.kind == "regex" and (r.scope, r.unit, r.action) == (scope, unit, action)]
            groups = []
            for group in ([r for r in items if _is_anchored(r.pattern[0])], [r for r in items if not _is_anchored(r.pattern[0])]):
                if group:
                    parts = [f"(?P<jdr_{i}>{r.pattern[0]})" if r.case_sensitive else f"(?P<jdr_{i}>(?i:{r.pattern[0]}))"
                             for i, r in enumerate(group)]
                    groups.append((group, regex.compile("|".join(parts), regex.V0)))
            _REF_GROUPS[key] = groups
        for group, pat in _REF_GROUPS[key]:
            m = pat.search(text)
            if m is not None:
                return group[int(m.lastgroup[4:])]
    return None


def _regex_rules() -> RuleSet:
    """The default rules but the lexicon ones (cue words, not regexes: not this engine's)."""
    return RuleSet([r for r in default_rules().rules if r.kind != "lexicon"])


def test_rule_sets_report_the_rule_the_regex_engine_reported(units: list[str]) -> None:
    rs = _regex_rules()
    keys = sorted({(r.unit, r.action) for r in rs.rules if r.kind == "regex"})
    sites = sorted({r.scope for r in rs.rules if r.scope != "all"}) + [""]
    checked = 0
    for text in units:
        for site in sites:
            for unit, action in keys:
                got = rs._match_regex(text, site, unit, action)
                want = _reference_rule(rs, text, site, unit, action)
                assert (got and got.id) == (want and want.id), (text, site, unit, action)
                checked += got is not None
    assert checked > 500  # the corpus exercises the rules, not only their misses


def test_section_starts_and_segment_checks_agree_with_regex(units: list[str]) -> None:
    rs = _regex_rules()
    sections = [r for r in rs.rules if r.kind == "section" and r.enabled]
    loose = [_ref(_unanchor(r.pattern[0]), r.case_sensitive)
             for r in rs.rules if r.kind == "regex" and r.unit == "segment" and r.action == "drop" and r.scope == "all"]
    for text in units:
        want = tuple(k for k, r in enumerate(sections) if _ref(r.pattern[0], r.case_sensitive).search(text))
        assert rs.section_hits(text) == want, text
        assert rs.may_match_segment(text, "") == any(p.search(text) for p in loose), text


def test_tie_between_two_rules_goes_to_the_leftmost_then_the_first() -> None:
    rs = RuleSet([Rule("a", "regex", (r"\bfoo\b",)), Rule("b", "regex", (r"bar",)), Rule("c", "regex", (r"\bbar",))])
    for text in ("bar foo", "foo bar", "ärger bar foo", "über foo bar", "xbar foo"):
        got = rs._match_regex(text, "", "line", "drop")
        assert got is not None and got.id == _reference_rule(rs, text, "", "line", "drop").id, text  # type: ignore[union-attr]


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_unicode_case_file(case: dict[str, Any]) -> None:
    """The corpus's languages: the regex module's answer is pinned in the case file and
    the RE2 engine gives it too."""
    pattern, cs, text = case["pattern"], case["case_sensitive"], case["text"]
    assert (_ref(pattern, cs).search(text) is not None) == case["expect"]  # the case file is right
    assert bool(PatternSet([(pattern, cs)]).hits(text)) == case["expect"]


@pytest.mark.parametrize("name", ["w", "s", "d"])
def test_classes_agree_on_every_code_point(name: str) -> None:
    """\\w, \\s, \\d (and \\b around them) on every code point of the BMP and a sample of
    the rest, alone and between ASCII letters, with and without case folding."""
    cps = list(range(0xD800)) + list(range(0xE000, 0x10000)) + list(range(0x10000, 0x110000, 97))
    chars = [chr(c) for c in cps if c != 0xFDD0]
    for cs in (True, False):
        for pattern in (rf"^\{name}$", rf"^\{name.upper()}$", rf"a\b\{name}", rf"[^\{name}x]"):
            ps, ref = PatternSet([(pattern, cs)]), _ref(pattern, cs)
            for ch in chars:
                text = ch if pattern.startswith("^") else "a" + ch + "x"
                assert bool(ps.hits(text)) == (ref.search(text) is not None), (pattern, cs, hex(ord(ch)))


def test_case_folding_agrees_for_every_cased_code_point() -> None:
    """Each cased code point as a literal and in a class, against its case variants
    (including the first letter of a multi-letter one: İ lower-cases to i + dot)."""
    cased = [chr(c) for c in range(0x30000) if not 0xD800 <= c < 0xE000
             and (chr(c).lower() != chr(c) or chr(c).upper() != chr(c) or chr(c).casefold() != chr(c))]
    assert len(cased) > 2500
    cased += [chr(0x1DF95)]
    for ch in cased:
        others = {v for f in (str.lower, str.upper, str.casefold, str.title) for v in (f(ch), f(ch)[0])} - {ch}
        others |= {"I", "i", "\u0130", "\u0131"} if ch in "Iiİı" else set()
        for pattern in (regex.escape(ch), "[" + regex.escape(ch) + "]", "[^" + regex.escape(ch) + "]"):
            if pattern in ("[^ı]", "[^İ]"):
                continue  # the one known difference: see the README's rule-file notes
            ps, ref = PatternSet([(pattern, False)]), _ref(pattern, False)
            for text in {ch, *others}:
                if "\n" in text:
                    continue
                assert bool(ps.hits(text)) == (ref.search(text) is not None), (hex(ord(ch)), pattern, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aéß Ж工1٣_-.,’\u00a0\u0301😀K\u212aſs")), max_size=30))
def test_word_boundaries_on_arbitrary_text(text: str) -> None:
    for pattern in (r"\b\w+\b", r"\bs", r"s\b", r"\b\d", r"ж\b", r"\b工", r"\W\b", r"(?:\b|x)a", r"^\b.{0,3}\b$"):
        ps, ref = PatternSet([(pattern, False)]), _ref(pattern, False)
        m = ref.search(text)
        assert bool(ps.hits(text)) == (m is not None), (pattern, text)
        if m is not None:
            assert ps.starts(text, [0]) == [len(text[:m.start()].encode())], (pattern, text)


def test_lines_re2_cannot_read_take_the_regex_path() -> None:
    """A newline, the boundary mark itself or a lone surrogate: the regex module answers."""
    ps = PatternSet([(r"\bjob\b", False), (r"^x$", False)])
    assert ps.hits("a job\nx") == [0]
    assert ps.hits("job" + MARK) == [0]
    assert ps.hits("job\udc80") == [0]
    assert ps.hits("jobs\udc80") == []


# --------------------------------------------------------------------------- number-only


def test_number_only_runs_on_re2_with_its_meaning() -> None:
    """The shipped ``number-only`` pattern (digits and number punctuation, no range such as
    "1-3"), on every string up to five characters over digits (ASCII and Arabic-Indic),
    spaces, both dashes, other number punctuation and a letter: RE2 and regex agree."""
    rule = default_rules().get("number-only")
    assert rule is not None
    ps, ref = PatternSet([(rule.pattern[0], rule.case_sensitive)]), _ref(rule.pattern[0], rule.case_sensitive)
    alphabet = ["1", "٣", " ", "\u2003", "-", "–", "—", ".", "·", "x"]
    n = 0
    for size in range(6):
        for chars in itertools.product(alphabet, repeat=size):
            s = "".join(chars)
            want = ref.search(s) is not None
            assert bool(ps.hits(s)) == want, s
            n += want
    assert n > 1000


# --------------------------------------------------------------------------- refusal


@pytest.mark.parametrize("pattern,words", [
    (r"^(?=.*\d)[\d ]+$", "lookahead"),
    (r"(?<!no )agencies", "lookbehind"),
    (r"(\w+) \1", "backreference"),
    (r"(?>a+)b", "atomic group"),
    (r"a++b", "possessive"),
    (r"\Bing", "\\B"),
    (r"(?:foo){e<=1}", "repeat count"),
    (r"\p{Lu}+ ago", "does not know"),
    (r"[[:alpha:]]+ ago", "POSIX"),
])
def test_a_pattern_re2_cannot_run_is_refused_with_file_line_and_reason(pattern: str, words: str, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("schema = 1\n\n[[rule]]\nid = \"ok\"\nkind = \"regex\"\npattern = '^fine$'\n\n"
                    f"[[rule]]\nid = \"slow\"\nkind = \"regex\"\n# a comment line\npattern = '{pattern}'\n",
                    encoding="utf-8")
    from jdreview.filter.rules import load_rules

    with pytest.raises(InputError) as e:
        load_rules(str(path))
    msg = str(e.value)
    assert msg.startswith(f"{path}:12:"), msg  # the pattern's own line
    assert "rule 'slow'" in msg and words in msg and "RE2" in msg and "\n" not in msg


def test_a_refused_end_pattern_names_its_line() -> None:
    with pytest.raises(InputError) as e:
        parse_rules("[[rule]]\nid = \"s\"\nkind = \"section\"\npattern = '^x$'\nend = '^(?!yes)x'\n", "r.toml")
    assert str(e.value).startswith("r.toml:5:") and "lookahead" in str(e.value)


def test_translation_refuses_big_repeats_instead_of_misreading_them() -> None:
    with pytest.raises(Unsupported):
        translate(r"a{2000}", False)
    check(r"a{1000}", False)


def test_catastrophic_patterns_finish_in_linear_time() -> None:
    """Patterns that take the backtracking regex module exponential time on these lines
    (it gives up after its time limit) are answered by RE2 at once, correctly."""
    evil = "a" * 50000 + "b"
    for pattern, want in ((r"(a+)+$", False), (r"^(a|a)+$", False), (r"(a*)*c", False), (r"(a+)+b", True),
                          (r"^(\w+\s?)+$", False)):
        ps = PatternSet([(pattern, False)])
        t = time.process_time()
        got = bool(ps.hits(evil + "!" if "w" in pattern else evil))
        assert time.process_time() - t < 2  # a hang guard: linear time is milliseconds here
        assert got == want, pattern
    assert linear.REGEX_TIMEOUT > 0  # kept only for the regex path of unreadable lines


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("3 wekago·x\u00a0\u3000é")), max_size=24))
def test_the_windows_segment_patterns_run_on_re2_with_their_meaning(text: str) -> None:
    """The review window writes segment rules as ``(?<!\\S)...(?!\\S)`` (a one-character
    lookbehind at the start, lookahead at the end): RE2 runs them with the same answers."""
    from jdreview.workspace.session import generalise

    for pattern in (generalise("3 week ago", segment=True), generalise("é x", numbers=False, segment=True),
                    r"(?<=\d)ago|(?<![a-z])we(?=k)", r"(?<!\S)ago$"):
        check(pattern, False)
        ps, ref = PatternSet([(pattern, False)]), _ref(pattern, False)
        m = ref.search(text)
        assert bool(ps.hits(text)) == (m is not None), (pattern, text)
        if m is not None:
            assert ps.starts(text, [0]) == [len(text[:m.start()].encode())], (pattern, text)


# --------------------------------------------------------------------------- Hyperscan

needs_hs = pytest.mark.skipif(linear._hs is None, reason="hyperscan does not import here")


def _all_chars() -> str:
    return linear._all_chars()


def test_plain_characters_are_not_word_characters_and_have_no_case() -> None:
    """What makes Hyperscan's ASCII \\b and case folding exact on plain text: no plain
    character is a word character, and folding case joins none with another character
    (a case-insensitive class of all of them matches exactly them, on every code point)."""
    plain = linear._PLAIN_CHARS
    assert 100 <= len(plain) <= 127 and len(set(plain)) == len(plain) and all(ord(c) > 127 for c in plain)
    assert not any(regex.match(r"\w", c) for c in plain)
    cls = regex.compile("[" + "".join(regex.escape(c) for c in plain) + "]", regex.IGNORECASE | regex.V0)
    assert set(cls.findall(_all_chars())) == set(plain)
    # and every ASCII letter's case partners outside ASCII are the ones the translation adds
    for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
        partners = {ord(x) for x in regex.findall(regex.escape(c), _all_chars(), regex.IGNORECASE | regex.V0)} - {ord(c), ord(c.swapcase())}
        for p in partners:
            assert ord(c) in linear._ASCII_PARTNERS[p] or linear._LETTER_PARTNERS.get(ord(c)) == p, (c, hex(p))


@needs_hs
def test_hyperscan_answers_plain_lines_and_leaves_the_rest_to_re2(engine: str) -> None:
    if engine != "hyperscan":
        pytest.skip("Hyperscan only")
    ps = PatternSet([(r"\bpro rata\b", False), (r"£\d", False)])
    scanner = linear.Scanner([ps])
    assert scanner.hits("Band 5 · £28,407 – £34,581 “Pro Rata”") is not None  # plain: Hyperscan
    assert ps.hits("Band 5 · £28,407 – £34,581 “Pro Rata”") == [0, 1]
    for text in ("Gehalt für 5", "a\nb", "x" + MARK, "job\udc80", "a\ufffe", "Ǆ"):
        assert scanner.hits(text) is None, text  # RE2 (or regex) answers these
    assert ps.hits("für pro rata £5") == [0, 1] and ps.hits("pro ratafür") == []


@needs_hs
def test_catastrophic_patterns_take_hyperscan_linear_time(engine: str) -> None:
    """On Hyperscan (the pass answering, not RE2): the backtracking killers finish at
    once with the right answer, and the time grows with the line, no faster."""
    if engine != "hyperscan":
        pytest.skip("Hyperscan only")
    for pattern, want in ((r"(a+)+$", False), (r"^(a|a)+$", False), (r"(a*)*c", False), (r"(a+)+b", True),
                          (r"^(\w+\s?)+$", False), (r"(x+x+)+y", False)):
        ps = PatternSet([(pattern, False)])
        times = []
        for n in (20000, 80000):
            evil = ("x" if "x" in pattern else "a") * n + ("b" if want else "!")
            assert linear.Scanner([ps]).hits(evil) is not None
            t = time.process_time()
            got = bool(ps.hits(evil))
            times.append(time.process_time() - t)
            assert got == want, pattern
        assert times[1] < 1  # a hang guard; linear time is about a millisecond here


@needs_hs
def test_the_compiled_database_cache_is_used_and_a_bad_one_is_rebuilt(engine: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if engine != "hyperscan":
        pytest.skip("Hyperscan only")
    monkeypatch.setenv("JDREVIEW_CACHE", str(tmp_path))
    monkeypatch.setattr(linear, "CACHE_AFTER_SECONDS", 0.0)  # keep even a quick one
    linear._DATABASES.clear()
    patterns = [(r"\bapply now\b", False), (r"^\d+ applicants", False)]
    ps = PatternSet(patterns)
    assert ps.hits("12 applicants: apply now") == [0, 1]
    files = list(tmp_path.glob("hs-*.db"))
    assert len(files) == 1 and files[0].read_bytes().startswith(linear._CACHE_MAGIC)
    good = files[0].read_bytes()
    loaded = linear._load(str(files[0]))
    assert loaded is not None and loaded[1] == [(0, 2)]  # read back as it was written

    linear._DATABASES.clear()  # a new process: the database comes from the file, not compiled
    monkeypatch.setattr(linear, "COMPILE_AFTER", 10**9)
    fresh = PatternSet(patterns)
    scanner = linear.Scanner([fresh])
    assert scanner._db is not None and fresh.hits("apply now, 3 applicants") == [0]

    monkeypatch.setattr(linear, "COMPILE_AFTER", 0)
    for bad in (good[:-10], good[:40] + bytes([good[40] ^ 1]) + good[41:], b"not a database",
                linear._CACHE_MAGIC + b"\0" * 32 + b"foreign"):
        files[0].write_bytes(bad)
        assert linear._load(str(files[0])) is None
        linear._DATABASES.clear()
        again = PatternSet(patterns)
        assert linear.Scanner([again])._db is None  # the bad file is not used ...
        assert again.hits("12 applicants: apply now") == [0, 1]  # ... the database is compiled again
        assert linear._load(str(files[0])) is not None  # ... and stored again
    assert [p.name for p in tmp_path.iterdir()] == [files[0].name]  # no temporary file left behind
    # the cache keeps the newest CACHE_FILES databases
    monkeypatch.setattr(linear, "CACHE_FILES", 2)
    for k in range(3):
        linear._DATABASES.clear()
        assert PatternSet([(rf"\bword{k}\b", False)]).hits(f"a word{k}") == [0]
    assert len(list(tmp_path.glob("hs-*.db"))) == 2


@needs_hs
def test_a_scanner_leaves_lines_to_re2_until_compiling_pays(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a cached database, the first COMPILE_AFTER new lines are answered by RE2
    (a rule set built for one posting never compiles); the same answers either way."""
    if engine != "hyperscan":
        pytest.skip("Hyperscan only")
    monkeypatch.setenv("JDREVIEW_CACHE", "")
    monkeypatch.setattr(linear, "COMPILE_AFTER", 3)
    linear._DATABASES.clear()
    ps = PatternSet([(r"\bapply\b", False)])
    scanner = linear.Scanner([ps])
    texts = ["apply", "reapply", "Apply now", "x", "apply – now", "no"]
    got = [ps.hits(t) for t in texts]
    assert got == [[0], [], [0], [], [0], []]
    assert scanner._db is not None and scanner._pending == 4  # compiled on the fourth new line


@needs_hs
def test_a_rule_set_scans_a_line_once_for_all_its_sets(engine: str) -> None:
    if engine != "hyperscan":
        pytest.skip("Hyperscan only")
    rs = _regex_rules()
    scanners = {id(ps._scanner) for ps in rs._sets}
    assert len(rs._sets) >= 5 and len(scanners) == 1 and None not in {ps._scanner for ps in rs._sets}


@needs_hs
def test_a_set_hyperscan_refuses_stays_on_re2_and_the_others_do_not(engine: str) -> None:
    """``x^y`` (a start of line after a character: it never matches) is fine for RE2 and
    refused by Hyperscan: its set is answered by RE2, the rule set's other sets by the
    one Hyperscan scan, all with the regex module's answers."""
    if engine != "hyperscan":
        pytest.skip("Hyperscan only")
    rs = RuleSet([Rule("never", "regex", ("x^y",)), Rule("apply", "regex", (r"\bapply\b",)),
                  Rule("keep", "regex", (r"^about the role\b",), action="keep")])
    drop = rs._combined[("all", "line", "drop")][0]
    keep = rs._combined[("all", "line", "keep")][0]
    assert keep.hits("About the role") == [0]  # the first line compiles the database
    assert drop._scanner is None and not drop._hs  # RE2 for the set with the refused pattern
    assert keep._scanner is not None and keep._scanner.hits("About the role") is not None
    for text in ("apply now", "x^y", "xy", "About the role – apply", "reapply"):
        want = [i for i, (p, cs) in enumerate(drop.patterns) if _ref(p, cs).search(text)]
        assert drop.hits(text) == want, text
        assert keep.hits(text) == ([0] if text.startswith("About the role") else []), text


def test_the_database_key_is_the_code_imported_not_the_file_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process still running old code after linear.py changed on disk (a rebase, an
    upgrade) must not store its database under the new code's key: the key's source
    digest is read at import, and naming the key reads no file."""
    import builtins

    from jdreview.filter import linear

    key = linear._code_hash()
    linear._code_hash.cache_clear()

    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError(f"the key read a file: {args[0]!r}")

    monkeypatch.setattr(builtins, "open", refuse)
    try:
        assert linear._code_hash() == key
    finally:
        monkeypatch.undo()
        linear._code_hash.cache_clear()
