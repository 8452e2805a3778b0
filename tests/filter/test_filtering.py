"""The filter's invariant: the cleaned text is exactly the kept units, in their original
order and original characters; the filter never rewrites content. Every decision has a reason.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jdreview.filter.decision import FilterConfig, FilterResult
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import RuleSet, default_rules, parse_rules
from jdreview.filter.segments import split_segments
from jdreview.io.posting import Posting

#: structural mechanisms of the filter itself, named in reasons without a rule of the set
#: the filter's own structure stages (pipeline.py), which name no rule of a set
BUILT_IN_STRUCTURE = frozenset({"label-value", "empty-heading", "boilerplate", "wordless", "widget", "header-chrome",
                                "header-name", "front-matter", "filter-form", "facts", "id-pair", "company-card",
                                "navigation", "requirement"})

NOISY_RULES = parse_rules("""
schema = 1
[[rule]]
id = "btn"
kind = "exact"
pattern = ["apply", "save", "share"]

[[rule]]
id = "count"
kind = "regex"
pattern = '^\\d+ applicants$'

[[rule]]
id = "clicked"
kind = "regex"
unit = "segment"
pattern = 'clicked apply|no agencies|promoted'

[[rule]]
id = "keep-pay"
kind = "regex"
unit = "segment"
action = "keep"
pattern = 'salary'

[[rule]]
id = "similar"
kind = "section"
pattern = '^similar jobs$'
end = '^about us$'

[[rule]]
id = "rep"
kind = "repeated_block"

[[rule]]
id = "title"
kind = "repeated_title"
""", "noisy.toml")

WORDS = ["Data", "Engineer", "Berlin", "apply", "Apply", "save", "36", "people", "clicked",
         "No", "agencies", "please", "Salary", "promoted", "Similar", "jobs", "About", "us",
         "i.e.", "e.g.", "Inc.", "U.S.", "ago", "week", "1", "café", "naïve", "’ll", "“quoted”",
         "(m/w/d)", "€90k", "applicants", "Mr.", "x"]
SEPARATORS = [" · ", " • ", " | ", " \u00b7\u00a0", ". ", "! ", "? ", " ", "  ", ", ", "\t",
              ".\u201d ", ". (", " - "]

piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(SEPARATORS),
                  st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                          max_size=8))
line = st.one_of(
    st.lists(piece, max_size=14).map("".join),
    st.sampled_from(["Apply", "Similar jobs", "About us", "12 applicants", "", "   ",
                     "Cambridge, MA · 1 week ago · 36 people clicked apply",
                     "Apply by May 5. No agencies please. Salary: 50k."]),
)
posting_text = st.lists(line, max_size=30).map("\n".join)


class HashScorer:
    """A deterministic stand-in classifier: a score from the line's text."""

    version = "hash-1"

    def score(self, posting, units, norms, dec):
        return {i: (sum(map(ord, norms[i])) % 101) / 100 for i in units}


def expected_text(result: FilterResult) -> str:
    """The cleaned text rebuilt from the decisions alone (reference implementation)."""
    out: list[str] = []
    blank = False
    for lr in result.lines:
        if lr.decision is None:
            blank = bool(out)
            continue
        if lr.segments is None:
            text = lr.text if lr.decision.keep else ""
        else:
            parts = []
            for k, seg in enumerate(lr.segments):
                if seg.decision.keep:
                    if parts:
                        parts.append(lr.text[lr.segments[k - 1].end:seg.start])
                    parts.append(seg.text)
            text = "".join(parts)
        if text:
            if blank:
                out.append("")
            out.append(text)
            blank = False
    return "\n".join(out) + "\n" if out else ""


def is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


def check_invariant(result: FilterResult, rules: RuleSet) -> None:
    posting = result.posting
    out = result.cleaned_text()
    assert out == expected_text(result)

    # units cover exactly the non-blank lines, and carry a reason
    unit_lines = sorted({i for i, _, _, _ in result.units()})
    assert unit_lines == [i for i, s in enumerate(posting.lines) if s.strip()]
    for lr in result.lines:
        assert lr.text == posting.lines[lr.index]
        if lr.segments is not None:
            prev = 0
            for seg in lr.segments:
                # segments are spans of the line, in order, with the line's own characters
                assert prev <= seg.start < seg.end <= len(lr.text)
                assert lr.text[seg.start:seg.end] == seg.text
                # what lies between segments is only whitespace, separators or punctuation
                assert re.fullmatch(r"[\s\u00b7\u2022|]*", lr.text[prev:seg.start]) or prev == 0
                prev = seg.end
    for _, _, _, d in result.units():
        assert d.reason
        assert d.source in ("rule", "structure", "classifier", "default", "follows")
        if d.source in ("rule", "structure"):
            # a structure decision names a rule of the set, or one of the filter's own
            # structural mechanisms (a value follows its label, an emptied heading goes)
            assert rules.get(d.rule) is not None or (d.source == "structure" and (
                d.rule in BUILT_IN_STRUCTURE or d.rule.startswith(("tail:", "split-sentence:"))))
            assert d.reason == f"{d.source}:{d.rule}"
        if d.source == "classifier":
            assert d.score is not None and 0.0 <= d.score <= 1.0

    # output lines: in original order, each an original line or a trim of one
    out_lines = [s for s in out.split("\n") if s]
    i = 0
    for ol in out_lines:
        while i < len(posting.lines) and not is_subsequence(ol, posting.lines[i]):
            i += 1
        assert i < len(posting.lines), f"{ol!r} is not from the posting, or out of order"
        i += 1
    # no blank line at the start, never two in a row
    assert not out.startswith("\n") and "\n\n\n" not in out
    # kept whole lines appear verbatim; dropped whole lines do not contribute
    for lr in result.lines:
        if lr.decision is not None and lr.segments is None and lr.decision.keep:
            assert lr.text in out_lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(posting_text)
def test_cleaned_text_is_exactly_the_kept_units_with_noisy_rules(text: str) -> None:
    p = Posting.from_text(text)
    check_invariant(auto_filter(p, NOISY_RULES), NOISY_RULES)


_DEFAULTS = default_rules()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(posting_text, st.sampled_from(["", "linkedin", "indeed"]))
def test_cleaned_text_is_exactly_the_kept_units_with_default_rules(text: str, site: str) -> None:
    p = Posting.from_text(text, site=site)
    check_invariant(auto_filter(p, _DEFAULTS), _DEFAULTS)


@settings(max_examples=150, deadline=None)
@given(posting_text, st.floats(0, 1))
@example("0:\nApply", 0.25)  # hypothesis found it: the value follows its label (structure:label-value)
@example("Data\nData\nApply\nApply\nData\n€90k", 0.5)  # found: the header block keeps a line a run dropped
def test_cleaned_text_with_a_classifier(text: str, threshold: float) -> None:
    p = Posting.from_text(text)
    result = auto_filter(p, NOISY_RULES, HashScorer(), FilterConfig(threshold=threshold))
    check_invariant(result, NOISY_RULES)
    for _, _, _, d in result.units():
        if d.source == "classifier" and d.rule.startswith("run:"):
            # a run of short lines decided as one turned this line around
            assert d.keep == (d.rule == "run:keep") != (d.score >= threshold)
            assert d.reason == f"classifier:{d.score:.2f} {d.rule}"
        elif d.source == "classifier" and d.rule == "header":
            # the header block keeps a line the classifier, or a run of short lines decided
            # as one ("€90k" under a run of buttons), dropped
            assert d.keep
            assert d.reason == f"classifier:{d.score:.2f} header"
        elif d.source == "classifier":
            assert d.keep == (d.score >= threshold)
            assert d.reason == f"classifier:{d.score:.2f}"


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")))
def test_segments_are_spans_of_the_line(text: str) -> None:
    spans = split_segments(text)
    assert spans
    prev = 0
    for a, b in spans:
        assert prev <= a <= b <= len(text)
        prev = b
    # no word character is lost between segments (only whitespace and separators)
    if len(spans) > 1:
        gaps = [text[:spans[0][0]]] + [text[spans[k - 1][1]:spans[k][0]] for k in range(1, len(spans))]
        assert all(re.fullmatch(r"[\s\u00b7\u2022|]*", g) for g in gaps)


@settings(max_examples=100, deadline=None)
@given(posting_text)
def test_overrides_keep_everything_gives_every_line_back(text: str) -> None:
    p = Posting.from_text(text)
    result = auto_filter(p, NOISY_RULES)
    keep_all = {(i, None): True for i, _, _, _ in result.units()}
    out = result.cleaned_text(keep_all)
    # a segmented line comes back from its first segment to its last (a separator before
    # the first or after the last segment belongs to no unit)
    whole = [lr.text if lr.segments is None else lr.text[lr.segments[0].start:lr.segments[-1].end]
             for lr in result.lines if lr.decision is not None]
    assert [s for s in out.split("\n") if s] == [s for s in whole if s]
    drop_all = {(i, None): False for i, _, _, _ in result.units()}
    assert result.cleaned_text(drop_all) == ""


def test_no_rules_keeps_everything_by_default() -> None:
    text = "Data Engineer\n\nApply\n  \nBody · more\n"
    result = auto_filter(Posting.from_text(text), RuleSet())
    assert result.cleaned_text() == text.replace("  \n", "\n").replace("\n\n\n", "\n\n")
    assert {d.reason for *_, d in result.units()} == {"default"}


def test_config_can_switch_segments_and_structure_off() -> None:
    text = "Title\nAcme\nBerlin · 36 people clicked apply\nTitle\nAcme\nBody.\n"
    on = auto_filter(Posting.from_text(text), NOISY_RULES).cleaned_text()
    assert on == "Title\nAcme\nBerlin\nBody.\n"
    off = auto_filter(Posting.from_text(text), NOISY_RULES,
                      config=FilterConfig(segments=False, structure=False)).cleaned_text()
    assert off == text


def test_per_line_caches_stay_bounded_over_many_distinct_postings() -> None:
    """Memory stays flat however many postings a batch holds: every per-line cache of the
    rules and the classifier stops at CACHE_ENTRIES lines (it once grew to 1 GB)."""
    import random

    from jdreview.engines.local import Cleaner
    from jdreview.filter import features as clf_mod
    from jdreview.limits import CACHE_ENTRIES

    cleaner = Cleaner.create()
    rng = random.Random(7)
    lines = 0
    for k in range(CACHE_ENTRIES // 100 + 40):
        body = [f"We build pipeline {rng.randrange(10**9)} for team {k} with Python and SQL." for _ in range(60)]
        chrome = [f"Menu item {rng.randrange(10**9)}" for _ in range(60)]
        cleaner.clean(Posting.from_text("\n".join(chrome + body) + "\n")).cleaned_text()
        lines += 120
    assert lines > CACHE_ENTRIES  # the batch saw more distinct lines than a cache may hold
    rules = cleaner.rules
    sizes = {"norm": len(rules.norm_cache), "section": len(rules.section_cache),
             "local": len(cleaner.classifier._local_cache)}
    sizes.update({f"line:{site}": len(rules.line_cache(site)) for site in ("", "linkedin")})
    sizes.update({f"segment:{site}": len(rules.segment_cache(site)) for site in ("", "linkedin")})
    for name in ("_text_features", "_seam", "_is_bullet", "line_key", "local_features"):
        sizes[name] = getattr(clf_mod, name).cache_info().currsize
    assert all(0 <= v <= CACHE_ENTRIES for v in sizes.values()), sizes
    assert sizes["norm"] > 0 and sizes["local"] > 0  # the caches were in use


def test_a_sentence_inherited_from_its_neighbour_says_so() -> None:
    """The sentences after one a drop rule matched go too, but their reason names the rule
    they follow (``follows:<id>``), not a match that never happened; chains carry on."""
    rs = parse_rules("schema = 1\n[[rule]]\nid = \"agencies\"\nkind = \"regex\"\nunit = \"segment\"\n"
                     "pattern = '^no agencies please\\.?$'\naction = \"drop\"\n")
    text = "We hire in Leeds. No agencies please. We are an equal employer. Thanks for reading.\n"
    res = auto_filter(Posting.from_text(text), rs, None, FilterConfig())
    units = [(t, d.keep, d.reason, d.source) for _line, _seg, t, d in res.units()]
    assert units[0][:2] == ("We hire in Leeds.", True)
    assert units[1][1:] == (False, "rule:agencies", "rule")
    assert [u[1:] for u in units[2:]] == [(False, "follows:agencies", "follows")] * 2
    assert res.cleaned_text() == "We hire in Leeds.\n"


def test_decision_sources_and_rule_kinds_are_closed_sets() -> None:
    from jdreview.filter.decision import SOURCES
    from jdreview.filter.rules import ACTIONS, KINDS, UNITS

    assert set(SOURCES) == {"rule", "structure", "memory", "classifier", "default", "follows", "missing"}
    assert ACTIONS == ("drop", "keep") and UNITS == ("line", "segment") and "section" in KINDS
