"""Text analysis shared by the whoosh backend: French first, English understood.

Words are lower-cased, French and English stop words dropped, accents folded, then
stemmed with the French Snowball stemmer (``élèves`` and ``eleve`` meet on ``elev``).
Folding comes first so that a word typed without its accents (``accessibilite``) gets
the same stem as the accented one; PostgreSQL's ``parvis_fr`` does the same
(``unaccent`` then ``french_stem``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """French and English stop words."""
    return frozenset(stopwords_for_language("fr")) | frozenset(stopwords_for_language("en"))


def text_analyzer() -> Analyzer:
    """The analyzer of titles and bodies (index and query time)."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=stop_words(), minsize=2)
        | CharsetFilter(accent_map)
        | StemFilter(lang="fr", cachesize=50_000)
    )


def folding_analyzer() -> Analyzer:
    """Lower case and accent folding without stemming (names, prefixes, tags)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def fold(word: str) -> str:
    """``word`` lower-cased without accents."""
    tokens = [t.text for t in folding_analyzer()(word)]
    return "".join(tokens)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The indexed form of one word ('' for a stop word)."""
    tokens = [t.text for t in _analyzer()(word)]
    return tokens[0] if tokens else ""


@lru_cache(maxsize=1)
def _analyzer() -> Analyzer:
    return text_analyzer()


_WORD_SPLIT = re.compile(r"(\w+)", re.UNICODE)


def snippet(text: str, terms: set[str], start_mark: str, end_mark: str, width: int = 30) -> str:
    """About ``width`` words of ``text`` around the densest matches of ``terms`` (stems).

    Matched words are wrapped in ``start_mark``/``end_mark``; '' when nothing matches.
    """
    if not terms or not text:
        return ""
    # [separator, word, separator, word, ..., separator]: word i is parts[2 * i + 1]
    parts = _WORD_SPLIT.split(text)
    words = parts[1::2]
    hits = [i for i, word in enumerate(words) if stem(word) in terms]
    if not hits:
        return ""
    best, best_count = hits[0], 0
    end = 0
    for n, i in enumerate(hits):  # the window starting at a hit that holds the most hits
        end = max(end, n)
        while end < len(hits) and hits[end] < i + width:
            end += 1
        if end - n > best_count:
            best, best_count = i, end - n
    first = max(0, best - 5)
    last = min(len(words), first + width) - 1
    hit_set = set(hits)
    out: list[str] = ["… " if first > 0 or parts[0] else ""]
    for i in range(first, last + 1):
        if i > first:
            out.append(parts[2 * i])
        out.append(f"{start_mark}{words[i]}{end_mark}" if i in hit_set else words[i])
    if last < len(words) - 1 or parts[-1]:
        out.append(" …")
    return "".join(out)
