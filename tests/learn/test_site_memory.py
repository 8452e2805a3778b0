"""Learning from edits: reviewed postings of a site teach the filter that site's lines.

A small hand-written site ("jobhub") whose chrome reads like prose, so that a classifier
trained elsewhere keeps it; after three reviewed postings of the site, a fourth posting
of the same site comes out as the reviewer would have it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jdreview.errors import InputError
from jdreview.filter.classifier import default_classifier, load_classifier
from jdreview.filter.decision import Decision
from jdreview.filter.memory import SiteMemory
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import default_rules
from jdreview.io.posting import Posting
from jdreview.learn.labelled import LabelledPosting, learn_memory, line_outcome

JOBS = [("Data Engineer", "build reliable data pipelines in Python and SQL for our analytics team"),
        ("Platform Engineer", "run our Kubernetes clusters and keep deployments safe and boring"),
        ("Data Analyst", "turn sales figures into dashboards that our regional managers rely on"),
        ("ML Engineer", "train and ship ranking models that decide what our customers see first")]


def jobhub(k: int) -> LabelledPosting:
    """One posting of the site: (line, keep) pairs; the chrome varies in its numbers."""
    title, duty = JOBS[k]
    rows = [
        (title, True),
        (f"Posted {k + 2} days ago · {17 + 9 * k} applicants", False),
        ("Members who applied to this role also browsed thousands of similar openings on our "
         "board every single day.", False),
        (f"In this role you will {duty}, working closely with the product and engineering teams.", True),
        (f"You have {k + 3} or more years of experience and enjoy explaining your work to others.", True),
        ("Your profile stays visible to the recruiters of every company you follow, and you can "
         "change that in your settings at any time.", False),
        ("We offer flexible hours, a learning budget and thirty days of paid holiday each year.", True),
    ]
    p = Posting.from_text("\n".join(r[0] for r in rows) + "\n", id=f"jobhub-{k}", site="jobhub")
    return LabelledPosting(p, {i: keep for i, (_, keep) in enumerate(rows)}, site="jobhub")


def toggles(lp: LabelledPosting, clf: object) -> int:
    return int(line_outcome(lp, auto_filter(lp.posting, default_rules(), clf))["toggles"])  # type: ignore[arg-type]


def test_reviewing_a_site_teaches_its_next_posting() -> None:
    reviewed = [jobhub(k) for k in range(3)]
    new = jobhub(3)
    before = toggles(new, default_classifier())
    learned = default_classifier().with_memory(learn_memory(reviewed))
    after = toggles(new, learned)
    assert before >= 2  # the shipped classifier keeps the site's prose-like chrome
    assert after == 0
    reasons = {lr.index: lr.decision.reason for lr in auto_filter(new.posting, default_rules(), learned).lines
               if lr.decision is not None}
    assert reasons[2] == reasons[5] == "memory:jobhub"
    # the applicant counter differs from every reviewed one: its shape (numbers masked) matched
    assert reasons[1].startswith(("memory:jobhub", "rule:"))
    # another site learns nothing from jobhub's reviews
    other = jobhub(3)
    other.posting.site = "elsewhere"
    other.posting.lines[0] = "Completely different header"
    assert toggles(other, learned) == before


def test_retraining_on_reviewed_postings_carries_the_memory(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from jdreview.learn.labelled import train_classifier

    background = [LabelledPosting(Posting.from_text(
        f"Analyst {k}\nOther openings near region {k}\nYou will forecast budgets for region {k} with our "
        "finance team every week.\nFollow our company page for news\n",
        id=f"bg{k}", site=f"bg{k}"), {0: True, 1: False, 2: True, 3: False}, site=f"bg{k}") for k in range(4)]
    new = jobhub(3)
    assert toggles(new, train_classifier(background, default_rules(), min_postings=1)) >= 2
    clf = train_classifier(background + [jobhub(k) for k in range(3)], default_rules(), min_postings=1)
    # what ``jdreview train`` writes from the reviews teaches the site's next posting
    assert toggles(new, clf) == 0
    assert clf.memory is not None and "jobhub" in clf.memory.sites
    # on the sites the memory holds, the memory replaces the repetition counts (a few
    # reviewed postings' counts moved borderline lines the wrong way)
    assert "jobhub" not in clf.sites and not set(clf.sites) & set(clf.memory.sites)
    path = tmp_path / "learned.json"
    clf.save(str(path))
    again = load_classifier(str(path))
    assert again.version == clf.version
    assert toggles(jobhub(3), again) == 0


def test_a_posting_without_its_site_is_matched_by_the_lines_it_shares() -> None:
    mem = learn_memory([jobhub(k) for k in range(3)])
    assert mem is not None
    new = jobhub(3)
    new.posting.site = ""
    # seven lines, of which the title and the body lines are new: too few shared lines
    assert mem.site_for(new.posting, [x.casefold() for x in new.posting.lines]) == ""
    big = Posting.from_text("\n".join(jobhub(0).posting.lines * 2) + "\n")
    assert mem.site_for(big, [" ".join(x.split()).casefold() for x in big.lines]) == "jobhub"


def _saved(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    clf = default_classifier().with_memory(learn_memory([jobhub(k) for k in range(3)]))
    path = tmp_path / "learned.json"
    clf.save(str(path))
    return path, json.loads(path.read_text())


def test_the_memory_is_hashed_data_under_the_classifier_checksum(tmp_path: Path) -> None:
    path, obj = _saved(tmp_path)
    mem = obj["memory"]
    text = json.dumps(mem)
    assert "members who applied" not in text.casefold() and "browsed" not in text  # hashes, no text
    assert isinstance(mem, dict) and mem["kind"] == "jdreview-site-memory"
    assert mem["sites"]["jobhub"]["postings"] == 3
    # flipping one count (drop -> keep) is tampering: refused with one line
    table = mem["sites"]["jobhub"]["lines"]
    key = next(iter(table))
    table[key] = table[key][::-1]
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="checksum") as e:
        load_classifier(str(path))
    assert "\n" not in str(e.value) and str(path) in str(e.value)


@pytest.mark.parametrize("damage, message", [
    (lambda m: m.update(kind="something"), "not a jdreview site memory"),
    (lambda m: m.update(schema=99), "newer"),
    (lambda m: m.update(sites=[]), "'sites' must map"),
    (lambda m: m["sites"]["jobhub"].pop("shapes"), "must hold postings, lines and shapes"),
    (lambda m: m["sites"]["jobhub"].update(postings=-1), "non-negative"),
    (lambda m: m["sites"]["jobhub"]["lines"].update(x=[1]), "keep, drop"),
    (lambda m: m["sites"]["jobhub"]["lines"].update(x=[9, 0]), "at most its postings"),
    (lambda m: m["sites"]["jobhub"]["shapes"].update(x=["1", 0]), "keep, drop"),
])
def test_a_malformed_memory_is_refused_with_one_line(tmp_path: Path, damage: object, message: str) -> None:
    path, obj = _saved(tmp_path)
    damage(obj["memory"])  # type: ignore[operator]
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match=message) as e:
        load_classifier(str(path))
    assert "\n" not in str(e.value) and str(path) in str(e.value)


UNIS = ["Leeds", "McMaster", "Toronto Metropolitan", "Waterloo"]


def alumni(k: int) -> LabelledPosting:
    """A jobhub posting with a widget line that names a different school every time."""
    lp = jobhub(k)
    lines = lp.posting.lines
    at = len(lines)
    widget = f"Alumni of {UNIS[k]} University already working at this employer are ready to introduce you"
    p = Posting.from_text("\n".join([*lines, widget]) + "\n", id=lp.posting.id, site="jobhub")
    return LabelledPosting(p, {**lp.labels, at: False}, site="jobhub")


def test_adapting_corrects_lines_the_memory_has_never_seen() -> None:
    pytest.importorskip("scipy")
    from jdreview.learn.labelled import adapt_classifier

    reviewed = [alumni(k) for k in range(3)]
    new = alumni(3)
    last = len(new.posting.lines) - 1
    memory_only = default_classifier().with_memory(learn_memory(reviewed))
    res = auto_filter(new.posting, default_rules(), memory_only)
    assert res.lines[last].decision is not None and res.lines[last].decision.keep  # never seen: kept
    adapted = adapt_classifier(default_classifier(), reviewed, default_rules())
    assert adapted.memory is not None and adapted.memory.sites["jobhub"].get("model")
    res = auto_filter(new.posting, default_rules(), adapted)
    d = res.lines[last].decision
    assert d is not None and not d.keep and d.source == "classifier"
    assert toggles(new, adapted) == 0
    # the correction belongs to its site: elsewhere the same line scores as before
    other = Posting.from_text("\n".join(new.posting.lines) + "\n", site="elsewhere")
    a = auto_filter(other, default_rules(), adapted).lines[last].decision
    b = auto_filter(other, default_rules(), default_classifier()).lines[last].decision
    assert a is not None and b is not None and a.score == b.score


def test_train_adapt_writes_a_classifier_clean_uses(tmp_path: Path) -> None:
    pytest.importorskip("scipy")
    import subprocess
    import sys

    from jdreview.learn.labelled import label_records, write_jsonl

    labels = tmp_path / "labels.jsonl"
    write_jsonl(str(labels), label_records([alumni(k) for k in range(3)], default_rules()))
    out = tmp_path / "learned.json"
    proc = subprocess.run([sys.executable, "-m", "jdreview", "train", str(labels), "--adapt", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "jobhub (3, corrected)" in proc.stderr
    clf = load_classifier(str(out))
    assert toggles(alumni(3), clf) == 0
    assert toggles(alumni(3), default_classifier()) >= 3


@pytest.mark.parametrize("damage", [
    lambda m: m.update(bias="0"),
    lambda m: m.update(bias=1e9),
    lambda m: m["weights"].update(x=float("nan")),
    lambda m: m.update(extra=1),
])
def test_a_damaged_site_correction_is_refused_with_one_line(tmp_path: Path, damage: object) -> None:
    pytest.importorskip("scipy")
    from jdreview.learn.labelled import adapt_classifier

    path = tmp_path / "learned.json"
    adapt_classifier(default_classifier(), [alumni(k) for k in range(3)], default_rules()).save(str(path))
    obj = json.loads(path.read_text())
    damage(obj["memory"]["sites"]["jobhub"]["model"])  # type: ignore[operator]
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="model must be a bias and a table of weights") as e:
        load_classifier(str(path))
    assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_train_from_a_workspace_teaches_the_window(tmp_path: Path) -> None:
    pytest.importorskip("scipy")
    from jdreview.cli import main
    from jdreview.workspace.session import cleaner_for, open_session
    from jdreview.workspace.store import Workspace

    batch = tmp_path / "jobhub.jsonl"
    batch.write_text("".join(json.dumps({"id": f"j{k}", "site": "jobhub",
                                         "text": "\n".join(alumni(k).posting.lines)}) + "\n"
                             for k in range(4)), encoding="utf-8")
    wsdir = str(tmp_path / "ws")
    with Workspace.open(wsdir) as ws:
        ws.add_paths([str(batch)])
        ids = ws.ids()
        for k, pid in enumerate(ids[:3]):  # the reviewer fixes three postings in the window
            s = open_session(ws, cleaner_for(ws), pid, reviewer="ann")
            assert s.posting.site == "jobhub"
            gold = alumni(k).labels
            for keep in (True, False):
                keys = [(i, None) for i, v in gold.items() if v is keep and s.final((i, None)) is not keep]
                if keys:
                    s.apply(s.set_label(keys, keep))
            ws.set_status(pid, "reviewed", "ann")
        before = open_session(ws, cleaner_for(ws), ids[3])
        wrong_before = sum(before.final((i, None)) is not v for i, v in alumni(3).labels.items())
    assert wrong_before >= 3
    assert main(["train", "--workspace", wsdir, "--adapt"]) == 0
    assert os.path.exists(os.path.join(wsdir, "classifier.json"))
    with Workspace.open(wsdir) as ws:
        cleaner = cleaner_for(ws)  # what the window reviews with: the learned classifier
        assert cleaner.classifier is not None and cleaner.classifier.memory is not None
        after = open_session(ws, cleaner, ws.ids()[3])
        assert all(after.final((i, None)) is v for i, v in alumni(3).labels.items())


def test_train_needs_labels_or_a_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jdreview.cli import main

    assert main(["train", "-o", str(tmp_path / "x.json")]) == 2
    assert "give LABELS" in capsys.readouterr().err
    assert main(["train", "--workspace", str(tmp_path / "nothing"), "--adapt"]) == 1
    err = capsys.readouterr().err
    assert "no workspace here" in err and err.count("\n") == 1


# ---------------------------------------------------------------- a site's HTML template

WIDGET = ["Senior Data Engineer at Northwind", "Analytics Lead at Contoso", "BI Developer at Fabrikam",
          "Head of Data at Tailspin", "Data Architect at Litware", "Cloud Engineer at Proseware"]


def board_page(k: int) -> LabelledPosting:
    """A jobhub HTML page: the job, then a carousel of other jobs (different ones on every
    page: no line of it repeats) in the same containers."""
    title, duty = JOBS[k]
    others = WIDGET[2 * k:2 * k + 2] if k < 3 else ["Платформенный инженер в Яндекс, Москва, гибрид, полный день",
                                                         "Datenanalyst bei Zalando in Berlin, hybrid und in Vollzeit"]
    cards = "".join(f'<li class="card-{k}7"><span class="card__title">{t}</span></li>'
                    for n, t in enumerate(others))
    html = (f"<html><body><main><h1>{title}</h1><div class='description'><p>In this role you will "
            f"{duty}.</p><p>You have {k + 3} years of experience.</p></div></main>"
            f"<div class='carousel'><ul class='carousel__list'>{cards}</ul></div></body></html>")
    p = Posting.from_html(html, id=f"board-{k}", site="jobhub")
    labels = {i: not any(t in line for t in others) for i, line in enumerate(p.lines)}
    return LabelledPosting(p, labels, site="jobhub")


def test_a_sites_template_teaches_lines_never_reviewed() -> None:
    reviewed = [board_page(k) for k in range(3)]
    new = board_page(3)  # its carousel holds jobs (and languages) no reviewed page held
    assert new.posting.line_paths is not None
    assert toggles(new, default_classifier()) >= 1  # the shipped classifier keeps the carousel
    mem = learn_memory(reviewed)
    assert mem is not None and mem.sites["jobhub"]["paths"]
    res = auto_filter(new.posting, default_rules(), default_classifier().with_memory(mem))
    dropped = [lr for lr in res.lines if lr.decision is not None and not lr.decision.keep]
    assert {lr.index for lr in dropped} == {i for i, keep in new.labels.items() if not keep}
    assert {lr.decision.reason for lr in dropped} == {"memory:jobhub:container"}
    assert toggles(new, default_classifier().with_memory(mem)) == 0
    # a container whose reviewed lines went both ways decides nothing
    mixed = [board_page(k) for k in range(3)]
    mixed[0].labels.update({i: True for i in mixed[0].labels})
    mem2 = learn_memory(mixed)
    assert mem2 is not None
    res2 = auto_filter(new.posting, default_rules(), default_classifier().with_memory(mem2))
    carousel = {lr.index for lr in dropped}
    assert not any(lr.decision is not None and lr.decision.reason == "memory:jobhub:container"
                   for lr in res2.lines if lr.index in carousel)


def test_a_container_without_classes_names_no_template() -> None:
    def bare(lp: LabelledPosting) -> LabelledPosting:
        assert lp.posting.line_paths is not None
        lp.posting.line_paths = ["/".join(step.split(".")[0] for step in path.split("/"))
                                 for path in lp.posting.line_paths]
        return lp

    mem = learn_memory([bare(board_page(k)) for k in range(3)])
    assert mem is not None and not mem.sites["jobhub"].get("paths")
    new = bare(board_page(3))
    res = auto_filter(new.posting, default_rules(), default_classifier().with_memory(mem))
    assert not any(lr.decision is not None and lr.decision.reason.endswith(":container") for lr in res.lines)


def test_container_paths_are_hashed_under_the_checksum(tmp_path: Path) -> None:
    path = tmp_path / "learned.json"
    default_classifier().with_memory(learn_memory([board_page(k) for k in range(3)])).save(str(path))
    obj = json.loads(path.read_text())
    assert "carousel" not in json.dumps(obj["memory"])  # hashes, no class names
    assert load_classifier(str(path)).memory.sites["jobhub"]["paths"]  # type: ignore[union-attr]
    table = obj["memory"]["sites"]["jobhub"]["paths"]
    key = next(iter(table))
    table[key] = table[key][::-1]
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="checksum"):
        load_classifier(str(path))
    table[key] = ["x", 0]
    path.write_text(json.dumps(obj))
    with pytest.raises(InputError, match="paths must map") as e:
        load_classifier(str(path))
    assert "\n" not in str(e.value)


def _undecided(p: Posting) -> tuple[list[int], dict[int, str]]:
    units = [i for i, line in enumerate(p.lines) if line.strip()]
    return units, {i: " ".join(p.lines[i].split()).casefold() for i in units}


def test_a_line_without_a_letter_needs_two_reviewed_postings() -> None:
    # LinkedIn's "." lines: chrome on one page, the end of a sentence on the next
    def page(k: int, dot: bool) -> tuple[Posting, dict[int, bool]]:
        p = Posting.from_text(f"Engineer {k}\n.\n•\nWe write software.\n", site="demo")
        return p, {0: True, 1: dot, 2: False, 3: True}

    new = Posting.from_text("Analyst\n.\n•\nWe count things.\n", site="demo")
    units, norms = _undecided(new)
    one = SiteMemory.learn([page(0, False)]).decide(new, units, norms, {})
    assert 1 not in one and 2 not in one  # one posting says nothing of a letterless line
    two = SiteMemory.learn([page(0, False), page(1, False)]).decide(new, units, norms, {})
    assert not two[1].keep and not two[2].keep and two[1].reason == "memory:demo"
    # a line with letters is still decided from one reviewed posting
    p = Posting.from_text("Engineer\nSave\n", site="demo")
    assert not SiteMemory.learn([(p, {0: True, 1: False})]).decide(
        Posting.from_text("Analyst\nSave\n", site="demo"), [0, 1], {0: "analyst", 1: "save"}, {})[1].keep


def test_the_reviewers_verdict_on_two_postings_overrules_a_structural_guess() -> None:
    # a link-run rule took the experience value ("2 - 4 years") for a link; the reviewer kept
    # it on both reviewed postings of the site
    def page(years: str) -> tuple[Posting, dict[int, bool]]:
        return Posting.from_text(f"Developer\n{years}\nApply\n", site="demo"), {0: True, 1: True, 2: False}

    new = Posting.from_text("Analyst\n0 - 5 years\nApply\n", site="demo")
    units, norms = _undecided(new)
    guess = {1: Decision(False, "structure", "link-list"), 2: Decision(False, "rule", "apply")}
    one = SiteMemory.learn([page("2 - 4 years")]).decide(new, units, norms, guess)
    assert 1 not in one  # one reviewed posting does not outweigh the structure
    mem = SiteMemory.learn([page("2 - 4 years"), page("2 - 5 years")])
    d = mem.decide(new, units, norms, guess)
    assert d[1].keep and d[1].reason == "memory:demo"
    assert 2 not in d  # a rule keeps its authority
    # and where the structure agrees with the reviews nothing changes
    assert 1 not in mem.decide(new, units, norms, {1: Decision(True, "structure", "header")})
    # the whole filter: the value stays
    res = auto_filter(new, default_rules(), default_classifier().with_memory(mem))
    assert res.lines[1].decision is not None and res.lines[1].decision.keep


SCHOOLS = ["Leeds", "McMaster", "Toronto Metropolitan", "Waterloo", "Aalto", "Delft", "Ghent", "Porto",
           "Bologna", "Uppsala", "Kraków", "Bergen"]


def _school_page(k: int, keep: bool) -> LabelledPosting:
    """A jobhub posting with four alumni lines naming schools no other posting names, all
    dropped (``keep`` False) or all kept."""
    lp = jobhub(k)
    lines = list(lp.posting.lines)
    at = len(lines)
    lines += [f"Alumni of {u} University already working at this employer are ready to introduce you"
              for u in SCHOOLS[4 * k:4 * k + 4]]
    p = Posting.from_text("\n".join(lines) + "\n", id=f"school-{k}-{keep}", site="jobhub")
    return LabelledPosting(p, {**lp.labels, **{at + n: keep for n in range(4)}}, site="jobhub")


def test_a_site_correction_is_kept_only_when_it_helps_on_reviewed_postings_held_out() -> None:
    pytest.importorskip("scipy")
    from jdreview.learn.train import adapt

    def model(postings: list[LabelledPosting]) -> object:
        clf = adapt(default_classifier(), [lp.as_gold() for lp in postings], default_rules(), min_lines=1)
        assert clf.memory is not None
        return clf.memory.sites["jobhub"].get("model")

    # one reviewed posting: nothing to hold out, no evidence the correction transfers
    assert model([_school_page(0, False)]) is None
    # two postings that contradict each other on the alumni lines: the correction fitted on
    # one does not help on the other, so none is kept and the site's next posting meets
    # the classifier as it was
    assert model([_school_page(0, False), _school_page(1, True)]) is None
    # postings that agree: the correction fitted on each helps on the other and is kept
    assert model([_school_page(0, False), _school_page(1, False), _school_page(2, False)])


def _board(k: int, jobs: list[str]) -> tuple[Posting, dict[int, bool]]:
    """A board page: its template lines (the same on every page) round lines that change."""
    rows = [(f"{JOBS[k % 4][0]} at Firm {k}", True), ("About the job", True),
            (f"You will {JOBS[k % 4][1]}.", True), (f"Team of {k + 4} people in office {k}.", True),
            ("Similar jobs", False), *((j, False) for j in jobs), ("Report this job", False),
            ("Terms of use", False)]
    p = Posting.from_text("\n".join(r[0] for r in rows) + "\n", id=f"board-{k}", site="demo")
    return p, {i: keep for i, (_, keep) in enumerate(rows)}


def test_a_template_region_the_reviews_dropped_whole_drops_new_lines_inside_it(tmp_path: Path) -> None:
    reviewed = [_board(0, ["Data Analyst", "Acme Corp", "Leeds"]),
                _board(1, ["Platform Engineer", "Globex", "Berlin, Germany"])]
    new, labels = _board(2, ["Site Reliability Lead", "Initech", "Porto"])
    units, norms = _undecided(new)
    mem = SiteMemory.learn(reviewed)
    d = mem.decide(new, units, norms, {})
    inside = [i for i in units if new.lines[i] in ("Site Reliability Lead", "Initech", "Porto")]
    assert all(not d[i].keep for i in inside)
    assert d[inside[0]].reason == "memory:demo:between 'Similar jobs' and 'Report this job'"
    # the lines between the two kept anchors were kept on both pages: new ones are kept too
    duty = next(i for i in units if new.lines[i].startswith("You will"))
    assert d[duty].keep and d[duty].reason == "memory:demo:between 'About the job' and 'Similar jobs'"
    # one reviewed page makes no anchor, so no region
    assert not any(i in SiteMemory.learn(reviewed[:1]).decide(new, units, norms, {}) for i in inside)
    # a region a review kept part of decides nothing
    p, lab = _board(3, ["Data Analyst", "Acme Corp"])
    lab[5] = True
    mixed = SiteMemory.learn([*reviewed, (p, lab)])
    assert not any(i in mixed.decide(new, units, norms, {}) for i in inside)
    # a rule keeps its authority inside a region
    assert inside[0] not in mem.decide(new, units, norms, {inside[0]: Decision(True, "rule", "mine")})
    # the regions are data under the classifier's checksum, and read back
    path = tmp_path / "learned.json"
    default_classifier().with_memory(mem).save(str(path))
    assert "Similar" not in path.read_text()
    again = load_classifier(str(path))
    assert again.memory is not None and again.memory.sites["demo"]["regions"] == mem.sites["demo"]["regions"]
    res = auto_filter(new, default_rules(), again)
    assert all(res.lines[i].decision is not None and not res.lines[i].decision.keep for i in inside)



def _naukri_like(k: int, about: list[str], extra: bool = False) -> tuple[Posting, dict[int, bool]]:
    """A board page: a menu of links, then the job's title and company (kept), a rating
    widget (dropped) and the job's facts, between the menu's last link and the applicants
    counter; the employer's text under "About company"."""
    rows = [("Jobs by location", False), ("Resume writing", False), ("Employer Login", False),
            (f"{JOBS[k % 4][0]} {k}", True), (f"Firm{k} Systems", True),
            *([(f"Posted by Firm{k} Systems", False)] if extra else []), (f"{3 + k}.{k}K Reviews", False),
            (f"{k} - {k + 4} years", True), (["Bengaluru", "Ahmedabad", "Delhi"][k % 3], True),
            ("Applicants: 100+", False), ("Job description", True),
            (f"You will {JOBS[k % 4][1]}.", True), ("About company", True),
            *((line, True) for line in about), ("Beware of imposters!", False),
            ("Similar jobs", False), (f"Backend Engineer {k}", False), *([("NA", False)] if k == 0 else [])]
    p = Posting.from_text("\n".join(r[0] for r in rows) + "\n", id=f"slots-{k}", site="demo")
    return p, {i: keep for i, (_, keep) in enumerate(rows)}


def test_a_slot_after_an_anchor_the_reviews_decided_alike_overrules_a_structural_guess(tmp_path: Path) -> None:
    reviewed = [_naukri_like(0, ["Firm0 Systems Ltd"]),
                _naukri_like(1, ["Firm1 builds apps.", "Address: 12 Main Road"])]
    new, _ = _naukri_like(2, ["NA", "Address:"], extra=True)
    units, norms = _undecided(new)
    title, company, posted, rating = (new.lines.index(x) for x in (
        "Data Analyst 2", "Firm2 Systems", "Posted by Firm2 Systems", "5.2K Reviews"))
    # a structure rule took the title and the company for more of the menu's links
    guess = {i: Decision(False, "structure", "link-list") for i in (title, company, posted, rating)}
    mem = SiteMemory.learn(reviewed)
    d = mem.decide(new, units, norms, guess)
    # both reviewed pages kept the first two lines after the menu's last link: so here
    assert d[title].keep and d[title].reason == "memory:demo:line 1 after 'Employer Login'"
    assert d[company].keep and d[company].reason == "memory:demo:line 2 after 'Employer Login'"
    # a line this page inserts shifts the count from one end: where the slot after the
    # first anchor and the slot before the second disagree, the memory does not decide
    # (the third line after the menu was the rating, the fourth before the counter the company)
    assert posted not in mem.decide(new, units, norms, {posted: Decision(True, "structure", "facts")})
    # the rating, dropped by the guess as by both pages, stays the guess's
    assert rating not in d
    # a line seen once (dropped among similar jobs), at a slot both pages kept: its own
    # verdict gives way, and the template (the region kept whole) decides
    na = new.lines.index("NA")
    assert d[na].keep and d[na].reason.startswith("memory:demo:between 'About company'")
    assert SiteMemory.learn(reviewed[:1]).decide(new, units, norms, {})[na].keep is False
    # one reviewed page makes no anchor, so no slot; a rule keeps its authority
    assert title not in SiteMemory.learn(reviewed[:1]).decide(new, units, norms, guess)
    assert title not in mem.decide(new, units, norms, {title: Decision(False, "rule", "mine")})
    # the slots are data under the classifier's checksum, and read back
    path = tmp_path / "learned.json"
    default_classifier().with_memory(mem).save(str(path))
    again = load_classifier(str(path))
    assert again.memory is not None and again.memory.sites["demo"]["slots"] == mem.sites["demo"]["slots"]
    assert again.memory.decide(new, units, norms, guess)[title].keep


def test_a_slot_is_one_of_the_first_or_last_lines_of_a_region() -> None:
    from jdreview.filter.memory import SLOT_SPAN

    # a region of many lines between "Menu" and "Footer", kept and dropped by turns
    def page(k: int) -> tuple[Posting, dict[int, bool]]:
        rows = [("Menu", False), *((f"Line {k}-{j}", j % 2 == 0) for j in range(4 * SLOT_SPAN)), ("Footer", False)]
        p = Posting.from_text("\n".join(r[0] for r in rows) + "\n", id=f"span-{k}", site="demo")
        return p, {i: keep for i, (_, keep) in enumerate(rows)}

    mem = SiteMemory.learn([page(0), page(1)])
    new, _ = page(2)
    units, norms = _undecided(new)
    guess = {i: Decision(False, "structure", "link-list") for i in units[1:-1]}
    d = mem.decide(new, units, norms, guess)
    # the first line after the anchor, and the last before the next, were kept on both
    assert d[units[1]].keep and d[units[-3]].keep
    # the middle of the region is too far from both anchors to be a slot
    assert not any(units[1 + j] in d for j in range(SLOT_SPAN, 3 * SLOT_SPAN))
