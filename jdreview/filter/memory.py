"""The site memory: what a reviewer decided about the lines of each site, learned from
reviewed postings and applied to that site's next postings.

Page chrome repeats on every posting of a site ("Save", "Show more", "36 applicants",
"See who Acme has hired for this role"), and so does a site's own boilerplate (its EEO
paragraph, its "About us"). Once a person has reviewed a few postings of a site, their
decisions about those lines are the best evidence there is about the same lines on the
next posting -- better than any classifier trained on other sites. The memory keeps, per
site, for every line the reviewed postings held:

- its exact form (whitespace and case folded), hashed: how many reviewed postings kept
  it and how many dropped it;
- its *shape*: the same line with digits, dates, times and the posting's own title and
  company words masked ("36 applicants", "Posted 3 days ago", "See who Acme has hired
  for this role" match their siblings on the next posting), counted the same way.

At cleaning time an undecided line (no rule, no structure) of a site the memory knows
is decided by the memory when the reviewed postings agree on it (reason
``memory:<site>``, score the share of postings that kept it; a line without a letter, whose
label is its neighbours', only when two postings agree); a structural guess (a run of
links, a repeated title) gives way to the line or its shape decided the other way on two
reviewed postings and never this way; rules and the person keep their authority above it, and the classifier decides what the memory does not know, with
the memory's decisions as its neighbours. A posting whose site is not known (no URL, no
site field) is matched to the memory's site that shares most of its lines, when that is
clearly one (:data:`MIN_SHARED` lines and :data:`MIN_SHARE` of its distinct lines).

On an HTML page the memory also knows the site's template: for every *container path* of
the reviewed pages' lines (the tags and classes of the innermost elements round a line,
:func:`jdreview.io.html._line_rows`; a path with no class names no template), how many
pages kept and dropped lines in it. A line
neither its text nor its shape was reviewed in, sitting in a container whose every
reviewed line was dropped (or kept), is decided so too (reason
``memory:<site>:container``): a site puts its "see who was hired", "job alert" and
"report this job" widgets in the same containers on every page, in whatever language.

The memory also knows the site's template in text: an *anchor* is a line held by two or
more reviewed postings with one label on all of them ("About the job", "Similar jobs",
"Report this job"); the lines between two anchors that follow each other form a *region*,
and a region that every reviewed posting holding it (at least two) kept whole, or dropped
whole, decides the new lines inside it so (reason ``memory:<site>:between 'A' and 'B'``,
naming the anchors): a board's list of similar jobs holds different titles every time,
between the same two lines. Within a region the reviews did not decide whole, a *slot*
(the k-th line after its first anchor, or the k-th before its second, for k up to
:data:`SLOT_SPAN`) that every reviewed
posting holding it (at least two) decided one way overrules a structural guess the other
way (reason ``memory:<site>:line 2 after 'A'``): a board's job title and company, two lines
under its menu's last link, which a link-run rule takes for more links. The slot counted
from the region's other anchor must not say otherwise (a page that inserts a line shifts
one count), and a line reviewed on one posting only, at a slot two decided the other way,
leaves its own verdict to the template ("NA" dropped in a list of similar jobs, kept as
the company's name under "About company"). Measured on ``benchmarks/learning_curve.py``,
deciding the lines no rule decided by their slot as well fixed one line and broke two, so
a slot overrules structural guesses only.

A site may also carry a *correction* of the classifier learned from its reviewed postings
(``model``: a bias and weights over the classifier's own features, fitted as a
logistic model on top of the classifier's logit, :func:`jdreview.learn.train.adapt`), so a
line the memory has never seen still gains from the site's reviews ("School alumni from
<a university>" after "School alumni from <another>" was dropped): the classifier's logit
of a line of that site is the base logit plus the correction.

The memory is data: lines and feature names are stored as 12-hex-digit hashes (no text),
inside the classifier's JSON file and under its checksum (:mod:`jdreview.filter.classifier`).

>>> from jdreview.io.posting import Posting
>>> from jdreview.filter.decision import Decision
>>> mem = SiteMemory.learn([(Posting.from_text("Data Engineer\\n36 applicants\\nSave\\n", site="demo"),
...                          {0: True, 1: False, 2: False})])
>>> p = Posting.from_text("Analyst\\n7 applicants\\nSave\\nWe build data pipelines.\\n", site="demo")
>>> units = [0, 1, 2, 3]
>>> d = mem.decide(p, units, {i: p.lines[i].lower() for i in units}, {})
>>> sorted((i, x.reason) for i, x in d.items())
[(1, 'memory:demo'), (2, 'memory:demo')]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .decision import Decision
from .features import line_key, posting_features
from .rules import normalise
from .words import word_count

if TYPE_CHECKING:
    from ..io.posting import Posting

KIND = "jdreview-site-memory"
#: 2: a site may hold ``paths`` (container paths of HTML lines); 3: and ``regions`` (the
#: site's template between anchors); 4: and ``slots`` (the k-th line after or before an
#: anchor); older files read as before
SCHEMA = 4
#: a posting of an unknown site is matched to a memory site sharing at least this many
#: distinct lines with it ...
MIN_SHARED = 6
#: ... and at least this share of its distinct lines
MIN_SHARE = 0.15
#: a line the reviewed postings disagree on is decided only with this many of them and
#: this share agreeing (otherwise the classifier decides it)
MAJORITY_SUPPORT = 3
MAJORITY_SHARE = 0.8
#: lines of more words than this are matched exactly only (a shape of a paragraph with
#: its numbers masked is still that paragraph, but a long content line seen once is no
#: evidence about a different long line that happens to share its shape)
SHAPE_WORDS = 30
#: a site correction's bias and weights are a few units; beyond this the file is damaged
MAX_WEIGHT = 1e3
#: a line without a letter (".", "•", "---", a bare number) says nothing by itself: its
#: label is its neighbours' (LinkedIn's "." lines are chrome on one page and a sentence's
#: end on the next), so it is decided only when this many reviewed postings agree
LETTERLESS_SUPPORT = 2
#: a structural decision (a run of links, a repeated title) is a guess from the line's
#: surroundings; the reviewer's verdict on the line or its shape, the same on at least this
#: many reviewed postings of the site, overrules it (rules keep their authority)
OVERRULE_SUPPORT = 2
#: an *anchor* is a line the site's reviewed postings hold on at least this many postings,
#: with one label on all of them; the lines between two anchors that follow each other form
#: a template region, decided when at least this many reviewed postings held the region and
#: every line of it went one way on all of them
ANCHOR_SUPPORT = 2
#: a template slot is one of the first (or last) this many lines of a region: further
#: from both anchors, a count shifts with every line a page adds (on
#: ``benchmarks/learning_curve.py``, the twelfth line after an anchor, kept on two LinkedIn
#: pages, was a third page's second copy of its title; up to 11 nothing broke)
SLOT_SPAN = 5
#: the tables a site holds only when it has them: container paths, template regions, slots
_OPTIONAL_TABLES = ("paths", "regions", "slots")

_LETTER = re.compile(r"[^\W\d_]")
_DIGITS = re.compile(r"\d+(?:[.,:/-]\d+)*")
_MONTHS = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b")
_AGO = re.compile(r"\b(?:an?|one)\s+(?=(?:second|minute|hour|day|week|month|year)s?\s+ago\b)")
_UNIT = re.compile(r"\b(second|minute|hour|day|week|month|year)s\b")


def shape(norm: str, names: frozenset[str] = frozenset()) -> str:
    """A normalised line with what varies between a site's postings masked: numbers
    (``0``), month names and "a day ago" forms, and the words in ``names`` (the
    posting's own title and company words, ``@``).

    >>> shape("posted 3 days ago · 36 applicants")
    'posted 0 day ago · 0 applicants'
    >>> shape("see who acme has hired for this role", frozenset({"acme"}))
    'see who @ has hired for this role'
    """
    s = _DIGITS.sub("0", norm)
    s = _AGO.sub("0 ", s)
    s = _UNIT.sub(r"\1", s)
    s = _MONTHS.sub("mon", s)
    if names:
        s = " ".join("@" if w.strip(".,:;!?()'\"") in names else w for w in s.split())
    return s


_NAME_WORD = re.compile(r"\w+")


def posting_names(posting: Posting) -> frozenset[str]:
    """The words of the posting's own title and company (from the record, when known):
    masked in shapes, since they change from one posting of a site to the next."""
    words: set[str] = set()
    for text in (posting.title, posting.company):
        if text:
            words.update(w for w in _NAME_WORD.findall(text.casefold()) if len(w) >= 3)
    return frozenset(words)


def path_key(path: str) -> str:
    """A container path as the memory stores it: hashed, like lines."""
    return line_key("p:" + path)


def template_path(path: str) -> bool:
    """A container path that can name a site's template: one with a class somewhere in it
    (``div/div/p`` is every page's; measured on the learning curve, leaving such paths out
    costs nothing)."""
    return "." in path


def line_paths(posting: Posting) -> list[str] | None:
    """The posting's per-line container paths, when it has them for these lines."""
    paths = posting.line_paths
    return paths if paths is not None and len(paths) == len(posting.lines) else None


def region_key(start: str, end: str) -> str:
    """A template region as the memory stores it: the hashes of its two anchors, hashed."""
    return line_key("r:" + start + ":" + end)


def slot_key(anchor: str, offset: int) -> str:
    """A template slot as the memory stores it: the ``offset``-th unit after the anchor of
    hash ``anchor`` (negative: before it), hashed."""
    return line_key(f"t:{anchor}:{offset}")


def slot_keys(first: str, second: str, j: int, n: int) -> tuple[str | None, str | None]:
    """The two slots of the ``j``-th of ``n`` units between the anchors of hash ``first``
    and ``second``: its place after the first and its place before the second, each only
    within :data:`SLOT_SPAN` of its anchor (else None)."""
    return (slot_key(first, j + 1) if j + 1 <= SLOT_SPAN else None,
            slot_key(second, j - n) if n - j <= SLOT_SPAN else None)


def feature_key(name: str) -> str:
    """A feature name as a site correction stores it: hashed, like lines."""
    return line_key("f:" + name)


def _quote(line: str, width: int = 30) -> str:
    text = " ".join(line.split())
    return repr(text if len(text) <= width else text[:width - 1] + "…")


def _finite(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            and abs(v) <= MAX_WEIGHT)


def _check_model(m: Any, where: str, site: str) -> None:
    if (not isinstance(m, dict) or set(m) != {"bias", "weights"} or not _finite(m["bias"])
            or not isinstance(m["weights"], dict)
            or not all(isinstance(k, str) and _finite(v) for k, v in m["weights"].items())):
        raise InputError(where, f"site {site!r}: model must be a bias and a table of weights, "
                         f"finite numbers of at most {MAX_WEIGHT:g} either way")


def _pair(v: Any) -> bool:
    return (isinstance(v, list) and len(v) == 2
            and all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in v))


class SiteMemory:
    """Per site: the reviewer's keep/drop counts of exact lines, of line shapes and of
    the container paths of HTML lines.

    ``sites`` maps a site to ``{"postings": n, "lines": {hash: [keep, drop]},
    "shapes": {hash: [keep, drop]}}`` and, when it has HTML pages, ``"paths": {hash:
    [keep, drop]}``, when it has a template, ``"regions"`` and ``"slots"`` counted the
    same way (hashes from :func:`~jdreview.filter.features.line_key`).
    """

    def __init__(self, sites: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.sites: dict[str, dict[str, Any]] = {}
        for site, t in (sites or {}).items():
            self.sites[site] = {"postings": int(t.get("postings", 0)),
                                "lines": {k: [int(a), int(b)] for k, (a, b) in t.get("lines", {}).items()},
                                "shapes": {k: [int(a), int(b)] for k, (a, b) in t.get("shapes", {}).items()}}
            for name in _OPTIONAL_TABLES:
                if t.get(name):
                    self.sites[site][name] = {k: [int(a), int(b)] for k, (a, b) in t[name].items()}
            model = t.get("model")
            if model:
                self.set_model(site, float(model["bias"]), model["weights"])

    def set_model(self, site: str, bias: float, weights: Mapping[str, float]) -> None:
        """The site's correction of the classifier: ``weights`` keyed by hashed feature name."""
        self.sites[site]["model"] = {"bias": float(bias),
                                     "weights": {k: float(v) for k, v in sorted(weights.items())}}

    def __bool__(self) -> bool:
        return bool(self.sites)

    # ---- learning
    @classmethod
    def learn(cls, postings: Iterable[tuple[Posting, Mapping[int, bool]]],
              site_of: Mapping[int, str] | None = None) -> SiteMemory:
        """A memory of ``(posting, labels)`` pairs (line index -> keep), each under its
        posting's ``site`` (or ``site_of[k]`` for the k-th pair). A posting without a
        site teaches nothing (the memory could not tell when to use it)."""
        mem = cls()
        done: list[tuple[str, Posting, Mapping[int, bool]]] = []
        for k, (p, labels) in enumerate(postings):
            site = (site_of or {}).get(k) or p.site
            if site:
                mem.add(site, p, labels)
                done.append((site, p, labels))
        for site, p, labels in done:
            mem.add_regions(site, p, labels)
        return mem

    def anchor(self, site: str, key: str) -> bool:
        """Whether the line of hash ``key`` is an anchor of ``site``'s template."""
        c = self.sites[site]["lines"].get(key)
        return c is not None and (c[0] == 0 or c[1] == 0) and c[0] + c[1] >= ANCHOR_SUPPORT

    def add_regions(self, site: str, posting: Posting, labels: Mapping[int, bool]) -> None:
        """Count one reviewed posting's template regions under ``site`` (after every
        posting of the site was added, so that its anchors are known): for every two
        anchors that follow each other with lines between them, whether the posting
        kept all of those lines, dropped all of them, or both (counted both ways), and
        each of those lines under its two slots (k-th after the first anchor, k-th before
        the second)."""
        t = self.sites[site]
        seen: set[tuple[str, bool]] = set()
        slots: set[tuple[str, bool]] = set()
        last: str | None = None
        between: list[bool] = []
        for i in sorted(labels):
            if i >= len(posting.lines) or not posting.lines[i].strip():
                continue
            key = line_key(normalise(posting.lines[i]))
            if self.anchor(site, key):
                if last is not None and between and last != key:
                    seen.update((region_key(last, key), keep) for keep in between)
                    # the k-th line after the first anchor and the k-th before the second
                    for j, keep in enumerate(between):
                        slots.update((k, keep) for k in slot_keys(last, key, j, len(between)) if k)
                last, between = key, []
            else:
                between.append(labels[i])
        for name, found in (("regions", seen), ("slots", slots)):
            if found:
                table = t.setdefault(name, {})
                for key, keep in found:
                    c = table.setdefault(key, [0, 0])
                    c[0 if keep else 1] += 1

    def add(self, site: str, posting: Posting, labels: Mapping[int, bool]) -> None:
        """Add one reviewed posting's labels under ``site``."""
        t = self.sites.setdefault(site, {"postings": 0, "lines": {}, "shapes": {}})
        t["postings"] += 1
        names = posting_names(posting)
        seen_l: set[tuple[str, bool]] = set()
        seen_s: set[tuple[str, bool]] = set()
        seen_p: set[tuple[str, bool]] = set()
        paths = line_paths(posting)
        for i, keep in labels.items():
            if i >= len(posting.lines) or not posting.lines[i].strip():
                continue
            norm = normalise(posting.lines[i])
            seen_l.add((line_key(norm), keep))
            sh = shape(norm, names)
            if sh != norm and word_count(norm) <= SHAPE_WORDS:
                seen_s.add((line_key(sh), keep))
            if paths is not None and template_path(paths[i]):
                seen_p.add((path_key(paths[i]), keep))
        tables = [(t["lines"], seen_l), (t["shapes"], seen_s)]
        if seen_p:
            tables.append((t.setdefault("paths", {}), seen_p))
        for table, seen in tables:
            for key, keep in seen:
                c = table.setdefault(key, [0, 0])
                c[0 if keep else 1] += 1

    # ---- applying
    def site_for(self, posting: Posting, norms: Iterable[str]) -> str:
        """The memory site to use for ``posting``: its own site when the memory knows it,
        else the site sharing most of its distinct lines, when that is clearly one; ``""``."""
        if posting.site in self.sites:
            return posting.site
        if not self.sites:
            return ""
        keys = {line_key(n) for n in norms}
        if len(keys) < MIN_SHARED:
            return ""
        best, hits = "", 0
        for site, t in self.sites.items():
            lines = t["lines"]
            h = sum(1 for k in keys if k in lines)
            if h > hits:
                best, hits = site, h
        if hits >= MIN_SHARED and hits >= MIN_SHARE * len(keys):
            return best
        return ""

    @staticmethod
    def _unanimous(c: list[int] | None) -> tuple[bool, float] | None:
        """A container's verdict: only when every reviewed line in it went one way (a
        container holds many different lines; one that held both is no template)."""
        if c is None or (c[0] and c[1]) or not (c[0] or c[1]):
            return None
        return c[0] > 0, 1.0 if c[0] else 0.0

    @staticmethod
    def _verdict(c: list[int] | None, support: int = 1) -> tuple[bool, float] | None:
        if c is None:
            return None
        keep, drop = c
        total = keep + drop
        if total < max(support, 1):
            return None
        share = keep / total
        if keep and drop and (total < MAJORITY_SUPPORT or max(share, 1 - share) < MAJORITY_SHARE):
            return None
        return share >= 0.5, share

    def decide(self, posting: Posting, units: list[int], norms: Mapping[int, str],
               dec: Mapping[int, Decision]) -> dict[int, Decision]:
        """Decisions for the units no rule decided whose line (or shape) the reviewed
        postings of the posting's site agree on (a line without a letter needs
        :data:`LETTERLESS_SUPPORT` of them), and for the units a structural rule decided
        whose line or shape :data:`OVERRULE_SUPPORT` reviewed postings decided the other
        way and none this way, or whose template region or slot the reviews decided the
        other way (:meth:`_regions`, :meth:`_slots`)."""
        site = self.site_for(posting, (norms[i] for i in units))
        if not site:
            return {}
        t = self.sites[site]
        lines, shapes = t["lines"], t["shapes"]
        containers = t.get("paths")
        paths = line_paths(posting) if containers else None
        names = posting_names(posting)
        out: dict[int, Decision] = {}
        where = f"{site}:container"
        inside = self._regions(site, posting, units, norms) if t.get("regions") else {}
        slotted = self._slots(site, posting, units, norms) if t.get("slots") else {}
        for i in units:
            norm = norms[i]
            support = 1 if _LETTER.search(norm) else LETTERLESS_SUPPORT
            d = dec.get(i)
            if d is not None and d.source != "structure":
                continue
            if d is not None:
                # a structural guess gives way only to the line (or its shape) decided
                # the other way on several reviewed postings and never this way
                support = max(support, OVERRULE_SUPPORT)
            c = lines.get(line_key(norm))
            v = self._verdict(c, support)
            if v is None and shapes:
                sh = shape(norm, names)
                if sh != norm and word_count(norm) <= SHAPE_WORDS:
                    c = shapes.get(line_key(sh))
                    v = self._verdict(c, support)
            if (v is not None and c is not None and i in slotted and slotted[i].keep != v[0]
                    and sum(c) < ANCHOR_SUPPORT):
                # a line reviewed on one posting, at a slot that two decided the other way
                # ("NA" dropped in a list of similar jobs, kept as the company's name):
                # its own verdict is no evidence here, the site's template decides
                v = None
            if d is not None:
                if v is not None and v[0] != d.keep and v[1] in (0.0, 1.0):
                    out[i] = Decision(v[0], "memory", site, v[1])
                elif v is None and i in inside and inside[i].keep != d.keep:
                    out[i] = inside[i]
                elif v is None and i in slotted and slotted[i].keep != d.keep:
                    out[i] = slotted[i]
                continue
            if v is not None:
                out[i] = Decision(v[0], "memory", site, v[1])
            elif i in inside:
                out[i] = inside[i]
            elif paths is not None and containers is not None and template_path(paths[i]):
                v = self._unanimous(containers.get(path_key(paths[i])))
                if v is not None:
                    out[i] = Decision(v[0], "memory", where, v[1])
        return out

    def _regions(self, site: str, posting: Posting, units: list[int],
                 norms: Mapping[int, str]) -> dict[int, Decision]:
        """The units inside a template region of ``site`` that every reviewed posting
        holding it kept (or dropped) whole, decided so; the reason names the region's
        two anchors as this posting has them."""
        regions = self.sites[site]["regions"]
        out: dict[int, Decision] = {}
        for first, first_key, i, key, between in self._between_anchors(site, units, norms):
            c = regions.get(region_key(first_key, key))
            v = self._unanimous(c)
            if v is not None and c is not None and max(c) >= ANCHOR_SUPPORT:
                why = f"{site}:between {_quote(posting.lines[first])} and {_quote(posting.lines[i])}"
                d = Decision(v[0], "memory", why, v[1])
                out.update((j, d) for j in between)
        return out

    def _between_anchors(self, site: str, units: list[int], norms: Mapping[int, str]
                         ) -> Iterator[tuple[int, str, int, str, list[int]]]:
        """Each run of units between two different anchors of ``site``: the first anchor's
        unit and key, the next anchor's unit and key, and the units between them."""
        last: tuple[int, str] | None = None
        between: list[int] = []
        for i in units:
            key = line_key(norms[i])
            if not self.anchor(site, key):
                between.append(i)
                continue
            if last is not None and between and last[1] != key:
                yield last[0], last[1], i, key, between
            last, between = (i, key), []

    def _slots(self, site: str, posting: Posting, units: list[int],
               norms: Mapping[int, str]) -> dict[int, Decision]:
        """The units at a template slot of ``site`` (the k-th line after an anchor, or the
        k-th before the next one) that every reviewed posting holding the slot (at least
        :data:`ANCHOR_SUPPORT`) decided one way, decided so, unless the slot counted from
        the region's other anchor was decided the other way or both ways (a region whose
        length varies shifts one count or the other); the reason names the slot as this
        posting has it."""
        table = self.sites[site]["slots"]
        out: dict[int, Decision] = {}
        for first, first_key, i, key, between in self._between_anchors(site, units, norms):
            n = len(between)
            for j, u in enumerate(between):
                after, before = (table.get(k) if k else None for k in slot_keys(first_key, key, j, n))
                v = self._unanimous(after) if after is not None and max(after) >= ANCHOR_SUPPORT else None
                w = self._unanimous(before) if before is not None and max(before) >= ANCHOR_SUPPORT else None
                if any(c is not None and c[0] and c[1] for c in (after, before)):
                    continue  # a slot the reviews decided both ways
                if v is not None and w is not None and v[0] != w[0]:
                    continue
                if v is not None:
                    why = f"{site}:line {j + 1} after {_quote(posting.lines[first])}"
                elif w is not None:
                    v, why = w, f"{site}:line {n - j} before {_quote(posting.lines[i])}"
                else:
                    continue
                out[u] = Decision(v[0], "memory", why, v[1])
        return out

    def adjust(self, posting: Posting, units: list[int], norms: Mapping[int, str],
               dec: Mapping[int, Decision], z: list[float]) -> list[float]:
        """The classifier's logits ``z`` (one per unit) with the site's correction added to
        the units no rule decided; unchanged when the site has none."""
        site = self.site_for(posting, (norms[i] for i in units))
        model = self.sites[site].get("model") if site else None
        if not model:
            return z
        w = model["weights"]
        b = model["bias"]
        out = list(z)
        for k, (i, feats) in enumerate(zip(units, posting_features(posting, units, norms, dec), strict=True)):
            if i not in dec:
                out[k] += b + sum(w.get(feature_key(name), 0.0) * v for name, v in feats)
        return out

    # ---- persistence (inside the classifier file, under its checksum)
    def _site_json(self, t: Mapping[str, Any]) -> dict[str, Any]:
        out = {"postings": t["postings"], "lines": dict(sorted(t["lines"].items())),
               "shapes": dict(sorted(t["shapes"].items()))}
        for name in _OPTIONAL_TABLES:
            if t.get(name):
                out[name] = dict(sorted(t[name].items()))
        if t.get("model"):
            out["model"] = {"bias": t["model"]["bias"], "weights": dict(t["model"]["weights"])}
        return out

    def to_json(self) -> dict[str, Any]:
        return {"kind": KIND, "schema": SCHEMA,
                "sites": {s: self._site_json(t) for s, t in sorted(self.sites.items())}}

    def digest_body(self) -> list[Any]:
        return [[s, t["postings"], sorted(t["lines"].items()), sorted(t["shapes"].items()),
                 *([t["model"]["bias"], sorted(t["model"]["weights"].items())] if t.get("model") else []),
                 *([name, sorted(t[name].items())] for name in _OPTIONAL_TABLES if t.get(name))]
                for s, t in sorted(self.sites.items())]

    @classmethod
    def from_json(cls, obj: Any, source: str = "<site memory>") -> SiteMemory:
        """Validate and read a memory table; raises :class:`InputError` with one line."""
        where = f"{source}: memory"
        if not isinstance(obj, dict) or obj.get("kind") != KIND:
            raise InputError(where, "not a jdreview site memory")
        schema = obj.get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool) or schema > SCHEMA:
            raise InputError(where, f"site memory schema {schema!r} is newer than this jdreview "
                             f"understands ({SCHEMA}); upgrade jdreview")
        sites = obj.get("sites")
        if not isinstance(sites, dict):
            raise InputError(where, "'sites' must map sites to their line tables")
        for site, t in sites.items():
            if not isinstance(t, dict) or not {"postings", "lines", "shapes"} <= set(t) <= {
                    "postings", "lines", "shapes", "model", *_OPTIONAL_TABLES}:
                raise InputError(where, f"site {site!r} must hold postings, lines and shapes "
                                 "(and a model, paths, regions and slots), nothing else")
            if "model" in t:
                _check_model(t["model"], where, site)
            n = t["postings"]
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise InputError(where, f"site {site!r}: postings must be a non-negative integer")
            for name in ("lines", "shapes", *_OPTIONAL_TABLES):
                if name not in t:
                    continue
                table = t[name]
                if not isinstance(table, dict) or not all(
                        isinstance(k, str) and _pair(v) and max(v) <= n for k, v in table.items()):
                    raise InputError(where, f"site {site!r}: {name} must map line hashes to "
                                     "[keep, drop] counts of at most its postings each")
        return cls(sites)
