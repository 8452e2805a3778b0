"""The review session: labels, undo as command objects, splits, preview, acting on many."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jdreview.engines.local import Cleaner
from jdreview.filter.decision import cleaned_text
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import Rule, RuleSet
from jdreview.io.posting import Posting
from jdreview.workspace.session import (
    Session,
    filter_cached,
    generalise,
    identical_change,
    index_next,
    open_session,
    plan_identical,
    propose_rules,
    result_from_rows,
    result_rows,
    rule_effect,
)
from jdreview.workspace.store import Workspace

RULES = RuleSet([Rule("apply", "exact", ("apply",)),
                 Rule("clicks", "regex", (r"\d+ people clicked apply",), unit="segment")])
TEXT = ("Data Engineer\nApply\n\nBoston · 1 week ago · 36 people clicked apply\n"
        "You build pipelines. You like SQL.\nApply\n")
SEEDS = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "samples", "seeds")


def session(text: str = TEXT) -> Session:
    return Session(auto_filter(Posting.from_text(text), RULES))


def test_toggle_and_undo_are_exact():
    s = session()
    before = s.cleaned_text()
    ch = s.toggle([(0, None)])
    s.apply(ch)
    assert "Data Engineer" not in s.cleaned_text()
    assert s.changed((0, None)) and s.counts()["changed"] == 1
    s.apply(ch.inverse())
    assert s.cleaned_text() == before and s.overrides == {}


def test_toggle_range_sets_one_label():
    s = session()
    s.apply(s.toggle([(0, None), (1, None)]))  # line 0 kept -> both dropped
    assert not s.final((0, None)) and not s.final((1, None))
    s.apply(s.toggle([(0, None), (1, None)]))
    assert s.final((0, None)) and s.final((1, None))
    assert s.changed((1, None)) and not s.changed((0, None))


def test_filter_segments_toggle_alone_and_line_toggle_covers_them():
    s = session()
    assert s.keys(3) == [(3, 0), (3, 1), (3, 2)]
    assert "Boston · 1 week ago\n" in s.cleaned_text()
    s.apply(s.toggle([(3, 2)]))
    assert "Boston · 1 week ago · 36 people clicked apply" in s.cleaned_text()
    s.apply(s.toggle([(3, None)]))  # the row: all segments
    assert "Boston" not in s.cleaned_text()


def test_split_and_join_carry_labels():
    s = session()
    s.apply(s.toggle([(4, None)]))  # drop "You build pipelines. You like SQL."
    split = s.split_or_join(4)
    s.apply(split)
    assert s.keys(4) == [(4, 0), (4, 1)]
    assert not s.final((4, 0)) and not s.final((4, 1))  # the line's label carried over
    s.apply(s.toggle([(4, 1)]))
    assert "\nYou like SQL.\n" in s.cleaned_text() and "pipelines" not in s.cleaned_text()
    join = s.split_or_join(4)
    s.apply(join)
    assert s.keys(4) == [(4, None)] and s.final((4, None))
    s.apply(join.inverse())
    s.apply(split.inverse())
    assert s.keys(4) == [(4, None)] and not s.final((4, None))
    assert s.split_or_join(0).empty  # one sentence: nothing to split


def test_join_of_a_filter_split_line_restores_the_whole_line():
    s = session()
    s.apply(s.split_or_join(3))
    assert "36 people clicked apply" in s.cleaned_text()
    assert s.splits == {3: False}


def test_preview_maps_lines_and_matches_export():
    s = session()
    pv = s.preview()
    assert pv.text == s.cleaned_text()
    out = pv.text.split("\n")
    assert out[pv.rows[0]] == "Data Engineer" and pv.shown[0]
    assert not pv.shown[1]  # "Apply" is dropped: not shown, mapped to what follows
    assert out[pv.rows[1]].startswith("Boston")


_lines = st.lists(st.one_of(st.just(""), st.just("Apply"), st.just("A · b · 3 people clicked apply"),
                            st.text(alphabet="ab .·|\n", min_size=1, max_size=20).map(lambda t: t.replace("\n", ""))),
                  max_size=12)


@settings(max_examples=150, deadline=None)
@given(_lines, st.lists(st.tuples(st.integers(0, 11), st.integers(-1, 3), st.booleans()), max_size=8),
       st.lists(st.integers(0, 11), max_size=3))
def test_preview_equals_cleaned_text_on_arbitrary_edits(lines, edits, splits):
    s = session("\n".join(lines) + "\n")
    for line in splits:
        if line < len(s.lines):
            s.apply(s.split_or_join(line))
    for line, seg, _keep in edits:
        if line < len(s.lines):
            s.apply(s.toggle([(line, None if seg < 0 else seg)]))
    pv = s.preview()
    assert pv.text == cleaned_text(s.lines, s.effective_overrides()) == s.cleaned_text()
    assert len(pv.rows) == len(s.lines)


@settings(max_examples=100, deadline=None)
@given(_lines, st.lists(st.tuples(st.sampled_from(["toggle", "split", "undo"]), st.integers(0, 11),
                                  st.integers(-1, 3)), max_size=10))
def test_the_preview_kept_between_edits_is_the_one_made_afresh(lines, steps):
    """The session keeps each line's preview text and makes again only those an edit
    touched: after every step it must read as a session made afresh from the same edits."""
    s = session("\n".join(lines) + "\n")
    done = []
    s.preview()
    for op, line, seg in steps:
        if line >= len(s.lines):
            continue
        if op == "undo":
            if done:
                s.apply(done.pop().inverse())
        else:
            change = s.split_or_join(line) if op == "split" else s.toggle([(line, None if seg < 0 else seg)])
            s.apply(change)
            done.append(change)
        fresh = Session(s.result, dict(s.overrides), dict(s.splits)).preview()
        assert s.preview() == fresh


def _recount(s: Session) -> dict[str, int]:
    keys = s.all_keys()
    kept = sum(s.final(k) for k in keys)
    return {"kept": kept, "dropped": len(keys) - kept, "changed": sum(s.changed(k) for k in keys)}


@settings(max_examples=150, deadline=None)
@given(_lines, st.lists(st.tuples(st.sampled_from(["toggle", "split", "undo"]), st.integers(0, 11),
                                  st.integers(-1, 3)), max_size=12))
def test_counts_follow_every_change_as_a_recount_would(lines, steps):
    s = session("\n".join(lines) + "\n")
    assert s.counts() == _recount(s)  # from here on counts() follows each change
    done = []
    for op, line, seg in steps:
        if op == "undo":
            if done:
                s.apply(done.pop().inverse())
        elif line < len(s.lines):
            change = s.toggle([(line, None if seg < 0 else seg)]) if op == "toggle" else s.split_or_join(line)
            s.apply(change)
            done.append(change)
        assert s.counts() == _recount(s)


def test_cached_rows_rebuild_the_same_result():
    p = Posting.from_text(TEXT)
    r = auto_filter(p, RULES)
    back = result_from_rows(p, [(row[0], row[1], row[2], row[3], *row[6:]) for row in result_rows(r)],
                            r.rules_version, "")
    assert back.cleaned_text() == r.cleaned_text()
    assert [lr.decision for lr in back.lines] == [lr.decision for lr in r.lines]
    assert back.lines[3].segments == r.lines[3].segments


def _ws_with(tmp_path, texts: list[str]) -> tuple[Workspace, Cleaner, list[int]]:
    paths = []
    for i, t in enumerate(texts):
        path = tmp_path / f"p{i}.txt"
        path.write_text(t)
        paths.append(str(path))
    ws = Workspace.open(str(tmp_path / "ws"))
    ws.add_paths(paths)
    return ws, Cleaner(RULES, None, Cleaner.create(use_classifier=False).config), ws.ids()


def test_open_session_writes_through_and_reopens_in_the_same_state(tmp_path):
    ws, cleaner, ids = _ws_with(tmp_path, [TEXT])
    s = open_session(ws, cleaner, ids[0], "ann")
    s.apply(s.toggle([(0, None)]))
    s.apply(s.split_or_join(4))
    s.apply(s.toggle([(4, 0)]))
    text = s.cleaned_text()
    again = open_session(ws, cleaner, ids[0])
    assert again.cleaned_text() == text and again.overrides == s.overrides and again.splits == {4: True}
    ws.close()


def test_cache_is_used_until_the_rules_change(tmp_path):
    ws, cleaner, ids = _ws_with(tmp_path, [TEXT])
    first = filter_cached(ws, cleaner, ids[0])
    assert ws.cached_units(ids[0], cleaner.rules.version, "") is not None
    assert filter_cached(ws, cleaner, ids[0]).cleaned_text() == first.cleaned_text()
    newer = Cleaner(RULES.with_rule(Rule("de", "exact", ("data engineer",))), None, cleaner.config)
    assert ws.stale(newer.rules.version, "") == ids
    assert "Data Engineer" not in filter_cached(ws, newer, ids[0]).cleaned_text()
    ws.close()


def test_apply_to_identical_lines_across_the_workspace(tmp_path):
    ws, cleaner, ids = _ws_with(tmp_path, ["Team lunch\nReal content A\nTeam lunch\n",
                                           "Other\nTEAM   lunch\n", "Nothing alike\n"])
    while index_next(ws, cleaner, 10):
        pass
    s = open_session(ws, cleaner, ids[0], "ann")
    plan = plan_identical(s, ids[0], 0, False, ws.units_where_norm("team lunch"))
    assert (plan.lines, plan.postings) == (3, 2)
    change = identical_change(s, plan)
    s.apply(change)
    assert s.cleaned_text() == "Real content A\n"
    assert ws.overrides(ids[1]) == {(1, None): False}
    s.apply(change.inverse())
    assert ws.overrides(ids[1]) == {} and s.cleaned_text().count("Team lunch") == 2
    ws.close()


def test_generalised_regex_matches_other_numbers():
    import re

    rx = generalise("36 people clicked apply")
    assert re.search(rx, "  112 people clicked apply") and not re.search(rx, "people clicked apply")
    exact, regex_rule = propose_rules("36 people clicked apply", "drop", reviewer="ann", posting="p1")
    assert dict(exact.provenance)["by"] == "ann" and dict(regex_rule.provenance)["posting"] == "p1"
    assert exact.id != regex_rule.id


def test_rule_effect_counts_flips_and_contradictions(tmp_path):
    ws, cleaner, ids = _ws_with(tmp_path, ["12 applicants\nBody\n", "7 applicants\nMore\n", "Body\n"])
    while index_next(ws, cleaner, 10):
        pass
    s = open_session(ws, cleaner, ids[1], "ann")
    s.apply(s.set_label([(0, None)], True))  # the person explicitly kept "7 applicants"
    _exact, rx = propose_rules("12 applicants", "drop")
    eff = rule_effect(rx, ws.all_line_units())
    assert (eff.matches, eff.flips, eff.contradictions, eff.postings) == (2, 2, 1, 2)
    exact, _ = propose_rules("12 applicants", "drop")
    assert rule_effect(exact, ws.all_line_units()).matches == 1
    ws.close()


@pytest.mark.skipif(not os.path.isdir(SEEDS), reason="samples not present")
def test_seed_sessions_preview_equals_filter_output():
    from jdreview.io.inputs import load_posting

    cleaner = Cleaner.create()
    for name in sorted(os.listdir(SEEDS)):
        r = cleaner.clean(load_posting(os.path.join(SEEDS, name)))
        s = Session(r)
        assert s.preview().text == r.cleaned_text()


def test_background_indexer_fills_the_cache_from_its_own_thread(tmp_path):
    from jdreview.workspace.session import BackgroundIndexer

    ws, cleaner, ids = _ws_with(tmp_path, ["Team lunch\nA\n", "Team lunch\nB\n", "C\n"])
    assert len(ws.stale(cleaner.rules.version, "", 10)) == 3
    ix = BackgroundIndexer(ws.directory, cleaner)
    ix.start()
    assert ix.wait(30) and ix.done == 3
    assert ws.stale(cleaner.rules.version, "", 10) == []
    assert len(ws.units_where_norm("team lunch")) == 2
    ws.close()


def test_queue_title_is_the_first_kept_line(tmp_path):
    ws, cleaner, ids = _ws_with(tmp_path, ["Apply\nData Engineer\nBody text.\n"])
    filter_cached(ws, cleaner, ids[0])
    assert ws.row(ids[0]).title == "Data Engineer"  # "Apply" is dropped by a rule
    ws.close()


def test_background_indexer_caches_the_preferred_posting_first(tmp_path):
    from jdreview.workspace.session import BackgroundIndexer

    ws, cleaner, ids = _ws_with(tmp_path, [f"Posting {i}\nBody {i}.\n" for i in range(6)])
    ix = BackgroundIndexer(ws.directory, cleaner)
    ix.prefer(ids[4])
    ix.prefer(10_000)  # an id that does not exist is skipped, not fatal
    ix.start()
    assert ix.wait(30)
    assert ix.log[0] == ids[4] and set(ix.log) == {*ids, 10_000} and ix.log.count(ids[4]) == 1
    assert ws.stale(cleaner.rules.version, "", 10) == []
    ws.close()


def test_edits_made_before_a_held_cache_lands_are_written_at_once(tmp_path):
    """The window opens a newly filtered posting with cache_later (its decisions are cached
    once it is on screen). Edits do not wait for that: they are in the workspace as soon as
    they are made, and a restart before the cache lands (a kill) re-filters and shows them."""
    ws, cleaner, ids = _ws_with(tmp_path, [TEXT])
    s = open_session(ws, cleaner, ids[0], "ann", cache_later=True)
    assert ws.has_cache_later
    s.apply(s.toggle([(0, None)]))
    s.apply(s.split_or_join(4))
    s.apply(s.toggle([(4, 0)]))
    text = s.cleaned_text()
    with Workspace.open(ws.directory) as other:  # what a restart would find now
        assert other.cached_units(ids[0], cleaner.rules.version, "") is None
        assert other.overrides(ids[0]) == s.overrides and other.splits(ids[0]) == {4: True}
        assert other.row(ids[0]).changed == 0  # counted against a cache not yet written
        assert open_session(other, cleaner, ids[0]).cleaned_text() == text
    assert ws.flush_cache() == [ids[0]]
    assert ws.row(ids[0]).changed == 2 and ws.row(ids[0]).title == "Data Engineer"
    assert open_session(ws, cleaner, ids[0]).cleaned_text() == text
    ws.close()
