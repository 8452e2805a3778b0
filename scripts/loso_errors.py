"""Leave one site out, and print every line the filter decided against the gold, with its
reason: the error analysis behind the README's remaining-toggles figures.

    python scripts/loso_errors.py ../shared/corpus [--families dice,indeed] > errors.txt

For each held-out posting (text postings: the line labels of ``labels/<id>.keep``; HTML:
the gold aligned to jdreview's rendering), each line whose whole-line decision differs from
its label is printed as ``KEEP!`` (kept, gold drops it) or ``DROP!`` (dropped, gold keeps
it), with the decision's reason and the line's text. Lines split into segments are marked
by their first segment's decision.
"""

from __future__ import annotations

import argparse
import collections
import sys

from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import default_rules
from jdreview.learn.loso import corpus_loso_items, default_trainer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--families", default="", help="comma-separated families to hold out")
    a = ap.parse_args(argv)
    items = corpus_loso_items(a.corpus)
    rules = default_rules()
    wanted = {f for f in a.families.split(",") if f}
    by_fam: dict[str, list] = collections.defaultdict(list)
    for it in items:
        by_fam[it.family].append(it)
    reasons: collections.Counter[str] = collections.Counter()
    for fam in sorted(by_fam):
        if wanted and fam not in wanted:
            continue
        clf = default_trainer([it.as_gold() for it in items if it.family != fam], rules)
        for it in by_fam[fam]:
            res = auto_filter(it.posting, rules, clf)
            wrong = []
            for lr in res.lines:
                d = lr.decision
                if d is None or lr.index not in it.labels:
                    continue
                keep = d.keep if lr.segments is None else lr.segments[0].decision.keep
                if keep != it.labels[lr.index]:
                    why = d.reason if lr.segments is None else lr.segments[0].decision.reason
                    wrong.append((lr.index, keep, why, lr.text))
                    reasons[("KEEP! " if keep else "DROP! ") + why.split(" ")[0]] += 1
            kind = "text" if it.text_input else "html"
            print(f"=== {it.id} {fam} ({kind}) wrong lines: {len(wrong)}")
            for idx, keep, why, text in wrong:
                print(f"  {idx:4d} {'KEEP!' if keep else 'DROP!'} {why[:40]:<40} {text[:110]}")
        sys.stdout.flush()
    print("=== reasons of wrong lines")
    for r, n in reasons.most_common(40):
        print(f"  {n:5d} {r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
