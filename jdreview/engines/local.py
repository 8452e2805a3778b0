"""Cleaning many postings on one machine: files, folders, batch files, stdin.

Streams: one posting (or one batch record) in memory at a time, so memory stays
flat however many postings there are. A failing input is reported as one line
naming the file (and record) and the rest carry on.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from ..errors import InputError, UsageError
from ..filter.decision import DEFAULT_CONFIG, FilterConfig, FilterResult
from ..filter.pipeline import FilterTimeout, auto_filter
from ..filter.rules import REGEX_TIMEOUT, RuleSet, load_rule_sets
from ..io.atomic import atomic_write_text
from ..io.inputs import (
    is_batch_file,
    iter_batch,
    iter_inputs,
    load_posting,
    load_posting_bytes,
    read_stream,
)
from ..io.posting import Posting
from ..version import __version__

if TYPE_CHECKING:
    from ..filter.classifier import LineScorer


@dataclass
class Cleaner:
    """Rules, classifier and config bundled: what every engine needs to clean."""

    rules: RuleSet
    classifier: LineScorer | None = None
    config: FilterConfig = DEFAULT_CONFIG

    @classmethod
    def create(cls, rule_files: Iterable[str] = (), *, default_rules: bool = True,
               classifier: str | None = None, use_classifier: bool = True,
               threshold: float | None = None, config: FilterConfig | None = None,
               time_budget: float | None = None) -> Cleaner:
        """Load rules and classifier; raises InputError for a bad file.

        ``config`` is the filter's whole configuration (default :data:`DEFAULT_CONFIG`);
        ``threshold`` and ``time_budget`` (seconds per posting, 0 for no limit), when
        given, replace its own (the CLI's ``--threshold`` and ``--time-budget``).
        """
        rules = load_rule_sets(list(rule_files), defaults=default_rules)
        clf = None
        if use_classifier:
            from ..filter.classifier import default_classifier, load_classifier

            clf = load_classifier(classifier) if classifier else default_classifier()
        config = config if config is not None else DEFAULT_CONFIG
        if threshold is not None:
            config = dataclasses.replace(config, threshold=threshold)
        if time_budget is not None:
            if not time_budget >= 0:
                raise InputError("--time-budget", f"must be 0 (no limit) or a number of seconds, not {time_budget}")
            config = dataclasses.replace(config, time_budget=time_budget)
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


def plan_outputs(files: list[str], explain_units: bool = False) -> list[tuple[str, str]]:
    """(input, output stem) for every input: ``OUTDIR/<stem>.txt`` (and
    ``<stem>.explain.txt``) or ``OUTDIR/<stem>.jsonl``, no two inputs sharing a file name
    (``x.txt`` and ``x.explain.txt`` with ``--explain`` do not collide) and none the run log.
    """
    used = {RUN_LOG}
    plan = []
    for path in files:
        base = os.path.splitext(os.path.basename(path))[0] or "posting"
        suffixes = (".jsonl",) if is_batch_file(path) else (".txt", ".explain.txt") if explain_units else (".txt",)
        plan.append((path, claim_name(base, suffixes, used)))
    return plan


def claim_name(stem: str, suffixes: tuple[str, ...], used: set[str]) -> str:
    """``stem`` or ``stem-2``, ``stem-3``... whose file names (stem + each suffix) are all
    still free in ``used``; claims them."""
    name, n = stem, 2
    while any(name + suf in used for suf in suffixes):
        name = f"{stem}-{n}"
        n += 1
    used.update(name + suf for suf in suffixes)
    return name


def check_outputs(plan: list[tuple[str, str]], outdir: str, explain_units: bool = False) -> None:
    """Refuse (:class:`UsageError`) a run whose outputs would overwrite one of its inputs:
    an OUTDIR that is, holds or lies inside an input folder is fine only while no output
    file is an input file."""
    inputs = {os.path.realpath(path): path for path, _ in plan}
    outputs = [os.path.join(outdir, RUN_LOG)]
    for path, stem in plan:
        sufs = (".jsonl",) if is_batch_file(path) else (".txt", ".explain.txt") if explain_units else (".txt",)
        outputs.extend(os.path.join(outdir, stem + suf) for suf in sufs)
    for out in outputs:
        hit = inputs.get(os.path.realpath(out))
        if hit is not None:
            raise UsageError(outdir, f"the output {out} would overwrite the input {hit}; "
                             "choose an output folder outside the inputs")


def clean_paths(paths: list[str], outdir: str | None, cleaner: Cleaner, *, explain_units: bool = False,
                progress: str = "auto", stdin: IO[bytes] | None = None, stdout: IO[str] | None = None,
                stderr: IO[str] | None = None) -> Summary:
    """Clean every input, writing ``OUTDIR/<stem>.txt`` (single postings) and
    ``OUTDIR/<stem>.jsonl`` (batch files). ``-`` reads stdin and writes stdout.

    Raises :class:`UsageError` when an output would overwrite an input, and
    :class:`InputError` when OUTDIR cannot be written at all.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    summary = Summary()
    walk_errors: list[InputError] = []
    files = list(iter_inputs([p for p in paths if p != "-"], walk_errors))
    plan = plan_outputs(files, explain_units)
    if outdir:
        check_outputs(plan, outdir, explain_units)
        try:
            os.makedirs(outdir, exist_ok=True)
        except OSError as e:  # e.g. OUTDIR is an existing file: one line, not a traceback
            raise InputError(outdir, f"cannot use as output folder: {e.strerror or e}") from None
    show = progress == "always" or (progress == "auto" and stderr.isatty() and len(files) > 200)
    bar = Progress(stderr, show)
    log = RunLog(outdir, cleaner) if outdir and (files or walk_errors) else None

    def fail(msg: str) -> None:
        summary.failures.append(msg)
        if bar.enabled:
            stderr.write("\n")
        stderr.write(f"jdreview: error: {msg}\n")

    def warn(msg: str) -> None:
        summary.warnings.append(msg)
        stderr.write(f"jdreview: {msg}\n")

    for err in walk_errors:
        fail(str(err))
    if "-" in paths:
        try:
            data = read_stream(stdin or sys.stdin.buffer)
            posting = load_posting_bytes(data, "<stdin>")
            result = cleaner.clean(posting)
            for w in result.warnings:
                warn(w)
            stdout.write(explain(result) if explain_units else result.cleaned_text())
            summary.postings += 1
        except InputError as e:
            fail(str(e))
        except RecursionError:
            fail("<stdin>: nested too deeply")
    with batch_gc():
        for path, stem in plan:
            try:
                if is_batch_file(path):
                    _clean_batch(path, stem, outdir or ".", cleaner, summary, fail, bar, explain_units, warn)
                    if log is not None:
                        log.add(path, stem + ".jsonl", None)
                    continue
                posting = load_posting(path)
                result = cleaner.clean(posting)
                base = os.path.join(outdir or ".", stem)
                atomic_write_text(base + ".txt", result.cleaned_text(), durable=False)
                if explain_units:
                    atomic_write_text(base + ".explain.txt", explain(result), durable=False)
                if log is not None:
                    log.add(path, stem + ".txt", result)
                for w in result.warnings:
                    warn(w)
                summary.postings += 1
                bar.tick(path)
            except InputError as e:
                fail(str(e))
            except RecursionError:
                fail(f"{path}: nested too deeply")
            except OSError as e:
                fail(f"{path}: {e.strerror or e}")
    bar.done()
    if log is not None:
        problem = log.close(summary)
        if problem:
            fail(problem)
    if cleaner.rules.timeout_count:
        warn(f"warning: {cleaner.rules.timeout_count} line(s) hit the {REGEX_TIMEOUT * 1000:.0f} ms regex "
             f"time limit and were left to the other rules (a slow pattern in a rule file?); "
             f"first: {cleaner.rules.timeouts[0]!r}")
    return summary


#: The run log beside the cleaned files: which versions made each output.
RUN_LOG = "jdreview-run.jsonl"


class RunLog:
    """``OUTDIR/jdreview-run.jsonl``: a header (jdreview, rule-set and classifier
    versions, rule files) and one line per output file, streamed to a temporary file
    and moved into place when the run ends, so every cleaned file records the
    versions that made it.

    Creating it is the first write into OUTDIR: a folder that cannot be written raises
    :class:`InputError` then, before any work. A write that fails later (a full disk)
    is reported once by :meth:`close`, which leaves no temporary file behind.
    """

    def __init__(self, outdir: str, cleaner: Cleaner) -> None:
        self.path = os.path.join(outdir, RUN_LOG)
        self.tmp = os.path.join(outdir, f".{RUN_LOG}.{os.getpid()}.tmp")
        self.error: OSError | None = None
        try:
            self.f: IO[str] | None = open(self.tmp, "w", encoding="utf-8")
        except OSError as e:
            raise InputError(outdir, f"cannot write to the output folder: {e.strerror or e}") from None
        self._write({
            "schema": 1, "jdreview": __version__, "rules_version": cleaner.rules.version,
            "rule_files": [s for s in cleaner.rules.sources if not s.startswith("jdreview:")],
            "classifier_version": cleaner.classifier_version,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        })

    def _write(self, rec: dict[str, Any]) -> None:
        if self.f is None or self.error is not None:
            return
        try:
            self.f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        except OSError as e:
            self.error = e

    def add(self, source: str, output: str, result: FilterResult | None) -> None:
        rec: dict[str, Any] = {"input": source, "output": output}
        if result is not None:
            kept, dropped = result.counts()
            rec.update(kept_units=kept, dropped_units=dropped, site=result.posting.site)
        self._write(rec)

    def close(self, summary: Summary) -> str | None:
        """Move the log into place; returns a one-line problem when it could not be written."""
        self._write({"postings": summary.postings, "records": summary.records,
                     "failures": len(summary.failures) + (1 if self.error else 0)})
        assert self.f is not None
        try:
            self.f.close()
        except OSError as e:
            self.error = self.error or e
        if self.error is None:
            try:
                os.replace(self.tmp, self.path)
                return None
            except OSError as e:
                self.error = e
        try:
            os.unlink(self.tmp)
        except OSError:
            pass
        return f"{self.path}: run log not written: {self.error.strerror or self.error}"


def unique_stem(stem: str, used: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... so that two inputs never share an output name."""
    name, n = stem, 2
    while name in used:
        name = f"{stem}-{n}"
        n += 1
    used.add(name)
    return name


def _clean_batch(path: str, stem: str, outdir: str, cleaner: Cleaner, summary: Summary, fail: Any,
                 bar: Progress, explain_units: bool = False, warn: Any = None) -> None:
    target = os.path.join(outdir, stem + ".jsonl")
    tmp = os.path.join(outdir, f".{stem}.jsonl.tmp")
    written = 0
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            records = iter_batch(path)
            while True:
                try:
                    rec = next(records)
                except StopIteration:
                    break
                except InputError as e:
                    if not written:  # nothing could be read: no output file at all
                        raise
                    fail(str(e))  # the file breaks off here: keep the records before it
                    break
                summary.records += 1
                written += 1
                if rec.error is None and rec.posting is not None:
                    try:
                        result = cleaner.clean(rec.posting)
                        record = cleaner.record_output(rec.fields, result, explain_units=explain_units)
                        line = json.dumps(record, ensure_ascii=False, default=str)
                    except RecursionError:
                        rec.error = InputError(path, "record nested too deeply", record=rec.number)
                    except FilterTimeout as e:  # one slow record fails, the batch goes on
                        rec.error = InputError(path, e.message, record=rec.number)
                    else:
                        if warn is not None:
                            for w in result.warnings:
                                warn(f"{path}: record {rec.number}: {w}")
                        out.write(line + "\n")
                        summary.postings += 1
                        bar.tick(path)
                        continue
                fail(str(rec.error))
                try:
                    line = json.dumps({**rec.fields, "jdreview": {"error": rec.error.message if rec.error
                                                              else "unreadable"}},
                                      ensure_ascii=False, default=str)
                except RecursionError:
                    line = json.dumps({"jdreview": {"error": "record nested too deeply"}})
                out.write(line + "\n")
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
