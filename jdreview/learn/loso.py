"""Leave-one-site-out evaluation of the whole filter on raw inputs: the honest estimate.

For every site family of a gold corpus (the manifest's ``site`` column grouped by host
or applicant-tracking system, :func:`site_family`), the learned part is trained on the
postings of all *other* families (and the seeds), and that family's raw files are
cleaned by the whole filter -- rules, structure, the classifier -- exactly as
``jdreview clean`` would: HTML pages are rendered by jdreview from the raw page, never
taken from the corpus's ``text/`` reference rendering. Each output is scored against
its gold as ``../shared/tools/score.py`` scores it (:func:`jdreview.learn.evaluate.score`:
word P/R/F1 over ftfy-repaired tokens, lines to toggle on text inputs).

Training sees the same rendering as cleaning: the lines of an HTML page as jdreview
renders them, labelled by aligning the gold text to them
(:func:`jdreview.learn.gold.labels_from_gold_text`); text postings use their ``labels/ID.keep``
ranges.

The seeds are a family of their own (held out together: trained on the corpus only) and
are reported beside the corpus mean, not in it.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..filter.decision import DEFAULT_CONFIG, FilterConfig
from ..filter.pipeline import auto_filter
from ..filter.rules import RuleSet
from ..io.inputs import load_posting
from ..io.posting import Posting
from .evaluate import corpus_items, score
from .gold import GoldPosting, labels_from_gold_text, labels_from_keep

if TYPE_CHECKING:
    from ..filter.classifier import Classifier

# Applicant-tracking systems and boards whose name a manifest's site text carries; a
# posting on "wave.com careers (Greenhouse embed)" belongs to the Greenhouse family.
_FAMILIES = (
    "linkedin", "indeed", "glassdoor", "dice", "naukri", "upwork", "workday", "greenhouse",
    "lever", "recruitee", "smartrecruiters", "teamtailor", "personio", "bamboohr", "oracle",
    "successfactors", "softgarden", "workable", "hibob", "ashby", "breezy", "dayforce",
    "rippling", "welcome to the jungle", "reachmee", "recruiterflow", "stepstone", "gem",
    "duunitori", "profesia", "cv-library", "kyujinbox", "boss直聘", "hh.ru", "work.ua",
)
_HOST = re.compile(r"\b([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b")


def site_family(site: str) -> str:
    """The family a manifest ``site`` text belongs to: a known board or applicant-tracking
    system named in it, else its host's registrable name, else its first words.

    >>> site_family("Recruitee career site (careers.lansweeper.com)")
    'recruitee'
    >>> site_family("wave.com careers (Greenhouse embed)")
    'greenhouse'
    >>> site_family("Nexer Group careers (nexergroup.com)")
    'nexergroup'
    >>> site_family("BDH-Klinik Braunfels careers page")
    'bdh-klinik-braunfels'
    """
    low = site.lower()
    for name in _FAMILIES:
        if re.search(r"(?<![a-z])" + re.escape(name) + r"(?![a-z])", low):
            return name.replace(" ", "-")
    m = _HOST.search(low)
    if m:
        parts = m.group(1).split(".")
        return parts[-2] if len(parts) >= 2 else parts[0]
    head = re.split(r"[(,]", low, maxsplit=1)[0]
    head = re.sub(r"\b(careers?|page|site|jobs?|copied|text|vacancy|copy)\b", " ", head)
    return re.sub(r"[^\w]+", "-", head).strip("-") or "unknown"


@dataclass
class Item:
    """One gold posting: its raw file, its gold text, the posting as jdreview loads it
    from the raw file, and that posting's line labels (for training)."""

    id: str
    family: str
    raw: str
    gold: str
    text_input: bool
    posting: Posting
    labels: dict[int, bool]

    def as_gold(self) -> GoldPosting:
        return GoldPosting(self.posting, self.labels, self.family)


def corpus_loso_items(root: str) -> list[Item]:
    """The corpus's postings loaded from their raw files (HTML rendered by jdreview)."""
    with open(os.path.join(root, "manifest.tsv"), encoding="utf-8", newline="") as f:
        sites = {r["id"]: r.get("site", "") for r in csv.DictReader(f, delimiter="\t")}
    out = []
    for it in corpus_items(root):
        p = load_posting(it["raw"])
        p.id = it["id"]
        keep = os.path.join(root, "labels", it["id"] + ".keep")
        if it["text_input"] and os.path.exists(keep):
            with open(keep, encoding="utf-8") as f:
                labels = labels_from_keep(f.read(), p.lines)
        else:  # HTML: the gold aligned to jdreview's own rendering of the page
            labels = labels_from_gold_text(p, it["gold"])
        out.append(Item(it["id"], site_family(sites.get(it["id"], "")), it["raw"], it["gold"],
                        it["text_input"], p, labels))
    return out


def seed_loso_items(seeds: str, gold: str) -> list[Item]:
    """The seeds (raw files in ``seeds``, gold ``gold/<stem>.txt``): one family, ``seeds``."""
    out: list[Item] = []
    if not os.path.isdir(seeds):
        return out
    for name in sorted(os.listdir(seeds)):
        path = os.path.join(seeds, name)
        gpath = os.path.join(gold, name)
        if not os.path.isfile(path) or not os.path.exists(gpath):
            continue
        p = load_posting(path)
        with open(gpath, encoding="utf-8") as f:
            g = f.read()
        p.id = name.rsplit(".", 1)[0]
        out.append(Item(p.id, "seeds", path, g, p.kind != "html", p, labels_from_gold_text(p, g)))
    return out


Trainer = Callable[[Sequence[GoldPosting], RuleSet], Any]


def default_trainer(examples: Sequence[GoldPosting], rules: RuleSet) -> Classifier:
    from .train import train

    return train(examples, rules)


def _mean(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    n = max(1, len(rows))
    out = {k: sum(r[k] for r in rows) / n for k in ("p", "r", "f1")}
    tg = [r["toggles"] for r in rows if r["toggles"] is not None]
    out["toggles"] = sum(tg) / len(tg) if tg else 0.0
    return out


def loso_eval(items: Sequence[Item], rules: RuleSet, trainer: Trainer = default_trainer,
              config: FilterConfig = DEFAULT_CONFIG, *, families: Sequence[str] | None = None,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Hold out each family in turn: train on the others, clean the held-out raw postings
    with the whole filter, score them against gold.

    Returns ``{"mean": {p, r, f1, toggles}, "sites": {family: {p, r, f1, toggles,
    postings}}, "seeds": {...} or None, "rows": [...], "postings": n, "worst": ...}``;
    ``mean`` is over the corpus's postings (macro, as ``score.py``), ``seeds`` the seeds'
    figure when they are among ``items``. ``families`` limits which are held out (the
    others still train).
    """
    by_family: dict[str, list[Item]] = {}
    for it in items:
        by_family.setdefault(it.family, []).append(it)
    rows: list[dict[str, Any]] = []
    for fam in sorted(by_family):
        if families is not None and fam not in families:
            continue
        clf = trainer([it.as_gold() for it in items if it.family != fam], rules)
        for it in by_family[fam]:
            pred = auto_filter(it.posting, rules, clf, config).cleaned_text()
            s = score(pred, it.gold, text_input=it.text_input)
            rows.append({"id": it.id, "site": fam, **s})
        if progress is not None:
            progress(fam)
    corpus_rows = [r for r in rows if r["site"] != "seeds"]
    seed_rows = [r for r in rows if r["site"] == "seeds"]
    sites = {}
    for fam in sorted({r["site"] for r in corpus_rows}):
        fr = [r for r in corpus_rows if r["site"] == fam]
        sites[fam] = {**_mean(fr), "postings": len(fr)}
    return {"mean": _mean(corpus_rows), "sites": sites,
            "seeds": {**_mean(seed_rows), "postings": len(seed_rows)} if seed_rows else None,
            "rows": rows, "postings": len(corpus_rows),
            "below_085": sorted(r["id"] for r in corpus_rows if r["f1"] < 0.85)}


def format_loso_eval(report: dict[str, Any]) -> str:
    """Per posting, per site family, the mean and the seeds' figure, as a table."""
    out = [f"{'posting':<22} {'site':<22} {'P':>6} {'R':>6} {'F1':>6} {'toggles':>8}"]
    for r in report["rows"]:
        tg = "-" if r["toggles"] is None else str(r["toggles"])
        out.append(f"{r['id'][:22]:<22} {r['site'][:22]:<22} {r['p']:6.3f} {r['r']:6.3f} "
                   f"{r['f1']:6.3f} {tg:>8}")
    out.append("")
    out.append(f"{'site':<32} {'n':>3} {'P':>6} {'R':>6} {'F1':>6} {'toggles':>8}")
    for fam, s in report["sites"].items():
        out.append(f"{fam[:32]:<32} {s['postings']:>3} {s['p']:6.3f} {s['r']:6.3f} {s['f1']:6.3f} "
                   f"{s['toggles']:8.2f}")
    m = report["mean"]
    out.append(f"leave-one-site-out, whole filter, raw inputs: {report['postings']} postings, "
               f"{len(report['sites'])} sites: P {m['p']:.3f} R {m['r']:.3f} F1 {m['f1']:.3f} "
               f"toggles {m['toggles']:.2f} (text postings)")
    if report.get("seeds"):
        s = report["seeds"]
        out.append(f"seeds (held out together): P {s['p']:.3f} R {s['r']:.3f} F1 {s['f1']:.3f} "
                   f"toggles {s['toggles']:.2f}")
    if report.get("below_085"):
        out.append("postings below F1 0.85: " + ", ".join(report["below_085"]))
    return "\n".join(out) + "\n"


def load_loso_items(paths: Sequence[str], gold_dir: str | None = None) -> list[Item]:
    """Items from corpus folders (holding ``manifest.tsv``) and seed folders (raw files,
    their gold in ``gold_dir/<stem>.txt``, held out together as the family ``seeds``)."""
    from ..errors import InputError

    out: list[Item] = []
    for path in paths:
        if os.path.isfile(os.path.join(path, "manifest.tsv")):
            out.extend(corpus_loso_items(path))
        elif os.path.isdir(path) and gold_dir:
            out.extend(seed_loso_items(path, gold_dir))
        else:
            raise InputError(path, "leave-one-site-out needs a corpus folder (with manifest.tsv), "
                             "or a folder of seeds with --gold GOLD")
    if not out:
        raise InputError(", ".join(paths), "no gold postings found")
    return out
