"""Train the shipped classifier (jdreview/data/classifier.json) and report how it transfers.

    python scripts/train_default.py [--corpus ../shared/corpus] [--seeds assets/samples/seeds]
                                    [--gold assets/samples/gold] [--loso] [--write]

--loso trains once per held-out site on all other sites, cleans the held-out site's
postings with the full filter, and prints word P/R/F1 and toggles against gold: the
honest estimate of quality on a site the classifier never saw.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time

from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import default_rules
from jdreview.learn.evaluate import score
from jdreview.learn.gold import iter_corpus, iter_pairs
from jdreview.learn.train import train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_examples(corpus: str, seeds: str, gold: str):
    ex = []
    if os.path.isdir(corpus):
        ex.extend(iter_corpus(corpus))
    files = sorted(glob.glob(os.path.join(seeds, "*.txt")))
    if files:
        for g in iter_pairs(files, gold):
            g.posting.id = g.posting.stem[:3]
            with open(os.path.join(gold, g.posting.stem + ".txt"), encoding="utf-8") as f:
                g.posting.gold = f.read()
            g.site = "careers-seed" if g.posting.site != "linkedin" else "linkedin"
            ex.append(g)
    return ex


def gold_text(g, corpus):
    if g.posting.gold is not None:
        return g.posting.gold
    p = os.path.join(corpus, "gold", g.posting.id + ".txt")
    if os.path.exists(p):
        return open(p, encoding="utf-8").read()
    return "\n".join(line for i, line in enumerate(g.posting.lines) if g.labels.get(i)) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--seeds", default=os.path.join(ROOT, "assets", "samples", "seeds"))
    ap.add_argument("--gold", default=os.path.join(ROOT, "assets", "samples", "gold"))
    ap.add_argument("--loso", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--c", type=float, default=0.5)
    ap.add_argument("--min-postings", type=int, default=3)
    ap.add_argument("--smoothing", type=float, default=0.3)
    a = ap.parse_args()
    rules = default_rules()
    ex = load_examples(a.corpus, a.seeds, a.gold)
    print(f"{len(ex)} labelled postings from {len({g.site for g in ex})} sites")
    kw = dict(c=a.c, min_postings=a.min_postings, smoothing=a.smoothing)
    if a.loso:
        rows = []
        for site in sorted({g.site for g in ex}):
            train_ex = [g for g in ex if g.site != site]
            clf = train(train_ex, rules, **kw)
            for g in ex:
                if g.site != site:
                    continue
                res = auto_filter(g.posting, rules, clf)
                s = score(res.cleaned_text(), gold_text(g, a.corpus), text_input=g.posting.kind == "text")
                rows.append((g.posting.id, site, s))
                print(f"{g.posting.id:>20} {site:<16} P {s['p']:.3f} R {s['r']:.3f} F1 {s['f1']:.3f} toggles {s['toggles']}")
        n = len(rows)
        tg = [s["toggles"] for *_, s in rows if s["toggles"] is not None]
        print(f"leave-one-site-out: P {sum(s['p'] for *_, s in rows)/n:.3f} R {sum(s['r'] for *_, s in rows)/n:.3f} "
              f"F1 {sum(s['f1'] for *_, s in rows)/n:.3f} toggles {sum(tg)/max(1,len(tg)):.2f}")
    if a.write:
        clf = train(ex, rules, meta={"trained": time.strftime("%Y-%m-%d"), "rules_version": rules.version,
                                     "data": "seeds + development corpus"}, **kw)
        clf.save(os.path.join(ROOT, "jdreview", "data", "classifier.json"))
        print(f"wrote classifier {clf.version} ({len(clf.weights)} weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
