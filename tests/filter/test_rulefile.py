"""Editing the user rule file: replace, disable, delete, with comments and other rules
left as written and invalid results refused."""

from __future__ import annotations

import pytest

from jdreview.errors import InputError
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rulefile import (
    delete_rule,
    disable_rule,
    enable_rule,
    replace_rule,
    user_rule_ids,
)
from jdreview.filter.rules import Rule, RuleSet, load_rule_sets, load_rules
from jdreview.io.posting import Posting

USER = """# my rules
schema = 1

[[rule]]
id = 'noise'
kind = 'exact'
pattern = ['zorblax digest']
action = 'drop'

# the second one
[[rule]]
id = 'perks'
kind = 'regex'
pattern = 'pension'
action = 'drop'
"""


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text(USER, encoding="utf-8")
    return str(p)


def test_replace_rule_in_place_keeps_the_rest(path):
    replace_rule(path, Rule("noise", "exact", ("zorblax weekly",), action="drop", note="renamed"))
    text = open(path, encoding="utf-8").read()
    assert text.startswith("# my rules\n")
    assert user_rule_ids(path) == ["noise", "perks"]
    rs = load_rules(path)
    assert rs.get("noise").pattern == ("zorblax weekly",) and rs.get("noise").note == "renamed"
    assert rs.get("perks").pattern == ("pension",)


def test_replace_unknown_id_appends_an_override(path):
    replace_rule(path, Rule("shipped-x", "regex", ("^share$",)))
    assert user_rule_ids(path) == ["noise", "perks", "shipped-x"]


def test_invalid_replacement_is_refused_and_file_untouched(path):
    with pytest.raises(InputError, match="bad regex"):
        replace_rule(path, Rule("perks", "regex", ("(unclosed",)))
    assert open(path, encoding="utf-8").read() == USER


def test_delete_rule(path):
    delete_rule(path, "noise")
    assert user_rule_ids(path) == ["perks"]
    with pytest.raises(InputError, match="no rule 'noise'"):
        delete_rule(path, "noise")


def test_disable_own_rule_in_place_and_enable_it_again(path):
    disable_rule(path, "perks", RuleSet())
    assert load_rules(path).get("perks").enabled is False
    assert user_rule_ids(path) == ["noise", "perks"]
    enable_rule(path, "perks", RuleSet())
    assert load_rules(path).get("perks").enabled is True


def test_disable_shipped_rule_brings_its_line_back(tmp_path):
    shipped = load_rule_sets([])
    posting = Posting.from_text("Data Engineer\nShare this job\nYou build pipelines in SQL.\n")
    before = auto_filter(posting, shipped, None)
    d = before.lines[1].decision
    assert d is not None and not d.keep and d.source == "rule"
    path = str(tmp_path / "rules.toml")  # no file yet: it is created
    disable_rule(path, d.rule, shipped)
    after = auto_filter(posting, load_rule_sets([path]), None)
    assert after.lines[1].decision.keep is True
    # enabling removes the bare override again
    enable_rule(path, d.rule, shipped)
    assert user_rule_ids(path) == []


def test_disable_unknown_rule_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no rule"):
        disable_rule(str(tmp_path / "rules.toml"), "nope", RuleSet())
