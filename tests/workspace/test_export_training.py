"""``jdreview export`` of a workspace: training pairs and the dataset card cover reviewed
postings only (unless ``--include-unreviewed``), and every pair record carries its status."""

from __future__ import annotations

import json
import os

from jdreview.cli import main
from jdreview.learn.labelled import read_pairs
from jdreview.workspace.store import Workspace

SEEDS = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "samples", "seeds")


def workspace(tmp_path):
    d = str(tmp_path / "ws")
    with Workspace.open(d) as ws:
        ws.add_paths([os.path.join(SEEDS, n) for n in sorted(os.listdir(SEEDS))])
        first = ws.ids()[0]
        ws.set_status(first, "reviewed", "ann")
        source = ws.row(first).source
    return d, source


def records(path):
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def test_export_writes_training_pairs_of_reviewed_postings_only(tmp_path):
    d, reviewed = workspace(tmp_path)
    out = tmp_path / "out"
    assert main(["export", "--workspace", d, "-o", str(out), "--no-classifier"]) == 0
    plain = records(out / "pairs.jsonl")
    chat = records(out / "pairs.chat.jsonl")
    assert len(plain) == len(chat) == 1
    assert all(r["status"] == "reviewed" for r in plain + chat)
    assert len(os.listdir(out / "pairs")) == 1
    card = json.load(open(out / "dataset_card.json"))
    assert card["postings"] == 1
    n_lines = sum(1 for r in records(out / "labels.jsonl") if r["source"] == reviewed and r["segment"] is None)
    assert card["units"] == n_lines
    assert len(read_pairs(str(out / "pairs.jsonl"))) == 1  # still valid pair files


def test_include_unreviewed_exports_every_posting_with_its_status(tmp_path):
    d, _ = workspace(tmp_path)
    out = tmp_path / "out"
    assert main(["export", "--workspace", d, "-o", str(out), "--no-classifier", "--include-unreviewed"]) == 0
    plain = records(out / "pairs.jsonl")
    assert sorted(r["status"] for r in plain) == ["new", "new", "reviewed"]
    assert sorted(r["status"] for r in records(out / "pairs.chat.jsonl")) == ["new", "new", "reviewed"]
    assert json.load(open(out / "dataset_card.json"))["postings"] == 3
    assert len(read_pairs(str(out / "pairs.chat.jsonl"))) == 3
