"""Train the shipped classifier (jdreview/data/classifier.json) and report how it transfers.

    python scripts/train_default.py [--corpus ../shared/corpus] [--seeds assets/samples/seeds]
                                    [--gold assets/samples/gold] [--loso] [--write]

Training sees each posting as ``jdreview clean`` sees it: text files as they are, HTML
pages as jdreview renders them from the raw page (the gold aligned to those lines), every
labelled line a training row (:func:`jdreview.classifier.train`).

--semantic N [--semantic-core] adds wordllama's embeddings as classifier features (extra
``semantic``; measured, did not pay: README, Quality).

--loso prints the leave-one-site-out figure (:mod:`jdreview.loso`, as ``jdreview eval
--loso``): per site family, train on the others, clean its raw files with the whole filter.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from jdreview.filter.rules import default_rules
from jdreview.learn.loso import format_loso_eval, load_loso_items, loso_eval
from jdreview.learn.train import DEFAULT_C, STACK_FOLDS, train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--seeds", default=os.path.join(ROOT, "assets", "samples", "seeds"))
    ap.add_argument("--gold", default=os.path.join(ROOT, "assets", "samples", "gold"))
    ap.add_argument("--loso", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--c", type=float, default=DEFAULT_C)
    ap.add_argument("--min-postings", type=int, default=3)
    ap.add_argument("--smoothing", type=float, default=0.3)
    ap.add_argument("--regions", type=float, default=0.0,
                    help="weight of the region decoder's learned costs (0: line by line)")
    ap.add_argument("--stack", type=int, default=STACK_FOLDS,
                    help="folds of the second pass's out-of-fold training (0: one pass)")
    ap.add_argument("--stack-offset", type=float, default=2.0)
    ap.add_argument("--crf", choices=("", "keep", "regions"), default="",
                    help="add the region CRF (needs python-crfsuite): states drop/keep, or "
                         "chrome/header/body/inner/footer (measured: did not pay, see README)")
    ap.add_argument("--crf-kind", choices=("all", "context", "stack"), default="all")
    ap.add_argument("--crf-c1", type=float, default=0.1)
    ap.add_argument("--crf-c2", type=float, default=0.1)
    ap.add_argument("--semantic", type=int, default=0,
                    help="dimensions of wordllama's embedding as classifier features (0: none)")
    ap.add_argument("--semantic-core", action="store_true",
                    help="the second pass also reads each line's embedding cosine to the core's")
    a = ap.parse_args()
    rules = default_rules()
    items = load_loso_items([p for p in (a.corpus, a.seeds) if os.path.isdir(p)], a.gold)
    print(f"{len(items)} labelled postings from {len({it.family for it in items})} site families")
    kw = dict(c=a.c, min_postings=a.min_postings, smoothing=a.smoothing, regions=a.regions,
              stack=a.stack, stack_offset=a.stack_offset, semantic=a.semantic,
              semantic_core=a.semantic_core)
    if a.crf:
        kw["crf"] = {"states": ("drop", "keep") if a.crf == "keep" else
                     ("chrome", "header", "body", "inner", "footer"),
                     "kind": a.crf_kind, "c1": a.crf_c1, "c2": a.crf_c2}
    if a.loso:
        print(format_loso_eval(loso_eval(items, rules, lambda ex, r: train(ex, r, **kw))), end="")
    if a.write:
        clf = train([it.as_gold() for it in items], rules,
                    meta={"trained": time.strftime("%Y-%m-%d"), "rules_version": rules.version,
                          "data": "seeds + development corpus (raw inputs)"}, **kw)
        clf.save(os.path.join(ROOT, "jdreview", "data", "classifier.json"))
        print(f"wrote classifier {clf.version} ({len(clf.weights)} weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
