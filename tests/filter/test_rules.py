"""Rules: every kind, keep over drop, scope by site, layering, validation, linear-time regexes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jdreview.errors import InputError
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import (
    SCHEMA,
    Rule,
    RuleSet,
    default_rules,
    load_rule_sets,
    load_rules,
    parse_rules,
)
from jdreview.io.posting import Posting

pytestmark = pytest.mark.usefixtures("engine")  # the same answers on RE2 and on Hyperscan


def rules(toml: str) -> RuleSet:
    return parse_rules(f"schema = {SCHEMA}\n" + toml, "test.toml")


def decisions(text: str, rs: RuleSet, **kw: str) -> dict[str, str]:
    """Each non-blank line (or segment) -> its reason, prefixed KEEP/DROP."""
    result = auto_filter(Posting.from_text(text, **kw), rs)
    return {t: ("KEEP " if d.keep else "DROP ") + d.reason for _, _, t, d in result.units()}


def kept(text: str, rs: RuleSet, **kw: str) -> str:
    return auto_filter(Posting.from_text(text, **kw), rs).cleaned_text()


# --------------------------------------------------------------------------- kinds


def test_exact_rule_folds_whitespace_and_case_but_matches_whole_lines() -> None:
    rs = rules('[[rule]]\nid = "btn"\nkind = "exact"\npattern = ["apply now", "Save"]\n')
    d = decisions("Data Engineer\n  APPLY   Now \nsave\nApply now to join a great team\n", rs)
    assert d["  APPLY   Now "] == "DROP rule:btn"
    assert d["save"] == "DROP rule:btn"
    assert d["Apply now to join a great team"] == "KEEP default"
    assert d["Data Engineer"] == "KEEP default"


def test_regex_line_rule() -> None:
    rs = rules("[[rule]]\nid = \"count\"\nkind = \"regex\"\npattern = '^\\d+ applicants$'\n")
    out = kept("Engineer\n57 applicants\nWe had 57 applicants last year.\n", rs)
    assert out == "Engineer\nWe had 57 applicants last year.\n"


def test_regex_case_sensitive_flag() -> None:
    rs = rules("[[rule]]\nid = \"caps\"\nkind = \"regex\"\npattern = '^NEW$'\ncase_sensitive = true\n")
    assert kept("NEW\nNew\n", rs) == "New\n"


def test_regex_segment_rule_trims_part_of_a_line_keeping_original_text() -> None:
    rs = rules("[[rule]]\nid = \"clicked\"\nkind = \"regex\"\nunit = \"segment\"\n"
               "pattern = '\\d+ people clicked apply'\n")
    text = "Engineer\nCambridge, MA \u00b7 1 week ago \u00b7 36 people clicked apply\n"
    result = auto_filter(Posting.from_text(text), rs)
    assert result.cleaned_text() == "Engineer\nCambridge, MA \u00b7 1 week ago\n"
    segs = [(t, d.keep, d.reason) for line, seg, t, d in result.units() if seg is not None]
    assert segs == [("Cambridge, MA", True, "default"), ("1 week ago", True, "default"),
                    ("36 people clicked apply", False, "rule:clicked")]


def test_segment_rule_on_sentences() -> None:
    rs = rules("[[rule]]\nid = \"agencies\"\nkind = \"regex\"\nunit = \"segment\"\n"
               "pattern = 'no agencies please'\n")
    text = "Applications close on May 5. No agencies please.\n"
    assert kept(text, rs) == "Applications close on May 5.\n"
    # boilerplate runs on to the end of its paragraph: the sentences after a dropped one go too
    text = "Applications close on May 5. No agencies please. We are an equal opportunity employer.\n"
    result = auto_filter(Posting.from_text(text), rs)
    assert result.cleaned_text() == "Applications close on May 5.\n"
    # ... and say that they follow the rule rather than claim it matched them
    assert [d.reason for *_, d in result.units()] == ["default", "rule:agencies", "follows:agencies"]


def test_segment_rule_matching_a_whole_one_segment_line_drops_it() -> None:
    rs = rules("[[rule]]\nid = \"agencies\"\nkind = \"regex\"\nunit = \"segment\"\n"
               "pattern = 'no agencies'\n")
    result = auto_filter(Posting.from_text("Body.\nNo agencies\n"), rs)
    assert result.cleaned_text() == "Body.\n"
    assert result.lines[1].decision.reason == "rule:agencies"


def test_anchored_segment_rule_matches_a_field() -> None:
    rs = rules("[[rule]]\nid = \"clicked\"\nkind = \"regex\"\nunit = \"segment\"\n"
               "pattern = '^\\d+ people clicked apply$'\n")
    text = "Cambridge, MA \u00b7 1 week ago \u00b7 36 people clicked apply\n"
    assert kept(text, rs) == "Cambridge, MA \u00b7 1 week ago\n"


def test_anchored_segment_rule_matches_a_sentence() -> None:
    rs = rules("[[rule]]\nid = \"agencies\"\nkind = \"regex\"\nunit = \"segment\"\n"
               "pattern = '^no agencies please\\.$'\n")
    assert kept("Apply by May 5. No agencies please.\n", rs) == "Apply by May 5.\n"


def test_section_rule_with_end_pattern() -> None:
    rs = rules("[[rule]]\nid = \"similar\"\nkind = \"section\"\npattern = '^similar jobs$'\n"
               "end = '^about us$'\n")
    text = "Engineer\nBody.\nSimilar jobs\nJob A\nJob B\nAbout us\nWe build things.\n"
    d = decisions(text, rs)
    assert [k for k, v in d.items() if v == "DROP rule:similar"] == ["Similar jobs", "Job A", "Job B"]
    assert kept(text, rs) == "Engineer\nBody.\nAbout us\nWe build things.\n"


def test_section_rule_to_the_end_of_the_posting() -> None:
    rs = rules("[[rule]]\nid = \"lang\"\nkind = \"section\"\npattern = '^language$'\n")
    text = "Engineer\nBody.\nLanguage\nDeutsch\nEnglish\nFrançais\n"
    assert kept(text, rs) == "Engineer\nBody.\n"


def test_section_rule_max_lines() -> None:
    rs = rules("[[rule]]\nid = \"s\"\nkind = \"section\"\npattern = '^people also viewed$'\nmax_lines = 3\n")
    text = "People also viewed\nA\nB\nC\nD\n"
    assert kept(text, rs) == "C\nD\n"


def test_repeated_block_rule_drops_the_second_copy_only() -> None:
    rs = rules('[[rule]]\nid = "rep"\nkind = "repeated_block"\n')
    text = ("Data Engineer\nAcme GmbH\nBerlin\nSome intro.\nData Engineer\nAcme GmbH\nBerlin\n"
            "The real body text of the posting.\n")
    result = auto_filter(Posting.from_text(text), rs)
    assert result.cleaned_text() == "Data Engineer\nAcme GmbH\nBerlin\nSome intro.\n" \
                                    "The real body text of the posting.\n"
    dropped = [(line, d.reason) for line, _, _, d in result.units() if not d.keep]
    assert dropped == [(4, "structure:rep"), (5, "structure:rep"), (6, "structure:rep")]


def test_repeated_block_min_lines() -> None:
    rs = rules('[[rule]]\nid = "rep"\nkind = "repeated_block"\nmin_lines = 3\n')
    text = "Title\nAcme\nBody one.\nTitle\nAcme\nBody two.\n"
    assert kept(text, rs) == text  # a run of two is below min_lines


def test_repeated_title_rule() -> None:
    rs = rules('[[rule]]\nid = "title"\nkind = "repeated_title"\n')
    text = ("**URL:** https://jobs.example.com/1\nSenior Data Engineer | Example Careers\n"
            "Senior Data Engineer\nBerlin\nSenior Data Engineer\nWe are looking for someone.\n")
    result = auto_filter(Posting.from_text(text), rs)
    reasons = {line: d.reason for line, _, _, d in result.units() if not d.keep}
    assert reasons == {1: "structure:title", 4: "structure:title"}


# --------------------------------------------------------------------------- authority


def test_keep_outranks_drop_for_line_rules() -> None:
    rs = rules("[[rule]]\nid = \"drop-eeo\"\nkind = \"regex\"\npattern = 'equal opportunity'\n\n"
               "[[rule]]\nid = \"keep-eeo\"\nkind = \"exact\"\naction = \"keep\"\n"
               "pattern = ['We are an equal opportunity employer in Berlin.']\n")
    d = decisions("We are an equal opportunity employer in Berlin.\nAn equal opportunity employer.\n", rs)
    assert d["We are an equal opportunity employer in Berlin."] == "KEEP rule:keep-eeo"
    assert d["An equal opportunity employer."] == "DROP rule:drop-eeo"


def test_keep_rule_inside_a_drop_section_wins() -> None:
    rs = rules("[[rule]]\nid = \"footer\"\nkind = \"section\"\npattern = '^footer$'\n\n"
               "[[rule]]\nid = \"salary\"\nkind = \"regex\"\naction = \"keep\"\npattern = '^salary:'\n")
    assert kept("Body\nFooter\nImprint\nSalary: 50k\nCopyright\n", rs) == "Body\nSalary: 50k\n"


def test_keep_exact_outranks_drop_exact_in_the_same_scope() -> None:
    rs = RuleSet([Rule("d", "exact", ("Remote",)), Rule("k", "exact", ("remote",), action="keep")])
    assert rs.match_exact("remote", "").id == "k"
    rs = RuleSet([Rule("k", "exact", ("remote",), action="keep"), Rule("d", "exact", ("Remote",))])
    assert rs.match_exact("remote", "").id == "k"


def test_keep_segment_rule_outranks_drop_segment_rule() -> None:
    rs = rules("[[rule]]\nid = \"ago\"\nkind = \"regex\"\nunit = \"segment\"\npattern = 'ago'\n\n"
               "[[rule]]\nid = \"keep-week\"\nkind = \"regex\"\nunit = \"segment\"\naction = \"keep\"\n"
               "pattern = '1 week'\n")
    assert kept("Berlin \u00b7 1 week ago \u00b7 2 days ago\n", rs) == "Berlin \u00b7 1 week ago\n"


# --------------------------------------------------------------------------- scope


SCOPED = ("[[rule]]\nid = \"li-about\"\nkind = \"exact\"\nscope = \"linkedin\"\n"
          "pattern = [\"About the job\"]\n")


def test_scope_by_site_from_url() -> None:
    rs = rules(SCOPED)
    text = "Engineer\nAbout the job\nBody.\n"
    assert kept(text, rs, url="https://www.linkedin.com/jobs/view/1") == "Engineer\nBody.\n"
    assert kept(text, rs, url="https://boards.greenhouse.io/acme/jobs/1") == text
    assert kept(text, rs) == text


def test_scope_by_site_detected_from_content() -> None:
    rs = rules(SCOPED)
    text = ("Engineer\nBerlin \u00b7 2 days ago \u00b7 36 people clicked apply\n"
            "Responses managed off LinkedIn\nAbout the job\nBody.\n")
    assert "About the job" not in kept(text, rs)


def test_scope_for_section_and_structural_rules() -> None:
    rs = rules("[[rule]]\nid = \"s\"\nkind = \"section\"\nscope = \"indeed\"\npattern = '^more jobs$'\n")
    text = "Body\nMore jobs\nA\n"
    assert kept(text, rs, site="indeed") == "Body\n"
    assert kept(text, rs, site="linkedin") == text


# --------------------------------------------------------------------------- layering


def test_user_file_layers_over_defaults_and_same_id_replaces(tmp_path: Path) -> None:
    defaults = default_rules()
    assert defaults.get("button") is not None
    user = tmp_path / "mine.toml"
    user.write_text(
        'schema = 1\n[[rule]]\nid = "button"\nkind = "exact"\npattern = ["apply"]\nenabled = false\n\n'
        '[[rule]]\nid = "mine"\nkind = "exact"\npattern = ["Our perks"]\n', encoding="utf-8")
    rs = load_rule_sets([str(user)])
    assert len(rs) == len(defaults) + 1
    assert rs.get("button").enabled is False and rs.get("button").origin.startswith(str(user))
    assert rs.version != defaults.version
    out = auto_filter(Posting.from_text("Engineer\nApply\nOur perks\n"), rs).cleaned_text()
    assert out == "Engineer\nApply\n"
    # and the defaults drop "Apply" on their own
    assert "Apply" not in auto_filter(Posting.from_text("Engineer\nApply\n"), defaults).cleaned_text()


def test_later_user_files_replace_earlier_ones(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('[[rule]]\nid = "x"\nkind = "exact"\npattern = ["alpha"]\n', encoding="utf-8")
    b.write_text('[[rule]]\nid = "x"\nkind = "exact"\npattern = ["beta"]\n', encoding="utf-8")
    rs = load_rule_sets([str(a), str(b)], defaults=False)
    assert kept("alpha\nbeta\n", rs) == "alpha\n"


def test_rule_round_trips_through_toml() -> None:
    rs = rules("[[rule]]\nid = \"r\"\nkind = \"section\"\npattern = '^a\\d$'\nend = \"^b$\"\n"
               "max_lines = 4\nnote = \"it's a note\"\nprovenance = { by = \"me\", posting = \"p1\" }\n")
    r = rs.rules[0]
    again = parse_rules(r.to_toml(), "again.toml").rules[0]
    assert (again.id, again.kind, again.pattern, again.end, again.max_lines, again.note,
            again.provenance) == (r.id, r.kind, r.pattern, r.end, r.max_lines, r.note, r.provenance)


def test_default_rules_load_and_version_is_stable() -> None:
    a, b = default_rules(), default_rules()
    assert len(a) > 10 and a.version == b.version
    assert {r.kind for r in a.rules} >= {"exact", "regex", "section", "repeated_block", "repeated_title"}


# --------------------------------------------------------------------------- validation


def error_of(text: str, tmp_path: Path) -> tuple[str, InputError]:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_rules(str(path))
    return str(path), e.value


@pytest.mark.parametrize("text,line,words", [
    ('schema = 1\n\n[[rule]]\nid = "a"\nkind = "exact"\npattern = ["x"]\ncolour = "red"\n', 7,
     "unknown field 'colour'"),
    ("schema = 1\n[[rule]]\nid = \"a\"\nkind = \"regex\"\npattern = '(unclosed'\n", 5, "bad regex"),
    ("[[rule]]\nid = \"a\"\nkind = \"section\"\npattern = 'ok'\nend = '[z-a]'\n", 5, "bad regex in end"),
    ('[[rule]]\nid = "a"\nkind = "exact"\npattern = ["x"]\n\n[[rule]]\nid = "a"\nkind = "exact"\n'
     'pattern = ["y"]\n', 6, "duplicate rule id 'a'"),
    ('schema = 1\n[[rule]]\nid = "a"\nkind = "exact\npattern = ["x"]\n', 4, "not valid TOML"),
    ('schema = 99\n[[rule]]\nid = "a"\nkind = "exact"\npattern = ["x"]\n', 1, "newer"),
    ('[[rule]]\nid = "a"\nkind = "fuzzy"\npattern = ["x"]\n', 3, "kind must be"),
    ('[[rule]]\nid = "a"\nkind = "exact"\naction = "maybe"\npattern = ["x"]\n', 4, "action must be"),
    ("[[rule]]\nid = \"a\"\nkind = \"regex\"\npattern = '.*'\n", 4, "empty string"),
    ('[[rule]]\nkind = "exact"\npattern = ["x"]\n', 1, "needs an 'id'"),
    ('[[rule]]\nid = "a"\nkind = "repeated_block"\npattern = "x"\n', 4, "takes no pattern"),
    ('[[rule]]\nid = "a"\nkind = "exact"\npattern = ["x"]\nunit = "segment"\n', 5, "unit must be"),
    ('[[rule]]\nid = "a"\nkind = "exact"\npattern = ["x"]\nenabled = "yes"\n', 5, "enabled must be"),
    ('[[ rule ]]\nid = "a"\nkind = "exact"\npattern = ["x"]\n\n[[ rule ]]\nid = "b"\nkind = "exact"\n'
     'pattern = ["y"]\nfoo = 1\n', 10, "unknown field 'foo'"),
    ('colour = 1\n[[rule]]\nid = "a"\nkind = "exact"\npattern = ["x"]\n', 1, "unknown top-level key"),
])
def test_validation_error_names_file_and_line(text: str, line: int, words: str, tmp_path: Path) -> None:
    path, err = error_of(text, tmp_path)
    msg = str(err)
    assert msg.startswith(f"{path}:{line}:"), msg
    assert words in msg
    assert "\n" not in msg


def test_rule_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[[rule]]\nid = "a"\nkind = "exact"\npattern = ["caf\xe9"]\n')
    with pytest.raises(InputError) as e:
        load_rules(str(path))
    assert str(e.value).startswith(str(path)) and "UTF-8" in str(e.value)


def test_missing_rule_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        load_rules(str(tmp_path / "nope.toml"))
    assert str(tmp_path / "nope.toml") in str(e.value)


# --------------------------------------------------------------------------- linear time


CATASTROPHIC = "[[rule]]\nid = \"slow\"\nkind = \"regex\"\npattern = '(a+)+$'\n"


@pytest.mark.parametrize("unit", ["line", "segment"])
def test_catastrophic_regex_returns_promptly_with_the_true_answer(unit: str) -> None:
    """``(a+)+$`` backtracks exponentially on a long run of a's followed by a 'b'; on RE2
    it is linear, so the line gets its real answer instead of a time-out."""
    rs = rules(CATASTROPHIC.replace('kind = "regex"', f'kind = "regex"\nunit = "{unit}"')
               + '\n[[rule]]\nid = "btn"\nkind = "exact"\npattern = ["apply"]\n')
    evil = "a" * 20000 + "b"
    text = "\n".join(["Engineer", evil, "Apply", evil + " \u00b7 x", "Body.", "a" * 20000, "aaaa"]) + "\n"
    t = time.perf_counter()
    result = auto_filter(Posting.from_text(text), rs)
    assert time.perf_counter() - t < 5  # a hang guard, not a speed budget
    out = result.cleaned_text()
    assert out.split("\n")[0] == "Engineer" and evil in out and "Body." in out
    assert "\nApply\n" not in out  # the other rules still ran
    assert "\naaaa\n" not in out
    # the regex engine gave up on this line after 50 ms and kept it; RE2 finds the match
    assert "\n" + "a" * 20000 + "\n" not in out
    assert not rs.timeouts and rs.timeout_count == 0


def test_catastrophic_section_pattern_returns_promptly() -> None:
    rs = rules("[[rule]]\nid = \"s\"\nkind = \"section\"\npattern = '^(a|a)+$'\n")
    text = "Engineer\n" + "a" * 40 + "!\nBody.\n"
    t = time.perf_counter()
    out = auto_filter(Posting.from_text(text), rs).cleaned_text()
    assert time.perf_counter() - t < 5
    assert out.startswith("Engineer\n") and "Body." in out
    assert not rs.timeouts



def test_a_section_set_hyperscan_refuses_still_starts_its_sections() -> None:
    """A section set with a pattern Hyperscan refuses (``x^y``) stays on RE2 while the
    rule set's other sets share the Hyperscan scan: an empty scan of a line must not be
    taken to mean that no section starts on it."""
    from jdreview.filter.rules import Rule, RuleSet

    rs = RuleSet([Rule("never", "section", ("x^y",)), Rule("similar", "section", (r"^similar jobs$",)),
                  Rule("apply", "regex", (r"\bapply\b",))])
    for _ in range(3):  # the scanner compiles its database after a few lines
        assert [rs.sections[i][0].id for i in rs.section_hits("Similar jobs")] == ["similar"]
        rs.section_cache.clear()
    from jdreview.filter.rules import default_rules

    shipped = default_rules()
    assert [shipped.sections[i][0].id for i in shipped.section_hits("Pay")] == ["job-fact-label"]
