"""Near-duplicate blocks: the indexed search equals the plain one it replaced.

The filter indexes only the lines that can be a first copy (at most 26 distinct words)
and counts the others towards the 64 lines a word's list is cut at; the reference below
is the search before that change, every line indexed, and both must find the same units,
also where the cut matters (a word in more than 64 lines)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from jdreview.filter import pipeline
from jdreview.filter.decision import Decision
from jdreview.filter.features import blocks


def _reference(units: list[int], norms: dict[int, str], dec: dict[int, Decision],
               min_lines: int = 3, lines: list[str] | None = None) -> set[int]:
    n = len(units)
    keys: list[frozenset[str]] = []
    index: dict[str, list[int]] = {}
    repeat = [False] * n
    small = [False] * n
    block_of = blocks(lines, units) if lines is not None else list(range(n))
    whole = [(k == 0 or block_of[k - 1] != block_of[k]) and (k + 1 == n or block_of[k + 1] != block_of[k])
             for k in range(n)]
    for k, i in enumerate(units):
        words = pipeline._KEY_WORD.findall(norms[i])
        key, nwords = frozenset(words), len(words)
        keys.append(key)
        small[k] = nwords <= 3
        if not whole[k]:
            continue
        if key and nwords <= 12:
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
                if k - j >= 4 and key <= keys[j] and len(keys[j]) <= 2 * len(key) + 2:
                    repeat[k] = True
                    break
        d = dec.get(i)
        if d is not None and not d.keep:
            continue
        for w in key:
            lst = index.setdefault(w, [])
            if len(lst) < 64:
                lst.append(k)
    hits: set[int] = set()
    k = 0
    while k < n:
        if not repeat[k]:
            k += 1
            continue
        j = k
        members: list[int] = []
        count = 0
        while j < n:
            d = dec.get(units[j])
            if repeat[j]:
                members.append(j)
                count += 1
            elif d is not None and not d.keep:
                pass
            elif small[j] and j + 1 < n and repeat[j + 1]:
                members.append(j)
            else:
                break
            j += 1
        back = k - 1
        while back >= 0 and k - back <= 2 and small[back] and not repeat[back]:
            members.append(back)
            back -= 1
        if count >= min_lines:
            hits.update(units[m] for m in members if units[m] not in dec)
        k = j + 1
    return hits


_VOCAB = ["and", "the", "of", "pay", "band", "nhs", "care", "team", "role", "x1", "Berlin", "in"]


def _posting(rnd: random.Random, n: int, vocab: list[str], longest: int) -> list[str]:
    return [" ".join(rnd.choice(vocab) for _ in range(rnd.randint(1, longest))) for _ in range(n)]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 260), st.integers(2, len(_VOCAB)), st.integers(1, 40),
       st.booleans(), st.floats(0, 0.3))
def test_near_duplicates_equal_the_plain_search(seed: int, n: int, vocab: int, longest: int,
                                                 with_lines: bool, dropped: float) -> None:
    rnd = random.Random(seed)
    lines = _posting(rnd, n, _VOCAB[:vocab], longest)
    units = [i for i, x in enumerate(lines) if x.strip()]
    norms = {i: lines[i].casefold() for i in units}
    dec = {i: Decision(False, "rule", "x") for i in units if rnd.random() < dropped}
    got = pipeline.near_duplicate_blocks(units, norms, dec, 3, lines if with_lines else None)
    assert got == _reference(units, norms, dec, 3, lines if with_lines else None)


def _capped(before: int, after: int) -> list[str]:
    """Three short lines after ``before`` long lines holding all their words, ``after``
    more such long lines, a spacer, and the three short lines again."""
    rnd = random.Random(7)

    def long() -> str:
        return " ".join(["and", "pay", "band", "care"] + [f"w{rnd.randint(0, 500)}" for _ in range(30)])

    short = ["and pay", "and band", "and care"]
    return [long() for _ in range(before)] + short + [long() for _ in range(after)] + ["x", "y", "z", "w"] + short


def test_the_cut_at_64_lines_a_word_is_kept() -> None:
    # a word's list of earlier lines is cut at 64 either way: a first copy within the
    # first 64 lines holding its words is found, one after them is not
    for before, after, found in ((30, 40, True), (70, 0, False)):
        lines = _capped(before, after)
        units = list(range(len(lines)))
        norms = {i: x for i, x in enumerate(lines)}
        got = pipeline.near_duplicate_blocks(units, norms, {}, 3)
        assert got == _reference(units, norms, {}, 3)
        assert bool(got) == found
        if found:
            assert got >= set(range(len(lines) - 3, len(lines)))


@given(st.text(st.characters(max_codepoint=127)))
def test_key_words_of_ascii_text_are_the_word_pattern_s(text: str) -> None:
    # ASCII text is split by a byte table in C; the pattern's words are the reference
    words = pipeline._KEY_WORD.findall(text)
    assert pipeline._key_words.__wrapped__(text) == (frozenset(words), len(words))


@given(st.text(st.sampled_from("aZ9_ é£’–•\u00a0\u2028x²ß٣中\ud800-.,")))
def test_key_words_of_mixed_text_are_the_word_pattern_s(text: str) -> None:
    # text whose non-ASCII characters are no word characters goes the byte-table way too
    words = pipeline._KEY_WORD.findall(text)
    assert pipeline._key_words.__wrapped__(text) == (frozenset(words), len(words))
