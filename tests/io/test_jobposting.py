"""The page's own schema.org JobPosting (JSON-LD or microdata) marks the lines of the job."""

from __future__ import annotations

import json

from jdreview.filter.classifier import Classifier
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import RuleSet
from jdreview.io.jobposting import job_posting_fields, line_marks
from jdreview.io.posting import Posting

_LD = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "Careers"}, {
    "@type": "JobPosting", "title": "Data Engineer",
    "description": "<p>You build data pipelines in Python.</p><ul><li>Airflow</li></ul>",
    "hiringOrganization": {"@type": "Organization", "name": "Acme Analytics"},
    "jobLocation": {"@type": "Place", "address": {"addressLocality": "Berlin"}}}]}

PAGE = f"""<html><head><script type="application/ld+json">{json.dumps(_LD)}</script></head><body>
<div class="top"><p>Data Engineer</p><p>Acme Analytics</p><p>Berlin</p></div>
<div><p>You build data pipelines in Python.</p><ul><li>Airflow</li></ul></div>
<div><p>Senior Data Engineer</p><p>Airflow tips from our blog, every week, in your inbox</p></div>
</body></html>"""


def _marks(page: str) -> dict[str, tuple[str, ...]]:
    p = Posting.from_html(page)
    assert p.line_attrs is not None
    return {line: tuple(m for m in a if m.startswith("html:ld-")) for line, a in zip(p.lines, p.line_attrs,
                                                                                         strict=True)}


def test_json_ld_marks_the_header_and_the_description() -> None:
    m = _marks(PAGE)
    assert m["Data Engineer"] == ("html:ld-head",)
    assert m["Acme Analytics"] == ("html:ld-head",)
    assert m["Berlin"] == ("html:ld-head",)
    assert m["You build data pipelines in Python."] == ("html:ld-body",)
    assert m["Airflow"] == ("html:ld-body",)  # a short line: one of the description's lines
    assert m["Senior Data Engineer"] == ("html:ld-part",)  # a similar job's title holds the title
    # a sentence that names a word of the description is not in it
    assert m["Airflow tips from our blog, every week, in your inbox"] == ()


def test_microdata_of_the_described_job_counts_not_the_similar_jobs() -> None:
    page = """<html><body>
    <div itemscope itemtype="http://schema.org/JobPosting"><h1 itemprop="title">Kouluttaja</h1>
    <p itemprop="employmentType">osa-aikatyö</p>
    <div itemprop="description"><p>Optimi hakee kokenutta kouluttajaa Jyväskylän alueelta.</p></div></div>
    <div itemscope itemtype="http://schema.org/JobPosting"><p itemprop="title">Projektipäällikkö</p></div>
    </body></html>"""
    m = _marks(page)
    assert m["Kouluttaja"] == ("html:ld-head",)
    assert m["osa-aikatyö"] == ("html:ld-head",)
    assert m["Optimi hakee kokenutta kouluttajaa Jyväskylän alueelta."] == ("html:ld-body",)
    assert m["Projektipäällikkö"] == ()


def test_bad_or_missing_data_is_no_evidence() -> None:
    broken = PAGE.replace('"@type": "JobPosting"', '"@type": "JobPosting",,')
    assert not job_posting_fields(broken)
    assert all(not v for v in _marks(broken).values())
    assert line_marks(["x"], job_posting_fields("<p>no data</p>")) == [()]


def test_escaped_description_is_read_as_html() -> None:
    ld = {"@type": "JobPosting", "title": "Analyst", "description": "&lt;p&gt;Analyse data daily for the team.&lt;/p&gt;"}
    page = f'<script type="application/ld+json">{json.dumps(ld)}</script><p>Analyse data daily for the team.</p>'
    assert _marks(page)["Analyse data daily for the team."] == ("html:ld-body",)


def test_the_classifier_weighs_the_marks() -> None:
    p = Posting.from_html(PAGE)
    clf = Classifier({"html:ld-body": 3.0, "html:ld-head": 3.0}, bias=-1.0)
    kept = {lr.text for lr in auto_filter(p, RuleSet(), clf).lines if lr.decision and lr.decision.keep}
    assert {"Data Engineer", "Acme Analytics", "You build data pipelines in Python.", "Airflow"} <= kept
    assert "Senior Data Engineer" not in kept
