"""Loading postings: bytes -> text -> lines (encodings, ftfy repair, HTML, pair and batch files)."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path

import pytest

from jdreview.errors import InputError
from jdreview.io.decode import decode_bytes, repair_text
from jdreview.io.html import html_to_lines
from jdreview.io.inputs import iter_batch, load_posting, load_posting_bytes
from jdreview.io.posting import Posting

SEEDS = Path(__file__).parents[2] / "assets" / "samples" / "seeds"
TEXT = "Senior Data Engineer\nZürich · Hybrid\nWe’re hiring – café “naïve” résumé €80k\n"


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encode", [
    pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
    pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8-bom"),
    pytest.param(lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), id="utf-16-le-bom"),
    pytest.param(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), id="utf-16-be-bom"),
    pytest.param(lambda t: t.encode("cp1252"), id="cp1252"),
])
def test_encodings_decode_to_the_same_text(encode, tmp_path: Path) -> None:
    path = tmp_path / "posting.txt"
    path.write_bytes(encode(TEXT))
    p = load_posting(str(path))
    assert p.lines == TEXT.rstrip("\n").split("\n")


def test_latin1_bytes_that_cp1252_does_not_map_still_decode() -> None:
    # 0x81 and 0x8d are undefined in cp1252; latin-1 maps every byte.
    data = "Gehalt: 50.000 € – café".encode("cp1252") + b" \x81\x8d ok"
    text = decode_bytes(data)
    assert text.startswith("Gehalt: 50.000")
    assert text.endswith(" ok")


def test_windows_line_endings_are_folded(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Title\r\nBody line\r\n\r\nLast\rold mac\r\n")
    assert load_posting(str(path)).lines == ["Title", "Body line", "", "Last", "old mac"]


def test_no_encoding_crashes_on_arbitrary_bytes() -> None:
    # Every byte value once, in many orders: decoding gives text or a one-line InputError.
    import random

    rng = random.Random(7)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        try:
            p = load_posting_bytes(data, "fuzz.txt")
        except InputError as e:
            assert "\n" not in str(e) and str(e).startswith("fuzz.txt")
        else:
            assert isinstance(p.lines, list)


# --------------------------------------------------------------------------- ftfy repair


def test_seed_002_mojibake_is_repaired() -> None:
    p = load_posting(str(SEEDS / "002_857223e5a1dd0063.txt"))
    text = p.text
    assert "Cambridge, MA · 1 week ago · 36 people clicked apply" in p.lines
    assert "¬∑" not in text and "‚Äô" not in text
    assert "You’ll participate" in text  # ‚Äôll -> ’ll, a curly apostrophe, not uncurled


def test_repair_keeps_the_postings_own_curly_quotes() -> None:
    text = "We’re “data-driven” – and ‘proud’ of it."
    assert repair_text(text) == text
    # a line that needs repair keeps its curly quotes too
    assert repair_text("You‚Äôll join ‚Äúthe team‚Äù") == "You’ll join “the team”"


def test_repair_touches_only_broken_lines() -> None:
    text = "Ã¼ber uns\nSalary £50k — negotiable\n"
    out = repair_text(text).split("\n")
    assert out[0] == "über uns"
    assert out[1] == "Salary £50k — negotiable"


# --------------------------------------------------------------------------- HTML


def lines_of(html: str) -> list[str]:
    return html_to_lines(html)[0]


def test_html_blocks_start_lines_and_inline_elements_join() -> None:
    html = ("<html><body><h1>Data <span>Engineer</span></h1>"
            "<p>We use <b>Python</b>, <a href='#'>SQL</a> and <em>dbt</em>.</p>"
            "<ul><li>Own pipelines</li><li>Review code</li></ul>"
            "<div>Zürich<br>Hybrid</div><table><tr><td>Pay</td><td>€90k</td></tr></table>"
            "</body></html>")
    assert lines_of(html) == ["Data Engineer", "We use Python, SQL and dbt.", "Own pipelines",
                              "Review code", "Zürich", "Hybrid", "Pay", "€90k"]


def test_html_drops_head_scripts_and_styles() -> None:
    html = ("<html><head><title>Page title</title><style>p{color:red}</style>"
            "<script>var x = 'secret';</script></head><body><p>Body</p>"
            "<script>track()</script><noscript>Enable JS</noscript><style>.a{}</style>"
            "<!-- a comment --><p>More</p></body></html>")
    assert lines_of(html) == ["Body", "More"]


@pytest.mark.parametrize("hidden", [
    '<div hidden>Sign in to see more</div>',
    '<div aria-hidden="true">Sign in to see more</div>',
    '<div aria-hidden="TRUE">Sign in to see more</div>',
    '<div style="display:none">Sign in to see more</div>',
    '<div style="color: red; display : none;">Sign in to see more</div>',
    '<span style="DISPLAY: NONE">Sign in to see more</span>',
])
def test_html_hidden_content_is_not_shown(hidden: str) -> None:
    html = f"<html><body><p>Visible job text</p>{hidden}<p>After</p></body></html>"
    assert lines_of(html) == ["Visible job text", "After"]


def test_html_not_hidden_when_aria_hidden_is_false() -> None:
    html = '<p>One</p><div aria-hidden="false">Shown</div><div style="display:block">Too</div>'
    assert lines_of(html) == ["One", "Shown", "Too"]


def test_html_whitespace_and_entities_are_folded() -> None:
    html = "<p>  Senior&nbsp;&nbsp;Engineer \n\t (m/w/d) &amp; more  </p>"
    assert lines_of(html) == ["Senior Engineer (m/w/d) & more"]


def test_html_file_is_loaded_as_html(tmp_path: Path) -> None:
    path = tmp_path / "job.html"
    path.write_text("<html><body><h2>Analytics Engineer</h2><p>Join us.</p></body></html>",
                    encoding="utf-8")
    p = load_posting(str(path))
    assert p.kind == "html"
    assert p.lines == ["Analytics Engineer", "Join us."]


def test_html_content_in_a_txt_file_is_detected() -> None:
    p = load_posting_bytes(b"<div><p>Role</p><p>Details</p></div>", "saved.txt")
    assert p.kind == "html"
    assert p.lines == ["Role", "Details"]


def test_html_mojibake_is_repaired() -> None:
    p = Posting.from_html("<p>Cambridge, MA ¬∑ 1 week ago</p>")
    assert p.lines == ["Cambridge, MA · 1 week ago"]


def test_truncated_html_is_cleaned_as_far_as_it_goes_with_a_warning() -> None:
    html = "<html><body><h1>Data Engineer</h1><p>Build pipelines</p><ul><li>SQL"
    lines, warnings = html_to_lines(html, "cut.html")
    assert lines == ["Data Engineer", "Build pipelines", "SQL"]
    assert len(warnings) == 1 and "cut.html" in warnings[0] and "truncated" in warnings[0]


# --------------------------------------------------------------------------- pair files


def test_pair_file_reads_both_parts() -> None:
    p = load_posting(str(SEEDS / "002_857223e5a1dd0063.txt"))
    assert p.lines[0] == "Capital One"
    assert not any("Filtered resume it should be" in line for line in p.lines)
    assert not any("Original Job Description from LLM" in line for line in p.lines)
    assert p.gold is not None
    assert "Senior Machine Learning Engineer" in p.gold
    assert "‚Äô" not in p.gold  # the gold part is repaired too
    assert "Apply\nSave" not in p.gold


def test_plain_file_has_no_gold(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("Title\nBody\n", encoding="utf-8")
    assert load_posting(str(path)).gold is None


# --------------------------------------------------------------------------- site and url


def test_url_line_gives_url_and_site(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text("**URL:** https://www.linkedin.com/jobs/view/123\nData Engineer\n", encoding="utf-8")
    p = load_posting(str(path))
    assert p.url == "https://www.linkedin.com/jobs/view/123"
    assert p.site == "linkedin"


def test_site_is_detected_from_content() -> None:
    p = Posting.from_text("Data Engineer\nBerlin · 2 days ago · 50 people clicked apply\n"
                          "Responses managed off LinkedIn\nBody.\n")
    assert p.site == "linkedin"
    assert Posting.from_text("Data Engineer\nBody text.\n").site == ""


# --------------------------------------------------------------------------- batch files

RECORDS = [
    {"id": "a1", "url": "https://www.linkedin.com/jobs/view/1", "title": "Data Engineer",
     "company": "Acme", "text": "Data Engineer\nApply\nBuild pipelines.\n"},
    {"id": "a2", "description": "<p>ML Engineer</p><p>Train models.</p>", "site": "Indeed"},
    {"id": "a3", "raw": "Analyst\nSQL daily.\n"},
]


def test_jsonl_batch(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n\n", encoding="utf-8")
    recs = list(iter_batch(str(path)))
    assert [r.number for r in recs] == [1, 2, 3]
    assert all(r.error is None for r in recs)
    p1, p2, p3 = (r.posting for r in recs)
    assert p1.id == "a1" and p1.site == "linkedin" and p1.title == "Data Engineer"
    assert p1.lines == ["Data Engineer", "Apply", "Build pipelines."]
    assert p2.kind == "html" and p2.lines == ["ML Engineer", "Train models."] and p2.site == "indeed"
    assert p3.lines == ["Analyst", "SQL daily."]
    assert recs[0].fields["company"] == "Acme"


def test_json_array_and_wrapped_object(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text(json.dumps(RECORDS), encoding="utf-8")
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"jobs": RECORDS}), encoding="utf-8")
    for path in (a, b):
        recs = list(iter_batch(str(path)))
        assert [r.posting.id for r in recs] == ["a1", "a2", "a3"]


def test_jsonl_bad_record_does_not_stop_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n{not json\n" + json.dumps({"id": "x"}) + "\n"
                    + json.dumps(RECORDS[2]) + "\n", encoding="utf-8")
    recs = list(iter_batch(str(path)))
    assert [r.error is None for r in recs] == [True, False, False, True]
    assert str(recs[1].error).startswith(f"{path}:2:")
    assert "record 3" in str(recs[2].error)
    assert recs[3].posting.lines == ["Analyst", "SQL daily."]


def test_jobspy_style_csv(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    cols = ["id", "site", "job_url", "job_url_direct", "title", "company", "location",
            "date_posted", "job_type", "is_remote", "description", "company_url"]
    rows = [
        {"id": "li-3999", "site": "linkedin", "job_url": "https://www.linkedin.com/jobs/view/3999",
         "title": "Data Engineer", "company": "Acme", "location": "Berlin, DE",
         "description": "**Data Engineer**\n\nBuild *pipelines*, with \"quotes\", and commas.\n\nApply\n"},
        {"id": "in-77", "site": "indeed", "job_url": "https://www.indeed.com/viewjob?jk=77",
         "title": "Analyst", "company": "Beta, Inc.", "location": "Remote",
         "description": "Analyst\nSQL every day.\n"},
    ]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    recs = list(iter_batch(str(path)))
    assert len(recs) == 2 and all(r.error is None for r in recs)
    p1, p2 = recs[0].posting, recs[1].posting
    assert p1.id == "li-3999" and p1.url == rows[0]["job_url"] and p1.site == "linkedin"
    assert p1.lines == ["**Data Engineer**", "", "Build *pipelines*, with \"quotes\", and commas.", "",
                        "Apply"]
    assert p2.company == "Beta, Inc." and p2.site == "indeed"
    assert recs[1].fields["location"] == "Remote"


def test_tsv_batch(tmp_path: Path) -> None:
    path = tmp_path / "jobs.tsv"
    path.write_text("id\ttext\nt1\tTitle line\n", encoding="utf-8")
    (rec,) = iter_batch(str(path))
    assert rec.posting.id == "t1" and rec.posting.lines == ["Title line"]


def test_csv_without_a_text_column_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text("id,title,company\n1,Engineer,Acme\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        list(iter_batch(str(path)))
    assert str(e.value).startswith(f"{path}:1:") and "text column" in str(e.value)


def test_utf16_without_bom_is_detected() -> None:
    assert decode_bytes("Data Engineer in Zürich".encode("utf-16-le")) == "Data Engineer in Zürich"
    assert decode_bytes("Data Engineer in Zürich".encode("utf-16-be")) == "Data Engineer in Zürich"


def test_binary_with_zeros_in_every_other_byte_is_not_taken_for_utf16() -> None:
    with pytest.raises(InputError) as e:
        decode_bytes(b"\x00\x01\x02\x03" * 100, "x.txt")
    assert str(e.value) == "x.txt: binary file, not a text or HTML posting"


@pytest.mark.parametrize("broken, fixed", [
    ("Caf\u00c3\u00a9 au lait", "Caf\u00e9 au lait"),               # cp1252
    ("Cambridge, MA \u00ac\u2211 1 week", "Cambridge, MA \u00b7 1 week"),  # Mac Roman (seed 002)
    ("we\u201a\u00c4\u00f4ll", "we\u2019ll"),
    ("\u00f0\u0178\u2018\u2030 Apply", "\U0001f449 Apply"),      # an emoji, four bytes
    ("S\u00c3\u00a3o Paulo", "S\u00e3o Paulo"),
])
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    from jdreview.io.decode import repair_text

    assert repair_text(broken) == fixed


def test_cp437_no_break_space_lines_become_blank_lines() -> None:
    """A scraper's page text saved from a Windows console (code page 437) turns a no-break
    space into "\u252c\u00e1": the spacer lines between paragraphs must be blank again (as
    ftfy reads them when postings are scored), not one-word lines that split the body."""
    from jdreview.filter.pipeline import auto_filter
    from jdreview.io.decode import repair_text
    from jdreview.io.posting import Posting

    assert repair_text("\u252c\u00e1") == "\u00a0"
    assert repair_text("Box \u2502 \u251c\u2500\u2500 src") == "Box \u2502 \u251c\u2500\u2500 src"
    text = "\n".join(["Data Engineer", "Acme Ltd", "About Us", "\u252c\u00e1",
                      "We build data platforms for hospitals and labs across Europe every day.",
                      "\u252c\u00e1", "You will design pipelines, review code and mentor two engineers."])
    res = auto_filter(Posting.from_text(text, id="x"))
    assert not [lr for lr in res.lines if "\u252c" in lr.text]
    spacers = [lr for lr in res.lines if lr.text == "\u00a0"]
    assert len(spacers) == 2 and all(lr.decision is None for lr in spacers)  # blank: no unit


@pytest.mark.parametrize("line", ["Regelm\u00e4\u00dfige Arbeitszeiten", "l\u2019\u00e9cole d\u2019\u00e9t\u00e9",
                                  "Una compa\u00f1\u00eda", "Zuverl\u00e4ssig und gem\u00e4\u00df"])
def test_accented_text_that_only_looks_like_mojibake_is_not_sent_to_ftfy(line: str) -> None:
    """Pairs such as "\u00e4\u00df" or "\u2019\u00e9" match the mojibake character classes, but no
    codec turns them back into a UTF-8 character: ftfy (milliseconds a line) is skipped."""
    from jdreview.io.decode import _MOJIBAKE_HINT, _needs_repair, repair_text

    assert _MOJIBAKE_HINT.search(line) is not None  # the cheap pre-check alone would call ftfy
    assert not _needs_repair(line)
    assert repair_text(line) == line
