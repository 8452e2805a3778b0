"""Edits as training data: line labels, raw-to-clean pairs, a dataset card, and training.

A *labelled posting* is a posting with a person's final keep/drop for each unit line:
from the review window's workspace, or imported from gold (corpus folders such as
``../shared/corpus`` and seed-002 pair files count as reviewed postings).

What :func:`export_training_data` writes into one folder::

    labels.jsonl        one record per unit (schema below), each with a checksum
    pairs.chat.jsonl    {"messages": [system, user = raw, assistant = clean]}
    pairs.jsonl         {"id", "input": raw, "output": clean}
    pairs/<id>.txt      the seed-002 text form (raw part, then the cleaned part)
    dataset_card.md     counts, sites, languages, label balance, for people
    dataset_card.json   the same for programs, with the SHA-256 of every file above

A label record has the schema of the review window's export (:mod:`jdreview.workspace.export`,
``schema`` 1), so labels from the workspace and from gold read and train the same way::

    {"schema": 1, "kind": "label", "posting_id": "013", "posting_hash": "<sha256>",
     "source": "corpus/text/013.txt", "url": "", "site": "linkedin", "line": 4, "segment": null,
     "text": "Apply", "norm_hash": "<16 hex>",
     "auto": {"keep": false, "source": "rule", "rule": "button", "reason": "rule:button"},
     "label": false, "changed": false, "reviewer": "gold:corpus", "status": "reviewed",
     "reviewed_at": "2026-11-22T03:00:00+00:00", "rules_version": "<12 hex>",
     "classifier_version": "<12 hex>", "language": "en", "format": "text", "checksum": "<16 hex>"}

``segment`` is null for a whole line (the record training uses) and the segment number
for a part of a line the filter split. ``checksum`` (written by this module) covers every
other field, so a record edited by hand or damaged is refused on read; a file that sits
beside a ``dataset_card.json`` must also match the SHA-256 the card recorded. A newer
schema is refused. Nothing is unpickled or evaluated: every file is JSON checked field
by field.

>>> from jdreview.io.posting import Posting
>>> lp = LabelledPosting(Posting.from_text("Data Engineer\\nApply\\nSQL and Python.\\n", id="p1"),
...                      {0: True, 1: False, 2: True}, site="demo", reviewer="me", at="2026-01-01")
>>> recs = list(label_records([lp]))
>>> [(r["text"], r["label"]) for r in recs]
[('Data Engineer', True), ('Apply', False), ('SQL and Python.', True)]
>>> [lp2.labels for lp2 in postings_from_records(validate_records(recs, "<mem>"))]
[{0: True, 1: False, 2: True}]
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ..errors import InputError
from ..filter.decision import DEFAULT_CONFIG, FilterConfig, FilterResult
from ..filter.pipeline import auto_filter
from ..filter.rules import RuleSet, normalise
from ..io.atomic import atomic_write_text
from ..io.inputs import PAIR_CLEAN_MARK, PAIR_RAW_MARK
from ..io.jsonio import iter_json_lines, read_json
from ..io.posting import Posting
from ..workspace.export import (
    LABEL_SCHEMA,
    ExportFolder,
    ExportSummary,
    check_checksum,
    record_checksum,
    validate_label,
)
from ..workspace.export import norm_hash as norm_hash

if TYPE_CHECKING:
    from ..filter.classifier import Classifier, LineScorer
    from ..filter.memory import SiteMemory
    from .gold import GoldPosting

LABELS_SCHEMA = LABEL_SCHEMA
LABEL_KIND = "label"
CARD_KIND = "jdreview-dataset-card"
CARD_SCHEMA = 1
SYSTEM_PROMPT = ("You clean scraped job postings. Return the job description only: keep the "
                 "lines that describe the job and its offer, verbatim and in order; drop page "
                 "chrome and generic boilerplate.")

LABELS_FILE = "labels.jsonl"
CHAT_FILE = "pairs.chat.jsonl"
PLAIN_FILE = "pairs.jsonl"
PAIRS_DIR = "pairs"
CARD_MD = "dataset_card.md"
CARD_JSON = "dataset_card.json"

@dataclass
class LabelledPosting:
    """A posting with a person's final label for every unit line (line index -> keep).

    ``gold`` is the person's cleaned text when they wrote one (it may trim parts of
    lines); otherwise the cleaned text is the kept lines. ``segment_labels`` holds
    labels of parts of lines ((line, segment) -> keep) when the person split a line.
    """

    posting: Posting
    labels: dict[int, bool]
    site: str = ""
    language: str = ""
    reviewer: str = ""
    at: str = ""
    gold: str | None = None
    segment_labels: dict[tuple[int, int], bool] = field(default_factory=dict)
    #: the review status (gold from a corpus or a pair file counts as reviewed)
    status: str = "reviewed"

    def as_gold(self) -> GoldPosting:
        from .gold import GoldPosting

        return GoldPosting(self.posting, self.labels, self.site, self.language)


def _checksum(rec: Mapping[str, Any]) -> str:
    return record_checksum(dict(rec))


def _stamp() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- importing gold


def _mtime_stamp(path: str) -> str:
    try:
        t = os.path.getmtime(path)
    except OSError:
        return ""
    return _dt.datetime.fromtimestamp(t, _dt.UTC).isoformat(timespec="seconds")


def import_gold(paths: Sequence[str], gold_dir: str | None = None) -> list[LabelledPosting]:
    """Gold as reviewed postings: corpus folders (with ``manifest.tsv``), pair files
    (seed-002 form), folders of them, or raw files with ``gold_dir/<stem>.txt``.

    The reviewer is ``gold:<folder>`` and the time the gold file's modification time,
    so importing the same gold twice gives the same records.
    """
    from ..io.inputs import iter_inputs
    from .gold import iter_corpus, iter_pairs

    out: list[LabelledPosting] = []
    for path in paths:
        if os.path.isdir(path) and os.path.exists(os.path.join(path, "manifest.tsv")):
            who = "gold:" + os.path.basename(os.path.abspath(path))
            for g in iter_corpus(path):
                gpath = os.path.join(path, "gold", g.posting.id + ".txt")
                keep = os.path.join(path, "labels", g.posting.id + ".keep")
                gold = None
                if os.path.exists(gpath):
                    with open(gpath, encoding="utf-8", errors="replace") as f:
                        gold = f.read()
                g.posting.source = g.posting.source or os.path.join(path, "raw", g.posting.id)
                out.append(LabelledPosting(g.posting, g.labels, g.site, g.language, who,
                                           _mtime_stamp(keep if os.path.exists(keep) else gpath), gold))
            continue
        files = list(iter_inputs([path]))
        if not files:
            raise InputError(path, "no postings here (expected a corpus folder, pair files or raw files)")
        who = "gold:" + os.path.basename(os.path.dirname(os.path.abspath(files[0])))
        for g in iter_pairs(files, gold_dir):
            p = g.posting
            gold = p.gold
            gpath = os.path.join(gold_dir, p.stem + ".txt") if gold_dir else ""
            if gpath and os.path.exists(gpath):
                with open(gpath, encoding="utf-8", errors="replace") as f:
                    gold = f.read()
            p.id = p.stem or p.id
            out.append(LabelledPosting(p, g.labels, g.site, "", who,
                                       _mtime_stamp(gpath or p.source), gold))
    return out


# --------------------------------------------------------------------------- label records


def label_records(postings: Iterable[LabelledPosting], rules: RuleSet | None = None,
                  classifier: LineScorer | None = None,
                  config: FilterConfig = DEFAULT_CONFIG) -> Iterator[dict[str, Any]]:
    """One record per unit of every posting: the automatic decision (from ``rules`` and
    ``classifier``), the person's label, and where both came from."""
    for lp in postings:
        res = auto_filter(lp.posting, rules, classifier, config)
        yield from _records_for(lp, res)


def _records_for(lp: LabelledPosting, res: FilterResult) -> Iterator[dict[str, Any]]:
    p = lp.posting
    base = {"schema": LABELS_SCHEMA, "kind": LABEL_KIND, "posting_id": p.id,
            "posting_hash": p.content_hash, "source": p.source, "url": p.url,
            "site": lp.site or p.site}
    for lr in res.lines:
        if lr.decision is None or lr.index not in lp.labels:
            continue
        line_label = lp.labels[lr.index]
        yield _emit(base, lp, lr.index, None, lr.text, lr.decision, line_label, res)
        for k, seg in enumerate(lr.segments or ()):
            # a part of a line: the person's own label, else what follows from the
            # line's (a dropped line drops every part; a kept one keeps the filter's trim)
            label = lp.segment_labels.get((lr.index, k), seg.decision.keep and line_label)
            yield _emit(base, lp, lr.index, k, seg.text, seg.decision, label, res)


def _emit(base: dict[str, Any], lp: LabelledPosting, line: int, seg: int | None, text: str,
          d: Any, label: bool, res: FilterResult) -> dict[str, Any]:
    rec = {**base, "line": line, "segment": seg, "text": text, "norm_hash": norm_hash(text),
           "auto": {**d.to_json(), "reason": d.reason}, "label": bool(label),
           "changed": bool(label) != d.keep, "reviewer": lp.reviewer, "status": "reviewed",
           "reviewed_at": lp.at, "rules_version": res.rules_version,
           "classifier_version": res.classifier_version, "language": lp.language,
           "format": lp.posting.kind}
    rec["checksum"] = _checksum(rec)
    return rec


def write_jsonl(path: str, records: Iterable[Mapping[str, Any]]) -> int:
    """Write records as JSON Lines, atomically; returns how many."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
    atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))
    return len(lines)


def validate_record(obj: Any, source: str, line: int | None = None) -> dict[str, Any]:
    """Check one label record: the review window's schema (:func:`jdreview.workspace.export.validate_label`),
    plus this module's fields and, when present, the record's checksum. Raises
    :class:`InputError` naming file and line."""
    where = source if line is None else f"{source}:{line}"
    validate_label(obj, where)
    if obj["kind"] != LABEL_KIND:
        raise InputError(where, f"not a jdreview label record (kind {obj['kind']!r})")
    for key in ("language", "format", "checksum", "site", "url", "source", "reviewer", "reviewed_at"):
        if key in obj and not isinstance(obj[key], str):
            raise InputError(where, f"label field {key!r} must be a string")
    seg = obj.get("segment")
    if seg is not None and (not isinstance(seg, int) or isinstance(seg, bool) or seg < 0):
        raise InputError(where, "label field 'segment' must be null or a non-negative integer")
    check_checksum(obj, where)
    return cast(dict[str, Any], obj)


def validate_records(records: Iterable[Any], source: str) -> list[dict[str, Any]]:
    return [validate_record(r, source, n) for n, r in enumerate(records, 1)]


def read_labels(path: str) -> list[dict[str, Any]]:
    """Read a labels file, validating every record (see :func:`validate_record`) and, when a
    dataset card lies beside it, the file's SHA-256."""
    _check_against_card(path)
    out = [validate_record(obj, path, n) for n, obj in iter_json_lines(path)]
    if not out:
        raise InputError(path, "the labels file holds no records")
    return out


def postings_from_records(records: Iterable[Mapping[str, Any]]) -> list[LabelledPosting]:
    """Labelled postings rebuilt from label records. Blank lines, which are not units,
    come back as empty lines so that line numbers still match. A line the window split
    has only segment records: its text is its segments joined by a space, and it counts
    as kept when any segment is kept. Postings a person has not marked reviewed (a
    workspace export of the whole queue holds them too) are left out: their "labels"
    are only the automatic decisions."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in records:
        if r.get("status", "reviewed") != "reviewed":
            continue
        groups.setdefault((r["posting_hash"], r["posting_id"]), []).append(r)
    out = []
    for (_, pid), recs in groups.items():
        text: dict[int, str] = {}
        labels: dict[int, bool] = {}
        segs: dict[int, list[Mapping[str, Any]]] = {}
        for r in recs:
            if r.get("segment") is None:
                text[r["line"]] = r["text"]
                labels[r["line"]] = r["label"]
            else:
                segs.setdefault(r["line"], []).append(r)
        for line, rs in segs.items():
            if line not in text:
                rs = sorted(rs, key=lambda r: r["segment"])
                text[line] = " ".join(r["text"] for r in rs)
                labels[line] = any(r["label"] for r in rs)
        if not text:
            continue
        lines = [""] * (max(text) + 1)
        for i, t in text.items():
            lines[i] = t
        first = recs[0]
        p = Posting(lines=lines, id=pid, source=first.get("source", ""), url=first.get("url", ""),
                    site=first.get("site", ""), kind=first.get("format") or "text")
        seg_labels = {(r["line"], r["segment"]): r["label"] for rs in segs.values() for r in rs}
        out.append(LabelledPosting(p, labels, first.get("site", ""), first.get("language", ""),
                                   first.get("reviewer", ""), first.get("reviewed_at", ""),
                                   segment_labels=seg_labels))
    return out


def load_labelled(paths: Sequence[str], gold_dir: str | None = None) -> list[LabelledPosting]:
    """Labelled postings from labels files (``.jsonl``), corpus folders, export folders
    (holding ``labels.jsonl``) and pair files, in the order given."""
    out: list[LabelledPosting] = []
    for path in paths:
        if os.path.isdir(path) and os.path.exists(os.path.join(path, LABELS_FILE)) \
                and not os.path.exists(os.path.join(path, "manifest.tsv")):
            path = os.path.join(path, LABELS_FILE)
        if path.endswith((".jsonl", ".ndjson")):
            out.extend(postings_from_records(read_labels(path)))
        else:
            out.extend(import_gold([path], gold_dir))
    return out


# --------------------------------------------------------------------------- pairs and card


def clean_text_of(lp: LabelledPosting, res: FilterResult | None = None) -> str:
    """The person's cleaned text: their gold (repaired) if they wrote one, else the labelled lines
    (and labelled segments) in order, blank lines kept between kept lines."""
    if lp.gold is not None:
        # repaired like the raw side (seed 002's gold carries the same mojibake as its raw part)
        from ..io.decode import normalise_newlines, repair_text

        return repair_text(normalise_newlines(lp.gold))
    res = res if res is not None else auto_filter(lp.posting, RuleSet())
    over: dict[tuple[int, int | None], bool] = {(i, None): k for i, k in lp.labels.items()}
    over.update({(i, s): k for (i, s), k in lp.segment_labels.items()})
    return res.cleaned_text(over)


def chat_record(raw: str, clean: str) -> dict[str, Any]:
    return {"messages": [{"role": "system", "content": SYSTEM_PROMPT},
                         {"role": "user", "content": raw},
                         {"role": "assistant", "content": clean}]}


def pair_text(raw: str, clean: str) -> str:
    """The seed-002 text form, which ``load_posting`` reads back as raw plus gold."""
    return f"{PAIR_RAW_MARK}\n\n{raw.rstrip()}\n\n{PAIR_CLEAN_MARK}\n\n{clean.rstrip()}\n"


def validate_pair(obj: Any, source: str, line: int | None = None) -> tuple[str, str]:
    """(raw, clean) of a chat or plain pair record; refuses anything else."""
    # "id" and "status" (the posting's review status) ride along; the rest is refused
    if isinstance(obj, dict) and set(obj) - {"id", "status"} == {"messages"}:
        msgs = obj["messages"]
        if (isinstance(msgs, list) and len(msgs) == 3
                and all(isinstance(m, dict) and set(m) == {"role", "content"}
                        and isinstance(m["content"], str) for m in msgs)
                and [m["role"] for m in msgs] == ["system", "user", "assistant"]):
            return msgs[1]["content"], msgs[2]["content"]
        raise InputError(source, "a chat pair needs messages system, user, assistant "
                         "(each with role and content)", line=line)
    if isinstance(obj, dict) and {"input", "output"} <= set(obj) <= {"id", "input", "output", "status"}:
        if isinstance(obj["input"], str) and isinstance(obj["output"], str):
            return obj["input"], obj["output"]
    raise InputError(source, 'a pair record must be {"messages": [...]} or {"input", "output"}',
                     line=line)


def read_pairs(path: str) -> list[tuple[str, str]]:
    """Read a pairs file (chat or plain form). When a dataset card lies beside it, the
    file must match the SHA-256 the card recorded (an edited file is refused)."""
    _check_against_card(path)
    return [validate_pair(obj, path, n) for n, obj in iter_json_lines(path)]


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_card(path: str) -> dict[str, Any]:
    """Read and check a ``dataset_card.json``."""
    card = read_json(path, "dataset card")
    if not isinstance(card, dict) or card.get("kind") != CARD_KIND:
        raise InputError(path, "not a jdreview dataset card")
    schema = card.get("schema")
    if not isinstance(schema, int) or schema > CARD_SCHEMA:
        raise InputError(path, f"dataset card schema {schema!r} is newer than this jdreview "
                         f"understands ({CARD_SCHEMA}); upgrade jdreview")
    if not isinstance(card.get("files"), dict):
        raise InputError(path, "dataset card lacks its 'files' table")
    return card


def _check_against_card(path: str) -> None:
    card_path = os.path.join(os.path.dirname(os.path.abspath(path)), CARD_JSON)
    if not os.path.exists(card_path):
        return
    card = read_card(card_path)
    entry = card["files"].get(os.path.basename(path))
    if isinstance(entry, dict) and entry.get("sha256") and entry["sha256"] != _sha256(path):
        raise InputError(path, f"file differs from the SHA-256 in {CARD_JSON} (edited or damaged); "
                         "export it again")


class _CardCounts:
    """What a dataset card counts, gathered one record and one posting at a time, so an
    export never holds all its records."""

    def __init__(self) -> None:
        self.postings = self.units = self.segment_units = self.keep = self.changed = 0
        self.sites: Counter[str] = Counter()
        self.langs: Counter[str] = Counter()
        self.formats: Counter[str] = Counter()
        self.reviewers: Counter[str] = Counter()
        self.lines_by_site: Counter[str] = Counter()
        self.rules_versions: set[str] = set()
        self.classifier_versions: set[str] = set()

    def add_posting(self, lp: LabelledPosting) -> None:
        self.postings += 1
        self.sites[lp.site or lp.posting.site or "unknown"] += 1
        self.langs[lp.language or "unknown"] += 1
        self.formats[lp.posting.kind] += 1
        self.reviewers[lp.reviewer or "unknown"] += 1

    def add_record(self, r: Mapping[str, Any]) -> None:
        if r.get("segment") is not None:
            self.segment_units += 1
            return
        self.units += 1
        self.keep += bool(r["label"])
        self.changed += bool(r["changed"])
        self.lines_by_site[r.get("site") or "unknown"] += 1
        self.rules_versions.add(r.get("rules_version", ""))
        self.classifier_versions.add(r.get("classifier_version", ""))

    def card(self) -> dict[str, Any]:
        return {
            "kind": CARD_KIND, "schema": CARD_SCHEMA, "labels_schema": LABELS_SCHEMA,
            "created": _stamp(), "postings": self.postings, "units": self.units,
            "segment_units": self.segment_units,
            "labels": {"keep": self.keep, "drop": self.units - self.keep},
            "keep_share": round(self.keep / self.units, 4) if self.units else 0.0,
            "changed_from_automatic": self.changed,
            "sites": dict(sorted(self.sites.items())), "lines_by_site": dict(sorted(self.lines_by_site.items())),
            "languages": dict(sorted(self.langs.items())),
            "formats": dict(sorted(self.formats.items())),
            "reviewers": dict(sorted(self.reviewers.items())),
            "rules_versions": sorted(self.rules_versions),
            "classifier_versions": sorted(self.classifier_versions),
            "files": {},
        }


def dataset_card(records: Iterable[Mapping[str, Any]], postings: Iterable[LabelledPosting]
                 ) -> dict[str, Any]:
    """Counts, sites, languages and label balance of an export (whole-line units)."""
    counts = _CardCounts()
    for lp in postings:
        counts.add_posting(lp)
    for r in records:
        counts.add_record(r)
    return counts.card()


def card_markdown(card: Mapping[str, Any]) -> str:
    def table(title: str, d: Mapping[str, Any]) -> list[str]:
        return [f"### {title}", "", "| | count |", "| --- | ---: |",
                *[f"| {k} | {v} |" for k, v in d.items()], ""]

    lab = card["labels"]
    out = ["# Dataset card: jdreview training data", "",
           f"Made by `jdreview export` on {card['created']}: {card['postings']} postings, "
           f"{card['units']} labelled lines ({lab['keep']} keep, {lab['drop']} drop; "
           f"keep share {card['keep_share']:.1%}), {card['changed_from_automatic']} lines where the "
           "person's label differs from the automatic decision.", "",
           "Labels are a person's final keep/drop for each line; the automatic decision recorded "
           "beside each one names its rule or classifier score, and the rule-set and classifier "
           f"versions that made it ({', '.join(card['rules_versions']) or '-'}; "
           f"{', '.join(v or 'none' for v in card['classifier_versions']) or '-'}).", "",
           *table("Sites (postings)", card["sites"]), *table("Lines by site", card["lines_by_site"]),
           *table("Languages (postings)", card["languages"]), *table("Formats", card["formats"]),
           *table("Reviewers", card["reviewers"]),
           "### Files", "", "| file | records | sha256 |", "| --- | ---: | --- |",
           *[f"| {k} | {v['records']} | `{v['sha256'][:16]}…` |" for k, v in card["files"].items()], ""]
    return "\n".join(out)


def export_training_data(postings: Iterable[LabelledPosting], out_dir: str,
                         rules: RuleSet | None = None, classifier: LineScorer | None = None,
                         config: FilterConfig = DEFAULT_CONFIG, *,
                         labels_written: bool = False) -> dict[str, Any]:
    """Write labels, pairs (chat, plain, seed-002 text) and the dataset card (last) into
    ``out_dir``. Returns the card.

    The folder is written whole (:class:`~jdreview.export.ExportFolder`: a temporary
    folder swapped in at the end), postings are streamed one at a time and an export
    of no posting never replaces one that has labels.

    ``labels_written``: ``out_dir`` is the temporary folder of a workspace export whose
    ``labels.jsonl`` is already there; read it for the card instead of writing it, and
    write straight into the folder.
    """
    if labels_written:
        return _write_training(postings, out_dir, rules, classifier, config, labels_written=True)
    with ExportFolder(out_dir) as folder:
        card = _write_training(postings, folder.path, rules, classifier, config, labels_written=False)
        if not card["postings"] and folder.old_labels():
            raise InputError(out_dir, "nothing to export (no labelled posting); the export already "
                             "there is kept")
        folder.commit()
    return card


def _write_training(postings: Iterable[LabelledPosting], out_dir: str, rules: RuleSet | None,
                    classifier: LineScorer | None, config: FilterConfig, *,
                    labels_written: bool) -> dict[str, Any]:
    os.makedirs(out_dir, exist_ok=True)
    counts = _CardCounts()
    used: set[str] = set()
    n_labels = n_pairs = 0
    sources: set[str] = set()
    lpath = os.path.join(out_dir, LABELS_FILE)

    def line(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"

    with open(os.path.join(out_dir, CHAT_FILE), "w", encoding="utf-8") as chat, \
            open(os.path.join(out_dir, PLAIN_FILE), "w", encoding="utf-8") as plain, \
            open(lpath if not labels_written else os.devnull, "w", encoding="utf-8") as labels:
        for lp in postings:
            res = auto_filter(lp.posting, rules, classifier, config)
            counts.add_posting(lp)
            if not labels_written:
                for rec in _records_for(lp, res):
                    labels.write(line(rec))
                    counts.add_record(rec)
                    n_labels += 1
            raw, clean = lp.posting.text, clean_text_of(lp, res)
            chat.write(line({**chat_record(raw, clean), "status": lp.status}))
            plain.write(line({"id": lp.posting.id, "input": raw, "output": clean, "status": lp.status}))
            sources.add(lp.posting.source)
            n_pairs += 1
            name = _safe_name(lp.posting.id or lp.posting.content_hash[:16], used)
            atomic_write_text(os.path.join(out_dir, PAIRS_DIR, name + ".txt"), pair_text(raw, clean),
                              durable=False)
    if labels_written:
        for n, obj in iter_json_lines(lpath):
            rec = validate_record(obj, lpath, n)
            if rec.get("source") in sources:  # the card counts the postings of the pairs only
                counts.add_record(rec)
            n_labels += 1
    card = counts.card()
    for fname, n in ((LABELS_FILE, n_labels), (CHAT_FILE, n_pairs), (PLAIN_FILE, n_pairs)):
        card["files"][fname] = {"records": n, "sha256": _sha256(os.path.join(out_dir, fname))}
    card["files"][PAIRS_DIR + "/"] = {"records": n_pairs, "sha256": ""}
    # the card last: it vouches for the files above
    atomic_write_text(os.path.join(out_dir, CARD_MD), card_markdown(card))
    atomic_write_text(os.path.join(out_dir, CARD_JSON), json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    return card


def iter_labelled_from_workspace(ws: Any, cleaner: Any, *, reviewed_only: bool = False,
                                 errors: list[str] | None = None) -> Iterator[LabelledPosting]:
    """The workspace's postings as labelled postings, one at a time: the person's final
    decisions (their overrides over the automatic ones), their cleaned text as the gold."""
    from ..workspace.export import iter_sessions

    for _pid, session, meta in iter_sessions(ws, cleaner, reviewed_only=reviewed_only, errors=errors):
        labels: dict[int, bool] = {}
        seg_labels: dict[tuple[int, int], bool] = {}
        for line, seg in session.all_keys():
            keep = bool(session.final((line, seg)))
            if seg is None:
                labels[line] = keep
            else:
                seg_labels[(line, seg)] = keep
                labels[line] = labels.get(line, False) or keep
        p = session.posting
        yield LabelledPosting(p, labels, p.site, "", meta.get("reviewer", ""),
                              meta.get("reviewed_at", ""), session.cleaned_text(), seg_labels,
                              str(meta.get("status", "new")))


def labelled_from_workspace(ws: Any, cleaner: Any, *, reviewed_only: bool = False,
                            errors: list[str] | None = None) -> list[LabelledPosting]:
    """:func:`iter_labelled_from_workspace` as a list."""
    return list(iter_labelled_from_workspace(ws, cleaner, reviewed_only=reviewed_only, errors=errors))


def reviewed_from_workspace(path: str, rule_files: Iterable[str] = (), *, default_rules: bool = True,
                            errors: list[str] | None = None) -> list[LabelledPosting]:
    """The reviewed postings of the workspace folder ``path`` as labelled postings (the
    person's final decisions over the automatic ones the window showed), filtered with the
    workspace's own cleaner; a folder with no workspace is an :class:`InputError`."""
    from ..workspace.session import cleaner_for
    from ..workspace.store import DB_NAME, Workspace

    if not os.path.exists(os.path.join(path, DB_NAME)):
        raise InputError(path, "no workspace here")
    with Workspace.open(path) as ws:
        cleaner = cleaner_for(ws, rule_files, default_rules=default_rules)
        return labelled_from_workspace(ws, cleaner, reviewed_only=True, errors=errors)


def export_workspace_data(ws: Any, cleaner: Any, outdir: str, *, reviewed_only: bool = False,
                          training: bool = True, include_unreviewed: bool = False,
                          progress: Callable[[int], None] | None = None) -> ExportSummary:
    """``jdreview export``: the workspace's cleaned texts and labels and (``training``) the
    pairs and dataset card, all in one folder swapped in whole when complete. Training
    data is what a person reviewed: pairs and card cover reviewed postings only, unless
    ``include_unreviewed`` (every pair record carries its status either way)."""
    from ..workspace.export import export_workspace

    pairs_reviewed_only = reviewed_only or not include_unreviewed

    def finish(folder: str) -> None:
        export_training_data(iter_labelled_from_workspace(ws, cleaner, reviewed_only=pairs_reviewed_only),
                             folder, cleaner.rules, cleaner.classifier, cleaner.config,
                             labels_written=True)

    return export_workspace(ws, cleaner, outdir, reviewed_only=reviewed_only, progress=progress,
                            finish=finish if training else None)


def _safe_name(s: str, used: set[str]) -> str:
    base = "".join(c if c.isalnum() or c in "-_." else "_" for c in s).strip("._") or "posting"
    name, k = base, 2
    while name in used:
        name, k = f"{base}-{k}", k + 1
    used.add(name)
    return name


# --------------------------------------------------------------------------- training and report


def train_classifier(postings: Sequence[LabelledPosting], rules: RuleSet, *, c: float = 0.5,
                     min_postings: int = 3, smoothing: float = 0.3,
                     meta: Mapping[str, Any] | None = None, memory: bool = True) -> Classifier:
    """Train the line classifier on labelled postings (see :func:`jdreview.learn.train.train`),
    with the site memory of the postings (``memory``): what ``jdreview train`` writes.
    Deterministic: the same postings in the same order give the same version."""
    from .train import train

    sites = sorted({lp.site or lp.posting.site or "unknown" for lp in postings})
    info = {"rules_version": rules.version, "sites": len(sites), **(meta or {})}
    return train([lp.as_gold() for lp in postings], rules, c=c, min_postings=min_postings,
                 smoothing=smoothing, meta=info, memory=memory)


def learn_memory(postings: Sequence[LabelledPosting]) -> SiteMemory | None:
    """The site memory of reviewed postings (:mod:`jdreview.filter.memory`), each under
    its site: what ``jdreview train --memory-only`` adds to a classifier."""
    from .train import site_memory

    return site_memory(lp.as_gold() for lp in postings)


def adapt_classifier(base: Classifier, postings: Sequence[LabelledPosting], rules: RuleSet, *,
                     c: float = 1.0) -> Classifier:
    """``base`` adapted to the sites of reviewed postings (:func:`jdreview.learn.train.adapt`):
    what ``jdreview train --adapt`` writes."""
    from .train import adapt

    return adapt(base, [lp.as_gold() for lp in postings], rules, c=c)


def line_outcome(lp: LabelledPosting, res: FilterResult) -> dict[str, float]:
    """Line-level agreement of a filter result with a person's labels.

    A line counts as kept when any part of it is kept. Returns true/false positives
    (positive = keep), lines to toggle, and word counts for word-level P/R/F1.
    """
    tp = fp = fn = 0
    from .evaluate import prf, word_counts

    pred_lines, gold_lines = [], []
    for lr in res.lines:
        if lr.decision is None or lr.index not in lp.labels:
            continue
        kept = bool(lr.kept_text())
        label = lp.labels[lr.index]
        tp += kept and label
        fp += kept and not label
        fn += label and not kept
        if kept:
            pred_lines.append(lr.text)
        if label:
            gold_lines.append(lr.text)
    wp, wr, wf = prf(word_counts("\n".join(pred_lines)), word_counts("\n".join(gold_lines)))
    return {"tp": tp, "fp": fp, "fn": fn, "toggles": fp + fn, "wp": wp, "wr": wr, "wf1": wf}


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def loso_report(postings: Sequence[LabelledPosting], rules: RuleSet, *, c: float = 0.5,
                min_postings: int = 3, smoothing: float = 0.3,
                config: FilterConfig = DEFAULT_CONFIG) -> dict[str, Any]:
    """Leave-one-site-out: for every site, train on the other sites, filter that site's
    postings with rules plus the classifier, and score them against their labels.

    Figures are per posting and averaged over postings (as ``scripts/train_default.py``):
    line-level precision, recall and F1 of the kept lines, word-level F1, and lines to toggle.
    """
    by_site: dict[str, list[LabelledPosting]] = {}
    for lp in postings:
        by_site.setdefault(lp.site or lp.posting.site or "unknown", []).append(lp)
    rows: list[dict[str, Any]] = []
    for site in sorted(by_site):
        train_on = [lp for s, lps in by_site.items() if s != site for lp in lps]
        clf = train_classifier(train_on, rules, c=c, min_postings=min_postings, smoothing=smoothing)
        for lp in by_site[site]:
            o = line_outcome(lp, auto_filter(lp.posting, rules, clf, config))
            p, r, f = _prf(o["tp"], o["fp"], o["fn"])
            rows.append({"posting": lp.posting.id, "site": site, "p": p, "r": r, "f1": f,
                         "word_f1": o["wf1"], "toggles": o["toggles"]})
    n = max(1, len(rows))
    mean = {k: sum(r[k] for r in rows) / n for k in ("p", "r", "f1", "word_f1", "toggles")}
    return {"rows": rows, "mean": mean, "sites": len(by_site), "postings": len(rows)}


def format_loso(report: Mapping[str, Any]) -> str:
    out = [f"{'posting':<20} {'site':<24} {'P':>6} {'R':>6} {'F1':>6} {'wordF1':>7} {'toggles':>8}"]
    for r in report["rows"]:
        out.append(f"{r['posting'][:20]:<20} {r['site'][:24]:<24} {r['p']:6.3f} {r['r']:6.3f} "
                   f"{r['f1']:6.3f} {r['word_f1']:7.3f} {r['toggles']:8d}")
    m = report["mean"]
    out.append(f"leave-one-site-out over {report['postings']} postings, {report['sites']} sites "
               f"(line level, kept lines; mean per posting): P {m['p']:.3f} R {m['r']:.3f} "
               f"F1 {m['f1']:.3f} word F1 {m['word_f1']:.3f} toggles {m['toggles']:.2f}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- site repetition
# How often the same normalised line occurs across postings of the same site: page chrome
# repeats on every posting of a site, content rarely does. The table needs no labels, so at
# cleaning time it can come from the batch itself (all postings of a site in the input).
# The shipped Classifier scores one posting at a time and has no place for it yet; the
# subclass below carries the table in memory (it is not saved), for measuring the feature.


def site_line_counts(postings: Iterable[Posting]) -> dict[str, dict[str, int]]:
    """site -> normalised line -> number of that site's postings holding the line;
    ``""`` -> site -> number of postings of the site (under the key ``"#postings"``)."""
    counts: dict[str, dict[str, int]] = {}
    for p in postings:
        table = counts.setdefault(p.site or "", {})
        table["#postings"] = table.get("#postings", 0) + 1
        for norm in {normalise(x) for x in p.lines if x.strip()}:
            table[norm] = table.get(norm, 0) + 1
    return counts


def site_repeat_features(posting: Posting, units: Sequence[int], norms: Mapping[int, str],
                         counts: Mapping[str, Mapping[str, int]]) -> list[list[tuple[str, float]]]:
    """Per unit: in how many *other* postings of the same site the line occurs, bucketed.
    Nothing when the posting's site is unknown or has no other posting in ``counts``."""
    if not posting.site:
        return [[] for _ in units]
    table = counts.get(posting.site, {})
    others = table.get("#postings", 0) - 1
    if others < 1:
        return [[] for _ in units]
    out = []
    for i in units:
        c = max(0, table.get(norms[i], 0) - 1)
        share = c / others
        bucket = "0" if c == 0 else "all" if share >= 0.99 else "most" if share >= 0.5 else "some"
        out.append([("siterep:" + bucket, 1.0)])
    return out


class SiteAwareClassifier:
    """A :class:`~jdreview.filter.classifier.Classifier` whose scores also see site repetition
    (``counts`` from :func:`site_line_counts`). Same ``score`` contract; not persisted."""

    def __init__(self, clf: Classifier, counts: Mapping[str, Mapping[str, int]]) -> None:
        self.clf = clf
        self.counts = counts
        self.version = clf.version + "+site"

    def score(self, posting: Posting, units: list[int], norms: Mapping[int, str],
              dec: Mapping[int, Any]) -> dict[int, float]:
        import math

        from ..filter.features import posting_features

        feats = posting_features(posting, units, norms, dec)
        for f, extra in zip(feats, site_repeat_features(posting, units, norms, self.counts), strict=True):
            f.extend(extra)
        z = self.clf.logits(feats)
        return {i: 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, v)))) for i, v in zip(units, z, strict=True)}


def train_site_aware(postings: Sequence[LabelledPosting], rules: RuleSet, *, c: float = 0.5,
                     min_postings: int = 3, smoothing: float = 0.3) -> Classifier:
    """Train with the site-repetition features added (counts from the training postings):
    :func:`jdreview.learn.train.train` with its site memory, which is what this is."""
    from .train import train as train_classifier

    return train_classifier([lp.as_gold() for lp in postings], rules, c=c, min_postings=min_postings,
                            smoothing=smoothing, meta={"site_repeats": True}, site_repeats=True)
