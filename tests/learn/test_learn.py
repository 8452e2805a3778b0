"""Training data export, its validation on read, training, and the leave-one-site-out floor."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jdreview.errors import InputError
from jdreview.filter.classifier import load_classifier
from jdreview.filter.rules import default_rules
from jdreview.io.inputs import load_posting
from jdreview.learn.labelled import (
    CARD_JSON,
    CHAT_FILE,
    LABELS_FILE,
    PAIRS_DIR,
    PLAIN_FILE,
    clean_text_of,
    export_training_data,
    import_gold,
    load_labelled,
    read_card,
    read_labels,
    read_pairs,
    train_classifier,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join(ROOT, "assets", "samples", "seeds")
GOLD = os.path.join(ROOT, "assets", "samples", "gold")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
FLOOR_FILE = os.path.join(ROOT, "tests", "data", "quality_floor.json")
needs_corpus = pytest.mark.skipif(not os.path.exists(os.path.join(CORPUS, "manifest.tsv")),
                                  reason="the development corpus (../shared/corpus) is not here")


@pytest.fixture(scope="module")
def seeds():
    return import_gold([SEEDS], GOLD)


@pytest.fixture(scope="module")
def exported(seeds, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("export"))
    card = export_training_data(seeds, out, default_rules())
    return out, card


def _rewrite_line(path, n, fn):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    lines[n] = fn(lines[n])
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


# ---------------------------------------------------------------- export and read back


def test_seed_gold_imports_as_reviewed_postings(seeds):
    assert len(seeds) == 3
    for lp in seeds:
        assert lp.reviewer == "gold:seeds"
        assert set(lp.labels.values()) == {True, False}  # each seed has content and chrome
        assert lp.gold is not None


def test_labels_roundtrip_and_schema(exported, seeds):
    out, card = exported
    recs = read_labels(os.path.join(out, LABELS_FILE))
    whole = [r for r in recs if r["segment"] is None]
    assert len(whole) == sum(len(lp.labels) for lp in seeds) == card["units"]
    assert card["labels"]["keep"] + card["labels"]["drop"] == card["units"]
    assert card["labels"]["keep"] == sum(v for lp in seeds for v in lp.labels.values())
    for r in recs:
        assert r["schema"] == 1 and r["kind"] == "label"
        assert r["rules_version"] == default_rules().version
        assert r["auto"]["reason"] and len(r["norm_hash"]) == 16
        assert r["changed"] == (r["label"] != r["auto"]["keep"])
    back = load_labelled([out])
    assert [lp.labels for lp in back] == [lp.labels for lp in seeds]
    # the review window's reader accepts the same file
    from jdreview.workspace.export import read_labels as window_read_labels

    assert sum(1 for _ in window_read_labels(os.path.join(out, LABELS_FILE))) == len(recs)


def test_pairs_in_three_forms_agree(exported, seeds):
    out, card = exported
    chat = read_pairs(os.path.join(out, CHAT_FILE))
    plain = read_pairs(os.path.join(out, PLAIN_FILE))
    assert chat == plain and len(chat) == 3 == card["files"][CHAT_FILE]["records"]
    for (raw, clean), lp in zip(chat, seeds, strict=True):
        assert raw == lp.posting.text and clean == clean_text_of(lp)
        assert "¬∑" not in clean
        p = load_posting(os.path.join(out, PAIRS_DIR, lp.posting.id + ".txt"))
        assert p.gold is not None and p.gold.strip() == clean.strip()
        assert [x for x in p.lines if x.strip()] == [x for x in lp.posting.lines if x.strip()]


def test_dataset_card(exported):
    out, card = exported
    on_disk = read_card(os.path.join(out, CARD_JSON))
    assert on_disk["postings"] == 3 and sum(on_disk["sites"].values()) == 3
    assert on_disk["sites"].get("linkedin") == 1  # seed 002 is a LinkedIn page
    assert 0 < on_disk["keep_share"] < 1
    md = open(os.path.join(out, "dataset_card.md"), encoding="utf-8").read()
    assert f"{card['units']} labelled lines" in md


# ---------------------------------------------------------------- refusals


@pytest.fixture
def labels_copy(exported, tmp_path):
    out, _ = exported
    path = str(tmp_path / "labels.jsonl")  # no card beside it: the record checks alone
    with open(os.path.join(out, LABELS_FILE), encoding="utf-8") as f, open(path, "w", encoding="utf-8") as g:
        g.write(f.read())
    return path


def test_refuses_malformed_labels(labels_copy):
    _rewrite_line(labels_copy, 4, lambda s: s[:-5])
    with pytest.raises(InputError, match=r"labels.jsonl:5: not JSON"):
        read_labels(labels_copy)


def test_refuses_newer_label_schema(labels_copy):
    _rewrite_line(labels_copy, 0, lambda s: s.replace('"schema":1', '"schema":7', 1))
    with pytest.raises(InputError, match="newer than this jdreview"):
        read_labels(labels_copy)


def test_refuses_tampered_label(labels_copy):
    def flip(s):
        rec = json.loads(s)
        rec["label"] = not rec["label"]
        return json.dumps(rec)
    _rewrite_line(labels_copy, 2, flip)
    with pytest.raises(InputError, match=r":3: label record checksum"):
        read_labels(labels_copy)


def test_refuses_record_missing_a_field(labels_copy):
    def drop_text(s):
        rec = json.loads(s)
        del rec["text"]
        return json.dumps(rec)
    _rewrite_line(labels_copy, 0, drop_text)
    with pytest.raises(InputError, match="lacks 'text'"):
        read_labels(labels_copy)


def test_refuses_pairs_file_edited_after_export(exported, tmp_path):
    out, _ = exported
    import shutil

    d = tmp_path / "exp"
    shutil.copytree(out, d)
    path = str(d / PLAIN_FILE)
    _rewrite_line(path, 0, lambda s: s.replace("Capital One", "Capital Two", 1))
    with pytest.raises(InputError, match="differs from the SHA-256"):
        read_pairs(path)
    with pytest.raises(InputError, match="pair record must be"):
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"prompt": "x"}\n')
        read_pairs(str(bad))


@pytest.fixture(scope="module")
def trained(seeds, tmp_path_factory):
    clf = train_classifier(seeds, default_rules())
    path = str(tmp_path_factory.mktemp("clf") / "classifier.json")
    clf.save(path)
    return clf, path


def _edit_json(path, dest, fn):
    with open(path, encoding="utf-8") as f:
        obj = json.load(f)
    fn(obj)
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(obj, f)


def test_classifier_file_roundtrip_and_refusals(trained, tmp_path):
    clf, path = trained
    assert load_classifier(path).version == clf.version
    tampered = str(tmp_path / "t.json")
    name = next(iter(clf.weights))
    _edit_json(path, tampered, lambda o: o["weights"].__setitem__(name, o["weights"][name] + 1.0))
    with pytest.raises(InputError, match="checksum"):
        load_classifier(tampered)
    newer = str(tmp_path / "n.json")
    _edit_json(path, newer, lambda o: o.__setitem__("schema", 99))
    with pytest.raises(InputError, match="newer"):
        load_classifier(newer)
    broken = tmp_path / "b.json"
    broken.write_text("{not json")
    with pytest.raises(InputError, match="not a JSON classifier"):
        load_classifier(str(broken))


# ---------------------------------------------------------------- training


def test_training_is_deterministic_and_survives_export(trained, seeds, exported):
    clf, _ = trained
    again = train_classifier(seeds, default_rules())
    assert again.version == clf.version and again.weights == clf.weights
    from_labels = train_classifier(load_labelled([exported[0]]), default_rules())
    assert from_labels.version == clf.version


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "jdreview", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_cli_train_then_clean_with_it(exported, tmp_path):
    out, _ = exported
    clf_path = str(tmp_path / "c.json")
    r = _run("train", out, "-o", clf_path)
    assert r.returncode == 0, r.stderr
    version = load_classifier(clf_path).version
    assert version in r.stderr
    r = _run("clean", "--classifier", clf_path, os.path.join(SEEDS, "002_857223e5a1dd0063.txt"),
             "-o", str(tmp_path / "clean"))
    assert r.returncode == 0, r.stderr
    assert os.path.getsize(tmp_path / "clean" / "002_857223e5a1dd0063.txt") > 100
    r = _run("train", out)
    assert r.returncode == 2 and "give -o FILE" in r.stderr


def test_cli_export_gold_folder(tmp_path):
    out = str(tmp_path / "gold-export")
    r = _run("export", "--gold-folder", SEEDS, "--gold", GOLD, "-o", out)
    assert r.returncode == 0, r.stderr
    assert {LABELS_FILE, CHAT_FILE, PLAIN_FILE, CARD_JSON, "dataset_card.md", PAIRS_DIR} <= set(os.listdir(out))
    assert len(load_labelled([out])) == 3


def test_workspace_export_adds_training_data(tmp_path):
    from jdreview.cli import main
    from jdreview.workspace.session import cleaner_for, open_session
    from jdreview.workspace.store import Workspace

    wsdir = str(tmp_path / "ws")
    with Workspace.open(wsdir) as ws:
        ws.add_paths([os.path.join(SEEDS, "000_fcb54d560c610b22.txt"),
                      os.path.join(SEEDS, "001_09432351198ee84f.txt")])
        first, second = ws.ids()
        s = open_session(ws, cleaner_for(ws), first, reviewer="alice")
        kept = next(k for k in s.all_keys() if s.final(k) and k[1] is None)
        s.apply(s.toggle([kept]))
        ws.set_status(first, "reviewed", "alice")
        line_text = s.posting.lines[kept[0]]
    out = str(tmp_path / "out")
    assert main(["export", "--workspace", wsdir, "-o", out]) == 0
    lps = load_labelled([out])
    assert len(lps) == 1  # only the reviewed posting is training data
    lp = lps[0]
    assert lp.labels[kept[0]] is False and lp.reviewer == "alice"
    recs = [r for r in read_labels(os.path.join(out, LABELS_FILE))
            if r["line"] == kept[0] and r["status"] == "reviewed" and r["segment"] is None]
    assert recs and recs[0]["changed"] is True
    (raw, clean), = [p for p in read_pairs(os.path.join(out, PLAIN_FILE)) if line_text in p[0]][:1]
    assert line_text.strip() not in clean.split("\n")


# ---------------------------------------------------------------- quality floor


# ---------------------------------------------------------------- site repetition (experimental)


def test_site_repeat_features_count_other_postings_of_the_site():
    from jdreview.io.posting import Posting
    from jdreview.learn.labelled import site_line_counts, site_repeat_features

    posts = [Posting.from_text(f"Role {k}\nSign in to see who you know\nShared footer\n", site="demo")
             for k in range(3)]
    posts.append(Posting.from_text("Other site\nShared footer\n", site="elsewhere"))
    posts[2].lines[2] = "A footer of its own"
    counts = site_line_counts(posts)
    assert counts["demo"]["#postings"] == 3 and counts["demo"]["shared footer"] == 2
    p = posts[0]
    units = [0, 1, 2]
    norms = {i: p.lines[i].lower() for i in units}
    feats = site_repeat_features(p, units, norms, counts)
    # own title: in no other posting; sign-in line: in both others; footer: in one of two
    assert feats == [[("siterep:0", 1.0)], [("siterep:all", 1.0)], [("siterep:most", 1.0)]]
    lone = posts[3]
    assert site_repeat_features(lone, [0, 1], {0: "other site", 1: "shared footer"}, counts) == [[], []]
