"""A multilingual lexicon of boilerplate cues (``jdreview/data/lexicon.toml``).

Legal, EEO, accommodation, background-check, AI-in-hiring, privacy, consent, agency,
recruiting-contact ("only shortlisted candidates will be contacted") and call-to-action
prose reads like content to a line scorer that knows only the
words of its training sites. The lexicon names such prose by phrase, in the corpus's
languages and more (English, German, French, Spanish, Italian, Dutch, Portuguese,
Swedish, Finnish, Slovak, Polish, Ukrainian, Russian, Vietnamese, Chinese, Japanese,
Arabic). It is data, like the default rules: a phrase is matched case-folded, as a
substring that starts at a word start (anywhere, for Chinese and Japanese phrases).

:func:`cues` gives the cue names of a text: features for the classifier, and what a
rule of kind ``lexicon`` (``pattern`` = cue names) matches to drop a line or sentence.
Two cues are for the posting's tail only (:func:`jdreview.filter.pipeline.tail_blocks`),
not for any drop rule: ``signoff`` (generic sign-offs and encouragement to apply) and
``contact_person`` (the contact for questions), which the tail stage acts on only in
short lines after the body starts. Two more name what the filter keeps, not drops
(:data:`KEEP_CUES`, :func:`jdreview.filter.pipeline.requirement_lines`): ``requirement``
(work authorisation, visa, nationality and residence requirements, the application
deadline) and ``documents`` (the documents an application must hold, in a sentence);
:func:`keep_cues` names them, :func:`cues` the others.
Phrases are plain strings, not regexes: lookup by first characters keeps matching
linear, and any regex engine the rules move to is unaffected.

>>> cues("Acme is an Equal Opportunity Employer.")
('eeo',)
>>> cues("Wir verarbeiten Ihre personenbezogenen Daten gemäß DSGVO.")
('privacy',)
>>> cues("我们是平等就业机会雇主")
('eeo',)
>>> cues("You will build data pipelines in Python.")
()
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import InputError
from ..limits import CACHE_ENTRIES
from .words import has_unspaced

SCHEMA = 1
#: the cues the filter keeps a line by, not drops (:func:`keep_cues`): looked up apart, so
#: the one pass every line makes over the drop cues does not grow with them
KEEP_CUES = ("requirement", "documents")
#: the cues a lexicon rule drops by default: every cue but calls to action (a
#: how-to-apply sentence can be specific to the job)
DROP_CUES = ("eeo", "accommodation", "background_check", "ai_hiring", "privacy", "consent", "agency",
             "contact")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict[str, tuple[str, ...]]]:
    """The shipped lexicon: cue name -> language -> phrases (case-folded)."""
    source = "jdreview/data/lexicon.toml"
    data = resources.files("jdreview").joinpath("data", "lexicon.toml").read_text(encoding="utf-8")
    return parse_lexicon(data, source)


def parse_lexicon(data: str, source: str = "<lexicon>") -> dict[str, dict[str, tuple[str, ...]]]:
    """Validate and read a lexicon file; a bad file is an :class:`InputError`."""
    try:
        obj: dict[str, Any] = tomllib.loads(data)
    except tomllib.TOMLDecodeError as e:
        raise InputError(source, f"not valid TOML: {e}") from None
    if obj.get("schema") != SCHEMA:
        raise InputError(source, f"schema must be {SCHEMA}, not {obj.get('schema')!r}")
    cues = obj.get("cue")
    if not isinstance(cues, dict) or not cues:
        raise InputError(source, "no [cue.NAME] tables")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, table in cues.items():
        if not isinstance(table, dict):
            raise InputError(source, f"cue {name!r} is not a table")
        langs: dict[str, tuple[str, ...]] = {}
        for lang, phrases in table.items():
            if lang == "note":
                continue
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
                raise InputError(source, f"cue {name!r}, language {lang!r}: a list of non-empty phrases")
            langs[lang] = tuple(" ".join(p.split()).casefold() for p in phrases)
        out[name] = langs
    return out


_WORD_START = re.compile(r"\b\w")
_KEY = 3  # phrases are looked up by their first three characters


@lru_cache(maxsize=2)
def _index(keep: bool = False) -> tuple[dict[str, tuple[tuple[str, str], ...]], dict[str, tuple[tuple[str, str], ...]]]:
    """Phrases by their first characters: (spaced-script phrases, tried at word
    starts; Chinese and Japanese phrases, tried at every Han or kana character); of
    the :data:`KEEP_CUES` with ``keep``, of the others without."""
    spaced: dict[str, list[tuple[str, str]]] = {}
    unspaced: dict[str, list[tuple[str, str]]] = {}
    for name, langs in lexicon().items():
        if (name in KEEP_CUES) != keep:
            continue
        for phrases in langs.values():
            for p in phrases:
                if has_unspaced(p[:1]):
                    unspaced.setdefault(p[:2], []).append((p, name))
                else:
                    spaced.setdefault(p[:_KEY], []).append((p, name))
    return ({k: tuple(v) for k, v in spaced.items()}, {k: tuple(v) for k, v in unspaced.items()})


@lru_cache(maxsize=1)
def _any_phrase() -> Any:
    """Every phrase as a literal in one RE2 set: a single pass over a line's UTF-8
    says whether any phrase occurs in it at all, word start or not. Most lines hold
    none; only those that do are looked at word by word."""
    return _literal_set(p for name, langs in lexicon().items() if name not in KEEP_CUES
                        for phrases in langs.values() for p in phrases)


@lru_cache(maxsize=8)
def _phrase_set(names: tuple[str, ...]) -> Any:
    """The phrases of the cues ``names`` as literals in one RE2 set (small: a few cues)."""
    table = lexicon()
    return _literal_set(p for name in names for phrases in table.get(name, {}).values() for p in phrases)


def _literal_set(phrases: Iterable[str]) -> Any:
    """``phrases`` as literals in one compiled, unanchored RE2 set."""
    from re2 import _re2  # the rule engine's dependency; imported when first matched

    opts = _re2.RE2.Options()
    opts.never_capture = True
    opts.log_errors = False
    ps = _re2.Set(_re2.RE2.Anchor.UNANCHORED, opts)
    for p in phrases:
        if ps.Add(re.escape(p).encode()) < 0:
            raise ValueError(f"lexicon phrase {p!r}: RE2 refused it as a literal")
    if not ps.Compile():
        raise ValueError("lexicon phrases: RE2 could not compile the set")
    return ps


def keep_cues(text: str, folded: bool = False) -> tuple[str, ...]:
    """The :data:`KEEP_CUES` ``text`` holds (:func:`cues` names the others): one pass
    over their small set says whether any phrase occurs at all, and only a line where
    one does is looked at word by word. ``folded``: ``text`` is folded already (a
    line's normalised form, :func:`jdreview.filter.rules.normalise`).

    >>> keep_cues("The deadline to apply is 5 May.")
    ('requirement',)
    >>> keep_cues("You will build data pipelines.")
    ()
    """
    text = text if folded else fold(text)
    try:
        if not _phrase_set(KEEP_CUES).Match(text.encode()):
            return ()
    except UnicodeEncodeError:  # lone surrogates: RE2 reads UTF-8 only
        pass
    return _cues_folded(text, True)


def fold(text: str, norm: str | None = None) -> str:
    """The form phrases are matched in: whitespace and case folded, and an escaped
    ampersand a text copy kept ("Diversity &amp; Inclusion") read as "&". ``norm``,
    when given, is the text with whitespace and case folded already (the rules'
    ``normalise``, which the filter computes of every line)."""
    folded = " ".join(text.split()).casefold() if norm is None else norm
    return folded.replace("&amp;", "&") if "&amp;" in folded else folded


#: text -> its cues (cleared when full, as the rules' caches are)
_CUES: dict[str, tuple[str, ...]] = {}


def cues(text: str, norm: str | None = None) -> tuple[str, ...]:
    """The names of the cues ``text`` holds, in lexicon order (cached per text).
    The classifier's features for boilerplate prose; empty for most lines. A caller
    that has the text's ``normalise`` (whitespace and case folded) passes it as
    ``norm``: the text is then not folded again.

    Linear in the text: one RE2 pass over the line says whether any phrase occurs
    in it as a substring (a line where none does holds no cue); in a line where one
    does, each word start is looked up by its first characters, and only the few
    phrases that begin so are compared."""
    found = _CUES.get(text)
    if found is None:
        folded = fold(text, norm)
        try:
            found = _cues_folded(folded) if _any_phrase().Match(folded.encode()) else ()
        except UnicodeEncodeError:  # lone surrogates: RE2 reads UTF-8 only
            found = _cues_folded(folded)
        if len(_CUES) >= CACHE_ENTRIES:
            _CUES.clear()
        _CUES[text] = found
    return found


def _cues_folded(folded: str, keep: bool = False) -> tuple[str, ...]:
    """:func:`cues` of a folded text, without the one-pass check: each word start
    compared with the phrases that begin with its first characters (the reference
    the one-pass check is tested against)."""
    spaced, unspaced = _index(keep)
    found: set[str] = set()
    for m in _WORD_START.finditer(folded):
        pos = m.start()
        for phrase, name in spaced.get(folded[pos:pos + _KEY], ()):
            if name not in found and folded.startswith(phrase, pos):
                found.add(name)
    if unspaced and has_unspaced(folded):
        for pos in range(len(folded) - 1):
            cands = unspaced.get(folded[pos:pos + 2])
            if cands:
                for phrase, name in cands:
                    if name not in found and folded.startswith(phrase, pos):
                        found.add(name)
    if not found:
        return ()
    return tuple(name for name in lexicon() if name in found)
