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


_WORD = re.compile(r"\w+", re.UNICODE)


def snippet(text: str, terms: set[str], start_mark: str, end_mark: str, width: int = 30) -> str:
    """About ``width`` words of ``text`` around the densest matches of ``terms`` (stems).

    Matched words are wrapped in ``start_mark``/``end_mark``; '' when nothing matches.
    """
    if not terms or not text:
        return ""
    words = list(_WORD.finditer(text))
    hits = [i for i, m in enumerate(words) if stem(m.group()) in terms]
    if not hits:
        return ""
    best, best_count = hits[0], 0
    for i in hits:  # the window starting a little before a hit that holds the most hits
        count = sum(1 for j in hits if i <= j < i + width)
        if count > best_count:
            best, best_count = i, count
    first = max(0, best - 5)
    last = min(len(words), first + width) - 1
    start, end = words[first].start(), words[last].end()
    hit_set = set(hits)
    out: list[str] = ["… " if start > 0 else ""]
    position = start
    for i in range(first, last + 1):
        m = words[i]
        out.append(text[position : m.start()])
        out.append(f"{start_mark}{m.group()}{end_mark}" if i in hit_set else m.group())
        position = m.end()
    out.append(text[position:end])
    if end < len(text):
        out.append(" …")
    return "".join(out)
