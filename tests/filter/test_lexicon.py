"""The multilingual boilerplate lexicon (issue 13 item 4): shipped as data, read and
validated, matched in every script, and usable by rules of kind "lexicon"."""

from __future__ import annotations

import pytest

from jdreview.errors import InputError
from jdreview.filter.lexicon import DROP_CUES, cues, lexicon, parse_lexicon
from jdreview.filter.pipeline import auto_filter
from jdreview.filter.rules import parse_rules
from jdreview.io.posting import Posting

#: the corpus's 15 languages, and the ones issue 13 adds
LANGUAGES = {"en", "de", "fi", "nl", "fr", "it", "es", "pt", "sv", "sk", "uk", "ru", "zh", "ja", "vi", "pl", "ar"}


def test_the_legal_cues_cover_every_language_the_issue_names() -> None:
    lex = lexicon()
    for name in ("eeo", "privacy"):
        assert LANGUAGES <= set(lex[name]), (name, LANGUAGES - set(lex[name]))
    for name in DROP_CUES + ("cta",):
        assert len(lex[name]) >= 12, name


@pytest.mark.parametrize(("text", "expected"), [
    ("Acme is an equal opportunity employer.", ("eeo",)),
    ("Nous traitons vos données personnelles selon le RGPD.", ("privacy",)),
    ("Требуется справка об отсутствии судимости.", ("background_check",)),
    ("本公司为平等就业机会雇主，不分种族。", ("eeo",)),
    ("当社は個人情報保護方針に基づき個人情報を取り扱います。", ("privacy",)),
    ("نحن نؤمن بتكافؤ الفرص", ()),  # a phrase starts at a word start: "بتكافؤ" is another word
    ("نحن نوفر تكافؤ الفرص للجميع", ("eeo",)),
    ("Please, no agencies.", ("agency",)),
    ("Only shortlisted candidates will be contacted.", ("contact",)),
    ("Seuls les candidats retenus seront contactés.", ("contact",)),
    ("Solo se contactará a los candidatos preseleccionados.", ("contact",)),
    ("Skontaktujemy się tylko z wybranymi kandydatami.", ("contact",)),
    ("Мы свяжемся только с подходящими кандидатами.", ("contact",)),
    ("书面材料合适者将另行通知面试。", ("contact",)),
    ("書類選考通過者のみご連絡いたします。", ("contact",)),
    ("سيتم التواصل فقط مع المرشحين المختارين", ("contact",)),
    ("We may use artificial intelligence (AI) tools to support parts of the hiring process.", ("ai_hiring",)),
    ("We build data pipelines with Python, SQL and Spark every day.", ()),
])
def test_cues_in_many_scripts(text: str, expected: tuple[str, ...]) -> None:
    assert cues(text) == expected


def test_a_bad_lexicon_file_is_refused() -> None:
    with pytest.raises(InputError, match="schema"):
        parse_lexicon("schema = 2\n[cue.x]\nen = ['a b']\n")
    with pytest.raises(InputError, match="non-empty phrases"):
        parse_lexicon("schema = 1\n[cue.x]\nen = ['']\n")


def test_a_lexicon_rule_names_known_cues_only() -> None:
    with pytest.raises(InputError, match=r"rules\.toml:6: rule 'x': a lexicon rule's pattern"):
        parse_rules("schema = 1\n\n[[rule]]\nid = 'x'\nkind = 'lexicon'\npattern = ['nonsense']\n", "rules.toml")


def test_a_lexicon_rule_drops_the_sentence_and_keeps_the_rest_of_the_line() -> None:
    rs = parse_rules("schema = 1\n[[rule]]\nid = 'legal'\nkind = 'lexicon'\nunit = 'segment'\n"
                     "pattern = ['eeo']\n")
    p = Posting.from_text("Data Engineer\nYou build pipelines in Python. We are an equal opportunity employer.\n")
    res = auto_filter(p, rs)
    assert res.cleaned_text() == "Data Engineer\nYou build pipelines in Python.\n"
    assert [u[3].reason for u in res.units()][-1] == "rule:legal"
    again = parse_rules("schema = 1\n" + rs.rules[0].to_toml()).rules[0]
    assert (again.kind, again.pattern, again.unit) == ("lexicon", ("eeo",), "segment")


def _corpus_lines() -> list[str]:
    from corpus_lines import corpus_lines

    return corpus_lines(300)


def test_the_one_pass_check_gives_the_word_by_word_answer_on_the_corpus() -> None:
    """cues() first asks one RE2 set whether any phrase occurs at all; on every corpus
    line (and NHS line, and the cases above) the answer is the word-by-word lookup's."""
    from jdreview.filter.lexicon import _cues_folded, fold

    lines = _corpus_lines() + [
        "Tekeeo offers EEO: we are an equal opportunity employer",  # a phrase inside a word, and at a start
        "xequal opportunity employer",  # only inside a word: no cue
        "Lone \ud800 surrogate: equal opportunity employer",
    ]
    found = 0
    for text in lines:
        want = _cues_folded(fold(text))
        assert cues(text) == want, text
        found += bool(want)
    assert found > 50  # the corpus holds cues, not only their misses
    assert cues("xequal opportunity employer") == ()


def test_boilerplate_does_not_spread_over_a_text_without_blank_lines() -> None:
    """A description given one line per block with no blank line between (a feed's, a
    copied page's) is no paragraph: an EEO line at its top takes no job lines with it
    (a real NHS Jobs posting lost its whole body this way)."""
    rs = parse_rules("schema = 1\n[[rule]]\nid = 'legal'\nkind = 'lexicon'\npattern = ['eeo']\n")
    body = ["We welcome and encourage applications from everyone, including underrepresented groups.",
            "We are seeking to recruit a scientist to lead the travel health section's surveillance work.",
            "The duties of the post relate to the two main areas of work of the section and its teams.",
            "The post will involve responding to international communications and data analyses.",
            "We are seeking applicants with a post graduate qualification in epidemiology or similar."]
    res = auto_filter(Posting.from_text("Senior Scientist\n\n" + "\n".join(body) + "\n"), rs)
    assert res.cleaned_text() == "Senior Scientist\n\n" + "\n".join(body[1:]) + "\n"
    # a short paragraph that opens with boilerplate still goes whole
    short = body[0] + "\nEveryone is welcome here.\n"
    res = auto_filter(Posting.from_text("Senior Scientist\n\n" + short + "\n" + body[1] + "\n"), rs)
    assert "Everyone is welcome" not in res.cleaned_text()
    assert body[1] in res.cleaned_text()
