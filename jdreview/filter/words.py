"""Script-aware words: tokens, word counts and sentence ends for every script.

Words are counted by spaces in most scripts, but Chinese, Japanese and Thai write
without spaces between words: a Chinese paragraph is one "word" to ``str.split``, so a
rule that looks for short lines (a link list, a header line) takes a whole Chinese
body for a menu. Here a run of Han, kana or Thai characters counts as the words it
holds on average (about :data:`CJK_CHARS_PER_WORD` characters a word for Han and
kana, :data:`THAI_CHARS_PER_WORD` for Thai), and gives one token per character pair
(Han and kana) or per character trigram (Thai), as search engines index these scripts.

>>> word_count("We build data pipelines.")
4
>>> word_count("我们正在寻找一名经验丰富的数据工程师加入团队")
11
>>> tokens("数据工程师 and Python")
['数据', '据工', '工程', '程师', 'and', 'python']
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..limits import CACHE_ENTRIES

#: average characters of a word in Han and kana text (Chinese words are mostly two)
CJK_CHARS_PER_WORD = 2
#: average characters of a word in Thai text
THAI_CHARS_PER_WORD = 4

# Han (with extension A and compatibility ideographs), hiragana, katakana (and the
# prolonged sound mark), half-width katakana
_CJK = "\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
# Thai, Lao, Khmer, Myanmar: also written without spaces between words
_THAI = "\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_THAI_RUN = re.compile(f"[{_THAI}]+")
_RUNS = re.compile(f"[{_CJK}]+|[{_THAI}]+")
_UNSPACED = re.compile(f"[{_CJK}{_THAI}]")
# a word of a spaced script: letters only, two or more (as the classifier always had);
# only used on text without Han, kana or Thai
_SPACED_WORD = re.compile(r"[^\W\d_]{2,}")
_ASCII_WORD = re.compile("[a-z]{2,}")
_SPACED_SPLIT = re.compile(f"[{_CJK}{_THAI}]+")

#: sentence-final punctuation of Chinese and Japanese (needs no space after it)
CJK_SENTENCE_END = "\u3002\uff01\uff1f"


def has_unspaced(text: str) -> bool:
    """Whether ``text`` holds Han, kana or Thai characters.

    >>> has_unspaced("Apply now"), has_unspaced("応募する")
    (False, True)
    """
    return _UNSPACED.search(text) is not None


@lru_cache(maxsize=CACHE_ENTRIES)
def word_count(text: str) -> int:
    """Words of ``text`` in any script: whitespace-separated words, with each run of
    Han or kana characters counted as one word per :data:`CJK_CHARS_PER_WORD`
    characters and Thai as one per :data:`THAI_CHARS_PER_WORD` (rounded up).

    >>> word_count("Apply"), word_count(""), word_count("東京都 渋谷区")
    (1, 0, 4)
    """
    if text.isascii() or _UNSPACED.search(text) is None:
        return len(text.split())
    n = 0
    for m in _CJK_RUN.finditer(text):
        n += -(-len(m.group()) // CJK_CHARS_PER_WORD)
    for m in _THAI_RUN.finditer(text):
        n += -(-len(m.group()) // THAI_CHARS_PER_WORD)
    # what remains between the runs is spaced text ("Python", "3年以上" -> "3")
    n += len(_SPACED_SPLIT.sub(" ", text).split())
    return n


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens: words of two or more letters in spaced scripts,
    character bigrams of Han and kana runs, character trigrams of Thai runs (a run
    shorter than its n-gram is one token).

    >>> tokens("Senior Data Engineer (m/w/d)")
    ['senior', 'data', 'engineer']
    >>> tokens("ตำแหน่งงาน")
    ['ตำแ', 'ำแห', 'แหน', 'หน่', 'น่ง', '่งง', 'งงา', 'งาน']
    """
    low = text.casefold()
    if low.isascii():
        return _ASCII_WORD.findall(low)  # [^\W\d_] of ASCII text that has no capitals
    if _UNSPACED.search(low) is None:
        return _SPACED_WORD.findall(low)
    out: list[str] = []
    pos = 0
    for m in _RUNS.finditer(low):
        out.extend(_SPACED_WORD.findall(low, pos, m.start()))
        run = m.group()
        size = 2 if _CJK_RUN.match(run) else 3
        if len(run) <= size:
            out.append(run)
        else:
            out.extend(run[k:k + size] for k in range(len(run) - size + 1))
        pos = m.end()
    out.extend(_SPACED_WORD.findall(low, pos))
    return out
