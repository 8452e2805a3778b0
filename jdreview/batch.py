"""Cleaning many postings on one machine: files, folders, batch files, stdin.

Streams: one posting (or one batch record) in memory at a time, so memory stays
flat however many postings there are. A failing input is reported as one line
naming the file (and record) and the rest carry on.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from . import __version__
from .atomic import atomic_write_text
from .errors import InputError
from .filtering import DEFAULT_CONFIG, FilterConfig, FilterResult, auto_filter
from .posting import (
    Posting,
    is_batch_file,
    iter_batch,
    iter_inputs,
    load_posting,
    load_posting_bytes,
)
from .rules import REGEX_TIMEOUT, RuleSet, load_rule_sets


@dataclass
class Cleaner:
    """Rules, classifier and config bundled: what every engine needs to clean."""

    rules: RuleSet
    classifier: Any = None
    config: FilterConfig = DEFAULT_CONFIG

    @classmethod
    def create(cls, rule_files: Iterable[str] = (), *, default_rules: bool = True,
               classifier: str | None = None, use_classifier: bool = True,
               threshold: float | None = None) -> Cleaner:
        """Load rules and classifier; raises InputError for a bad file."""
        rules = load_rule_sets(list(rule_files), defaults=default_rules)
        clf = None
        if use_classifier:
            from .classifier import default_classifier, load_classifier

            clf = load_classifier(classifier) if classifier else default_classifier()
        config = FilterConfig(threshold=threshold) if threshold is not None else DEFAULT_CONFIG
        return cls(rules, clf, config)

    def clean(self, posting: Posting) -> FilterResult:
        return auto_filter(posting, self.rules, self.classifier, self.config)

    @property
    def classifier_version(self) -> str:
        return self.classifier.version if self.classifier is not None else ""

    def record_output(self, fields: dict[str, Any], result: FilterResult, *,
                      explain_units: bool = False) -> dict[str, Any]:
        """A batch record with its cleaned text and the versions that made it
        (with ``explain_units``, also every unit with its decision and reason)."""
        out = dict(fields)
        out["cleaned_text"] = result.cleaned_text()
        out["jdreview"] = {"version": __version__, "rules_version": result.rules_version,
                           "classifier_version": result.classifier_version,
                           "kept_units": result.kept, "dropped_units": result.dropped,
                           "site": result.posting.site}
        if explain_units:
            out["jdreview"]["units"] = [
                {"line": line + 1, "segment": None if seg is None else seg + 1, "keep": d.keep,
                 "reason": d.reason, "text": text}
                for line, seg, text, d in result.units()]
        return out


def explain(result: FilterResult) -> str:
    """Every unit with KEEP/DROP and its reason, one per line.

    Line numbers are 1-based; a segment shows as LINE.SEGMENT.
    """
    out = []
    for line, seg, text, d in result.units():
        num = f"{line + 1}" if seg is None else f"{line + 1}.{seg + 1}"
        out.append(f"{num:>7} {'KEEP' if d.keep else 'DROP'} {d.reason:<28} {text}")
    return "\n".join(out) + "\n"


@dataclass
class Summary:
    postings: int = 0
    records: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Progress:
    """A one-line progress bar on standard error, redrawn at most ten times a second."""

    def __init__(self, stream: IO[str], enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled
        self.start = self.last = time.monotonic()
        self.count = 0

    def tick(self, label: str = "") -> None:
        self.count += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last >= 0.1:
            self.last = now
            rate = self.count / max(now - self.start, 1e-9)
            self.stream.write(f"\rjdreview: {self.count} postings, {rate:,.0f}/s {label[-40:]:<40}")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.count:
            elapsed = time.monotonic() - self.start
            self.stream.write(f"\rjdreview: {self.count} postings in {elapsed:.1f} s{'':<40}\n")
            self.stream.flush()


@contextmanager
def batch_gc() -> Iterator[None]:
    """Garbage collection set for a long batch, restored after it.

    A posting makes thousands of short-lived lists and decisions; reference counting
    frees them all, so the cyclic collector, which by default runs every 700
    allocations and walks the rule caches and classifier weights each time, only
    costs time (about a tenth of a batch). Objects that exist before the batch are
    frozen out of its sweeps and the youngest generation is collected less often;
    memory stays flat.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def clean_paths(paths: list[str], outdir: str | None, cleaner: Cleaner, *, explain_units: bool = False,
                progress: str = "auto", stdin: IO[bytes] | None = None, stdout: IO[str] | None = None,
                stderr: IO[str] | None = None) -> Summary:
    """Clean every input, writing ``OUTDIR/<stem>.txt`` (single postings) and
    ``OUTDIR/<stem>.jsonl`` (batch files). ``-`` reads stdin and writes stdout."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    summary = Summary()
    if outdir:
        try:
            os.makedirs(outdir, exist_ok=True)
        except OSError as e:  # e.g. OUTDIR is an existing file: one line, not a traceback
            raise InputError(outdir, f"cannot use as output folder: {e.strerror or e}") from None
    files = list(iter_inputs([p for p in paths if p != "-"]))
    show = progress == "always" or (progress == "auto" and stderr.isatty() and len(files) > 200)
    bar = Progress(stderr, show)
    used: set[str] = {RUN_LOG[:-len(".jsonl")]}
    log = RunLog(outdir, cleaner) if outdir and files else None

    def fail(msg: str) -> None:
        summary.failures.append(msg)
        if bar.enabled:
            stderr.write("\n")
        stderr.write(f"jdreview: error: {msg}\n")

    if "-" in paths:
        data = (stdin or sys.stdin.buffer).read()
        try:
            result = cleaner.clean(load_posting_bytes(data, "<stdin>"))
            stdout.write(explain(result) if explain_units else result.cleaned_text())
            summary.postings += 1
        except InputError as e:
            fail(str(e))
    with batch_gc():
        for path in files:
            try:
                if is_batch_file(path):
                    _clean_batch(path, outdir or ".", cleaner, summary, fail, bar, used, explain_units)
                    if log is not None:
                        log.add(path, os.path.splitext(os.path.basename(path))[0] + ".jsonl", None)
                    continue
                posting = load_posting(path)
                result = cleaner.clean(posting)
                stem = unique_stem(posting.stem, used)
                base = os.path.join(outdir or ".", stem)
                atomic_write_text(base + ".txt", result.cleaned_text(), durable=False)
                if explain_units:
                    atomic_write_text(base + ".explain.txt", explain(result), durable=False)
                if log is not None:
                    log.add(path, stem + ".txt", result)
                for w in posting.warnings:
                    summary.warnings.append(w)
                    stderr.write(f"jdreview: {w}\n")
                summary.postings += 1
                bar.tick(path)
            except InputError as e:
                fail(str(e))
            except OSError as e:
                fail(f"{path}: {e.strerror or e}")
    bar.done()
    if log is not None:
        log.close(summary)
    if cleaner.rules.timeout_count:
        w = (f"warning: {cleaner.rules.timeout_count} line(s) hit the {REGEX_TIMEOUT * 1000:.0f} ms regex "
             f"time limit and were left to the other rules (a slow pattern in a rule file?); "
             f"first: {cleaner.rules.timeouts[0]!r}")
        summary.warnings.append(w)
        stderr.write(f"jdreview: {w}\n")
    return summary


#: The run log beside the cleaned files: which versions made each output.
RUN_LOG = "jdreview-run.jsonl"


class RunLog:
    """``OUTDIR/jdreview-run.jsonl``: a header (jdreview, rule-set and classifier
    versions, rule files) and one line per output file, streamed to a temporary file
    and moved into place when the run ends, so every cleaned file records the
    versions that made it."""

    def __init__(self, outdir: str, cleaner: Cleaner) -> None:
        self.path = os.path.join(outdir, RUN_LOG)
        self.tmp = os.path.join(outdir, f".{RUN_LOG}.{os.getpid()}.tmp")
        self.f = open(self.tmp, "w", encoding="utf-8")
        self.f.write(json.dumps({
            "schema": 1, "jdreview": __version__, "rules_version": cleaner.rules.version,
            "rule_files": [s for s in cleaner.rules.sources if not s.startswith("jdreview:")],
            "classifier_version": cleaner.classifier_version,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }) + "\n")

    def add(self, source: str, output: str, result: FilterResult | None) -> None:
        rec: dict[str, Any] = {"input": source, "output": output}
        if result is not None:
            kept, dropped = result.counts()
            rec.update(kept_units=kept, dropped_units=dropped, site=result.posting.site)
        self.f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def close(self, summary: Summary) -> None:
        self.f.write(json.dumps({"postings": summary.postings, "records": summary.records,
                                 "failures": len(summary.failures)}) + "\n")
        self.f.close()
        os.replace(self.tmp, self.path)


def unique_stem(stem: str, used: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... so that two inputs never share an output name."""
    name, n = stem, 2
    while name in used:
        name = f"{stem}-{n}"
        n += 1
    used.add(name)
    return name


def _clean_batch(path: str, outdir: str, cleaner: Cleaner, summary: Summary, fail: Any,
                 bar: Progress, used: set[str], explain_units: bool = False) -> None:
    stem = unique_stem(os.path.splitext(os.path.basename(path))[0], used)
    target = os.path.join(outdir, stem + ".jsonl")
    tmp = os.path.join(outdir, f".{stem}.jsonl.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            for rec in iter_batch(path):
                summary.records += 1
                if rec.error is not None or rec.posting is None:
                    fail(str(rec.error))
                    out.write(json.dumps({**rec.fields, "jdreview": {"error": rec.error.message if rec.error else "unreadable"}},
                                         ensure_ascii=False, default=str) + "\n")
                    continue
                result = cleaner.clean(rec.posting)
                record = cleaner.record_output(rec.fields, result, explain_units=explain_units)
                out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                summary.postings += 1
                bar.tick(path)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
