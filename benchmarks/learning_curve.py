"""How fast the filter learns from a reviewer: a simulated reviewer on the development corpus.

    python benchmarks/learning_curve.py [--corpus ../shared/corpus] [--seeds assets/samples/seeds]
                                        [--gold assets/samples/gold]

After each reviewed posting its gold becomes labels, the rules `jdreview rules suggest`
proposes with precision 1.0 on the labels so far (support >= 2) are accepted on top of the
default rules, and the classifier is retrained on all labels. "Lines to toggle" is line level:
the unit lines whose final keep/drop (a line counts as kept when any part of it is kept)
differs from the person's label, i.e. what the reviewer would still click in the window.

Part 1, from nothing: one reviewer goes site by site (sites in name order, postings in id
order) starting with the default rules and no classifier, and after each posting we measure
lines to toggle per posting on that site's remaining postings and on the sites not reviewed
yet (postings the classifier and the rules have never seen).

Part 2, a new site: for every site with more than three postings, the reviewer has already
reviewed every other site, then reviews this site's postings one by one; we measure lines to
toggle per posting on its remaining postings. The last column adds the site-repetition
feature (how many of the site's other postings hold the same normalised line, counted on the
site's postings without labels, as a batch would): an experiment, not yet in the shipped
classifier, and not in the RESULT. The last line is

    RESULT toggles_after_3 <mean lines to toggle per posting after three reviewed postings of a site>
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import RuleSet, default_rules
from jdreview.learn.labelled import (
    LabelledPosting,
    SiteAwareClassifier,
    line_outcome,
    load_labelled,
    site_line_counts,
    train_classifier,
    train_site_aware,
)
from jdreview.learn.workbench import suggest_rules

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def site_of(lp: LabelledPosting) -> str:
    return lp.site or lp.posting.site or "unknown"


def learn(labels: list[LabelledPosting], base: RuleSet) -> tuple[RuleSet, object, int]:
    """Rules and classifier after reviewing ``labels``: accepted suggestions, retrained classifier."""
    rules = base
    accepted = 0
    if labels:
        for s in suggest_rules(labels, base, min_support=2, min_precision=1.0):
            rules = rules.with_rule(s.rule)
            accepted += 1
    clf = None
    if labels and len({v for lp in labels for v in lp.labels.values()}) == 2:
        clf = train_classifier(labels, rules)
    return rules, clf, accepted


def toggles(postings: list[LabelledPosting], rules: RuleSet, clf: object) -> float | None:
    if not postings:
        return None
    return sum(line_outcome(lp, auto_filter(lp.posting, rules, clf))["toggles"]  # type: ignore[arg-type]
               for lp in postings) / len(postings)


def fmt(x: float | None) -> str:
    return "     -" if x is None else f"{x:6.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--seeds", default=os.path.join(ROOT, "assets", "samples", "seeds"))
    ap.add_argument("--gold", default=os.path.join(ROOT, "assets", "samples", "gold"))
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.corpus, "manifest.tsv")):
        print(f"skipped: no development corpus at {a.corpus}", file=sys.stderr)
        return 0
    t0 = time.time()
    data = load_labelled([a.corpus, a.seeds], a.gold)
    base = default_rules()
    by_site: dict[str, list[LabelledPosting]] = {}
    for lp in data:
        by_site.setdefault(site_of(lp), []).append(lp)
    print(f"{len(data)} labelled postings, {len(by_site)} sites; default rules {base.version}")

    print("\n== part 1: from nothing, site by site")
    print(f"{'step':>4} {'site':<24} {'posting':<22} {'rules+':>6} {'site rest':>9} {'unseen':>7}")
    order = [lp for site in sorted(by_site) for lp in by_site[site]]
    reviewed: list[LabelledPosting] = []
    rules, clf, acc = base, None, 0
    print(f"{0:>4} {'-':<24} {'-':<22} {acc:>6} {'     -':>9} {fmt(toggles(order, rules, clf)):>7}")
    for step, lp in enumerate(order, 1):
        reviewed.append(lp)
        rules, clf, acc = learn(reviewed, base)
        site = site_of(lp)
        rest = [x for x in by_site[site] if x not in reviewed]
        unseen = [x for x in order if x not in reviewed and site_of(x) != site]
        print(f"{step:>4} {site[:24]:<24} {lp.posting.id[:22]:<22} {acc:>6} "
              f"{fmt(toggles(rest, rules, clf)):>9} {fmt(toggles(unseen, rules, clf)):>7}")

    print("\n== part 2: a new site after all the others")
    after3: list[float] = []
    for site in sorted(by_site):
        posts = by_site[site]
        if len(posts) <= 3:
            continue
        others = [x for x in data if site_of(x) != site]
        print(f"-- {site}: {len(posts)} postings")
        print(f"{'reviewed':>8} {'rules+':>6} {'toggles on the rest':>20} {'with site repetition':>21}")
        batch = site_line_counts(x.posting for x in posts)  # the site's postings, unlabelled
        for k in range(len(posts)):
            rules, clf, acc = learn(others + posts[:k], base)
            t = toggles(posts[k:], rules, clf)
            sa = SiteAwareClassifier(train_site_aware(others + posts[:k], rules), batch)
            print(f"{k:>8} {acc:>6} {fmt(t):>20} {fmt(toggles(posts[k:], rules, sa)):>21}")
            if k == 3 and t is not None:
                after3.append(t)
    elapsed = time.time() - t0
    print(f"\n({elapsed:.0f} s; lines to toggle are line level, per posting, against the labels)")
    if not after3:
        print("no site has more than three postings", file=sys.stderr)
        return 1
    print(f"RESULT toggles_after_3 {sum(after3) / len(after3):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
