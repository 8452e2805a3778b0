"""The classifier: site-repetition memory, persistence, and what scoring returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jdreview.errors import InputError
from jdreview.filter.classifier import Classifier, load_classifier
from jdreview.filter.rules import RuleSet, normalise
from jdreview.io.posting import Posting
from jdreview.learn.gold import GoldPosting
from jdreview.learn.train import site_tables, train

pytest.importorskip("sklearn")

CHROME = ["Acme Careers", "Our offices", "Life at Acme", "Meet the team"]


def _posting(k: int) -> GoldPosting:
    body = [f"We are hiring engineer number {k} to build reliable data pipelines for our customers.",
            f"You will own service {k} end to end, from design reviews to production support."]
    lines = CHROME + body
    labels = {i: i >= len(CHROME) for i in range(len(lines))}
    p = Posting.from_text("\n".join(lines) + "\n", site="acme")
    return GoldPosting(p, labels, "acme")


def _other(k: int) -> GoldPosting:
    lines = ["Menu", f"Analyst role {k} in our finance team, working with budgets and forecasts daily.",
             "Cookie settings"]
    p = Posting.from_text("\n".join(lines) + "\n", site=f"other{k}")
    return GoldPosting(p, {0: False, 1: True, 2: False}, f"other{k}")


def test_site_tables_count_postings_per_site_without_storing_text() -> None:
    tables = site_tables([_posting(k) for k in range(3)])
    assert tables["acme"]["#postings"] == 3
    assert sorted(v for k, v in tables["acme"].items() if k != "#postings").count(3) == len(CHROME)
    assert not any("Acme" in key or "offices" in key for key in tables["acme"])


def test_site_repetition_is_saved_checksummed_and_used(tmp_path: Path) -> None:
    examples = [_posting(k) for k in range(4)] + [_other(k) for k in range(4)]
    # one pass: the second clips the first's logits, and both of these are far below the clip
    clf = train(examples, RuleSet(), min_postings=2, stack=0)
    assert "acme" in clf.sites and any(name.startswith("siterep:") for name in clf.weights)
    path = tmp_path / "clf.json"
    clf.save(str(path))
    again = load_classifier(str(path))
    assert again.sites == clf.sites and again.version == clf.version

    new = _posting(99).posting
    units = [i for i, line in enumerate(new.lines) if line.strip()]
    norms = {i: normalise(new.lines[i]) for i in units}
    with_site = again.score(new, units, norms, {})
    new.site = "unseen"
    without = again.score(new, units, norms, {})
    # the site's repeated chrome scores lower when the classifier knows the site
    assert with_site[0] < without[0]

    obj = json.loads(path.read_text())
    obj["sites"]["acme"]["#postings"] = 40
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="checksum"):
        load_classifier(str(path))


def test_score_covers_open_units_unless_all_are_asked_for() -> None:
    clf = Classifier({"w:apply": -3.0}, bias=1.0)
    p = Posting.from_text("Apply\nWe build data pipelines.\n")
    from jdreview.filter.decision import Decision

    dec = {0: Decision(False, "rule", "button")}
    norms = {0: "apply", 1: "we build data pipelines."}
    assert set(clf.score(p, [0, 1], norms, dec)) == {1}
    assert set(clf.score(p, [0, 1], norms, dec, all_units=True)) == {0, 1}


def _all_postings() -> list[Posting]:
    from jdreview.io.inputs import load_posting

    root = Path(__file__).resolve().parents[2]
    paths = sorted((root / "assets" / "samples" / "seeds").glob("*.txt"))
    corpus = root.parent / "shared" / "corpus" / "raw"
    if corpus.is_dir():
        paths += sorted(corpus.iterdir())
    return [load_posting(str(p)) for p in paths]


def test_the_fast_scorer_gives_the_same_logits_as_the_feature_names() -> None:
    """open_logits adds weights where it finds features; reference_logits builds the
    feature names that training sees. A feature added to one and not the other fails here."""
    from jdreview.filter.classifier import default_classifier
    from jdreview.filter.pipeline import rule_decisions
    from jdreview.filter.rules import default_rules

    rules = default_rules()
    clf = default_classifier()
    postings = _all_postings()
    # and one with a site the classifier remembers, and one with a URL slug and title
    postings.append(Posting.from_text("Data Engineer\nAbout the job\nApply\n", site="linkedin"))
    postings.append(Posting.from_text("**URL:** https://x.example/jobs/data-engineer-berlin\n"
                                      "Data Engineer | Acme\nData Engineer\nBerlin\nDe\nfor\n"
                                      "We build pipelines and more pipelines every day for you.\n"))
    checked = 0
    for p in postings:
        units = [i for i, line in enumerate(p.lines) if line.strip()]
        norms = {i: normalise(p.lines[i]) for i in units}
        dec = rule_decisions(p, units, norms, rules)
        fast = clf.open_logits(p, units, norms, dec)
        slow = clf.reference_logits(p, units, norms, dec)
        assert fast == pytest.approx(slow, abs=1e-9), p.source
        checked += len(units) - len(dec)
    assert checked > 100


def test_the_local_logit_is_the_weighted_sum_of_the_local_features_exactly() -> None:
    """Scoring adds a line's local weights without building its features
    (features.local_logit); on every corpus line the float is the one the feature
    list gives, bit for bit, so the cleaned output cannot move."""
    from jdreview.filter.classifier import default_classifier
    from jdreview.filter.features import local_features

    clf = default_classifier()
    w = clf.weights
    checked = 0
    for p in _all_postings():
        for line in p.lines:
            if not line.strip():
                continue
            key = (normalise(line), line[:40])
            want = sum(w.get(name, 0.0) * x for name, x in local_features(*key)[0])
            clf._local_cache.clear()
            assert clf._local(key) == want, line
            checked += want != 0.0
    assert checked > 1000


def test_the_ascii_feature_pass_answers_as_the_python_patterns() -> None:
    """On ASCII text five feature questions (digit, currency, url, sentence end, date)
    are one RE2 pass; on every ASCII corpus line, normalised and raw, and on generated
    strings of the patterns' edge characters (control characters Python counts as
    whitespace and RE2's \\s does not, line ends), the answers are Python's."""
    import random

    from jdreview.filter import features as F

    texts = [line for p in _all_postings() for line in p.lines if line.strip()]
    texts += [normalise(x) for x in texts]
    rng = random.Random(5)
    alphabet = "ab9 .:!?@/-$,\t\n\x0b\x1c_wh:tpsw"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30))) for _ in range(20_000)]
    texts += ["posted 3 days ago", "jan 5, 2024", "12/03/2024", "2024-01-02", "salary: 30k", "per annum",
              "x@y.com", "a\x0b@b.c", "www.x", "http://", "end.\n", "end:\n ", "vor 3 tagen", "il y a 2 jours"]
    checked = found = 0
    for t in texts:
        if not t.isascii():
            continue
        want = (any(map(str.isdigit, t)), F._CURRENCY.search(t) is not None, F._URLISH.search(t) is not None,
                F._SENT_END.search(t) is not None, F._DATEISH.search(t) is not None)
        assert F._ascii_flags(t) == want, repr(t)
        checked += 1
        found += sum(want[1:])
    assert checked > 20_000 and found > 1_000


def test_non_ascii_text_answers_the_feature_questions_through_its_ascii_stand_in() -> None:
    """Text with non-ASCII characters takes the ASCII pass on a stand-in (each such
    character replaced by an ASCII one of the same classes): on every corpus and NHS
    line, normalised and raw, and on generated strings mixing the patterns' edge
    characters with letters, digits, spaces and signs of other scripts, the answers are
    Python's patterns' answers; a text that has no stand-in takes the Python patterns."""
    import random

    from corpus_lines import corpus_lines

    from jdreview.filter import features as F

    texts = corpus_lines(300)
    texts += [normalise(x) for x in texts]
    rng = random.Random(11)
    alphabet = "ab9 .:!?@/-$,_wh:tpsjanmay2024 ého" + "é£€¥₹’–•·²٣５\xa0\u0301中ßÀ"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30))) for _ in range(20_000)]
    texts += ["há 3 dias", "£30,000 per annum", "publié il y a 2 jours", "vor ٣ tagen", "x²", "é@b.com",
              "www.é", "fin.’", "mär 5, 2024", "jan 5, ２０２４", "über 1–2"]
    checked = stood_in = 0
    for t in texts:
        if t.isascii():
            continue
        assert F._flags(t) == F._python_flags(t), repr(t)
        checked += 1
        stood_in += F.ascii_stand_in(t) is not None
    assert checked > 15_000 and stood_in > 10_000
    assert F.ascii_stand_in("x² m") is None and F.ascii_stand_in("há 3 dias") is None
