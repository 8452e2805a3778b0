"""The automatic filter: keep or drop every line (and part of a line), with a reason.

Order of authority, highest first:

1. keep rules (exact, regex, section) -- a person said this is content;
2. drop rules (exact, regex, section) and structural rules (repeated header block,
   repeated title);
3. the site memory the classifier carries (:mod:`jdreview.filter.memory`): on a site the
   reviewer has reviewed, a line they decided alike on its reviewed postings
   (``memory:<site>``);
4. the classifier's score against the threshold;
5. the default (keep) when no classifier is given.

Kept lines that hold a separator or several sentences are split into segments,
and segment rules trim the noise parts ("Cambridge, MA · 1 week ago · 36 people
clicked apply" keeps "Cambridge, MA · 1 week ago"). The cleaned text is exactly the
kept units, in order, with their original characters.

>>> from jdreview.io.posting import Posting
>>> from jdreview.filter.rules import RuleSet, Rule
>>> rs = RuleSet([Rule("apply", "exact", ("apply",))])
>>> r = auto_filter(Posting.from_text("Data Engineer\\nApply\\nSQL and Python.\\n"), rs)
>>> r.cleaned_text()
'Data Engineer\\nSQL and Python.\\n'
>>> r.lines[1].decision.reason
'rule:apply'

"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import math
import operator
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote

from ..errors import InputError
from ..io.posting import URL_LINE, Posting
from ..limits import CACHE_ENTRIES
from .decision import (
    DEFAULT_CONFIG,
    Decision,
    FilterConfig,
    FilterResult,
    LineResult,
    SegmentResult,
)
from .rules import Rule, RuleSet
from .segments import _FIELD_SEP, _single_segment, split_segments
from .words import word_count

if TYPE_CHECKING:
    from .classifier import LineScorer
    from .crf import CRF


class FilterTimeout(InputError):
    """A posting took longer than :attr:`FilterConfig.time_budget` to filter."""


class _Budget:
    """The clock of one posting against its time budget."""

    __slots__ = ("posting", "limit", "deadline")

    def __init__(self, posting: Posting, limit: float) -> None:
        self.posting = posting
        self.limit = limit
        self.deadline = time.perf_counter() + limit if limit > 0 else math.inf

    def check(self, step: str) -> None:
        if time.perf_counter() > self.deadline:
            p = self.posting
            raise FilterTimeout(p.source or p.id or "<posting>",
                                f"filtering took longer than its time budget of {self.limit:g} s "
                                f"({len(p.lines)} lines; stopped at {step}); "
                                f"raise it with --time-budget or split the posting")


# --------------------------------------------------------------------------- filter


def auto_filter(posting: Posting, rules: RuleSet | None = None,
                classifier: LineScorer | None = None,
                config: FilterConfig = DEFAULT_CONFIG) -> FilterResult:
    """Decide keep or drop for every unit of ``posting``; see the module docstring.

    Raises :class:`FilterTimeout` when the posting takes longer than
    ``config.time_budget`` seconds."""
    rules = rules if rules is not None else RuleSet()
    budget = _Budget(posting, config.time_budget)
    if config.long_line and any(len(x) > config.long_line for x in posting.lines):
        split = _split_long_lines(posting, rules, classifier, config)
        if split is not None:
            return split
    return _auto_filter(posting, rules, classifier, config, budget)


def _auto_filter(posting: Posting, rules: RuleSet, classifier: LineScorer | None,
                 config: FilterConfig, budget: _Budget) -> FilterResult:
    site = posting.site
    lines = posting.lines
    n = len(lines)
    units = [i for i in range(n) if lines[i].strip()]
    unit_lines = [lines[i] for i in units]
    known = list(map(rules.norm_cache.get, unit_lines))  # one C-level pass when all are known
    if None in known:
        norm_of = rules.normalised
        folded = [x if x is not None else norm_of(line) for x, line in zip(known, unit_lines, strict=True)]
    else:
        folded = cast("list[str]", known)
    norms = dict(zip(units, folded, strict=True))
    dec = rule_decisions(posting, units, norms, rules, config, budget)
    pairs = label_value_pairs(lines, units, norms) if config.structure else []
    freed = _free_values(pairs, dec, rules)
    budget.check("the classifier")

    # 4. the classifier decides what no rule did; the site memory then overrules it on the
    # lines the reviewer decided alike on the site's reviewed postings (after scoring, so
    # the classifier sees the neighbours it was trained with)
    memory = getattr(classifier, "memory", None)
    learned = memory.decide(posting, units, norms, dec) if memory is not None and len(dec) < len(units) else None
    if len(dec) < len(units):
        if classifier is not None:
            threshold = config.threshold
            explained = getattr(classifier, "score_explained", None)
            if explained is not None:  # the notes say where the second pass turned a line around
                scores, notes = explained(posting, units, norms, dec)
            else:
                scores, notes = classifier.score(posting, units, norms, dec), {}
            costs = getattr(classifier, "transitions", None)
            crf = getattr(classifier, "crf", None)
            if crf is not None and config.crf:
                _decide_crf(posting, units, norms, dec, scores, crf, threshold)
            elif costs and config.regions:
                _decide_regions(lines, units, dec, scores, costs, threshold)
            else:
                for i, p in scores.items():
                    dec[i] = Decision(p >= threshold, "classifier", notes.get(i, ""), p)
            if config.structure:
                from .features import normalise_title

                title = normalise_title(posting, units, norms)
                for i, d in short_line_runs(units, norms, dec, scores, threshold, title).items():
                    dec[i] = d
        else:
            default = Decision(True, "default")
            for i in units:
                if i not in dec:
                    dec[i] = default
    if learned:
        dec.update(learned)
    if config.structure:
        for i in header_widgets(units, norms, dec):
            dec[i] = Decision(False, "structure", "widget", dec[i].score if i in dec else None)
    if config.structure and classifier is not None:
        for i in header_chrome(units, norms, dec):
            dec[i] = Decision(False, "structure", "header-chrome", dec[i].score)
    if config.structure and posting.kind == "text":
        for i in paste_template(lines, units, dec):
            dp = dec.get(i)
            dec[i] = Decision(False, "structure", "front-matter", dp.score if dp is not None else None)
    if config.structure and classifier is not None:
        for i in filter_forms(units, norms, dec, rules):
            dec[i] = Decision(False, "structure", "filter-form", dec[i].score)
        for i in header_block(units, norms, dec, rules, site):
            d = dec[i]
            dec[i] = Decision(True, "classifier", "header", d.score)

    # a label and its value are one unit: the value follows the label
    for label, value in pairs:
        dl, dv = dec.get(label), dec.get(value)
        if dl is None or dv is None or dl.keep == dv.keep:
            continue
        if value in freed or dv.source in ("classifier", "default"):
            dec[value] = Decision(dl.keep, "structure", "label-value", dl.score)
        elif dv.keep and dv.source == "rule" and dl.source == "classifier":
            # a value a keep rule kept ("Type:" / "Permanent"): its label goes with it
            dec[label] = Decision(True, "structure", "label-value", dl.score)

    # a job's facts a structure rule took for links or copies (a board's job-details list,
    # a label/value block that adds facts, the employer's list said twice)
    if config.structure and classifier is not None:
        for i in fact_runs(units, norms, dec, pairs, rules, lines):
            dec[i] = Decision(True, "structure", "facts", dec[i].score)

    # the employer's name or the place on a short line of the header that the body's
    # prose says again ("Mobysoft" / "Founded in 2003, Mobysoft provides ...")
    if config.structure and classifier is not None:
        for i in header_names(posting, units, norms, dec):
            dec[i] = Decision(True, "structure", "header-name", dec[i].score)

    if config.structure and classifier is not None:
        for i in id_pairs(pairs, norms, dec):
            dec[i] = Decision(False, "structure", "id-pair", dec[i].score)

    # a label over the prose it names ("Language:" / "English is our working language ...")
    # is that prose's heading, not a word of a picker or a button
    if config.structure and classifier is not None:
        for i in prose_labels(units, norms, dec, rules):
            dec[i] = Decision(True, "structure", "label-value", dec[i].score)

    # a board's activity widgets (applicant counts, invites sent, ratings, sign-in buttons)
    if config.structure and classifier is not None:
        marks = short_line_marks(units, norms)
        for i in activity_widgets(units, norms, dec, marks[0]):
            dec[i] = Decision(False, "structure", "widget", dec[i].score)

    # the posting's tail: sign-offs and the contact card for questions, decided as blocks,
    # and a board's card of the company (its heading, facts and profile text)
    if config.structure and classifier is not None:
        dec.update(tail_blocks(units, norms, dec, lines))
        for i in company_cards(units, norms, dec, marks[1]):
            dec[i] = Decision(False, "structure", "company-card", dec[i].score)
        for i in navigation_blocks(units, norms, dec, marks[2]):
            dec[i] = Decision(False, "structure", "navigation", dec[i].score)

    # the job's own requirements stated after its duties (work authorisation, visa,
    # residence, clearance, the deadline) stay where the classifier read them as tail
    if config.structure and classifier is not None:
        dec.update(requirement_lines(units, norms, dec, lines))

    # a sentence a page's links split over short lines ("More about" / "our mission" / "and"
    # / "what we offer" / ".") is one line to the rules: a drop rule on the joined text drops it
    if config.structure and classifier is not None:
        for i, d in split_sentences(lines, units, dec, rules, site).items():
            dec[i] = d

    # a heading whose section the filter dropped whole goes with it (a line whose first
    # sentence a segment rule drops goes whole: the segment stage below drops the rest with it)
    if config.structure and classifier is not None:
        seen = dec | boilerplate_openers(lines, units, norms, dec, rules, site) if config.segments else dec
        for i in empty_headings(units, norms, seen, lines):
            dec[i] = Decision(False, "structure", "empty-heading", dec[i].score)
        # a line of no word (",", "•", a mojibake space) goes with the lines round it
        for i, keep in wordless_lines(units, norms, dec).items():
            dec[i] = Decision(keep, "structure", "wordless", dec[i].score)

    # 5. segments: trim noise parts of kept lines
    budget.check("segments")
    results = list(map(LineResult, range(n), lines, map(dec.get, range(n))))
    if config.segments and rules.has_segment_rules(site):
        # fields (" · ") are always checked; sentences only when a segment rule matches
        # somewhere in the line (anchored field rules cannot match the whole line)
        need = rules.segment_cache(site)
        for i in units:
            if not dec[i].keep:
                continue
            text = lines[i]
            v = need.get(text)
            if v is None:
                v = _FIELD_SEP.search(text) is not None or rules.may_match_segment(text, site)
                if len(need) >= CACHE_ENTRIES:
                    need.clear()
                need[text] = v
            if v:
                _segment_line(results[i], rules, site)
    result = FilterResult(posting, results, rules.version,
                          classifier.version if classifier is not None else "",
                          list(posting.warnings))
    _check_kept_share(result, config, norms)
    return result



_MISSING = Decision(False, "missing")

#: a run of short lines decided as one holds at least this many lines the classifier scored
RUN_LINES = 6
#: a short line of such a run: this many words at most, no sentence or label ending
_RUN_WORDS = 4
_RUN_END = re.compile(r"[.!?:;,：。！？]\W*$")


def short_line_runs(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                    scores: Mapping[int, float], threshold: float = 0.5,
                    page_title: str = "") -> dict[int, Decision]:
    """A run of short lines (four words or fewer, no sentence or label ending: a menu, a
    list of skill tags, a list of industries) is decided as one: the mean logit of the
    lines the classifier scored in it decides every one of them, so a menu is not kept
    line by line where its words look like content, nor a skills list cut in two. Lines a
    rule decided stay as they are and neither vote nor break the run; a longer line, a
    line of sentence ending, or a line the page title names (the job's title, which opens
    its header block after a sidebar of short lines), ends it. Returns the decisions the run turned around
    (``classifier:<score> run:keep`` / ``run:drop``).

    >>> ls = ["Industries", "Automotive", "Energy", "Retail", "Utilities", "Banking", "Travel",
    ...       "We build data pipelines for the whole company every single day."]
    >>> p = {0: 0.2, 1: 0.3, 2: 0.55, 3: 0.2, 4: 0.1, 5: 0.6, 6: 0.3, 7: 0.9}
    >>> d = {i: Decision(v >= 0.5, "classifier", "", v) for i, v in p.items()}
    >>> sorted((i, x.keep) for i, x in short_line_runs(list(range(8)), {i: x.lower() for i, x in enumerate(ls)}, d, p).items())
    [(2, False), (5, False)]
    """
    out: dict[int, Decision] = {}
    t = _logit(threshold)
    n = len(units)
    k = 0
    while k < n:
        run: list[int] = []
        j = k
        while j < n:
            i = units[j]
            norm = norms[i]
            w = word_count(norm)
            if w == 0 or w > _RUN_WORDS or _RUN_END.search(norm) is not None or (
                    page_title and len(norm) >= 3 and norm in page_title):
                break
            if i in scores and (d := dec.get(i)) is not None and d.source == "classifier":
                run.append(i)
            j += 1
        if len(run) >= RUN_LINES:
            z = sum(_logit(scores[i]) for i in run) / len(run)
            keep = z >= t
            for i in run:
                d = dec[i]
                if d.keep != keep:
                    out[i] = Decision(keep, "classifier", "run:keep" if keep else "run:drop", d.score)
        k = j + 1
    return out


#: a board's widgets beside the header (a line of their own): resume match and keyword counts,
#: "be one of the first applicants", how well you fit, estimated pay, carousel slides; and
#: logos and image captions a capture kept as text ("Acme logo", "Company Logo")
_WIDGET = re.compile(
    # match widgets: resume match, keyword counts
    r"(?:(?:resume|cv|profile|skills?) match(?: score)?"
    r"|\d+ (?:of|out of|von|sur|de|di|van|av|z) \d+ (?:keywords?|skills?|schlüsselwörtern?|fähigkeiten"
    r"|kompetenzen|mots-clés|compétences|palabras clave|habilidades|parole chiave|competenze|trefwoorden"
    r"|vaardigheden|palavras-chave)(?: match(?:ed|es)?)?"
    # be one of the first applicants
    r"|(?:be|become) (?:one of|among) the first(?: \d+)? applicants"
    r"|sei (?:eine[rn]? der|unter den) ersten(?: \d+)? bewerber(?:innen|\*innen|:innen)?"
    r"|soyez (?:parmi les premiers|l.un des premiers)(?: \d+)? candidats"
    r"|sé (?:uno|una) de los primeros(?: \d+)? (?:candidatos|solicitantes|postulantes)"
    r"|sii tra i primi(?: \d+)? candidati|wees (?:een van de|bij de) eerste(?: \d+)? sollicitanten"
    r"|seja (?:um|uma) dos primeiros(?: \d+)? candidatos|كن (?:ضمن|من|بين) (?:أول|أوائل)\b.{0,30}"
    # how well do you fit
    r"|passt (?:dieser job zu mir|die stelle zu mir|weniger|gut|sehr gut|hervorragend|nicht|teilweise)\??"
    r"|(?:is this job (?:a (?:good )?(?:fit|match) )?for me|how (?:well )?do you (?:match|fit))\??"
    r"|prüfe vor deiner bewerbung\b.{0,100}|check (?:before you apply )?(?:whether|if) you meet\b.{0,100}"
    # a carousel, a salary's median
    r"|slide (?:number )?\d+(?: (?:of|von|sur|de) \d+)?|/\s*(?:yr|year|mo|month|hr|hour) median"
    # logos and image captions
    r"|(?:company |employer |firmen|unternehmens|arbeitgeber)?logo|company branding image"
    r"|(?:logo|logotipo|logotyp) (?:de|von|of|di|van|do|da) .{1,100})$"
)
#: the first words of those widgets (a line starting with a digit or a slash is tried too)
_WIDGET_FIRST = frozenset({
    "resume", "cv", "profile", "skill", "skills", "be", "become", "sei", "soyez", "sé", "sii", "wees", "seja",
    "كن", "passt", "is", "how", "prüfe", "check", "slide", "company", "employer", "firmenlogo",
    "unternehmenslogo", "arbeitgeberlogo", "logo", "logotipo", "logotyp"})
#: a salary the board estimated, not the employer's: "£50K - £78K (Glassdoor Est.)"
_ESTIMATE = re.compile(r"\((?:[\w.]+ )?est(?:\.|imated|imate)\)$"
                       r"|\((?:geschätzt|estimée?s?|estimado|stimat[oa]|geschat)\b[^)]{0,40}\)$")
#: a logo's caption: "Acme logo"
_LOGO_END = (" logo", " logotype", " logotipo", " logotyp", " logó", " логотип")
#: a widget line has at most this many words and characters
_WIDGET_WORDS = 16
_WIDGET_CHARS = 200


def header_widgets(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision]) -> list[int]:
    """Lines no rule decided that are a job board's widgets or a logo: a match widget
    ("Resume Match", "5 of 13 keywords", "Sei einer der ersten Bewerber", "Passt
    hervorragend"), a salary estimate ("£50K - £78K (Glassdoor Est.)"), a carousel's
    "slide number 1", a logo's caption ("Acme logo"). They go (``structure:widget``)
    whatever the classifier made of them; the lines still teach the classifier (a rule
    would take them out of its training set, and with them the content-looking chrome
    it learns from).

    >>> ls = ["Acme logo", "Data Engineer", "Resume Match", "5 of 13 keywords", "Be one of the first applicants"]
    >>> header_widgets(list(range(5)), {i: x.lower() for i, x in enumerate(ls)}, {})
    [0, 2, 3, 4]
    """
    out: list[int] = []
    for i in units:
        norm = norms[i]
        first = norm[:norm.find(" ")] if " " in norm else norm
        if len(norm) > _WIDGET_CHARS or not (
                ((first in _WIDGET_FIRST or first[:1].isdigit() or first[:1] == "/") and _WIDGET.match(norm) is not None) or norm.endswith(_LOGO_END) or "job match score" in norm
                or (norm.endswith(")") and _ESTIMATE.search(norm) is not None)):
            continue
        d = dec.get(i)
        if (d is None or d.source != "rule") and word_count(norm) <= _WIDGET_WORDS:
            out.append(i)
    return out


#: "you are here" over a breadcrumb trail (a line of its own, or the trail after its colon)
_YOU_ARE_HERE = re.compile(
    r"(?:you are here|sie sind hier|vous êtes ici|vous êtes sur|usted está aquí|está aquí|estás aquí|ti trovi (?:in|qui)"
    r"|sei qui|u bent hier|je bent hier|você está aqui|du är här|du er her|olet tässä|olet täällä|jesteś tutaj|jesteś tu"
    r"|nacházíte se|nachádzate sa|вы здесь|вы находитесь|ви тут|ви знаходитесь|ви тут знаходитесь|現在位置|現在地|当前位置"
    r"|您的位置|您现在的位置|vị trí của bạn|bạn đang ở|أنت هنا|breadcrumbs?|brotkrümelnavigation|fil d.ariane"
    r"|ruta de navegación|percorso di navigazione|kruimelpad)(?:(?:\s*[:：»›>]|\s)\s*(?P<trail>.*))?$")
#: a breadcrumb trail: three parts or more between these separators
_CRUMB_SEP = re.compile(r"\s(?:>|›|»|>>)\s")
#: a site's navigation word alone on a line above the header: its careers section, its job
#: list, the kind of page ("Stellenangebot", "Karriär", "Job"), a call to find other jobs
_NAV_LINES = frozenset({
    "job", "jobs", "job offer", "job offers", "job opening", "job openings", "open positions", "open roles",
    "vacancy", "vacancies", "careers", "career", "careers home", "job search", "find jobs", "search jobs",
    "find a job", "find a new job", "all jobs", "job listings", "current openings", "current vacancies",
    "work with us", "join us", "join our team",
    "karriere", "stellenangebot", "stellenangebote", "offene stellen", "stellenanzeige", "jobangebot", "jobbörse",
    "jobsuche", "aktuelle stellen", "jobs finden", "stellensuche",
    "carrière", "carrières", "offre d'emploi", "offres d'emploi", "offre d’emploi", "offres d’emploi", "emplois",
    "nous rejoindre", "rejoignez-nous", "trouver un emploi",
    "empleo", "empleos", "oferta de empleo", "ofertas de empleo", "trabaja con nosotros", "carreras", "buscar empleo",
    "carriera", "carriere", "lavora con noi", "offerte di lavoro", "offerta di lavoro", "posizioni aperte",
    "vacature", "vacatures", "werken bij", "vind een baan", "vacatures zoeken",
    "carreira", "carreiras", "vaga", "vagas", "trabalhe conosco", "oportunidades",
    "karriär", "lediga jobb", "lediga tjänster", "jobba hos oss", "hitta jobb",
    "ura", "työpaikat", "avoimet työpaikat", "avoimet paikat", "löydä uusi työpaikka", "hae työpaikkoja",
    "ledige stillinger", "ledige stillingar", "kariera", "oferty pracy", "oferta pracy", "praca",
    "kariéra", "volné pozice", "voľné pozície", "ponuky práce", "pracovné ponuky", "nabídky práce",
    "вакансии", "вакансия", "карьера", "вакансії", "вакансія", "кар'єра", "кар’єра",
    "採用情報", "求人", "求人情報", "キャリア", "招聘", "职位", "加入我们", "社会招聘", "校园招聘",
    "الوظائف", "وظائف", "الوظائف الشاغرة", "tuyển dụng", "việc làm", "cơ hội nghề nghiệp",
})
#: a board's widget beside the header: how soon the employer answers ("We usually reply within
#: 3 days", "Nous répondons généralement sous 3 jours") and a list's hidden items ("+2 more")
_HEADER_WIDGET = re.compile(
    r"(?:(?:we |the employer |the recruiter )?(?:usually|typically|normally|generally) (?:reply|replies|respond|responds"
    r"|answer|answers) (?:within|in) (?:\d+|an?|one|two|three|a few) (?:hours?|days?|weeks?)"
    r"|(?:nous )?(?:répondons|répond) (?:généralement|habituellement|normalement|en général) (?:sous|en|dans les) \d+"
    r" (?:heures?|jours?|semaines?)"
    r"|(?:wir )?(?:antworten|antwortet) (?:in der regel|normalerweise|meist|üblicherweise) (?:innerhalb (?:von )?|in )"
    r"\d+ (?:stunden|tagen?|wochen?)"
    r"|(?:normalmente|generalmente|habitualmente|geralmente|di solito) (?:respondemos|responde|rispondiamo) (?:en|em|entro|in)"
    r" \d+ (?:horas?|días?|dias?|semanas?|ore|giorni|settimane)"
    r"|(?:we |wij )?(?:reageren|antwoorden) (?:meestal|doorgaans|gewoonlijk) binnen \d+ (?:uur|dagen|weken)"
    r"|(?:vi )?svarar (?:vanligtvis|oftast|normalt) inom \d+ (?:timmar|dagar|veckor)"
    r"|vastaamme (?:yleensä|tavallisesti) \d+ (?:tunnin|päivän|viikon) (?:kuluessa|sisällä)"
    r"|\+\s?\d+ (?:more|weitere|autres?|más|altri|altre|meer|mais|fler|lisää|więcej|další|ďalšie|ещё|еще))\W*$")
#: a board's tab or widget heading that stands over the header's copy, not over facts of its own
_TAB_LINES = frozenset({
    "job details", "details", "the job", "application", "overview", "job overview", "job information",
    "job info", "position details", "vacancy details", "role details",
    "jobdetails", "stellendetails", "details zur stelle", "die stelle", "bewerbung", "übersicht",
    "détails du poste", "détails de l'offre", "détails de l’offre", "le poste", "l'offre", "l’offre", "candidature",
    "detalles del empleo", "detalles del puesto", "el empleo", "solicitud", "dettagli del lavoro",
    "dettagli dell'offerta", "dettagli dell’offerta", "candidatura", "vacaturedetails", "functiedetails",
    "de vacature", "sollicitatie", "detalhes da vaga", "a vaga", "jobbdetaljer", "tjänstedetaljer", "ansökan",
})
#: a tab heading that names the job: "Job details for Data Engineer at Acme"
_TAB_NAMING = ("job details for ", "details for ", "stellendetails für ", "détails du poste pour ",
               "detalles del empleo para ", "vacaturedetails voor ")
_NAV_EDGE = " .,;:!?·•|-–—()[]\"'»›>"


def header_chrome(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision]) -> list[int]:
    """Lines of the site's navigation over the header that the classifier kept: before
    the body (the first kept line of prose), a "you are here" line and the breadcrumb
    trail it introduces ("You are here:" / "Home Careers Jobs Students"), a trail of
    three parts or more between ">" or "»", a navigation word alone on its line
    ("Careers", "Stellenangebot", "Karriär", "Löydä uusi työpaikka"), and a board's tab
    or widget heading with nothing of its own under it ("Job details", "The job",
    "Application", "Job details for Data Engineer at Acme"): the lines under it, past
    the ones a rule dropped (an "Apply" button), are another such tab, or a heading over
    prose ("About Acme", "Job description"). Returns the lines that go
    (``structure:header-chrome``); a line a rule decided stays as it is.

    >>> ls = ["Menu", "You are here:", "Home Careers Students", "Careers", "Data Engineer", "Acme, Berlin",
    ...       "Job details", "Apply", "About Acme",
    ...       "Acme builds the data pipelines that power our customers' reports, in Python and SQL, every day."]
    >>> d = {i: Decision(True, "classifier", "", 0.8) for i in range(10)}
    >>> d.update({0: Decision(False, "rule", "button"), 7: Decision(False, "rule", "button")})
    >>> header_chrome(list(range(10)), {i: x.lower() for i, x in enumerate(ls)}, d)
    [1, 2, 3, 6]
    """
    n = len(units)
    out: list[int] = []
    tabs: list[int] = []
    body = -1
    for k in range(n):
        i = units[k]
        d = dec.get(i)
        if d is None:
            continue
        if body >= 0:
            break
        norm = norms[i]
        if d.source != "classifier":
            if d.keep and d.source != "rule" and word_count(norm) >= _BODY_WORDS:
                body = k
            continue
        if len(norm) > _WIDGET_CHARS:
            if d.keep and word_count(norm) >= _BODY_WORDS:
                body = k
            continue
        bare = norm.strip(_NAV_EDGE)
        if bare in _TAB_LINES or bare.startswith(_TAB_NAMING):
            tabs.append(k)  # a dropped tab too: the header block must not take it back
            continue
        nw = word_count(norm)
        if d.keep and nw >= _BODY_WORDS:
            body = k
            continue
        at = bare.find(" ")
        first = bare if at < 0 else bare[:at]
        if (first in _REPLY_FIRST or first[:1] == "+") and _HEADER_WIDGET.match(norm) is not None:
            out.append(i)  # a dropped one too, for the same reason
            continue
        if not d.keep:
            continue
        here = _YOU_ARE_HERE.match(bare) if first.rstrip(":：") in _HERE_FIRST or first[:4] in _HERE_FIRST \
            or first[:3] in _HERE_FIRST else None
        if here is not None and not ((trail := here.group("trail")) and (
                word_count(trail) > _WIDGET_WORDS or _HEADING_END.search(trail) is not None)):
            out.append(i)
            if not trail and k + 1 < n and (dn := dec.get(units[k + 1])) is not None and dn.keep \
                    and dn.source == "classifier" and word_count(norms[units[k + 1]]) <= _WIDGET_WORDS \
                    and _HEADING_END.search(norms[units[k + 1]]) is None:
                out.append(units[k + 1])  # the trail on the line under it
            continue
        if bare in _NAV_LINES or (("›" in norm or ">" in norm or "»" in norm) and nw <= _WIDGET_WORDS
                                  and len(_CRUMB_SEP.findall(norm)) >= 2):
            out.append(i)
    if body >= 0:
        # a board's tabs under a summary line of prose, when the description's heading
        # follows them closely (looked for in C: most postings have no such heading there)
        window = units[body + 1:body + _COPY_GAP]
        if _DESCRIPTION_HEADING in map(_RULE_OF, filter(None, map(dec.get, window))):
            for k in range(body + 1, body + _COPY_GAP):
                d = dec[units[k]]
                if d.keep and d.rule == _DESCRIPTION_HEADING:
                    break
                if d.source == "classifier" and norms[units[k]].strip(_NAV_EDGE) in _TAB_LINES:
                    tabs.append(k)
    if not tabs:
        return sorted(set(out))

    def next_line(k: int) -> int:
        """The next unit after ``k`` that no rule dropped (n when none)."""
        m = k + 1
        while m < n and (d := dec.get(units[m])) is not None and not d.keep and d.source == "rule":
            m += 1
        return m

    # a tab heading goes when what follows it is another tab, a description heading a
    # rule kept, or a short heading over prose: nothing of its own
    gone: set[int] = set()
    for k in reversed(tabs):
        m = next_line(k)
        if m >= n:
            continue
        d = dec.get(units[m])
        nxt = next_line(m)
        if m in gone or (d is not None and d.keep and d.source == "rule" and d.rule == _DESCRIPTION_HEADING) or (
                word_count(norms[units[m]]) <= _HEADING_WORDS and _HEADING_END.search(norms[units[m]]) is None
                and m not in tabs and nxt < n and (dn := dec.get(units[nxt])) is not None and dn.keep
                and word_count(norms[units[nxt]]) >= _PROSE_WORDS):
            gone.add(k)
    out.extend(units[k] for k in gone)
    return sorted(set(out))


_RULE_OF = operator.attrgetter("rule")
#: the first words of a "you are here" line (and the first characters of a Chinese or Japanese one)
_HERE_FIRST = frozenset({
    "you", "sie", "vous", "usted", "está", "estás", "ti", "sei", "u", "je", "você", "du", "olet", "jesteś",
    "nacházíte", "nachádzate", "вы", "ви", "vị", "bạn", "أنت", "breadcrumb", "breadcrumbs", "brotkrümelnavigation",
    "fil", "ruta", "percorso", "kruimelpad", "現在位置", "現在地", "当前位置", "您的位置", "您现在的"})
#: the first words of the widgets that say how soon the employer answers
_REPLY_FIRST = frozenset({
    "we", "the", "usually", "typically", "normally", "generally", "nous", "répondons", "répond", "wir", "antworten",
    "antwortet", "normalmente", "generalmente", "habitualmente", "geralmente", "di", "wij", "reageren", "antwoorden",
    "vi", "svarar", "vastaamme"})


#: a front-matter field: "company: Acme", "job_title: Data Engineer"
_FIELD = re.compile(r"^\s*[A-Za-z_][\w -]{0,30}:(?:\s.*)?$")
#: the fields that hold the job's title: the one field a posting keeps
_TITLE_FIELDS = frozenset({"title", "role", "position", "job", "job title", "job_title", "jobtitle", "job-title",
                           "position title", "position_title"})
#: a front matter is closed within this many lines
_FRONT_LINES = 30


def paste_template(lines: list[str], units: list[int], dec: Mapping[int, Decision]) -> list[int]:
    """The template a text posting was pasted into, not the posting: a front matter at
    its very start (a "---" line, "key: value" fields, a closing "---") and the HTML
    comment that opens the posting or follows its front matter ("<!-- Paste the job
    description below this line -->", over one line or several). The delimiters, the comments and the fields go (``structure:front-matter``), but a
    field that holds the job's title ("title:", "role:") is the posting's title line and
    stays; a line a keep rule kept stays too. Only a comment that closes within a few
    lines counts, so no body line goes with one left open.

    >>> ls = ["---", "company: Acme", "role: Data Engineer", "---", "",
    ...       "<!-- Paste the job description below. -->", "We build data pipelines."]
    >>> paste_template(ls, [0, 1, 2, 3, 5, 6], {})
    [0, 1, 3, 5]
    """
    out: list[int] = []
    n = len(units)
    if n > 2 and lines[units[0]].strip() == "---":
        for k in range(1, min(n, _FRONT_LINES)):
            text = lines[units[k]]
            if text.strip() == "---":
                out.append(units[0])
                out.append(units[k])
                for m in range(1, k):
                    key = lines[units[m]].split(":", 1)[0].strip().casefold()
                    if key not in _TITLE_FIELDS:
                        out.append(units[m])
                break
            if _FIELD.match(text) is None:
                break
    # a template's instructions open its head: a comment on its first line, or on the
    # line right under its front matter
    k = units.index(out[1]) + 1 if out else 0
    head = k + 1 if k < n and lines[units[k]].startswith("<!--") else k
    while k < head:
        text = lines[units[k]]
        if not text.startswith("<!--"):
            k += 1
            continue
        end = next((m for m in range(k, min(n, k + _CARD_LINES)) if "-->" in lines[units[m]]), None)
        if end is None or lines[units[end]].split("-->", 1)[1].strip():
            k += 1
            continue
        out.extend(units[k:end + 1])
        k = end + 1
    return sorted(i for i in out if not ((d := dec.get(i)) is not None and d.keep and d.source == "rule"))


#: the "any" option of a search form's facet
_ANY_OPTION = frozenset({"any", "all", "alle", "tous", "toutes", "todos", "todas", "tutti", "tutte", "kaikki",
                         "alla", "allemaal", "wszystkie", "все", "любой", "всі", "будь-який", "すべて", "全部",
                         "不限", "الكل", "tất cả"})
#: a run of options: at least this many dropped short lines, and this many times the kept ones
_FORM_DROPPED = 4
_FORM_SHARE = 2
#: a menu item the classifier dropped with a score below this
_FORM_SURE = 0.1


def filter_forms(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                 rules: RuleSet) -> list[int]:
    """Job facts a keep rule kept inside a search or filter form: the options of one
    facet ("Job Type / Any / Permanent / Contract / Part Time") or a work type among a
    menu's items ("Graduate / Professional / Executive"). Within a run of short lines
    (four words or fewer, no sentence or label ending, no blank line between), the bare values a keep rule
    kept (an exact rule's value, a line a job-attribute section kept) are options when
    the run holds an "any" option beside two of them, or when the run's other lines
    are mostly menu items the classifier is sure of (at least four lines it scored
    below 0.1, twice the kept ones). Returns those lines: they
    go with their form (``structure:filter-form``).

    >>> from jdreview.filter.rules import Rule
    >>> rs = RuleSet([Rule("work-type", "exact", ("permanent", "contract", "part time"), "keep")])
    >>> ls = ["Job Type", "Any", "Permanent", "Contract", "Part Time", "Find jobs now"]
    >>> d = {i: Decision(False, "classifier", "", 0.1) for i in range(6)}
    >>> d.update({i: Decision(True, "rule", "work-type") for i in (2, 3, 4)})
    >>> filter_forms(list(range(6)), {i: x.lower() for i, x in enumerate(ls)}, d, rs)
    [2, 3, 4]
    """
    n = len(units)
    values_at = [k for k in range(n) if (d := dec.get(units[k])) is not None and d.keep and d.source == "rule"
                 and (r := rules.get(d.rule)) is not None and r.kind in ("exact", "section")]
    out: list[int] = []
    done = -1
    for v in values_at:
        if v <= done or not _form_short(norms[units[v]]):
            continue
        lo = v  # the run of short lines around the value, no blank line between
        while lo > 0 and units[lo - 1] == units[lo] - 1 and _form_short(norms[units[lo - 1]]):
            lo -= 1
        hi = v
        while hi + 1 < n and units[hi + 1] == units[hi] + 1 and _form_short(norms[units[hi + 1]]):
            hi += 1
        done = hi
        values = [k for k in values_at if lo <= k <= hi]
        dropped = kept = 0
        anys = False
        for k in range(lo, hi + 1):
            i = units[k]
            d = dec.get(i)
            if d is None:
                continue
            if not d.keep:
                # a menu's items: lines the classifier is sure of (a rule's or a
                # structural drop may be a wrong one: a fact list taken for links)
                dropped += d.source == "classifier" and d.score is not None and d.score < _FORM_SURE
            elif k not in values:
                kept += 1
            if norms[i].strip(_FORM_EDGE) in _ANY_OPTION:
                anys = True
        if (anys and len(values) >= 2) or (dropped >= _FORM_DROPPED and dropped >= _FORM_SHARE * (len(values) + kept)):
            out.extend(units[k] for k in values)
    return out


def _form_short(norm: str) -> bool:
    w = word_count(norm)
    return 0 < w <= _RUN_WORDS and _RUN_END.search(norm) is None


_FORM_EDGE = " .,;:!?·•|-–—()[]\"'"


#: job facts on a short line of the header: pay (a currency by a number, lakhs, thousands, a rate), a
#: posting date, a deadline
_FACT = re.compile(r"(?:[$€£¥₹]\s?\d|\d\s?[$€£¥₹]|\b(?:usd|eur|gbp|chf|cad|aud|inr|sek|nok|dkk|pln|jpy)\s?\d"
                   # pay without a currency: Indian lakhs ("5-15 Lacs P.A.", "12 LPA"), thousands
                   # ("50k - 60k"), an hourly or yearly rate ("15.50 per hour", "18/hr", "30,000 per annum")
                   r"|\d\s*(?:lacs?|lakhs?|lpa|crores?)\b|\d\s?k\s*(?:[-–—]|to)\s*[$€£¥₹]?\s?\d+(?:[.,]\d+)?\s?k\b"
                   r"|\d[\d,.]*\s*(?:/\s?|per\s|an?\s)(?:hour|hr|annum|yr)\b"
                   r"|\b(?:posted|updated|reposted|published)\s*(?:on\s*|:\s*)?(?:\d|today|yesterday|an?\s)"
                   r"|\b(?:\d+\+?|an?|one)\s+(?:minutes?|hours?|days?|weeks?|months?)\s+ago\b"
                   r"|\bvor\s+(?:\d+|einem|einer)\s+(?:minuten?|stunden?|tag(?:en)?|wochen?|monat(?:en)?)\b"
                   r"|\bil y a\s+\d+\s+(?:minutes?|heures?|jours?|semaines?|mois)\b"
                   r"|\bhace\s+\d+\s+(?:minutos?|horas?|días?|semanas?|meses?)\b"
                   r"|\b\d+\s+(?:minuti|ore|giorni|settimane|mesi)\s+fa\b"
                   r"|\b\d+\s+(?:minuten|uur|dagen|weken|maanden)\s+geleden\b"
                   # a deadline or a publishing date with its date
                   r"|\b(?:apply (?:before|by)|closing date|closes(?: on)?|application deadline|deadline|bewerbungsfrist"
                   r"|bewerben bis|haku päättyy|hakuaika päättyy|viim\. hakupvm|date limite|fecha límite|scadenza"
                   r"|sluitingsdatum|sista ansökningsdag)\b[^.!?]{0,40}\d"
                   r"|\b(?:published|veröffentlicht|erschienen|publié|publicado|pubblicato|gepubliceerd|julkaistu"
                   r"|publicerad)\s*(?:on|am|le|el|il|op)?\s*[:：]?\s*\d)")
#: what a line of no digit must hold to be a fact of :data:`_FACT` (the others want a digit)
_FACT_WORDS = ("posted", "updated", "published", "ago", "vor")


def _may_be_fact(norm: str) -> bool:
    """Whether :data:`_FACT` can match ``norm`` at all: every alternative of it but
    the posting dates ("posted today", "a day ago", "vor einem Tag") needs a digit
    (``\\d``), so a line of neither is no fact (one scan for a digit and a few
    substring checks, where the pattern tries its every alternative at every position).

    >>> _may_be_fact("£30,000 a year"), _may_be_fact("posted today"), _may_be_fact("data engineer")
    (True, True, False)
    """
    return _DIGIT.search(norm) is not None or any(w in norm for w in _FACT_WORDS)


#: header lines are short: a title, a company, a place, a fact
_HEADER_WORDS = 12
#: the fact lines of one header block lie this close (lines the classifier scored between them)
_HEADER_GAP = 2
#: the body starts at the first kept line of this many words
_BODY_WORDS = 10
#: a repeated header's first copy lies this close above it (so the block is this short)
_COPY_GAP = 8


def header_block(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                 rules: RuleSet, site: str = "") -> list[int]:
    """The header block, found without a page title: before the body (the first kept
    line of prose), the first cluster of job-fact lines (a line a keep rule kept, the
    work type named on a short line, pay, a posting date) and the first copy of a
    repeated header block, with the title line right above the cluster (and the short
    lines between its facts that end no sentence). Returns the
    short lines of that block the classifier dropped: they are kept with it
    (``classifier:<score> header``).

    >>> from jdreview.filter.rules import Rule
    >>> rs = RuleSet([Rule("work-type", "exact", ("remote", "contract"), "keep")])
    >>> ls = ["Menu", "Apply", "Data Engineer", "Remote • Posted 3 days ago", "Contract W2", "Remote",
    ...       "USD $100,000 - 150,000 per year", "Company Logo",
    ...       "We build data pipelines for the whole company every single day, in Python."]
    >>> d = {i: Decision(False, "classifier", "", 0.1) for i in range(9)}
    >>> d.update({1: Decision(False, "rule", "button"), 5: Decision(True, "rule", "work-type"),
    ...           8: Decision(True, "classifier", "", 0.9)})
    >>> header_block(list(range(9)), {i: x.lower() for i, x in enumerate(ls)}, d, rs)
    [2, 3, 4, 6]
    """
    n = len(units)
    # the body: the first kept line of prose (a keep rule's fact line or a line of pay and
    # dates, however long, is the header's: "Markham, ON · 5 days ago · 100 people clicked apply")
    body = n
    for k in range(n):
        d = dec.get(units[k])
        if d is None or not d.keep or d.source == "rule":
            continue
        nw = word_count(norms[units[k]])
        if nw >= _BODY_WORDS and (nw > _HEADER_WORDS or _FACT.search(norms[units[k]]) is None):
            body = k
            break
    wt = rules.get("work-type")
    kinds = tuple(wt.pattern) if wt is not None and wt.kind == "exact" and wt.action == "keep" else ()
    kinds_at = _phrases_pattern(kinds) if kinds else None
    scored = [(d := dec.get(i)) is not None and d.source == "classifier" for i in units]
    # a label ("Location:") and its value are one fact: the label adds nothing to a gap
    gap = [scored[k] and not (_LABEL_END.search(norms[units[k]]) is not None
                              and word_count(norms[units[k]]) <= _LABEL_WORDS) for k in range(body)]
    fact = [False] * body
    first_copy: set[int] = set()
    pos: dict[str, int] = {}
    seen: dict[str, int] = {}
    for k in range(body):
        i = units[k]
        norm = norms[i]
        d = dec.get(i)
        nw = word_count(norm)
        if d is not None and d.source == "structure" and d.rule == "repeated-header":
            j = pos.get(norm)
            if j is not None and k - j <= _COPY_GAP and seen[norm] == 1 and _KEY_WORD.search(norm):
                first_copy.add(j)
        pos.setdefault(norm, k)
        seen[norm] = seen.get(norm, 0) + 1
        if d is None or nw == 0 or nw > _HEADER_WORDS:
            continue
        if d.source == "rule" and d.keep:
            fact[k] = True
        elif d.source == "classifier" and ((_may_be_fact(norm) and _FACT.search(norm) is not None) or (
                nw <= 5 and kinds_at is not None and kinds_at.search(norm) is not None)):
            fact[k] = True
    own = list(fact)  # facts of the line itself, not only a copy's first
    for k in first_copy:
        fact[k] = True
    ks = [k for k in range(body) if fact[k]]
    # the first cluster of facts with at most _HEADER_GAP scored lines between them that
    # holds a fact of its own (a copy alone is no header: a banner, a login prompt said twice)
    lo = hi = -1
    for k in ks:
        if lo >= 0 and sum(gap[hi + 1:k]) <= _HEADER_GAP:
            hi = k
            continue
        if lo >= 0 and any(own[lo:hi + 1]):
            break
        lo = hi = k
    if lo < 0 or not any(own[lo:hi + 1]):
        return []
    out = []
    # the title: the nearest line above the cluster that a rule did not decide
    t = lo - 1
    while t >= 0 and not scored[t] and dec.get(units[t]) is not None and dec[units[t]].source != "classifier":
        t -= 1
    # (a collector's line with the page's URL is no title)
    title = [t] if t >= 0 and scored[t] and word_count(norms[units[t]]) <= _HEADER_WORDS and \
        _HEADING_END.search(norms[units[t]]) is None and _URL.search(norms[units[t]]) is None else []
    for k in [*title, *range(lo, hi + 1)]:
        i = units[k]
        d = dec[i]
        if scored[k] and not d.keep and word_count(norms[i]) <= _HEADER_WORDS and _KEY_WORD.search(norms[i]) and (
                fact[k] or k in title or (lo < k < hi and _HEADING_END.search(norms[i]) is None)):
            out.append(i)
    return sorted(out)


#: a header name (the employer, a place) is a short line: this many spaced words at most
_NAME_WORDS = 6
#: ... that lies this close (in units) to a kept line of the header
_NAME_REACH = 3
#: a name of a caseless script (Japanese, Arabic) is this long at least
_NAME_CHARS = 4
#: a URL's slug: a path segment of this many words at least ("senior-data-engineer-berlin")
_SLUG_WORDS = 3
_SLUG_WORD = re.compile(r"[^\W_]+")
_URL = re.compile(r"https?://\S+")


def header_names(posting: Posting, units: list[int], norms: Mapping[int, str],
                 dec: Mapping[int, Decision]) -> list[int]:
    """Short lines of the header that name the job, the employer or the place, which
    the classifier or a link-list rule dropped: before the body starts (the first kept
    line of prose), at most :data:`_NAME_REACH` units from a kept short line of the
    header, no sentence nor label, with evidence that the page names the job by them:

    - the posting's own URL spells the line in its slug, a path segment of three words
      or more ("/job-listings-node-js-developer-neosoft-bengaluru-2-to-4-years-0806",
      "/job/Worthing/Senior-Business-Intelligence--BI--Engineer_JR8281"): the title,
      the company, the place;
    - the line (of :data:`_NAME_WORDS` spaced words at most, not all lowercase: a
      common word is no name) is said again inside the body's prose, letter case and
      whole words alike ("Mobysoft" over "Founded in 2003, Mobysoft provides ...",
      "Cambridge" over "... a day per week in our Cambridge office"); a name of two
      words or more also inside a longer kept line of the body (its "About <name>"
      heading). A name that is the site's own (its host) is no evidence.

    Returns the lines to keep (``structure:header-name``).

    >>> from jdreview.io.posting import Posting
    >>> ls = ["Sign in", "Data Engineer", "Mobysoft", "Apply now",
    ...       "Founded in 2003, Mobysoft provides data-based insight solutions to social housing clients across the UK."]
    >>> d = {0: Decision(False, "rule", "button"), 1: Decision(True, "classifier", "", 0.9),
    ...      2: Decision(False, "classifier", "", 0.2), 3: Decision(False, "rule", "button"),
    ...      4: Decision(True, "classifier", "", 0.98)}
    >>> header_names(Posting(ls), list(range(5)), {i: x.lower() for i, x in enumerate(ls)}, d)
    [2]
    """
    body = _body_start(units, norms, dec)
    lines = posting.lines
    cands: list[int] = []
    for k in range(min(body, len(units))):
        i = units[k]
        d = dec.get(i)
        if d is None or d.keep or not (d.source == "classifier" or (d.source == "structure" and d.rule == "link-list")):
            continue
        norm = norms[i]
        nw = word_count(norm)
        if nw == 0 or nw > _HEADER_WORDS or _RUN_END.search(norm) or _LABEL_END.search(norm):
            continue
        for m in range(max(0, k - _NAME_REACH), min(body, k + _NAME_REACH + 1)):
            dm = dec.get(units[m])
            if m != k and dm is not None and dm.keep and word_count(norms[units[m]]) <= _HEADER_WORDS:
                cands.append(i)
                break
    if not cands:
        return []
    # the posting's URL, or one a collector wrote on a first line ("... protected domain: https://...")
    url = posting.url or next((u.group() for line in lines[:units[min(2, len(units) - 1)] + 1]
                               if (u := _URL.search(line)) is not None), "")
    host, _, path = url.partition("//")[2].partition("/")
    host = host.casefold()
    slugs = [ws for seg in unquote(path.partition("?")[0]).casefold().split("/")
             if len(ws := _SLUG_WORD.findall(seg)) >= _SLUG_WORDS]
    kept = [i for i in units[body:] if (d := dec.get(i)) is not None and d.keep]
    prose = ""
    out = []
    for i in cands:
        words = lines[i].split()
        text = " ".join(words)
        if host and text.casefold().replace(" ", "") in host:
            continue
        if slugs and (ws := _SLUG_WORD.findall(text.casefold())) and any(
                slug[s:s + len(ws)] == ws for slug in slugs for s in range(len(slug) - len(ws) + 1)):
            out.append(i)
            continue
        if len(words) > _NAME_WORDS or (text == text.lower() and (text != text.upper() or len(text) < _NAME_CHARS)):
            continue  # a common word in lowercase, or a short caseless string
        if not prose:
            prose = "\n".join(lines[j] for j in kept if word_count(norms[j]) >= _BODY_WORDS)
        said = re.compile(r"(?<![^\W_])" + re.escape(text).replace(r"\ ", r"\s+") + r"(?![^\W_])")
        # a name of two words or more counts inside any kept line of the body (the
        # "About LMI Government Consulting" heading); one word only inside its prose
        if said.search(prose) or (len(words) > 1 and any(
                len(lines[j].split()) > len(words) and said.search(lines[j]) for j in kept)):
            out.append(i)
    return out


def _has_phrase(norm: str, phrase: str) -> bool:
    """``phrase`` occurs in ``norm`` as whole words: neither character beside it is
    alphanumeric (``str.isalnum``)."""
    at = norm.find(phrase)
    while at >= 0:
        end = at + len(phrase)
        if (at == 0 or not norm[at - 1].isalnum()) and (end == len(norm) or not norm[end].isalnum()):
            return True
        at = norm.find(phrase, at + 1)
    return False


@lru_cache(maxsize=16)
def _phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern whose ``search`` says whether any of ``phrases`` occurs as whole
    words, as :func:`_has_phrase` of each would (one pass over a line instead of a
    ``find`` loop per phrase). ``[^\\W_]`` is ``str.isalnum``: ``\\w`` is an
    alphanumeric character or the underscore.

    >>> bool(_phrases_pattern(("full time", "remote")).search("remote / hybrid"))
    True
    >>> bool(_phrases_pattern(("full time", "remote")).search("remoteness"))
    False
    """
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, phrases)) + r")(?![^\W_])")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))

_LABEL_END = re.compile(r"[:：]\s*$")
#: a label is a short line ending with a colon; its value the short line under it
_LABEL_WORDS = 4
_VALUE_WORDS = 8


#: a paragraph whose words are at least this share in lines a lexicon rule dropped is boilerplate
BOILERPLATE_SHARE = 0.5
#: a run of more lines than this without a blank line is no paragraph but a text whose
#: blocks are not separated (one line per block, as a copied page or a feed's description
#: gives them): boilerplate does not spread over it
PARAGRAPH_LINES = 4


def boilerplate_paragraphs(lines: list[str], units: list[int], norms: Mapping[int, str],
                           dec: Mapping[int, Decision], rules: RuleSet, site: str = "") -> dict[int, Decision]:
    """Undecided lines of paragraphs (runs of at most :data:`PARAGRAPH_LINES` lines between
    blank lines) that open with, or lie mostly (:data:`BOILERPLATE_SHARE` of their words) in, lines a rule
    dropped holding a cue of a lexicon drop rule: the rest of an EEO or privacy
    paragraph goes with it, under the lexicon rule's name (from the first such line
    on, when the paragraph does not open with one).

    >>> from jdreview.filter.rules import parse_rules
    >>> rs = parse_rules("schema = 1\\n[[rule]]\\nid = 'legal'\\nkind = 'lexicon'\\npattern = ['eeo']\\n")
    >>> ls = ["We are an equal opportunity employer and value a diverse workforce of all kinds.",
    ...       "Everyone is welcome here.", "", "You build pipelines."]
    >>> d = {0: Decision(False, "rule", "legal")}
    >>> sorted(boilerplate_paragraphs(ls, [0, 1, 3], {i: x.lower() for i, x in enumerate(ls)}, d, rs))
    [1]
    """
    out: dict[int, Decision] = {}
    k = 0
    n = len(units)
    while k < n:
        j = k + 1
        while j < n and units[j] == units[j - 1] + 1:
            j += 1  # no blank line between: one paragraph
        if 1 < j - k <= PARAGRAPH_LINES:
            words = dropped = 0
            by: Rule | None = None
            first = -1
            for m in range(k, j):
                i = units[m]
                w = word_count(norms[i])
                words += w
                d = dec.get(i)
                if d is not None and not d.keep and d.source == "rule":
                    r = rules.lexicon_rule(lines[i], site)
                    if r is not None:
                        dropped += w
                        if by is None:
                            by, first = r, m
            if by is not None and (first == k or dropped >= BOILERPLATE_SHARE * words):
                spread = Decision(False, "structure", by.id)
                # from the first boilerplate line on (a paragraph that opens with it goes whole)
                for m in range(first if first > k else k, j):
                    if units[m] not in dec:
                        out[units[m]] = spread
        k = j
    return out


#: a sign-off is a line of at most this many words holding a ``signoff`` cue; a contact
#: line, one of at most this many holding a ``contact_person`` cue
_SIGNOFF_WORDS = 40
_CONTACT_WORDS = 30
#: a line longer than this (in characters) holds more words than either
_TAIL_CHARS = 600
#: a contact card under a contact line: at most this many lines of at most this many words
_CARD_LINES = 8
_CARD_WORDS = 6
#: a card line holding an e-mail address, a phone number or a web address may be this long
_CARD_REF_WORDS = 12
_CONTACT_HEADING = re.compile(
    r"^\W*(?:contacts?|contact us|contact details|kontakt|kontakte|kontakty|kontaktai|kontaktdaten|contacto|"
    r"contactos|contatto|contatti|contato|contatos|yhteystiedot|yhteyshenkilö|kontaktuppgifter|контакты|"
    r"контакти|контактная информация|联系方式|联系我们|連絡先|お問い合わせ|お問合せ|اتصل بنا|معلومات الاتصال|"
    r"liên hệ|thông tin liên hệ)\W*$")
_CARD_REF = re.compile(r"\S@\S|\(at\)|https?://|\bwww\.|\+?\d[\d ()/.-]{6,}\d")
_SHOUT_END = re.compile(r"!\W*$")


def _body_start(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision]) -> int:
    """The position (into ``units``) of the first kept line of prose, where the body
    starts; ``len(units)`` when there is none."""
    return next((k for k, i in enumerate(units) if (d := dec.get(i)) is not None and d.keep
                 and word_count(norms[i]) >= _PROSE_WORDS), len(units))


def tail_blocks(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                lines: list[str] | None = None) -> dict[int, Decision]:
    """The tail of a posting, decided as blocks (issue 13 items 4-5): after the body
    starts (the first kept line of prose), a short line that signs off or urges to
    apply in general ("We look forward to hearing from you!", "Neugierig geworden?",
    "Tešíme sa na Teba!": the ``signoff`` cue of the lexicon) and a line that names the
    contact person for questions ("Kontakt:", "Hast du Fragen? ...", "Tiedusteluihin
    vastaa": a contact heading or the ``contact_person`` cue) go. A sign-off takes the
    sign-off lines and short exclamations right under it; a contact line takes its
    card: the short lines under it (a name, a title, a company), and lines with an
    e-mail address, a phone number or a web address (a line a rule dropped, such as a
    bare number, stays dropped and the card goes on). A block is bounded: a line a rule
    kept (a label or heading), a label line ("Gesellschaft:"), a heading over kept prose
    ("Über uns") or a longer line ends it.
    Only lines the classifier decided are turned (``structure:tail:signoff``,
    ``structure:tail:contact``).

    >>> ls = ["Data Engineer", "You will build and run the data pipelines in Python and SQL for our whole company, every day.",
    ...       "Contact:", "Jane Doe", "Recruiting Partner", "+49 30 1234567",
    ...       "We look forward to hearing from you!", "About us", "Acme makes things for people who make "
    ...       "things, in twelve countries and on four continents."]
    >>> d = {i: Decision(True, "classifier", "", 0.9) for i in range(9)}
    >>> sorted(tail_blocks(list(range(9)), {i: x.lower() for i, x in enumerate(ls)}, d))
    [2, 3, 4, 5, 6]
    """
    from .lexicon import cues

    n = len(units)
    body = _body_start(units, norms, dec)
    out: dict[int, Decision] = {}
    k = body + 1
    while k < n:
        i = units[k]
        norm = norms[i]
        if len(norm) > _TAIL_CHARS:  # no short line: not looked up
            k += 1
            continue
        # the line's own text, as the lexicon rule looked it up (its cues are cached)
        found = cues(lines[i]) if lines is not None else cues(norm)
        if _CONTACT_HEADING.match(norm):
            kind = "contact"
        elif not found or ("contact_person" not in found and "signoff" not in found):
            k += 1
            continue
        elif "contact_person" in found and word_count(norm) <= _CONTACT_WORDS:
            kind = "contact"
        elif "signoff" in found and word_count(norm) <= _SIGNOFF_WORDS:
            kind = "signoff"
        else:
            k += 1
            continue
        _turn(out, i, dec, kind)
        m = k + 1
        while m < n and m - k <= _CARD_LINES:
            j = units[m]
            dj = dec.get(j)
            if dj is None or dj.keep and dj.source not in ("classifier", "default"):
                break  # a line a rule kept (a label, a heading) is the body's
            if not dj.keep and dj.source != "classifier":
                m += 1  # a line a rule dropped (a phone number as a bare number) goes on dropped
                continue
            t = norms[j]
            wj = word_count(t)
            cj = cues(lines[j]) if lines is not None else cues(t)
            if "contact_person" in cj and wj <= _CONTACT_WORDS or "signoff" in cj and wj <= _SIGNOFF_WORDS:
                kind = "contact" if "contact_person" in cj else kind
            elif _LABEL_END.search(t):
                break  # a label line ("Gesellschaft:") opens the next fact
            elif kind == "contact" and (_CARD_REF.search(t) and wj <= _CARD_REF_WORDS or wj <= _CARD_WORDS):
                if m + 1 < n and (dn := dec.get(units[m + 1])) is not None and dn.keep \
                        and word_count(norms[units[m + 1]]) >= _PROSE_WORDS:
                    break  # a heading over kept prose ("About us")
            elif not (kind == "signoff" and wj <= _CARD_WORDS and _SHOUT_END.search(t)):
                break
            _turn(out, j, dec, kind)
            m += 1
        k = m
    return out


def short_line_marks(units: list[int], norms: Mapping[int, str]) -> tuple[list[int], list[int], list[int]]:
    """One pass over the short lines for the stages after the body: the positions (into
    ``units``) that may hold an activity widget, a company card's heading and a
    navigation heading, told by a line's first word or its first or last characters
    (each stage then tries its patterns on these few lines only).

    >>> short_line_marks([0, 1, 2], {0: "applicants: 100+", 1: "company info", 2: "reference links"})
    ([0], [1], [2])
    """
    act: list[int] = []
    card: list[int] = []
    nav: list[int] = []
    heads, digits, tails, tails2 = _MARK_HEADS, _DIGITS, _NAV_TAILS, _NAV_TAILS2
    # one comprehension over every unit; the few lines it lets through are looked at closer
    for k in [k for k, i in enumerate(units) if len(t := norms[i]) <= 60
              and (t[:2] in heads or t[:1] in digits or t[-3:] in tails or t[-2:] in tails2)]:
        norm = norms[units[k]]
        first = norm.partition(" ")[0].rstrip(":：")
        if first in _ACTIVITY_FIRST or first[:1].isdigit() or first.startswith(_ACTIVITY_PREFIX):
            act.append(k)
        if norm[:2] in _COMPANY_CARD_START:
            card.append(k)
        if len(norm) <= 40 and (norm[-3:] in tails or norm[-2:] in tails2):
            nav.append(k)
    return act, card, nav


#: the heading of a job board's card of the hiring company, in the corpus's languages and more
_COMPANY_CARD = re.compile(
    r"\W*(?:about (?:the )?(?:company|employer)|company (?:info|information|details|profile)|employer (?:info|profile)|"
    r"über (?:das unternehmen|den arbeitgeber|die firma)|unternehmensprofil|firmenprofil|arbeitgeberprofil|"
    r"à propos de (?:l'entreprise|l’entreprise|la société|l'employeur|l’employeur)|fiche entreprise|"
    r"acerca de la empresa|sobre la empresa|sobre a empresa|perfil de (?:la )?empresa|"
    r"informazioni sull'azienda|informazioni sull’azienda|profilo aziendale|over het bedrijf|bedrijfsprofiel|"
    r"om företaget|företagsprofil|tietoa yrityksestä|yrityksen tiedot|yritysprofiili|o spoločnosti|o společnosti|"
    r"o firmie|profil firmy|о компании|про компанію|关于公司|公司介绍|公司信息|会社概要|企業情報|会社情報|"
    r"عن الشركة|نبذة عن الشركة|về công ty|thông tin công ty)\W*$")
#: the first two characters such a heading can start with (most lines are not looked at further)
_COMPANY_CARD_START = frozenset({
    "ab", "co", "em", "üb", "un", "fi", "ar", "à ", "ac", "so", "pe", "in", "pr", "ov", "be", "om", "fö", "ti",
    "yr", "o ", "о ", "пр", "关于", "公司", "会社", "企業", "عن", "نب", "về", "th"})
#: a job board's widget inside such a card: a link to the board's company page, a follow button
_CARD_WIDGET = re.compile(
    r"\W*(?:(?:go to|view|see|visit) (?:the )?(?:company|employer)(?:'s|’s)? (?:profile|page)|"
    r"(?:zum )?(?:unternehmens|firmen|arbeitgeber)profil (?:ansehen|anzeigen)|voir (?:le )?profil de l'entreprise|"
    r"ver (?:el )?perfil de (?:la )?empresa|ver perfil da empresa|bekijk bedrijfsprofiel|"
    r"follow|folgen|suivre|seguir|segui|volgen)\W*$")
#: widget rules of the default set whose lines are a company card's facts (followers, headcount)
_CARD_RULES = frozenset({"company-widget", "job-board-widget"})
#: a company card is found within this many lines under its heading
_COMPANY_CARD_LINES = 12


def company_cards(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                  at: Sequence[int] | None = None) -> list[int]:
    """A job board's card of the hiring company after the body starts: a heading such as
    "About the company", "Company Info" or "Über das Unternehmen" with, within
    :data:`_COMPANY_CARD_LINES` lines under it, the board's widgets (a follower count or
    headcount a rule dropped, "Go to company profile", "Follow"). The guideline drops
    such cards (followers, ratings, the board's copy of the company's profile) and keeps
    the employer's own "about us" text, which comes with no such widget. The heading and
    the lines the classifier decided down to the card's last widget go
    (``structure:company-card``); a line a rule kept before the widget means no card.

    >>> ls = ["Data Engineer", "You will build and run the data pipelines in Python and SQL for our whole company, every day.",
    ...       "About the company", "Acme", "12,345 followers", "Follow", "Software Development", "About us",
    ...       "We are Acme and we make the tools that data teams use every day in twenty countries."]
    >>> d = {i: Decision(True, "classifier", "", 0.9) for i in range(9)}
    >>> d[4] = Decision(False, "rule", "company-widget")
    >>> company_cards(list(range(9)), {i: x.lower() for i, x in enumerate(ls)}, d)
    [2, 3, 5]

    ``at``: the positions (into ``units``) that may hold a heading (:func:`short_line_marks`);
    every position when None.
    """
    n = len(units)
    body = _body_start(units, norms, dec)
    out: list[int] = []
    resume = body + 1
    for k in at if at is not None else range(n):
        if k < resume:
            continue
        norm = norms[units[k]]
        if len(norm) > 60 or norm.lstrip()[:2] not in _COMPANY_CARD_START or _COMPANY_CARD.match(norm) is None:
            continue
        last = -1
        for m in range(k + 1, min(n, k + 1 + _COMPANY_CARD_LINES)):
            dm = dec.get(units[m])
            if dm is None:
                continue
            if dm.source == "rule":
                if dm.keep:
                    break  # the body's own line: no card
                if dm.rule in _CARD_RULES:
                    last = m
            elif _CARD_WIDGET.match(norms[units[m]]) is not None:
                last = m
        if last < 0:
            continue
        for m in range(k, last + 1):
            dm = dec.get(units[m])
            if dm is not None and dm.keep and dm.source in ("classifier", "default"):
                out.append(units[m])
        resume = last + 1
    return out


#: the heading of a page's table of contents, in the corpus's languages and more
_CONTENTS = frozenset({
    "contents", "table of contents", "on this page", "in this article", "page contents", "inhalt",
    "inhaltsverzeichnis", "auf dieser seite", "sommaire", "table des matières", "sur cette page", "contenido",
    "contenidos", "índice", "en esta página", "indice", "sommario", "in questa pagina", "inhoud",
    "inhoudsopgave", "op deze pagina", "conteúdo", "nesta página", "innehåll", "innehållsförteckning",
    "på denna sida", "sisällys", "sisältö", "sisällysluettelo", "tällä sivulla", "obsah", "spis treści",
    "содержание", "на этой странице", "зміст", "на цій сторінці", "目录", "目次", "المحتويات", "mục lục"})
#: the heading of a list of links to other pages
_LINKS_HEADING = re.compile(
    r"(?:reference|related|useful|helpful|quick|more|other) (?:links|pages|resources)|see also|"
    r"(?:nützliche|weiterführende|hilfreiche) links|siehe auch|liens utiles|voir aussi|"
    r"enlaces (?:útiles|de interés|relacionados)|véase también|link utili|vedi anche|handige links|zie ook|"
    r"links úteis|veja também|användbara länkar|se även|hyödyllisiä linkkejä|katso myös|užitočné odkazy|"
    r"przydatne linki|полезные ссылки|см\. также|корисні посилання|相关链接|関連リンク|روابط مفيدة|liên kết hữu ích")
#: the last words such a heading can end with (most lines are not looked at further)
_LINKS_END = ("links", "pages", "resources", "also", "auch", "utiles", "útiles", "também", "aussi", "interés", "relacionados",
              "también", "utili", "anche", "ook", "úteis", "länkar", "även", "linkkejä", "myös", "odkazy", "linki",
              "ссылки", "также", "посилання", "链接", "リンク", "مفيدة", "ích")
#: the last three characters of those headings (or their last two and a colon; two for the
#: two-character ones, "目次"): most lines end otherwise
_NAV_TAILS = frozenset(
    [h[-3:] for h in (*_CONTENTS, *_LINKS_END) if len(h) >= 3]
    + [h[-2:] + c for h in (*_CONTENTS, *_LINKS_END) for c in ":："]
    + [h[-1:] + " " + c for h in (*_CONTENTS, *_LINKS_END) for c in ":："])
_NAV_TAILS2 = frozenset(h for h in (*_CONTENTS, *_LINKS_END) if len(h) == 2)
#: an item of such a list: a short line that ends no sentence
_NAV_ITEM_WORDS = 10
#: a list of links or contents holds at most this many items
_NAV_ITEMS = 20


def navigation_blocks(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                      at: Sequence[int] | None = None) -> list[int]:
    """Navigation inside a posting, by its heading: a table of contents ("Contents", "On
    this page", "Inhalt", "Sommaire") over the short lines that the page repeats later
    (its own headings: each item occurs again below, and is kept there), and a list of links to other pages
    ("Reference Links", "Related pages", "Nützliche Links", "Liens utiles") over its
    short lines. The heading and the items the classifier decided go
    (``structure:navigation``); the later headings stay. A list of links ends at a
    line that is no item (a sentence, a longer line), at a line a rule kept, and at a
    heading over kept prose ("Security Requirements" over its paragraph).

    >>> ls = ["Contents", "About the job", "Benefits", "About the job", "You will build data pipelines in Python "
    ...       "and SQL for the whole company and its analysts.", "Benefits", "Thirty days of paid leave."]
    >>> d = {i: Decision(True, "classifier", "", 0.9) for i in range(7)}
    >>> navigation_blocks(list(range(7)), {i: x.lower() for i, x in enumerate(ls)}, d)
    [0, 1, 2]

    ``at``: the positions that may hold a heading (:func:`short_line_marks`); every one when None.
    """
    n = len(units)
    out: list[int] = []
    later: dict[str, int] | None = None
    resume = 0
    for k in at if at is not None else range(n):
        if k < resume:
            continue
        norm = norms[units[k]]
        if len(norm) > 40 or norm[-3:] not in _NAV_TAILS and norm[-2:] not in _NAV_TAILS2:
            continue
        norm = norm.strip(" :：")
        contents = norm in _CONTENTS
        if not contents and (not norm.endswith(_LINKS_END) or _LINKS_HEADING.fullmatch(norm) is None):
            continue
        if contents and later is None:
            later = {}
            for m in range(n):
                later[norms[units[m]].strip()] = m  # the last place each line occurs
        items: list[int] = []
        m = k + 1
        while m < n and len(items) < _NAV_ITEMS:
            j = units[m]
            t = norms[j].strip()
            dj = dec.get(j)
            if not t or word_count(t) > _NAV_ITEM_WORDS or _HEADING_END.search(t) is not None:
                break
            if contents:
                where = later.get(t, m) if later is not None else m
                if where <= m + 1 or not ((da := dec.get(units[where])) is not None and da.keep):
                    break  # no kept heading of the page below: the contents end
            elif dj is not None and dj.keep and dj.source == "rule":
                break
            elif m + 1 < n and (dn := dec.get(units[m + 1])) is not None and dn.keep \
                    and word_count(norms[units[m + 1]]) >= _PROSE_WORDS:
                break  # a heading over kept prose opens a section
            items.append(j)
            m += 1
        if contents and len(items) < 2 or not items and not contents:
            continue
        for j in (units[k], *items):
            dj = dec.get(j)
            if dj is not None and dj.keep and dj.source in ("classifier", "default"):
                out.append(j)
        resume = m
    return out


#: a board's activity counters, as a label ("Interviewing:", its count on the next line) or with
#: their count ("Applicants: 100+"), in the corpus's languages and more
_ACTIVITY_LABEL = (
    r"(?:applicants|applications|candidates|interviewing|invites sent|unanswered invites|proposals|hires|"
    r"views|clicks|bewerber(?:innen)?|bewerbungen|candidatures|candidats|solicitudes|postulantes|candidatos|"
    r"candidati|candidature|sollicitanten|sollicitaties|kandidaten|candidaturas|sökande|ansökningar|hakijat|"
    r"hakijoita|hakemuksia|uchádzači|uchádzačov|kandydaci|aplikacje|відгуки|відгуків|кандидати|откликов|"
    r"отклики|кандидатов|应聘人数|申请人数|応募者数|المتقدمون|عدد المتقدمين|ứng viên)")
_ACTIVITY = re.compile(
    _ACTIVITY_LABEL + r"\s*[:：]\s*(?:(?:over|more than|less than|fewer than)\s+)?\d[\d,.\s]*\+?"
    r"(?:\s*(?:to|-|–)\s*\d[\d,.]*\+?)?\s*$"
    # sign-in buttons
    r"|(?:continue|sign in|sign up|log in|login|register|apply) with (?:google|linkedin|apple|facebook|microsoft|"
    r"github|email|e-mail|indeed)"
    r"|(?:mit|über) (?:google|linkedin|apple|facebook|microsoft) (?:fortfahren|anmelden|registrieren|bewerben)"
    r"|(?:continuer|se connecter|s'inscrire|postuler) avec (?:google|linkedin|apple|facebook|microsoft)"
    r"|(?:continuar|iniciar sesión|regístrate|registrarse|inscríbete|entrar|continuar) (?:con|com o?) "
    r"(?:google|linkedin|apple|facebook|microsoft)"
    r"|(?:continua|accedi|registrati|candidati) con (?:google|linkedin|apple|facebook|microsoft)"
    r"|(?:doorgaan|inloggen|aanmelden|solliciteren) met (?:google|linkedin|apple|facebook|microsoft)"
    r"|(?:fortsätt|logga in) med (?:google|linkedin|apple|facebook|microsoft)"
    r"|(?:продолжить|войти) (?:с|через) (?:google|linkedin|apple|facebook)"
    r"|(?:google|linkedin|apple|facebook)\s?(?:で続行|でログイン|で登録)|(?:使用|通过)\s?(?:google|linkedin|apple|微信)\s?(?:继续|登录)"
    # a company's ratings count
    r"|\d[\d,.]*\s+(?:ratings?|bewertungen|avis|valoraciones|calificaciones|valutazioni|beoordelingen|"
    r"avaliações|betyg|arvio(?:ta)?|arvostelua|hodnotení|ocen|оцінок|оценок|оценки|评分|評価)\s*$")
_ACTIVITY_NAME = re.compile(_ACTIVITY_LABEL + r"\s*[:：]\s*$")
#: the first words such a widget can start with (most lines are not looked at further)
_ACTIVITY_FIRST = frozenset({
    "applicants", "applications", "candidates", "interviewing", "invites", "unanswered", "proposals", "hires",
    "views", "clicks", "bewerber", "bewerberinnen", "bewerbungen", "candidatures", "candidats", "solicitudes",
    "postulantes", "candidatos", "candidati", "candidature", "sollicitanten", "sollicitaties", "kandidaten",
    "candidaturas", "sökande", "ansökningar", "hakijat", "hakijoita", "hakemuksia", "uchádzači", "uchádzačov",
    "kandydaci", "aplikacje", "відгуки", "відгуків", "кандидати", "откликов", "отклики", "кандидатов",
    "المتقدمون", "عدد", "ứng", "continue", "sign", "log", "login", "register", "apply", "mit", "über",
    "continuer", "se", "s'inscrire", "s’inscrire", "postuler", "continuar", "iniciar", "regístrate",
    "registrarse", "inscríbete", "entrar", "continua", "accedi", "registrati", "doorgaan", "inloggen",
    "aanmelden", "solliciteren", "fortsätt", "logga", "продолжить", "войти"})
#: the Chinese and Japanese ones, and buttons that open with the provider ("Googleで続行")
_ACTIVITY_PREFIX = ("应聘", "申请", "応募", "使用", "通过", "google", "linkedin", "apple", "facebook")
#: the first two characters of a line :func:`short_line_marks` looks at closer (a digit opens a count)
_MARK_HEADS = frozenset({w[:2] for w in _ACTIVITY_FIRST} | {w[:2] for w in _ACTIVITY_PREFIX} | _COMPANY_CARD_START)
_DIGITS = frozenset("0123456789")
#: an activity widget line has at most this many characters
_ACTIVITY_CHARS = 60
_COUNT = re.compile(r"\W*\d[\d,.]*\+?\W*$")


def activity_widgets(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                     at: Sequence[int] | None = None) -> list[int]:
    """A job board's activity widgets, wherever they sit: applicant and proposal counts
    ("Applicants: 100+", "Invites sent:" over its "0", "Bewerber: 12"), sign-in buttons
    ("Continue with Google", "Mit LinkedIn anmelden") and a company's ratings count ("6
    Ratings"), in the corpus's languages and more. The guideline drops applicant counts,
    login prompts and ratings; the classifier reads a label and a count as a job fact.
    They go (``structure:widget``) unless a rule decided them; a counter's label takes
    the bare count under it.

    >>> ls = ["Applicants: 100+", "Interviewing:", "0", "Openings: 3", "Continue with Google", "6 Ratings"]
    >>> activity_widgets(list(range(6)), {i: x.lower() for i, x in enumerate(ls)}, {})
    [0, 1, 2, 4, 5]

    ``at``: the positions that may hold a widget (:func:`short_line_marks`); every one when None.
    """
    out: list[int] = []
    n = len(units)
    for k in at if at is not None else range(n):
        i = units[k]
        norm = norms[i]
        if len(norm) > _ACTIVITY_CHARS:
            continue
        first = norm.partition(" ")[0].rstrip(":：")
        if not (first in _ACTIVITY_FIRST or first[:1].isdigit() or first.startswith(_ACTIVITY_PREFIX)) \
                or _ACTIVITY.match(norm) is None and _ACTIVITY_NAME.match(norm) is None:
            continue
        d = dec.get(i)
        if d is not None and d.source == "rule":
            continue
        out.append(i)
        if k + 1 < n and _ACTIVITY_NAME.match(norm) and _COUNT.match(norms[units[k + 1]]):
            j = units[k + 1]
            dj = dec.get(j)
            if dj is None or dj.source != "rule" or dj.keep is False:
                out.append(j)
    return out


#: a requirement line is at most this long (in characters): a sentence or a heading
_REQUIREMENT_CHARS = 600
#: a line naming the documents to send is a requirement when it is a sentence of this many words
#: ("Please address applications (cover letter and resume) to ..."), not a form's field
_DOCUMENT_WORDS = 6
#: the end of a sentence inside a line: a line with none before its final "?" is one question
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")
#: a pointer to more information elsewhere, not the requirement itself
_POINTER = re.compile(r"\W*(?:further|more|additional) information\b|\W*(?:find out|learn|read) more\b")


def requirement_lines(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                      lines: list[str] | None = None) -> dict[int, Decision]:
    """Lines the classifier dropped that state a requirement of the job: work authorisation,
    a visa or nationality, where the candidate must live, the application deadline (the
    ``requirement`` cue of the lexicon: "This role requires candidates to have eligibility
    to work within the UK.", "The deadline to apply to this position is 5/08/2026.", "Visa
    Sponsorship Statement", "Bewerbungsfrist"), and, in a sentence, the documents an
    application must hold (the ``documents`` cue: "Please address applications (cover
    letter and resume) to ..."; a form's "Cover letter" field is none). The guideline
    keeps them as the job's own (qualifications include work-authorisation requirements;
    the application deadline and a how-to-apply sentence naming documents are kept); a classifier that learned the tail
    from the boilerplate round them drops them. They are kept (``structure:requirement``),
    unless the line also holds a boilerplate cue a lexicon rule drops (an EEO sentence
    naming nationality). A rule's decision stands.

    >>> ls = ["Data Engineer", "You will build and run the data pipelines in Python and SQL for our whole company, every day.",
    ...       "This role requires candidates to have eligibility to work within the UK.", "Follow us"]
    >>> d = {0: Decision(True, "classifier", "", 0.9), 1: Decision(True, "classifier", "", 0.9),
    ...      2: Decision(False, "classifier", "", 0.3), 3: Decision(False, "classifier", "", 0.1)}
    >>> sorted(requirement_lines(list(range(4)), {i: x.lower() for i, x in enumerate(ls)}, d))
    [2]
    """
    from .lexicon import DROP_CUES, cues, keep_cues

    out: dict[int, Decision] = {}
    for i in [i for i in units if (d := dec.get(i)) is not None and not d.keep and d.source == "classifier"]:
        d = dec[i]
        norm = norms[i]
        if len(norm) > _REQUIREMENT_CHARS \
                or norm.rstrip().endswith(("?", "？")) and _SENTENCE_END.search(norm.rstrip()[:-1]) is None:
            continue  # a question is an application form's ("Do you require visa sponsorship?")
        found = keep_cues(norm, folded=True)
        if not found or _POINTER.match(norm):
            continue  # a link to more ("Further information on nationality requirements")
        if ("requirement" in found or word_count(norm) >= _DOCUMENT_WORDS) \
                and not any(c in DROP_CUES for c in (cues(lines[i], norm) if lines is not None else cues(norm))):
            out[i] = Decision(True, "structure", "requirement", d.score)
    return out


#: a heading of at most _HEADING_WORDS words is at most this long (in characters)
_OPENER_HEADING_CHARS = 160

#: a line a sentence is split at: at most this many characters, no sentence or label ending
_SPLIT_HEAD_CHARS = 60
#: a line that goes on such a sentence: at most this many characters, opening in lower case
#: or of no letter or digit ("." after a link)
_SPLIT_PART_CHARS = 40
_SPLIT_END = re.compile(r"[.!?:;。！？：；]\W*$")


def split_sentences(lines: list[str], units: list[int], dec: Mapping[int, Decision], rules: RuleSet,
                    site: str = "") -> dict[int, Decision]:
    """A sentence a page's inline links split over short lines, one line a part ("More
    about" / "our mission" / "and" / "what we offer" / "."): the classifier read each part
    alone, and a part says nothing of its own. A part goes on the sentence when the line
    above it is short and ends no sentence, and it is short itself and opens in lower case
    (or holds no letter or digit). The rules read the joined text as one line: when a
    line drop rule matches it ("More about our mission and what we offer." is a generic
    call to action), the parts the classifier kept go (``structure:split-sentence:<rule>``).
    Only lines the classifier decided make such a sentence (a line a rule decided is a
    unit of its own), and two of them have words ("35%" over "." is none).

    >>> from jdreview.filter.rules import default_rules
    >>> ls = ["For everyone, everywhere.", "More about", "our mission", "and", "what we offer", "."]
    >>> d = {i: Decision(True, "classifier", "", 0.9) for i in range(6)}
    >>> sorted(split_sentences(ls, list(range(6)), d, default_rules()))
    [1, 2, 3, 4, 5]
    """
    out: dict[int, Decision] = {}
    n = len(units)
    k = 0
    while k < n - 1:
        head = lines[units[k]].strip()
        if len(head) > _SPLIT_HEAD_CHARS or _SPLIT_END.search(head) is not None:
            k += 1
            continue
        m = k + 1
        while m < n:
            part = lines[units[m]].strip()
            if not part or len(part) > _SPLIT_PART_CHARS \
                    or not (part[0].islower() or not any(c.isalnum() for c in part)):
                break
            m += 1
            if _SPLIT_END.search(part) is not None:
                break  # the sentence ends here
        if m - k < 2:
            k += 1
            continue
        run = units[k:m]
        k = m
        if any((d := dec.get(i)) is None or d.source not in ("classifier", "default") for i in run) \
                or sum(_WORD.search(lines[i]) is not None for i in run) < 2:
            continue  # a line a rule decided is a unit of its own; a sentence has two parts with words
        text = ""
        for i in run:
            part = lines[i].strip()
            text += part if not text or not any(c.isalnum() for c in part) else " " + part
        found = _line_rule(text, rules.normalised(text), site, rules, True)
        if found is None or found.keep:
            continue
        for i in run:
            d = dec.get(i)
            if d is not None and d.keep and d.source in ("classifier", "default"):
                out[i] = Decision(False, "structure", "split-sentence:" + found.rule, d.score)
    return out


def boilerplate_openers(lines: list[str], units: list[int], norms: Mapping[int, str],
                        dec: Mapping[int, Decision], rules: RuleSet, site: str = "") -> dict[int, Decision]:
    """Kept lines of prose right under a short heading whose first sentence a segment drop
    rule matches ("Salesforce is an equal opportunity employer. What does that mean ...",
    under "Posting Statement"): the segment stage drops such a line from that sentence on,
    that is whole, so for the headings above it the line counts as dropped by that rule.
    The same holds for such a line under a paragraph a rule dropped (the section's second
    paragraph, "At TD, we are committed ..." said twice under "INCLUSIVENESS").
    Only the lines a heading or a dropped paragraph stands over are looked at (few per posting)."""
    out: dict[int, Decision] = {}
    for k in range(1, len(units)):
        i = units[k]
        above = units[k - 1]
        h = dec.get(above)
        if h is None:
            continue
        if above in out or not h.keep and h.source == "rule" and len(norms[above]) > _OPENER_HEADING_CHARS:
            pass  # under a paragraph a rule dropped: the section goes on
        elif not h.keep or len(norms[above]) > _OPENER_HEADING_CHARS:
            continue  # most lines stand under no short kept line: nothing more is looked at
        elif word_count(norms[above]) > _HEADING_WORDS:
            continue
        d = dec.get(i)
        if d is None or not d.keep or d.source == "rule":
            continue
        if word_count(norms[i]) < _PROSE_WORDS:
            continue
        text = lines[i]
        if not rules.may_match_segment(text, site):
            continue  # no segment of the line can match a drop rule (the segment stage asks the same)
        spans = split_segments(text)
        first = text[spans[0][0]:spans[0][1]] if spans else text
        r = rules.match_regex(first, site, "segment", "drop")
        if r is not None and rules.match_regex(first, site, "segment", "keep") is None:
            out[i] = Decision(False, "rule", r.id)
    return out


def _turn(out: dict[int, Decision], i: int, dec: Mapping[int, Decision], kind: str) -> None:
    d = dec.get(i)
    if d is not None and d.source in ("classifier", "default"):
        out[i] = Decision(False, "structure", "tail:" + kind, d.score)


#: a heading is a short line that ends no sentence; the prose under it has this many words
_HEADING_WORDS = 8
_PROSE_WORDS = 15
_HEADING_END = re.compile(r"[.!,;]\W*$")


#: a word of a line: two word characters in a row; a digit is a value ("3" under "Openings:")
_WORD = re.compile(r"\w\w")
_DIGIT = re.compile(r"\d")


def wordless_lines(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision]) -> dict[int, bool]:
    """Lines of no word (no two word characters in a row: ",", ".", "•", "---", a stray
    "i", "┬á" where a capture broke a no-break space) that the classifier decided (or
    the repeated-title rule, a comma said twice being no title): each
    is kept when the nearest lines with words on both sides of it are kept (on one side,
    at the posting's edge), and dropped otherwise; a digit is a value, no such line. Such a line says nothing of its own; the separator between two kept
    paragraphs or the comma between "Eindhoven" and "Noord-Brabant" belongs to them,
    the bullet of a dropped menu to the menu. Returns line -> keep for the lines whose
    decision changes.

    >>> ls = ["Eindhoven", ",", "Noord-Brabant", "Share", "•", "Apply"]
    >>> d = {0: Decision(True, "classifier"), 1: Decision(False, "classifier"), 2: Decision(True, "classifier"),
    ...      3: Decision(False, "rule", "button"), 4: Decision(True, "classifier"), 5: Decision(True, "classifier")}
    >>> sorted(wordless_lines(list(range(6)), {i: x.lower() for i, x in enumerate(ls)}, d).items())
    [(1, True), (4, False)]
    """
    n = len(units)
    worded = [_WORD.search(norms[i]) is not None or _DIGIT.search(norms[i]) is not None for i in units]
    if all(worded):
        return {}
    out: dict[int, bool] = {}
    prev_keep: bool | None = None
    before: list[bool | None] = [None] * n
    for k in range(n):
        before[k] = prev_keep
        if worded[k]:
            prev_keep = dec[units[k]].keep
    next_keep: bool | None = None
    for k in range(n - 1, -1, -1):
        if worded[k]:
            next_keep = dec[units[k]].keep
            continue
        d = dec[units[k]]
        if d.source != "classifier" and d.rule != "repeated-title":
            continue  # a rule's decision stands (a line of no word is no title, though)
        b = before[k]
        keep = (b if b is not None else bool(next_keep)) and (next_keep if next_keep is not None else b is not None)
        if keep != d.keep:
            out[units[k]] = keep
    return out


def empty_headings(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                   lines: list[str] | None = None) -> list[int]:
    """Headings the classifier kept over a section the filter dropped whole: a short
    line that ends no sentence (and is no item of a kept list of such lines), right
    above a paragraph of prose a rule dropped, with nothing kept under it before the
    next such short line ("Agency Disclaimer" over a no-agency paragraph, "Diversity &
    Inclusion at Acme" over an EEO statement). A heading a rule kept stays.

    >>> ls = ["Diversity at Acme", "We welcome applicants of every background, and we never discriminate "
    ...       "on the basis of race, religion or age.",
    ...       "Benefits", "Free lunch and a pension plan for all staff members."]
    >>> d = {0: Decision(True, "classifier", "", 0.8), 1: Decision(False, "rule", "eeo"),
    ...      2: Decision(True, "classifier", "", 0.9), 3: Decision(True, "classifier", "", 0.9)}
    >>> empty_headings([0, 1, 2, 3], {i: x.lower() for i, x in enumerate(ls)}, d)
    [0]
    """
    n = len(units)
    nw = [word_count(norms[i]) for i in units]
    heading = [nw[k] <= _HEADING_WORDS and _HEADING_END.search(norms[units[k]]) is None for k in range(n)]
    out: list[int] = []
    for k in range(n - 1):
        d = dec.get(units[k])
        if d is None or not d.keep or d.source != "classifier" or not heading[k] or not nw[k]:
            continue
        nxt = dec.get(units[k + 1])
        if nxt is None or nxt.keep or nxt.source == "missing" or nw[k + 1] < _PROSE_WORDS:
            continue
        if _list_item(units, norms, dec, heading, k, lines):
            continue  # an item of a list of short lines, not a heading
        j = k + 1
        while j < n and not heading[j]:
            dj = dec.get(units[j])
            if dj is not None and dj.keep:
                break
            j += 1
        else:
            out.append(units[k])
    return out


def _upper(text: str) -> bool:
    """Whether ``text`` is written in capitals (two letters or more, none in lower case)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _list_item(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision], heading: list[bool],
               k: int, lines: list[str] | None = None) -> bool:
    """Whether the short line at ``k`` is an item of a list of short lines above it: the
    short line right above is kept, or the classifier dropped it and the short line above
    that is kept (the list goes on past an item the classifier dropped). A line in
    capitals under a line that is not ("INCLUSIVENESS" under "Monday-Friday, standard
    business hours", the value of "HOURS") opens a section of its own."""
    if not k or not heading[k - 1]:
        return False
    dp = dec.get(units[k - 1])
    if dp is None:
        return False
    if not dp.keep:
        if dp.source != "classifier" or k < 2 or not heading[k - 2] \
                or (dq := dec.get(units[k - 2])) is None or not dq.keep:
            return False
        above = units[k - 2]
    else:
        above = units[k - 1]
    if lines is not None and _upper(lines[units[k]]) and not _upper(lines[above]):
        return False
    return True


def label_value_pairs(lines: list[str], units: list[int], norms: Mapping[int, str]) -> list[tuple[int, int]]:
    """(label, value) line pairs: a short line ending with a colon ("Posted Date:",
    "Salary/Rate:") and the short line right under it ("2026-01-26", "£30,000").

    >>> ls = ["Location:", "Berlin", "About us:", "We build data pipelines for the whole company every day."]
    >>> label_value_pairs(ls, [0, 1, 2, 3], {i: l.lower() for i, l in enumerate(ls)})
    [(0, 1)]
    """
    pairs: list[tuple[int, int]] = []
    for k in range(len(units) - 1):
        i, j = units[k], units[k + 1]
        label = norms[i]
        if (_LABEL_END.search(label) is not None and word_count(label) <= _LABEL_WORDS
                and _LABEL_END.search(norms[j]) is None and word_count(norms[j]) <= _VALUE_WORDS):
            pairs.append((i, j))
    return pairs


def prose_labels(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                 rules: RuleSet) -> list[int]:
    """Labels an exact drop rule dropped ("Language:", a word of a language picker
    with a colon) right above a line of prose the classifier kept: the label names
    that prose, and goes with it.

    >>> from jdreview.filter.rules import Rule
    >>> rs = RuleSet([Rule("language-name", "exact", ("language", "english"), "drop")])
    >>> ls = ["Language:", "English is our working language, and German helps with the source systems."]
    >>> d = {0: Decision(False, "rule", "language-name"), 1: Decision(True, "classifier", "", 0.9)}
    >>> prose_labels([0, 1], {i: x.lower() for i, x in enumerate(ls)}, d, rs)
    [0]
    """
    out: list[int] = []
    for k in range(len(units) - 1):
        i, j = units[k], units[k + 1]
        d, dn = dec.get(i), dec.get(j)
        if d is None or dn is None or d.keep or d.source != "rule" or not dn.keep or dn.source != "classifier":
            continue
        label = norms[i]
        if _LABEL_END.search(label) is None or word_count(label) > _LABEL_WORDS or \
                word_count(norms[j]) < _BODY_WORDS:
            continue
        r = rules.get(d.rule)
        if r is not None and r.kind == "exact":
            out.append(i)
    return out


#: words of a job fact on a short line ("Shift and schedule", "Experience Level", "Project Type",
#: "Mandatory skills", "26,25 Stunden pro Woche", "2 - 4 years", "7-8.5 Lacs P.A."), in the
#: corpus's languages and more: what tells a job's facts list from a list of links
_FACT_WORD = re.compile(
    r"\b(?:experience|experience level|years?|level|seniority|salary|pay|wage|rate|hourly|fixed[- ]price|budget"
    r"|hours?|per (?:hour|week|month|year|annum)|p\.a\b|lacs|lakhs?|shift|schedule|contract|contract length"
    r"|duration|type|project type|job type|employment|skills?|expertise|remote|hybrid|on-?site|full[- ]time"
    r"|part[- ]time|deadline|start date|openings|vacancies|qualification|education|degree"
    r"|erfahrung|berufserfahrung|jahre|gehalt|vergütung|stunden|woche|wochenstunden|arbeitszeit|vertrag"
    r"|vertragsart|anstellungsart|beschäftigungsart|kenntnisse|expérience|ans|salaire|heures|semaine|contrat"
    r"|compétences|experiencia|años|salario|sueldo|horas|semana|contrato|jornada|habilidades|requisitos"
    r"|esperienza|anni|stipendio|ore|settimana|contratto|competenze|ervaring|jaar|salaris|uur|uren|week"
    r"|dienstverband|vaardigheden|kokemus|vuotta|palkka|työaika|tunnit|viikko|työsuhde|osaaminen"
    r"|erfarenhet|år|lön|timmar|vecka|anställning|praxe|rokov|mzda|plat|hodín|týždeň|úväzok"
    r"|опыт|лет|года?|зарплата|часов|неделю|занятость|досвід|років|зарплата|годин|тиждень)\b")
#: after a fact's label, this many lines of the list are its values ("Shift and schedule" /
#: "On call" / "Encouraged to apply" / "Military encouraged")
_FACT_VALUES = 3
#: a chain of label/value pairs this long is a job-details block, decided as one
_CHAIN_PAIRS = 3
#: a pair between kept pairs of a chain whose label the classifier scored this high is kept with them
_CHAIN_UNSURE = 0.4
#: a bullet item ("- Enseñanza media completa.", "• Python", "1. ...")
_BULLET = re.compile(r"^\s*(?:[-–—•·*▪●◦‣]|\d{1,2}[.)])\s*\S")


def _facty(norm: str) -> bool:
    """A short line that names a job fact or holds one (pay, years, hours, a work type)."""
    return _FACT_WORD.search(norm) is not None or _FACT.search(norm) is not None


def fact_runs(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
              pairs: list[tuple[int, int]], rules: RuleSet, lines: list[str]) -> list[int]:
    """Lines a structure rule took for links or copies that are the job's own facts
    (issue 13 items 6, 7, 9), to keep (``structure:facts``):

    - a link list's stretch that starts right under the job's kept lines or a fact
      (the job-details list of a board: "Shift and schedule" / "On call", "Fixed-price" /
      "Experience Level" / "Skills and Expertise" / skill chips) as long as its lines name
      job facts or are the values of one (the :data:`_FACT_VALUES` lines after a fact's
      label), up to a line a rule dropped; the same upwards from a fact right under the
      list (the "2 - 4 years" of a header card), and a fact the classifier dropped between
      such a stretch and the job's lines;
    - a chain of :data:`_CHAIN_PAIRS` or more label/value pairs ("Address:" / "20 King St",
      "City:" / "Toronto", ...) the filter mostly kept: a pair in it that a structure rule
      took for a copy of the header, or whose value a number or button rule dropped, is
      one of the facts the block adds;
    - a repeated run of three or more bullet items whose first copy was kept (a board's
      "Requisitos:" section repeating the body's requirement bullets), with its label:
      the posting's own list, no header copy.

    Only structure decisions and number/button rule drops of values are turned; a line a
    rule dropped for what it says stays dropped. The classifier is trained on the rule
    decisions as they are: this stage decides, it does not teach."""
    n = len(units)
    out: list[int] = []
    # one pass: whether each unit is kept, and the kind of the rule that dropped it
    keep = [True] * n
    kinds = [""] * n
    get = rules.get
    for k, i in enumerate(units):
        d = dec[i]
        if not d.keep:
            keep[k] = False
            if d.source == "structure" or d.source == "rule":
                r = get(d.rule)
                if r is not None:
                    kinds[k] = r.kind
    if not pairs and "link_list" not in kinds and "repeated_block" not in kinds and "regex" not in kinds:
        return out
    pos = {i: k for k, i in enumerate(units)}

    def kind(i: int) -> str:
        return kinds[pos[i]]

    def kept(k: int) -> bool:
        return keep[k]

    # 1. job-details lists a link-list rule took for links
    k = 0
    while k < n:
        if kinds[k] != "link_list":
            k += 1
            continue
        start = k
        while k < n and kinds[k] == "link_list":
            k += 1
        stop = k  # [start, stop): one stretch of link-list lines
        for step, edge, beyond in ((1, start, start - 1), (-1, stop - 1, stop)):
            if not 0 <= beyond < n:
                continue
            anchor = units[beyond]
            da = dec.get(anchor)
            anchor_fact = word_count(norms[anchor]) <= _LABEL_WORDS + 4 and _facty(norms[anchor])
            if not (da is not None and da.keep) and not anchor_fact:
                continue
            taken: list[int] = []
            left = 0
            m = edge
            while start <= m < stop:
                norm = norms[units[m]]
                if _facty(norm):
                    left = _FACT_VALUES if _DIGIT.search(norm) is None else 0
                    taken.append(m)
                elif step == 1 and left > 0:
                    left -= 1
                    taken.append(m)
                else:
                    break
                m += step
            if not any(_facty(norms[units[t]]) for t in taken):
                continue
            out.extend(units[t] for t in taken)
            if taken and da is not None and not da.keep and da.source == "classifier" and anchor_fact:
                out.append(anchor)  # the pay or years line between the list and the job's lines

    # 2. label/value chains: a job-details block decided as one
    chains: list[list[tuple[int, int]]] = []
    for label, value in pairs:
        if chains and pos[label] == pos[chains[-1][-1][1]] + 1:
            chains[-1].append((label, value))
        else:
            chains.append([(label, value)])
    for chain in chains:
        if len(chain) < _CHAIN_PAIRS:
            continue
        both = sum(1 for lb, v in chain if kept(pos[lb]) and kept(pos[v]))
        if both < 2 or 2 * both < len(chain):
            continue
        for c, (lb, v) in enumerate(chain):
            kl, kv = kind(lb), kind(v)
            dl, dv = dec[lb], dec[v]
            if not dl.keep and not dv.keep and dl.source == "classifier" and dl.score is not None and \
                    dl.score >= _CHAIN_UNSURE and c > 0 and all(kept(pos[x]) for x in chain[c - 1]) and \
                    pos[v] + 1 < n and kept(pos[v] + 1):
                out.extend((lb, v))  # a pair the classifier was unsure of between kept pairs
                continue
            if kl in ("near_duplicate", "repeated_block", "link_list") or (
                    kv in ("near_duplicate", "repeated_block", "link_list") and (kept(pos[lb]) or kl)):
                out.extend(x for x in (lb, v) if not kept(pos[x]))
            elif kept(pos[lb]) and not kept(pos[v]) and (d := dec[v]).source == "rule" and \
                    (r := rules.get(d.rule)) is not None and r.kind == "regex" and _DIGIT.search(norms[v]):
                out.append(v)  # a number rule's drop of a kept label's value

    # 3. a number a rule dropped that is a kept line's value: under a label that names a
    # fact ("Počet rokov praxe" / "3"), or inside a sentence a capture split over lines
    # ("... directly to" / "35%" / "."); a date under the deadline or posting-date label it
    # completes ("Viim. hakupvm" / "30.6.2014") goes with its label, kept
    for k in range(1, n):
        if kinds[k] != "regex" or dec[i := units[k]].source != "rule" or any(c.isalpha() for c in norms[i]):
            continue
        prev = norms[units[k - 1]]
        if not kept(k - 1):
            dp = dec[units[k - 1]]
            if dp.source == "classifier" and word_count(prev) <= _LABEL_WORDS and \
                    _FACT.search(prev + " " + norms[i]) is not None and _FACT.search(prev) is None:
                out.extend((units[k - 1], i))
            continue
        if word_count(prev) <= _LABEL_WORDS and _HEADING_END.search(prev) is None and (
                _facty(prev) or _FACT.search(prev + " " + norms[i]) is not None):
            out.append(i)
        elif k + 1 < n and word_count(prev) >= _LABEL_WORDS and _RUN_END.search(prev[-64:]) is None and \
                (below := lines[units[k + 1]].lstrip()) and not below[0].isupper() and not below[0].isdigit():
            out.append(i)

    # 4. a repeated bullet list whose first copy was kept
    first_kept: set[str] = set()
    k = 0
    while k < n:
        i = units[k]
        if kinds[k] != "repeated_block":
            if kept(k):
                first_kept.add(norms[i])
            k += 1
            continue
        run: list[int] = []
        while k < n and kinds[k] == "repeated_block":
            run.append(k)
            k += 1
        if len(run) >= 3 and all(_BULLET.match(lines[units[m]]) and norms[units[m]] in first_kept for m in run):
            out.extend(units[m] for m in run)
            above = run[0] - 1
            if above >= 0 and kinds[above] in ("near_duplicate", "repeated_title") and \
                    _LABEL_END.search(norms[units[above]]):
                out.append(units[above])
    return out


#: a label that names an id ("Job ID:", "Req #:", "Reference No.:", "Ilmoitusnumero:",
#: "Kennziffer:", "Referenznummer:", "Numéro de l'offre:" reads as its last word)
_ID_LABEL = re.compile(
    r"(?:\b(?:id|ref|ref\.|reference|no\.?|nr\.?|#|number|code|kennziffer|referenz|referenznummer|stellennummer"
    r"|numéro|número|numero|nummer|numer|číslo|номер|код)|ilmoitusnumero|hakunumero|referenssi)\s*[:：]\s*$")
#: an id-shaped value: one token with a digit ("8481515", "R-0000156487", "JR-2026-114")
_ID_VALUE = re.compile(r"^[#\w./-]{0,30}\d[#\w./-]{0,30}$")


def id_pairs(pairs: list[tuple[int, int]], norms: Mapping[int, str], dec: Mapping[int, Decision]) -> list[int]:
    """Label/value pairs that hold a posting's or requisition's id ("Ilmoitusnumero:" /
    "8481515", "Job ID:" / "R-0000156487"), which the classifier kept for a fact: both
    lines, to drop (``structure:id-pair``). Only lines the classifier decided are turned,
    and a label that names something else ("Phone number:" over "010 841 5423", a value
    with a space) is no id.

    >>> d = {0: Decision(True, "classifier", "", 0.6), 1: Decision(True, "classifier", "", 0.8)}
    >>> id_pairs([(0, 1)], {0: "ilmoitusnumero:", 1: "8481515"}, d)
    [0, 1]
    """
    out: list[int] = []
    for label, value in pairs:
        dl, dv = dec.get(label), dec.get(value)
        if dl is None or dv is None or not (dl.keep or dv.keep):
            continue
        if _ID_LABEL.search(norms[label]) is None or _ID_VALUE.match(norms[value].strip()) is None:
            continue
        if any(d.keep and d.source not in ("classifier", "default", "structure") for d in (dl, dv)):
            continue  # a rule kept one of them
        out.extend(x for x, d in ((label, dl), (value, dv)) if d.keep)
    return out


def _free_values(pairs: list[tuple[int, int]], dec: dict[int, Decision], rules: RuleSet) -> set[int]:
    """Undo a line rule's drop of a value whose label no rule dropped ("Posted Date:"
    / "2026-01-26" is not a counter for number-only): the value then follows its label.
    Returns the values freed."""
    freed: set[int] = set()
    for label, value in pairs:
        dv = dec.get(value)
        if dv is None or dv.keep or dv.source != "rule":
            continue
        rule = rules.get(dv.rule)
        if rule is None or rule.kind not in ("exact", "regex"):
            continue  # a section holds its lines together
        dl = dec.get(label)
        if dl is not None and not dl.keep:
            continue
        del dec[value]
        freed.add(value)
    return freed


def _split_long_lines(posting: Posting, rules: RuleSet, classifier: LineScorer | None,
                      config: FilterConfig) -> FilterResult | None:
    """Filter a posting whose long lines are cut into their sentences, each decided as
    a line of its own, and give the sentences back as segments of their line. None
    when no long line holds more than one sentence."""
    vlines: list[str] = []
    where: list[tuple[int, int]] = []  # virtual line -> (line, start of the span in it)
    split: set[int] = set()
    for i, line in enumerate(posting.lines):
        spans = split_segments(line) if len(line) > config.long_line else []
        if len(spans) > 1:
            split.add(i)
            for a, b in spans:
                vlines.append(line[a:b])
                where.append((i, a))
        else:
            vlines.append(line)
            where.append((i, 0))
    if not split:
        return None
    # each virtual line keeps the containers of the line it was cut from
    attrs = posting.line_attrs
    vattrs = [attrs[i] for i, _ in where] if attrs is not None and len(attrs) == len(posting.lines) else None
    virtual = dataclasses.replace(posting, lines=vlines, warnings=list(posting.warnings), line_attrs=vattrs)
    vres = auto_filter(virtual, rules, classifier, dataclasses.replace(config, long_line=0))
    out = [LineResult(i, line, None) for i, line in enumerate(posting.lines)]
    for (i, a), vlr in zip(where, vres.lines, strict=True):
        lr = out[i]
        if i not in split:
            lr.decision, lr.segments = vlr.decision, vlr.segments
            continue
        assert vlr.decision is not None  # a sentence is never blank
        if lr.segments is None:
            lr.segments = []
        parts = vlr.segments or [SegmentResult(0, len(vlr.text), vlr.text, vlr.decision)]
        lr.segments.extend(SegmentResult(a + s.start, a + s.end, s.text, s.decision) for s in parts)
    for i in split:
        lr = out[i]
        segs = lr.segments or []
        kept = [s.decision for s in segs if s.decision.keep]
        lr.decision = kept[0] if kept else segs[0].decision
        if all(s.decision == segs[0].decision for s in segs):
            lr.segments = None
    return FilterResult(posting, out, vres.rules_version, vres.classifier_version, vres.warnings)


#: postings shorter than this many words are not checked for a near-empty result
_KEPT_SHARE_MIN_WORDS = 50


def _check_kept_share(result: FilterResult, config: FilterConfig, norms: Mapping[int, str]) -> None:
    """Warn when a posting of some length comes out (nearly) empty: a capture the filter
    does not understand, reported rather than silently written. ``norms`` holds the
    normalised text of every unit: its words are the line's (folding whitespace and
    case makes no word and joins none), and the stages have counted them already."""
    if not config.min_kept_share:
        return
    total = sum(map(word_count, norms.values()))  # a blank line has no word
    if total < _KEPT_SHARE_MIN_WORDS:
        return
    enough = config.min_kept_share * total
    kept = 0
    for lr in result.lines:
        d = lr.decision
        if d is None:
            continue
        if lr.segments is not None:
            kept += word_count(lr.kept_text())
        elif d.keep:
            kept += word_count(norms[lr.index])
        if kept >= enough:
            return  # most postings keep enough within their first lines
    if kept < enough:
        p = result.posting
        result.warnings.append(
            f"{p.source or p.id or '<posting>'}: warning: the cleaned text keeps {kept} of {total} words "
            f"({100 * kept / total:.1f}%): check this posting (an unusual capture?)")


def _decide_regions(lines: list[str], units: list[int], dec: dict[int, Decision],
                    scores: Mapping[int, float], costs: Mapping[str, float], threshold: float) -> None:
    """Classifier decisions revised by their neighbours (a Viterbi pass over keep/drop,
    :func:`jdreview.filter.regions.decode`); rule-decided units keep their decisions and
    lend their state to the pass. A decision the pass turned around says so in its reason
    (``region:drop``, ``region:keep``)."""
    from .features import blocks
    from .regions import decode

    t = _logit(threshold)
    block_of = blocks(lines, units)
    same = [k > 0 and block_of[k] == block_of[k - 1] for k in range(len(units))]
    # a rule-decided unit is not fixed in the chain: it lends its state a logit of
    # costs["rule"] (rules drop inline chrome inside a body, which must not cut the body)
    anchor = costs.get("rule", 2.0)
    z = [_logit(scores[i]) - t if i in scores else (anchor if dec[i].keep else -anchor) for i in units]
    states = decode(units, same, z, {}, costs)
    for k, i in enumerate(units):
        p = scores.get(i)
        if p is None or i in dec:
            continue
        keep = states[k]
        dec[i] = Decision(keep, "classifier", "" if keep == (p >= threshold) else
                          ("region:keep" if keep else "region:drop"), p)


def _decide_crf(posting: Posting, units: list[int], norms: Mapping[int, str], dec: dict[int, Decision],
                scores: Mapping[int, float], crf: CRF, threshold: float) -> None:
    """The units no rule decided, decided by the region CRF (:mod:`jdreview.filter.crf`)
    over the whole posting: a rule-decided unit is held in a state of its decision. Each
    decision keeps the line's own score; its note names the region the CRF put it in and
    the CRF's probability of keep (``classifier:0.91 crf:body 0.97``), and says so when
    the CRF turned the line's own score around (``classifier:0.73 crf:drop footer 0.12``)."""
    from .crf import attributes

    t = _logit(threshold)
    first = [_logit(scores[i]) - t if i in scores else 0.0 for i in units]
    fixed = [None if i in scores else dec[i].keep for i in units]
    em = crf.emissions(attributes(posting, units, norms, dec, first))
    path = crf.decode(em, fixed)
    marg = crf.keep_marginals(em, fixed)
    states = crf.states
    for k, i in enumerate(units):
        p = scores.get(i)
        if p is None:
            continue
        s = path[k]
        keep = crf.keeps[s]
        verb = "keep" if keep else "drop"
        name = "" if states[s] == verb else " " + states[s]
        note = f"crf:{states[s]} {marg[k]:.2f}" if keep == (p >= threshold) else f"crf:{verb}{name} {marg[k]:.2f}"
        dec[i] = Decision(keep, "classifier", note, p)


def _line_rule(line: str, norm: str, site: str, rules: RuleSet, segment_rules: bool) -> Decision | None:
    """The decision of the line rules alone (keep rules first), or None."""
    r = rules.match_exact(line, site, norm)
    if r is None or r.action != "keep":
        r2 = rules.match_regex(line, site, "line", "keep")
        if r2 is not None:
            r = r2
    if r is not None and r.action == "keep":
        return Decision(True, "rule", r.id)
    if r is None:
        r = rules.match_regex(line, site, "line", "drop")
    if r is None and segment_rules and _single_segment(line):
        # a segment rule on a line that is one segment is a line rule
        r = rules.match_regex(line, site, "segment", "drop")
    return Decision(False, "rule", r.id) if r is not None else None


def rule_decisions(posting: Posting, units: list[int], norms: dict[int, str], rules: RuleSet,
                   config: FilterConfig = DEFAULT_CONFIG, budget: _Budget | None = None
                   ) -> dict[int, Decision]:
    """Decisions of the line, section and structural rules (line index -> decision);
    lines no rule decided are absent."""
    site = posting.site
    lines = posting.lines
    dec: dict[int, Decision] = {}
    keep_hits: set[int] = set()
    segment_rules = rules.has_segment_rules(site)

    # 1. line rules: keep rules first, they outrank everything
    cache = rules.line_cache(site)
    for i in units:
        line = lines[i]
        d = cache.get(line, _MISSING)
        if d is _MISSING:
            if budget is not None and not i & 255:
                budget.check(f"line {i + 1}")
            d = _line_rule(line, norms[i], site, rules, segment_rules)
            if len(cache) >= CACHE_ENTRIES:
                cache.clear()
            cache[line] = d
        if d is not None:
            dec[i] = d
            if d.keep:
                keep_hits.add(i)

    # 2. sections: from a start line to an end line (exclusive) or the end
    # which section rules start on which line: one cached lookup per line
    starts: dict[int, list[int]] = {}
    if rules.sections:
        section_hits = rules.section_hits
        known = rules.section_cache.get
        for k, i in enumerate(units):
            found = known(lines[i])
            if found is None:
                found = section_hits(lines[i])
            if found:
                for r in found:
                    starts.setdefault(r, []).append(k)
    bounds: SectionBounds | None = None
    for r_index, (rule, _start_pat, end_pat) in enumerate(rules.sections):
        if rule.scope != "all" and rule.scope != site or r_index not in starts:
            continue
        begins = starts[r_index]
        if rule.action == "drop" and bounds is None:
            bounds = SectionBounds(posting, units, norms, dec)
        k = 0
        while True:
            nxt = next((b for b in begins if b >= k), None)
            if nxt is None:
                break
            k = nxt
            stop = len(units)
            for k2 in range(k + 1, len(units)):
                if end_pat is not None and rules.section_matches(rule, end_pat, lines[units[k2]]):
                    stop = k2
                    break
                if rule.max_lines and k2 - k >= rule.max_lines:
                    stop = k2
                    break
            if bounds is not None and rule.action == "drop":
                stop = bounds.stop(k, stop, keep_hits)
            for k3 in range(k, stop):
                j = units[k3]
                if rule.action == "keep":
                    dec[j] = Decision(True, "rule", rule.id)
                    keep_hits.add(j)
                elif j not in keep_hits:
                    dec.setdefault(j, Decision(False, "rule", rule.id))
                elif k3 > k and _bare_value(dec[j], rules) and (bounds is None or not bounds.opens_body(k3, keep_hits)):
                    # a bare value a keep rule named ("Remote", "Contract") inside a similar
                    # job's card: the section holds it
                    dec[j] = Decision(False, "rule", rule.id)
                    keep_hits.discard(j)
            k = max(stop, k + 1)

    # boilerplate spreads over its paragraph: a text paragraph mostly dropped by a
    # lexicon rule loses the rest of its lines (jusText's revision by context)
    if posting.kind == "text" and rules.has_lexicon_rules(site):
        for j, d in boilerplate_paragraphs(lines, units, norms, dec, rules, site).items():
            dec[j] = d

    # 3. structure: repeated header blocks and repeated titles
    if budget is not None:
        budget.check("the structural rules")
    if config.structure:
        for rule in rules.structural:
            if rule.scope != "all" and rule.scope != site:
                continue
            if rule.kind == "repeated_block":
                hits = repeated_blocks(units, norms, rule.min_lines)
            elif rule.kind == "near_duplicate":
                hits = near_duplicate_blocks(units, norms, dec, rule.min_lines, lines)
            elif rule.kind == "link_list":
                from .features import normalise_title

                hits = link_lists(lines, units, norms, dec, rule.min_lines,
                                  normalise_title(posting, units, norms))
            else:
                hits = repeated_titles(posting, units, norms, dec, rules, keep_hits)
            for j in hits:
                if j not in dec:
                    dec[j] = Decision(rule.action == "keep", "structure", rule.id)
    return dec


def _bare_value(d: Decision, rules: RuleSet) -> bool:
    """A keep decision of an exact rule: a line that is one value ("Remote", "Full-time");
    or of a label-and-value section rule ("Salary:" / "£30,000 - £50,000" on a similar
    job's card)."""
    if not d.keep or d.source != "rule":
        return False
    r = rules.get(d.rule)
    return r is not None and (r.kind == "exact" or r.kind == "section" and 0 < r.max_lines <= 2)


class SectionBounds:
    """Where a drop section must stop: it never runs into the main body.

    The main body is the densest run of prose (the maximum-sum scan the classifier
    uses, over words in any script, with lines the line rules dropped counting
    against). A drop section that starts before the body stops at the body's header
    block: at a heading a keep rule kept with prose under it ("About the job" after
    an "application submitted" panel), at the first line the page title names (the
    job title), or else :data:`HEADER_LINES` lines above the body's first sentence.
    A section that starts inside or after the body (or after such a heading) runs on:
    similar jobs, forms, footers.
    """

    HEADER_LINES = 6
    PROSE_WORDS = 10

    def __init__(self, posting: Posting, units: list[int], norms: Mapping[int, str],
                 dec: Mapping[int, Decision]) -> None:
        from .features import main_span, normalise_title

        self.units = units
        self.nw = nw = [word_count(norms[i]) for i in units]
        self.dropped = dropped = [(d := dec.get(i)) is not None and not d.keep for i in units]
        values = [-6.0 if dropped[k] else (min(nw[k], 40) - 4.0 if nw[k] >= 8 else -2.0 if nw[k] >= 3 else -3.0)
                  for k in range(len(units))]
        # no line of prose, no body: nothing to protect
        self.a, self.b = main_span(values) if values and max(values) > 0 else (0, -1)
        self.title = normalise_title(posting, units, norms)
        self.norms = norms

    def opens_body(self, k: int, keep_hits: set[int]) -> bool:
        """A line a keep rule kept with prose right under it: a heading that opens
        the description ("About the job")."""
        nxt = k + 1
        return (self.units[k] in keep_hits and nxt < len(self.units)
                and self.nw[nxt] >= self.PROSE_WORDS and not self.dropped[nxt])

    def stop(self, k: int, stop: int, keep_hits: set[int]) -> int:
        """The unit index (exclusive) where a drop section that starts at unit ``k``
        and would run to ``stop`` ends."""
        a = self.a
        if self.b < 0 or k >= a or any(self.opens_body(k2, keep_hits) for k2 in range(k)):
            return stop  # inside or after the body: the section may run on
        units = self.units
        for k2 in range(k + 1, min(stop, a)):
            if self.opens_body(k2, keep_hits):
                return k2
        title = self.title
        for k2 in range(k + 1, min(stop, a)):
            x = self.norms[units[k2]]
            if title and len(x) >= 3 and x in title and self.nw[k2] <= 10 and not self.dropped[k2]:
                return k2
        return min(stop, max(k + 1, a - self.HEADER_LINES))


def _segment_line(lr: LineResult, rules: RuleSet, site: str) -> None:
    text = lr.text
    spans = split_segments(text)
    if len(spans) < 2:
        # one segment: a segment rule that matches the whole line drops the line
        r = rules.match_regex(text, site, "segment", "drop")
        if r is not None and rules.match_regex(text, site, "segment", "keep") is None:
            lr.decision = Decision(False, "rule", r.id)
        return
    segs = []
    for a, b in spans:
        s = text[a:b]
        keep_r = rules.match_regex(s, site, "segment", "keep")
        drop_r = None if keep_r else rules.match_regex(s, site, "segment", "drop")
        if keep_r is not None:
            d = Decision(True, "rule", keep_r.id)
        elif drop_r is not None:
            d = Decision(False, "rule", drop_r.id)
        else:
            assert lr.decision is not None
            d = lr.decision
        segs.append(SegmentResult(a, b, s, d))
    # legal boilerplate runs on to the end of its paragraph: once a sentence is
    # dropped by a rule, the sentences after it (not " · " fields) go with it
    for k in range(1, len(segs)):
        prev = segs[k - 1]
        gap = text[prev.end:segs[k].start]
        if (not prev.decision.keep and prev.decision.source in ("rule", "follows")
                and not gap.strip() and segs[k].decision.keep and segs[k].decision.source != "rule"):
            segs[k].decision = Decision(False, "follows", prev.decision.rule)
    if all(not s.decision.keep for s in segs):
        lr.decision = segs[0].decision
        return
    if all(s.decision == lr.decision for s in segs):
        return
    lr.segments = segs


#: a repeated run of prose lines (each this many words) is a copy only when it is this long
_PROSE_REPEAT_WORDS = 12
_PROSE_REPEAT_LINES = 6


def repeated_blocks(units: list[int], norms: dict[int, str], min_lines: int = 2) -> set[int]:
    """Units that repeat, as a run of at least ``min_lines``, a run seen earlier. A run
    of prose lines (each of :data:`_PROSE_REPEAT_WORDS` words or more) shorter than
    :data:`_PROSE_REPEAT_LINES` is no copy: duties that two streams of one posting share,
    a paragraph the employer says twice.

    >>> lines = ["Title", "Acme", "Apply", "Title", "Acme", "Body text here."]
    >>> sorted(repeated_blocks(list(range(6)), {i: l.lower() for i, l in enumerate(lines)}))
    [3, 4]
    """
    seq = [norms[i] for i in units]
    hits: set[int] = set()
    if len(set(seq)) == len(seq):
        return hits  # no line repeats: the common case for a description-only capture
    first: dict[str, list[int]] = {}
    k = 0
    n = len(seq)
    while k < n:
        earlier = first.get(seq[k])
        if earlier is None:
            first[seq[k]] = [k]
            k += 1
            continue
        best = 1  # seq[j] == seq[k] for every earlier j
        nxt = seq[k + 1] if k + 1 < n else None
        for j in earlier:
            # most earlier copies differ at the next line: check that before the loop
            if j + 1 < k and seq[j + 1] == nxt:
                length = 2
                while k + length < n and j + length < k and seq[j + length] == seq[k + length]:
                    length += 1
                if length > best:
                    best = length
        earlier.append(k)
        if best >= min_lines and best < _PROSE_REPEAT_LINES and all(
                word_count(seq[m]) >= _PROSE_REPEAT_WORDS for m in range(k, k + best)):
            best = 0  # a few sentences said twice (duties shared by two streams): the posting's own
        if best >= min_lines:
            for m in range(k, k + best):
                hits.add(units[m])
                first.setdefault(seq[m], []).append(m)
            k += best
        else:
            k += 1
    return hits


_KEY_WORD = re.compile(r"\w+")
_ASCII_NON_WORD_TO_SPACE = bytes(c if c < 128 and (chr(c).isalnum() or c == 95) else 32 for c in range(256))


class _WordChar(Exception):
    """A word character outside ASCII: the text's words are the pattern's to find."""


def _space_non_word(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a space for each non-ASCII character that is no ``\\w``
    (``str.isalnum``, as the ``re`` module's Unicode ``\\w``; ``_`` is ASCII)."""
    assert isinstance(exc, UnicodeEncodeError)
    run = exc.object[exc.start:exc.end]
    if any(c.isalnum() for c in run):
        raise _WordChar
    return " " * len(run), exc.end


codecs.register_error("jdreview.non-word-space", _space_non_word)
#: a near-duplicate's first copy lies at least this many units before it (the lines of
#: one header block name each other: "Data Engineer at Acme", "Acme")
_NEAR_GAP = 4
#: near-duplicate lines are short: facts, header lines, summary items
_NEAR_WORDS = 12
#: the most distinct words a first copy of a near duplicate holds (twice a repeat's and two)
_FIRST_WORDS = 2 * _NEAR_WORDS + 2


@lru_cache(maxsize=CACHE_ENTRIES)
def _key_words(norm: str) -> tuple[frozenset[str], int]:
    """A line's distinct words and how many words it has (cached: the header and
    facts lines that near-duplicates are made of repeat across a site's postings)."""
    # \w of ASCII text is [A-Za-z0-9_]: the rest made spaces by a byte table, in C; so is
    # a text whose other characters are no word characters (£, ’, –: a space each)
    data: bytes | None
    if norm.isascii():
        data = norm.encode()
    else:
        try:
            data = norm.encode("ascii", "jdreview.non-word-space")
        except _WordChar:
            data = None
    if data is not None:
        words = data.translate(_ASCII_NON_WORD_TO_SPACE).decode().split()
    else:
        words = _KEY_WORD.findall(norm)
    return frozenset(map(sys.intern, words)), len(words)  # one string per word: the sets share them


def near_duplicate_blocks(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                          min_lines: int = 3, lines: list[str] | None = None) -> set[int]:
    """Units of a block that repeats what the posting said earlier: a second header,
    a "job details" block restating the header's facts, a summary after the body.

    A short line (at most twelve words) is a repeat when all of its words (digits
    included) occur in one line at least four units earlier that holds at most twice
    as many (and a rule did not drop). A run of units with at least ``min_lines``
    repeats, broken only by lines a rule dropped and short label lines (three words
    or fewer) before a repeat, loses its repeats, its labels and its heading (up to
    two short lines above it); the first copy stays, and so does a line a rule decided. A line that adds a word is not a repeat, so a block that adds facts stays.
    With ``lines``, a line of a sentence split over lines is never a copy.

    >>> ls = ["Data Engineer", "Acme", "Berlin", "Full-time", "We build pipelines in Python every day for you.",
    ...       "Job details", "Location", "Berlin", "Job type", "Full-time", "Acme"]
    >>> sorted(near_duplicate_blocks(list(range(11)), {i: l.lower() for i, l in enumerate(ls)}, {}))
    [5, 6, 7, 8, 9, 10]
    """
    n = len(units)
    keys: list[frozenset[str]] = []
    # word -> the first 64 earlier lines (whole, not dropped by a rule) that hold it.
    # Until 64 lines are indexed no list is cut, so it may leave out the lines of more
    # than _FIRST_WORDS distinct words, which are no first copy of any repeat (twice
    # twelve words and two); after that it holds every line, as the cut needs.
    index: dict[str, list[int]] = {}
    indexed: list[int] = []
    every = False
    repeat = [False] * n
    small = [False] * n
    # a line of a sentence that a capture split over lines ("in", "einem") repeats
    # words by chance: only whole lines count, as copies and as first copies
    from .features import blocks  # the block joiner lives with the features

    block_of = blocks(lines, units) if lines is not None else list(range(n))
    whole = [(k == 0 or block_of[k - 1] != block_of[k]) and (k + 1 == n or block_of[k + 1] != block_of[k])
             for k in range(n)]
    for k, i in enumerate(units):
        key, nwords = _key_words(norms[i])
        keys.append(key)
        small[k] = nwords <= 3
        if not whole[k]:
            continue
        if key and nwords <= _NEAR_WORDS:
            # candidates: the earlier lines holding this line's rarest word (the first
            # of the rarest, as min() picks); a word no earlier line holds: none
            candidates: list[int] = []
            fewest = 1 << 30
            for w in key:
                lst = index.get(w)
                if lst is None:
                    candidates = []
                    break
                if len(lst) < fewest:
                    fewest, candidates = len(lst), lst
            for j in candidates:
                # the first copy says about as much: a page-title line that names the
                # job, the company and the place is no first copy of the job's title
                if k - j >= _NEAR_GAP and key <= keys[j] and len(keys[j]) <= 2 * len(key) + 2:
                    repeat[k] = True
                    break
        d = dec.get(i)
        if d is not None and not d.keep:
            continue  # a line a rule dropped is no first copy
        if not every and len(indexed) == 64:
            every = True  # from here lists may be cut: index the long lines too
            index = {}
            for m in indexed:
                for w in keys[m]:
                    index.setdefault(w, []).append(m)
        indexed.append(k)
        if every:
            for w in key:
                lst = index.setdefault(w, [])
                if len(lst) < 64:
                    lst.append(k)
        elif len(key) <= _FIRST_WORDS:
            for w in key:
                lst = index.setdefault(w, [])
                lst.append(k)
    hits: set[int] = set()
    k = 0
    while k < n:
        if not repeat[k]:
            k += 1
            continue
        # grow the run: repeats, short labels and rule-dropped lines
        j = k
        members: list[int] = []
        count = 0
        while j < n:
            i = units[j]
            d = dec.get(i)
            if repeat[j]:
                members.append(j)
                count += 1
            elif d is not None and not d.keep:
                pass
            elif small[j] and j + 1 < n and repeat[j + 1]:
                members.append(j)  # a label before a repeated value
            else:
                break
            j += 1
        # the first value's label and the block's heading ("Job details", "Location")
        back = k - 1
        while back >= 0 and k - back <= 2 and small[back] and not repeat[back]:
            members.append(back)
            back -= 1
        if count >= min_lines:
            hits.update(units[m] for m in members if units[m] not in dec)
        k = j + 1
    return hits


_LINK_END = re.compile(r"[.!?:;,]\W*$")


def link_lists(lines: list[str], units: list[int], norms: Mapping[int, str],
               dec: Mapping[int, Decision], min_lines: int = 8, page_title: str = "") -> set[int]:
    """Navigation and link lists: runs of at least ``min_lines`` short lines (four
    words or fewer, no closing punctuation) before the body's header block (the six
    lines above its first sentence) or after its last sentence. A line a rule kept,
    a "Label:" line, or a line the page title names (the job, the company) breaks a run.

    >>> ls = ["Home", "Jobs", "Teams", "Benefits", "Offices", "Blog", "Press", "Help",
    ...       "Careers", "Events", "Data Engineer", "Acme", "Berlin", "Hybrid", "Full-time", "Senior",
    ...       "We build data pipelines for the whole company every single day.", "Apply"]
    >>> sorted(link_lists(ls, list(range(18)), {i: l.lower() for i, l in enumerate(ls)}, {}))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    n = len(units)
    # words in any script: a Chinese or Japanese sentence is not one short "word"
    nw = [word_count(norms[i]) for i in units]
    body = [k for k in range(n) if nw[k] >= 10 and not ((d := dec.get(units[k])) is not None and not d.keep)]
    if not body:
        return set()
    first, last = body[0], body[-1]
    hits: set[int] = set()
    # before the body's header block (the six lines above its first sentence) and
    # after its last sentence
    for lo, hi in ((0, first - 6), (last + 1, n)):
        run: list[int] = []
        for k in range(lo, hi):
            i = units[k]
            d = dec.get(i)
            norm = norms[i]
            short = nw[k] <= 4 and not _LINK_END.search(norm)
            named = bool(page_title) and len(norm) >= 3 and norm in page_title and k > 1
            if short and not named and not (d is not None and d.keep):
                run.append(k)
            elif d is not None and not d.keep:
                continue  # a line a rule dropped neither breaks nor extends a run
            else:
                if len(run) >= min_lines:
                    hits.update(units[m] for m in run)
                run.clear()
        if len(run) >= min_lines:
            hits.update(units[m] for m in run)
    return hits




def repeated_titles(posting: Posting, units: list[int], norms: dict[int, str],
                    dec: Mapping[int, Decision], rules: RuleSet | None = None,
                    kept: Iterable[int] | None = None) -> set[int]:
    """Copies of the posting's title: the page ``<title>`` line a collector put first
    (when the title shows again in the header, or it carries a " | Site" suffix), and a
    second copy of a header line that follows the first within the header block. The
    header ends where the body opens: at a description heading a keep rule kept (a title
    said again under "Job Description" is the body's heading), and, for the posting's
    own title, at the first line of prose (a collector's first line that the body
    repeats after its first paragraph is the posting's title, and so is the copy). A " | " line whose parts a keep rule names ("Sydney | Full-Time | On-Site")
    is the header's facts, no page title.

    >>> ls = ["**URL:** https://example.com/jobs/1", "Data Engineer", "Berlin", "Job Description",
    ...       "Data Engineer", "You will build the pipelines that feed our reports, in Python and SQL."]
    >>> d = {3: Decision(True, "rule", "description-heading")}
    >>> sorted(repeated_titles(Posting.from_text("\\n".join(ls)), list(range(6)),
    ...                        {i: x.lower() for i, x in enumerate(ls)}, d))
    []
    """
    hits: set[int] = set()
    if not units:
        return hits
    lines = posting.lines
    # the body opens at a heading a keep rule names the description's ("Job Description",
    # "Stellenbeschreibung") or at the first line of prose no rule dropped: a copy of the
    # title after that is the body's own heading, not the header said again
    opens, heading = _body_opening(units, norms, dec, kept)
    # the collector's page-title line right after a "**URL:**" line
    if len(units) > 2 and URL_LINE.match(lines[units[0]]):
        t = units[1]
        title = norms[t]
        later = {norms[i] for i in units[2:min(60, opens)]}
        parts = [p.strip() for p in re.split(r"\s(?:\||–|-|—|I|::)\s", title) if p.strip()]
        # "Job Application for Senior Data Engineer at Acme": a page title that holds
        # a later header line (the job title, the company) is the page's <title>
        holds_later = any(x in title and x != title and 1 <= x.count(" ") <= 11 for x in later)
        if title in later or any(p in later for p in parts if len(p) > 3) or holds_later or (
                " | " in lines[t] and len(title.split()) <= 16 and not _facts_line(parts, rules, posting.site)):
            hits.add(t)
    # a header line repeated after the first few header lines (before the body starts)
    seen: dict[str, int] = {}
    # the posting's own title (its first line, or the collector's line taken for no page
    # title) said again once the body opened is the body's heading
    first = 1 if URL_LINE.match(lines[units[0]]) else 0
    own = norms[units[first]] if first < len(units) and units[first] not in hits else None
    for k, i in enumerate(units[:min(40, heading)]):
        text = norms[i]
        if k >= opens and text == own:
            continue
        words = word_count(text)
        if words > 14:
            if words > 25:
                break
            continue
        if words >= _PROSE_REPEAT_WORDS and _HEADING_END.search(text):
            continue  # a sentence said twice is no header line
        if not words or _LABEL_END.search(text):
            continue  # nor is a line of no words (a lone "·") or a label ("Requirements:")
        if text in seen and k - seen[text] <= 12 and i not in dec and units[seen[text]] not in hits:
            hits.add(i)
        seen.setdefault(text, k)
    return hits


#: the keep rule whose headings open a job description
_DESCRIPTION_HEADING = "description-heading"


def _body_opening(units: list[int], norms: Mapping[int, str], dec: Mapping[int, Decision],
                  kept: Iterable[int] | None = None) -> tuple[int, int]:
    """Where the body opens, for the header's copies, as unit indexes: the first line of
    prose (at least :data:`_PROSE_WORDS` words) no rule dropped or a heading the
    description-heading keep rule kept, whichever comes first; and that heading
    (``len(units)`` when there is none)."""
    n = len(units)
    # the heading, from the lines keep rules kept (a few) rather than from every line
    if kept is None:
        kept = [i for i, d in dec.items() if d.keep]
    first = min((i for i in kept if dec[i].rule == _DESCRIPTION_HEADING), default=None)
    heading = bisect.bisect_left(units, first) if first is not None else n
    for k in range(2, min(n, heading, 60)):
        i = units[k]
        d = dec.get(i)
        if (d is None or d.keep) and word_count(norms[i]) >= _PROSE_WORDS:
            return k, heading
    return min(heading, n), heading


def _facts_line(parts: list[str], rules: RuleSet | None, site: str) -> bool:
    """Some part of a " | " line is a value a keep rule names (a work type, a place):
    the line is the header's facts ("Sydney CBD | Full-Time | On-Site"), no page title."""
    if rules is None:
        return False
    for part in parts:
        r = rules.match_exact(part, site, rules.normalised(part))
        if r is not None and r.action == "keep":
            return True
    return False

