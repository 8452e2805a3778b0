"""How fast the filter learns from a reviewer: a simulated reviewer on the development corpus.

    python benchmarks/learning_curve.py [--corpus ../shared/corpus] [--seeds assets/samples/seeds]
                                        [--gold assets/samples/gold] [--part 1|2|all]
                                        [--site FAMILY ...] [--detected-site]

Postings are what ``jdreview clean`` sees: the raw files, HTML rendered by jdreview from the
raw page, labelled by aligning the gold to those lines (as ``jdreview eval --loso``), grouped
into the same site families. After each reviewed posting its gold becomes labels, the rules
``jdreview rules suggest`` proposes with precision 1.0 on the labels so far (support >= 2) are
accepted on top of the default rules, and ``jdreview train`` runs on all labels (the
classifier and its site memory of the reviewed postings, :mod:`jdreview.filter.memory`).
"Lines to toggle" is line level: the unit lines whose final keep/drop (a line counts as kept
when any part of it is kept) differs from the person's label, i.e. what the reviewer would
still click in the window. A reviewed posting is never scored.

Part 1, from nothing: one reviewer goes site by site (sites in name order, postings in id
order) starting with the default rules and no classifier, and after each posting we measure
lines to toggle per posting on that site's remaining postings and on the sites not reviewed
yet (postings the classifier and the rules have never seen). Slow (a retraining per posting).

Part 2, a new site: for every site family with at least three postings, the reviewer has
already reviewed every other site (the start is the leave-one-site-out classifier, as a new
user meets a new site), then reviews this site's postings one by one in id order; we
measure lines to toggle per posting on its remaining postings. Columns: ``retrained``
(``jdreview train`` on every label so far: classifier and site memory), ``adapted`` (the
leave-one-site-out classifier, as the shipped one meets a new site, adapted to the site's
reviewed postings: site memory and, where it pays on them held out, a per-site correction:
``jdreview train --adapt``), ``no memory`` (retrained, memory switched off: what the edits
taught before the site memory) and ``start`` (the leave-one-site-out start on the same
remaining postings: the other columns against it, on the same row, are what the reviews
taught; the remaining postings change with each step, so compare along a row, not down a
column). By default every posting carries its site family as a batch record's ``site`` field would (``--detected-site``: only what jdreview detects
from URL and content; the memory then finds the site by the lines it shares).

At that step the lines still to toggle are also sorted by what the site's reviewed
postings say of them (``seen``: the same line or its shape was reviewed; ``alike`` and
``other``: a reviewed line shares half its words and was labelled the same or the other
way; ``new``: nothing like it was reviewed, so no memory of the site can reach it).

The figure is the mean over those sites of the lines to toggle per posting on the rest of
the site after three reviewed postings (for a site of exactly three, after the two others:
all the site allows), with ``jdreview train --adapt``: the way the README tells a user to
teach the filter their sites, and the better column (the retrained and start figures are
printed above it, and the steps where the adapted classifier did worse than the start on
the same postings). The last line is

    RESULT toggles_after_3 <mean lines to toggle per posting after three reviewed postings of a site>
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence

from jdreview.filter.classifier import Classifier
from jdreview.filter.memory import posting_names, shape
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import RuleSet, default_rules, normalise
from jdreview.learn.labelled import (
    LabelledPosting,
    adapt_classifier,
    line_outcome,
    train_classifier,
)
from jdreview.learn.loso import load_loso_items
from jdreview.learn.workbench import suggest_rules

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def site_of(lp: LabelledPosting) -> str:
    return lp.site or lp.posting.site or "unknown"


def accepted_rules(labels: Sequence[LabelledPosting], base: RuleSet) -> tuple[RuleSet, int]:
    rules, n = base, 0
    if labels:
        for s in suggest_rules(labels, base, min_support=2, min_precision=1.0):
            rules = rules.with_rule(s.rule)
            n += 1
    return rules, n


def learn(labels: list[LabelledPosting], base: RuleSet) -> tuple[RuleSet, Classifier | None, int]:
    """Rules and classifier after reviewing ``labels``: accepted suggestions, ``jdreview train``."""
    rules, accepted = accepted_rules(labels, base)
    clf = None
    if labels and len({v for lp in labels for v in lp.labels.values()}) == 2:
        clf = train_classifier(labels, rules)
    return rules, clf, accepted


def toggles(postings: Sequence[LabelledPosting], rules: RuleSet, clf: Classifier | None) -> float | None:
    if not postings:
        return None
    return sum(line_outcome(lp, auto_filter(lp.posting, rules, clf))["toggles"]
               for lp in postings) / len(postings)


_WORD = re.compile(r"\w+")


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.casefold()) if not w.isdigit())


#: a reviewed line "like" a wrong one shares at least this share of their words (Jaccard)
SIMILAR = 0.5


def reach(rest: Sequence[LabelledPosting], reviewed: Sequence[LabelledPosting], rules: RuleSet,
          clf: Classifier | None) -> dict[str, int]:
    """Where the lines still to toggle on ``rest`` stand against the site's ``reviewed``
    postings: ``seen`` (the same line, or its shape with numbers and names masked, was
    reviewed: the site memory knows it), ``alike`` / ``other`` (no such line, but a reviewed
    line sharing half its words was labelled the same / the other way: what a model of the
    site's words could learn, or be misled by), ``new`` (nothing like it was reviewed: no
    memory of the site's reviews can reach it)."""
    keys: set[str] = set()
    ref: list[tuple[frozenset[str], bool]] = []
    for lp in reviewed:
        names = posting_names(lp.posting)
        for i, keep in lp.labels.items():
            line = lp.posting.lines[i]
            if line.strip():
                norm = normalise(line)
                keys.update((norm, "s:" + shape(norm, names)))
                if w := _words(line):
                    ref.append((w, keep))
    out = {"seen": 0, "alike": 0, "other": 0, "new": 0}
    for lp in rest:
        names = posting_names(lp.posting)
        for lr in auto_filter(lp.posting, rules, clf).lines:
            if lr.decision is None or lr.index not in lp.labels:
                continue
            label = lp.labels[lr.index]
            if bool(lr.kept_text()) == label:
                continue
            norm = normalise(lr.text)
            if norm in keys or "s:" + shape(norm, names) in keys:
                out["seen"] += 1
                continue
            w = _words(lr.text)
            best, keep = 0.0, not label
            for rw, rk in ref:
                j = len(w & rw) / len(w | rw) if w else 0.0
                if j > best:
                    best, keep = j, rk
            out["new" if best < SIMILAR else "alike" if keep == label else "other"] += 1
    return out


def fmt(x: float | None) -> str:
    return "     -" if x is None else f"{x:6.2f}"


def load(a: argparse.Namespace) -> list[LabelledPosting]:
    items = load_loso_items([a.corpus, a.seeds], a.gold)
    out = []
    for it in items:
        if not a.detected_site:
            it.posting.site = it.family
        out.append(LabelledPosting(it.posting, it.labels, site=it.family))
    return out


def part1(data: list[LabelledPosting], by_site: dict[str, list[LabelledPosting]], base: RuleSet) -> None:
    print("\n== part 1: from nothing, site by site")
    print(f"{'step':>4} {'site':<24} {'posting':<22} {'rules+':>6} {'site rest':>9} {'unseen':>7}")
    order = [lp for site in sorted(by_site) for lp in by_site[site]]
    reviewed: list[LabelledPosting] = []
    rules: RuleSet = base
    clf: Classifier | None = None
    print(f"{0:>4} {'-':<24} {'-':<22} {0:>6} {'     -':>9} {fmt(toggles(order, rules, clf)):>7}")
    for step, lp in enumerate(order, 1):
        reviewed.append(lp)
        rules, clf, acc = learn(reviewed, base)
        site = site_of(lp)
        rest = [x for x in by_site[site] if x not in reviewed]
        unseen = [x for x in order if x not in reviewed and site_of(x) != site]
        print(f"{step:>4} {site[:24]:<24} {lp.posting.id[:22]:<22} {acc:>6} "
              f"{fmt(toggles(rest, rules, clf)):>9} {fmt(toggles(unseen, rules, clf)):>7}")


def part2(data: list[LabelledPosting], by_site: dict[str, list[LabelledPosting]], base: RuleSet,
          only: Sequence[str], reached: dict[str, int] | None = None) -> dict[str, dict[str, float]]:
    """Per site, at the step that counts: ``retrained``, ``adapted`` and ``start`` (the
    leave-one-site-out start on the same remaining postings) lines to toggle per posting;
    ``worse``: the steps at which the adapted classifier did worse than the start on the
    same postings."""
    print("\n== part 2: a new site after all the others")
    after3: dict[str, dict[str, float]] = {}
    for site in sorted(by_site):
        posts = by_site[site]
        if len(posts) < 3 or site == "seeds" or (only and site not in only):
            continue
        target = min(3, len(posts) - 1)
        others = [x for x in data if site_of(x) != site]
        print(f"-- {site}: {len(posts)} postings")
        print(f"{'reviewed':>8} {'rules+':>6} {'retrained':>10} {'adapted':>12} {'no memory':>10} {'start':>8}")
        rules0, loso_clf, _ = learn(others, base)  # leave one site out: the new user's start
        worse = 0
        for k in range(len(posts)):
            seen = others + posts[:k]
            rules, clf, acc = learn(seen, base)
            rest = posts[k:]
            t = toggles(rest, rules, clf)
            adapted = adapt_classifier(loso_clf, posts[:k], rules) if loso_clf is not None else None
            t_mem = toggles(rest, rules, adapted)
            t_none = toggles(rest, rules, clf.with_memory(None) if clf is not None else None)
            t_start = toggles(rest, rules0, loso_clf)
            worse += k > 0 and t_mem is not None and t_start is not None and t_mem > t_start
            print(f"{k:>8} {acc:>6} {fmt(t):>10} {fmt(t_mem):>12} {fmt(t_none):>10} {fmt(t_start):>8}",
                  flush=True)
            if k == target and t is not None and t_mem is not None and t_start is not None:
                after3[site] = {"retrained": t, "adapted": t_mem, "start": t_start}
                if reached is not None:
                    r = reach(rest, posts[:k], rules, adapted)
                    for key, v in r.items():
                        reached[key] = reached.get(key, 0) + v
                    print(f"{'':>8} still to toggle (adapted): " + ", ".join(f"{key} {v}" for key, v in r.items()))
        if site in after3:
            after3[site]["worse"] = worse
    return after3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--seeds", default=os.path.join(ROOT, "assets", "samples", "seeds"))
    ap.add_argument("--gold", default=os.path.join(ROOT, "assets", "samples", "gold"))
    ap.add_argument("--part", choices=("1", "2", "all"), default="2",
                    help="part 1 (from nothing, slow), part 2 (a new site; the RESULT), or both")
    ap.add_argument("--site", action="append", default=[], metavar="FAMILY",
                    help="part 2 on this site family only (repeatable)")
    ap.add_argument("--detected-site", action="store_true",
                    help="postings carry only the site jdreview detects, not their family")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.corpus, "manifest.tsv")):
        print(f"skipped: no development corpus at {a.corpus}", file=sys.stderr)
        return 0
    t0 = time.time()
    data = load(a)
    base = default_rules()
    by_site: dict[str, list[LabelledPosting]] = {}
    for lp in data:
        by_site.setdefault(site_of(lp), []).append(lp)
    for posts in by_site.values():
        posts.sort(key=lambda lp: lp.posting.id)
    print(f"{len(data)} labelled postings, {len(by_site)} site families; default rules {base.version}")
    if a.part in ("1", "all"):
        part1(data, by_site, base)
    if a.part == "1":
        return 0
    reached: dict[str, int] = {}
    after3 = part2(data, by_site, base, a.site, reached)
    elapsed = time.time() - t0
    print(f"\n({elapsed:.0f} s; lines to toggle are line level, per posting, against the labels)")
    if not after3:
        print("no site has three postings", file=sys.stderr)
        return 1
    for col, what in (("start", "the leave-one-site-out start on the same postings"),
                      ("retrained", "retrained (jdreview train)"),
                      ("adapted", "adapted (jdreview train --adapt)")):
        print(f"{what}, after three reviewed (two for a site of three): "
              + ", ".join(f"{s} {v[col]:.2f}" for s, v in after3.items())
              + f"; mean {sum(v[col] for v in after3.values()) / len(after3):.2f}")
    worse = {s: int(v["worse"]) for s, v in after3.items() if v["worse"]}
    print("steps where the adapted classifier does worse than the start on the same postings: "
          + (", ".join(f"{s} {n}" for s, n in worse.items()) if worse else "none"))
    total = sum(reached.values())
    if total:
        print(f"the {total} lines still to toggle then (adapted, all sites): "
              + ", ".join(f"{key} {v} ({v / total:.0%})" for key, v in reached.items())
              + f"; seen: the line or its shape was reviewed on the site; alike/other: a reviewed "
              f"line of the site shares {SIMILAR:.0%} of its words, labelled the same/the other way; "
              "new: nothing like it was reviewed")
    print(f"RESULT toggles_after_3 {sum(v['adapted'] for v in after3.values()) / len(after3):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
