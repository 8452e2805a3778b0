"""HTML structure as evidence: the renderer tells the classifier which containers a line sits in."""

from __future__ import annotations

from jdreview.filter.classifier import Classifier
from jdreview.filter.decision import FilterConfig
from jdreview.filter.features import split_features
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import RuleSet, normalise
from jdreview.io.posting import Posting

PAGE = """<html><head><title>Data Engineer</title></head><body>
<nav class="site-menu"><ul><li><a href="/">Careers home</a></li><li><a href="/teams">Our teams</a></li></ul></nav>
<main><h1>Data Engineer</h1>
<p>We build data pipelines in Python and SQL for the whole company, every day.</p>
<p>Offices: <a href="/b">Berlin</a> <a href="/m">Munich</a> <a href="/h">Hamburg</a> <a href="/k">Cologne</a></p>
<ul><li>Spark and Airflow</li></ul></main>
<div id="cookie-banner"><p>We use cookies to improve your experience.</p></div>
<footer><p>Acme GmbH, all rights reserved.</p></footer>
</body></html>"""


def _attrs() -> dict[str, tuple[str, ...]]:
    p = Posting.from_html(PAGE)
    assert p.line_attrs is not None and len(p.line_attrs) == len(p.lines)
    return dict(zip(p.lines, p.line_attrs, strict=True))


def test_lines_carry_their_containers() -> None:
    a = _attrs()
    assert "html:nav" in a["Careers home"] and "html:links" in a["Careers home"]
    assert "html:cookie" in a["We use cookies to improve your experience."]
    assert "html:footer" in a["Acme GmbH, all rights reserved."]
    assert "html:li" in a["Spark and Airflow"]
    body = "We build data pipelines in Python and SQL for the whole company, every day."
    assert a[body] == ()


def test_a_joined_run_of_inline_links_is_marked_as_links_not_prose() -> None:
    a = _attrs()
    line = "Offices: Berlin Munich Hamburg Cologne"
    assert "html:links" in a[line]  # most of its text is link text


def test_text_postings_have_no_structure() -> None:
    assert Posting.from_text("Data Engineer\nApply\n").line_attrs is None


def test_the_classifier_weighs_structure_and_both_scorers_agree() -> None:
    p = Posting.from_html(PAGE)
    units = [i for i, x in enumerate(p.lines) if x.strip()]
    norms = {i: normalise(p.lines[i]) for i in units}
    plain = Classifier({}, bias=1.0)
    clf = Classifier({"html:nav": -3.0, "html:cookie": -3.0, "html:footer": -3.0, "html:links": -1.0}, bias=1.0)
    # the classifier alone: the structural stages after scoring (header chrome drops a
    # "Careers home" above the title whatever the classifier made of it) are off
    alone = FilterConfig(structure=False)
    kept = [lr.text for lr in auto_filter(p, RuleSet(), clf, alone).lines if lr.decision and lr.decision.keep]
    assert "Careers home" in [lr.text for lr in auto_filter(p, RuleSet(), plain, alone).lines
                              if lr.decision and lr.decision.keep]
    assert "Careers home" not in kept and "We use cookies to improve your experience." not in kept
    assert "Spark and Airflow" in kept
    fast = clf.open_logits(p, units, norms, {})
    slow = clf.reference_logits(p, units, norms, {})
    assert [round(x, 9) for x in fast] == [round(x, 9) for x in slow]
    _, ctx = split_features(p, units, norms, {})
    assert "html:nav" in ctx[p.lines.index("Careers home") - units[0]]


def test_a_wrapper_round_the_whole_page_is_not_chrome() -> None:
    page = PAGE.replace("<body>", '<body><div id="app-navigation" class="footerPadding">').replace(
        "</body>", "</div></body>")
    a = dict(zip(*(lambda p: (p.lines, p.line_attrs))(Posting.from_html(page)), strict=True))
    body = "We build data pipelines in Python and SQL for the whole company, every day."
    assert a[body] == ()
    assert "html:nav" in a["Careers home"]  # its own <nav> still counts
