"""The ``jdreview`` command: argument parsing and exit codes only.

Exit codes: 0 all went well, 1 some inputs failed (each named on standard error,
the others still written), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .errors import InputError, UsageError
from .version import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 on usage errors; keep that
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jdreview", description="Turn raw scraped job postings into clean job descriptions.")
    p.add_argument("--version", action="version", version=f"jdreview {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser("clean", help="clean postings (files, folders, batch files, or - for stdin)")
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("-o", "--output", metavar="OUTDIR", help="output folder (required unless PATH is -)")
    _filter_args(c)
    c.add_argument("--explain", action="store_true",
                   help="also write each unit with keep/drop and its reason (OUTDIR/<stem>.explain.txt; "
                        "'units' in batch records; with - it is printed instead of the cleaned text)")
    c.add_argument("--engine", choices=("local", "dask"), default="local")
    c.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)")
    c.add_argument("--workers", type=int, default=0, metavar="N", help="Dask local cluster workers")
    c.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl",
                   help="Dask engine output format")
    c.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar on standard error (auto: when it is a terminal and the batch is long)")

    e = sub.add_parser("eval", help="score cleaned output against gold: word P/R/F1 and lines to toggle")
    e.add_argument("paths", nargs="+", metavar="PATH",
                   help="raw postings (cleaned here), or pair files whose cleaned part is the gold")
    e.add_argument("--gold", metavar="GOLD", help="folder of gold files named like the inputs (<stem>.txt)")
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.add_argument("--loso", action="store_true",
                   help="leave one site out: PATHs are corpus folders (and seed folders with --gold); "
                        "for each site the classifier is trained on the other sites and the site's raw "
                        "files are cleaned by the whole filter")
    _filter_args(e)
    _review_export_parsers(sub)
    _learn_parsers(sub)  # issue 4: train, rules suggest/stats, training data in export
    return p


def _review_export_parsers(sub: Any) -> None:
    r = sub.add_parser("review", help="open the review window on files, folders or batch files")
    r.add_argument("paths", nargs="*", metavar="PATH")
    r.add_argument("--workspace", metavar="DIR", help="workspace folder (default: a per-user folder, "
                   "$JDREVIEW_WORKSPACE or ~/.local/share/jdreview/workspace)")
    r.add_argument("--reviewer", metavar="NAME", help="name recorded with each edit (default: the user)")
    r.add_argument("--screenshot", metavar="FILE.png", help="render the window with the first posting "
                   "loaded to FILE.png and exit")
    _filter_args(r)
    x = sub.add_parser("export", help="write cleaned postings and labels (JSON Lines) from a workspace")
    x.add_argument("--workspace", metavar="DIR", help="workspace folder (default: the per-user one)")
    x.add_argument("-o", "--output", metavar="OUTDIR", required=True)
    x.add_argument("--reviewed-only", action="store_true", help="only postings marked reviewed")
    _filter_args(x)


def _review_export(args: argparse.Namespace) -> int:
    if args.command == "review":
        try:
            from .gui.app import run
        except ImportError as e:
            print(f"jdreview: error: the review window needs PySide6 ({e}); "
                  "install it with: pip install 'jdreview[gui]'", file=sys.stderr)
            return EXIT_FAILED
        return run(args)
    import os

    from .learn.labelled import export_workspace_data
    from .workspace.session import cleaner_for
    from .workspace.store import DB_NAME, Workspace, default_workspace_dir

    directory = args.workspace or default_workspace_dir()
    if not os.path.exists(os.path.join(directory, DB_NAME)):
        print(f"jdreview: error: {directory}: no workspace here (open postings with "
              "'jdreview review --workspace DIR PATH...' first)", file=sys.stderr)
        return EXIT_FAILED
    with Workspace.open(directory) as ws:
        opts = _cleaner_options(args)
        # one folder, swapped in whole: cleaned texts, labels, and (issue 4) pairs and card
        summary = export_workspace_data(ws, cleaner_for(ws, opts.pop("rule_files"), **opts), args.output,
                                        reviewed_only=args.reviewed_only,
                                        training=not args.no_training_data,
                                        include_unreviewed=args.include_unreviewed)
    for err in summary.errors:
        print(f"jdreview: error: {err}", file=sys.stderr)
    print(f"jdreview: exported {summary.postings} postings, {summary.labels} labels to {args.output}",
          file=sys.stderr)
    return EXIT_FAILED if summary.errors else EXIT_OK


# --------------------------------------------------------------------------- learning (issue 4)


def _learn_parsers(sub: Any) -> None:
    x = sub.choices["export"]
    x.add_argument("--gold-folder", action="append", default=[], metavar="PATH",
                   help="export gold instead of a workspace: a corpus folder (manifest.tsv), pair "
                        "files or a folder of them, imported as reviewed postings (repeatable)")
    x.add_argument("--gold", metavar="DIR", help="with --gold-folder: gold texts <stem>.txt for raw files")
    x.add_argument("--no-training-data", action="store_true",
                   help="skip the pairs (chat, plain, seed-002 text) and the dataset card")
    x.add_argument("--include-unreviewed", action="store_true",
                   help="training pairs and the dataset card from every posting, not only the reviewed "
                        "ones (each pair record carries its status either way)")

    t = sub.add_parser("train", help="train a line classifier on labels (labels.jsonl, export folders, "
                       "corpus folders, pair files)")
    t.add_argument("labels", nargs="*", metavar="LABELS")
    t.add_argument("-o", "--output", metavar="FILE",
                   help="write the classifier here (JSON; with --workspace, default: the workspace's "
                        "classifier.json, which reviewing there then uses)")
    t.add_argument("--workspace", metavar="DIR",
                   help="also learn from this workspace's reviewed postings (your edits)")
    t.add_argument("--report", action="store_true",
                   help="print leave-one-site-out precision, recall and F1 (line level) and lines to toggle")
    _labels_args(t)
    t.add_argument("--c", type=float, default=0.5, help="inverse regularisation strength (default 0.5)")
    t.add_argument("--min-postings", type=int, default=3,
                   help="a word counts only when seen in this many training postings (default 3)")
    t.add_argument("--smoothing", type=float, default=0.3, help="neighbour smoothing of scores (default 0.3)")
    t.add_argument("--adapt", action="store_true",
                   help="do not retrain: adapt the --base classifier to the sites of LABELS (the site "
                        "memory of what you decided about each site's lines, and a per-site correction)")
    t.add_argument("--base", metavar="FILE",
                   help="with --adapt: the classifier to adapt (default: the shipped one)")

    r = sub.add_parser("rules", help="the rule workbench: suggest rules from labels, measure rules")
    rsub = r.add_subparsers(dest="rules_command", metavar="ACTION", parser_class=_Parser)
    s = rsub.add_parser("suggest", help="propose exact, number-generalised and section rules from labels")
    s.add_argument("labels", nargs="+", metavar="LABELS")
    _labels_args(s)
    s.add_argument("--min-support", type=int, default=2, help="postings a rule must help in (default 2)")
    s.add_argument("--min-precision", type=float, default=0.9, help="precision on the labels (default 0.9)")
    s.add_argument("--open-sections", action="store_true",
                   help="also propose sections that run to the end of the posting or for a fixed "
                        "number of lines (they transfer badly to other sites; see the README)")
    s.add_argument("--append", metavar="RULES.toml", help="append the suggestions to this rule file")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")
    st = rsub.add_parser("stats", help="per rule: units matched, postings, overrides, precision, "
                         "overlaps and conflicts")
    st.add_argument("labels", nargs="+", metavar="LABELS")
    _labels_args(st)
    st.add_argument("--all", action="store_true", help="also list rules that matched nothing")
    st.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _labels_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gold", metavar="DIR", help="gold texts <stem>.txt for raw files among LABELS")
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="a user rule file layered on the defaults (repeatable)")
    p.add_argument("--no-default-rules", action="store_true", help="use only the --rules files")


def _learn_command(args: argparse.Namespace) -> int:
    from .filter.rules import load_rule_sets
    from .learn.labelled import load_labelled

    if args.command == "export":
        return _export_gold(args)
    if args.command == "rules" and args.rules_command is None:
        print("jdreview: error: rules: give an action (suggest or stats)", file=sys.stderr)
        return EXIT_USAGE
    rules = load_rule_sets(args.rules, defaults=not args.no_default_rules)
    postings = load_labelled(args.labels, args.gold)
    if args.command == "train" and args.workspace:
        postings += _workspace_labels(args)
        if not args.output:
            from .workspace.store import CLASSIFIER_NAME

            args.output = os.path.join(args.workspace, CLASSIFIER_NAME)
    elif not args.labels:
        print(f"jdreview: error: {args.command}: give LABELS", file=sys.stderr)
        return EXIT_USAGE
    if not postings:
        print("jdreview: error: no labelled postings in the given LABELS", file=sys.stderr)
        return EXIT_FAILED
    if args.command == "train":
        from .learn.labelled import format_loso, loso_report, train_classifier

        if not args.output and not args.report:
            print("jdreview: error: train: give -o FILE, --report, or both", file=sys.stderr)
            return EXIT_USAGE
        kw = {"c": args.c, "min_postings": args.min_postings, "smoothing": args.smoothing}
        if args.adapt:
            return _train_adapt(args, postings, rules)
        if args.report:
            print(format_loso(loso_report(postings, rules, **kw)), end="")
        if args.output:
            clf = train_classifier(postings, rules, **kw)
            clf.save(args.output)
            n_sites = len(clf.memory.sites) if clf.memory else 0
            print(f"jdreview: wrote classifier {clf.version} ({len(clf.weights)} weights, "
                  f"{len(postings)} postings, site memory of {n_sites} sites) to {args.output}",
                  file=sys.stderr)
        return EXIT_OK
    from .learn import workbench

    if args.rules_command == "suggest":
        sugs = workbench.suggest_rules(postings, rules, min_support=args.min_support,
                                       min_precision=args.min_precision,
                                       sections="all" if args.open_sections else "closed")
        if args.json:
            print(json.dumps([s.to_json() for s in sugs], indent=1, ensure_ascii=False))
        else:
            print(workbench.format_suggestions(sugs), end="")
        if args.append:
            from .filter.rules import append_rule

            for s in sugs:
                append_rule(args.append, s.rule)
            print(f"jdreview: appended {len(sugs)} rules to {args.append}", file=sys.stderr)
        return EXIT_OK
    if args.rules_command == "stats":
        stats = workbench.rule_stats(rules, postings)
        if args.json:
            print(json.dumps([s.to_json() for s in stats], indent=1, ensure_ascii=False))
        else:
            print(workbench.format_stats(stats, only_used=not args.all), end="")
        return EXIT_OK
    print("jdreview: error: rules: give an action (suggest or stats)", file=sys.stderr)
    return EXIT_USAGE


def _workspace_labels(args: argparse.Namespace) -> list[Any]:
    from .learn.labelled import reviewed_from_workspace

    errors: list[str] = []
    out = reviewed_from_workspace(args.workspace, args.rules, default_rules=not args.no_default_rules,
                                  errors=errors)
    for err in errors:
        print(f"jdreview: error: {err}", file=sys.stderr)
    return out


def _train_adapt(args: argparse.Namespace, postings: list[Any], rules: Any) -> int:
    from .filter.classifier import default_classifier, load_classifier
    from .learn.labelled import adapt_classifier

    if not args.output:
        print("jdreview: error: train --adapt: give -o FILE", file=sys.stderr)
        return EXIT_USAGE
    base = load_classifier(args.base) if args.base else default_classifier()
    clf = adapt_classifier(base, postings, rules)
    if clf.memory is None:
        print("jdreview: error: train --adapt: no labelled posting names its site "
              "(what is learned is kept per site)", file=sys.stderr)
        return EXIT_FAILED
    clf.save(args.output)
    sites = ", ".join(f"{s} ({t['postings']}{', corrected' if t.get('model') else ''})"
                      for s, t in sorted(clf.memory.sites.items()))
    print(f"jdreview: wrote classifier {clf.version} (the {'given' if args.base else 'shipped'} "
          f"classifier {base.version} with the site memory of {sites}) to {args.output}",
          file=sys.stderr)
    return EXIT_OK


def _export_gold(args: argparse.Namespace) -> int:
    from .engines.local import Cleaner
    from .learn.labelled import export_training_data, import_gold

    cleaner = Cleaner.create(**_cleaner_options(args))
    postings = import_gold(args.gold_folder, args.gold)
    card = export_training_data(postings, args.output, cleaner.rules, cleaner.classifier,
                                cleaner.config)
    print(f"jdreview: exported {card['postings']} postings, {card['units']} labels, pairs and a "
          f"dataset card to {args.output}", file=sys.stderr)
    return EXIT_OK


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="a user rule file layered on the defaults (repeatable)")
    p.add_argument("--no-default-rules", action="store_true", help="use only the --rules files")
    p.add_argument("--classifier", metavar="FILE", help="a classifier JSON file (default: the shipped one)")
    p.add_argument("--no-classifier", action="store_true", help="rules only; unmatched lines are kept")
    p.add_argument("--threshold", type=float, default=None, help="classifier keep threshold (0-1)")
    p.add_argument("--time-budget", type=float, default=None, metavar="SECONDS",
                   help="seconds one posting may take before it fails with an error line "
                        "(default 60; 0 for no limit)")


def _cleaner_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"rule_files": args.rules, "default_rules": not args.no_default_rules,
            "classifier": args.classifier, "use_classifier": not args.no_classifier,
            "threshold": args.threshold, "time_budget": args.time_budget}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "clean":
            if args.output is None and args.paths != ["-"]:
                parser.error("clean: -o OUTDIR is required (or give - to read standard input)")
            if args.engine == "dask":
                from .engines.dask_engine import run_dask_clean

                return run_dask_clean(args.paths, args.output, _cleaner_options(args),
                                      scheduler=args.scheduler, workers=args.workers, fmt=args.format,
                                      progress=args.progress)
            from .engines.local import Cleaner, clean_paths

            summary = clean_paths(args.paths, args.output, Cleaner.create(**_cleaner_options(args)),
                                  explain_units=args.explain, progress=args.progress)
            return EXIT_FAILED if summary.failures else EXIT_OK
        if args.command == "eval" and args.loso:
            from .engines.local import Cleaner
            from .learn.loso import format_loso_eval, load_loso_items, loso_eval

            base = Cleaner.create(**{**_cleaner_options(args), "use_classifier": False})
            from .learn.loso import default_trainer

            trainer = (lambda _examples, _rules: None) if args.no_classifier else default_trainer
            report = loso_eval(load_loso_items(args.paths, args.gold), base.rules, trainer, base.config)
            if args.json:
                print(json.dumps(report, indent=1, ensure_ascii=False))
            else:
                print(format_loso_eval(report), end="")
            return EXIT_OK
        if args.command == "eval":
            from .engines.local import Cleaner
            from .learn.evaluate import evaluate_paths, format_table

            report = evaluate_paths(args.paths, args.gold, Cleaner.create(**_cleaner_options(args)))
            if args.json:
                print(json.dumps(report, indent=1, ensure_ascii=False))
            else:
                print(format_table(report), end="")
            for err in report["errors"]:
                print(f"jdreview: error: {err}", file=sys.stderr)
            return EXIT_FAILED if report["errors"] else EXIT_OK
        if args.command in ("train", "rules") or (args.command == "export" and args.gold_folder):
            return _learn_command(args)
        if args.command in ("review", "export"):
            return _review_export(args)
    except UsageError as e:  # e.g. outputs that would overwrite the inputs
        print(f"jdreview: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as e:  # a bad rule or classifier file: nothing can run
        print(f"jdreview: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except sqlite3.DatabaseError as e:  # a workspace damaged after it was opened
        import os

        from .workspace.store import DB_NAME, database_failure, default_workspace_dir

        where = os.path.join(getattr(args, "workspace", None) or default_workspace_dir(), DB_NAME)
        print(f"jdreview: error: {database_failure(where, e)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("jdreview: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def gui_main(argv: Sequence[str] | None = None) -> int:
    """The ``jdreview-gui`` launcher: the same arguments as ``jdreview review``."""
    return main(["review", *(sys.argv[1:] if argv is None else argv)])
