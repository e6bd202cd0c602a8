"""A generated corpus of French community content for the search benchmarks.

Text comes from a word-bigram chain trained on a few paragraphs of French public-sector
prose, so word frequencies, accents, elisions and phrases look like the real thing.
Everything is deterministic for a given seed.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from parvis.seeding import SEED_TEXT  # the same prose as `parvis seed`

MODULE_TYPES = (
    ("posts", "posts.post"),
    ("wiki", "wiki.page"),
    ("faq", "faq.entry"),
    ("documents", "documents.document"),
    ("calendar", "calendar.event"),
    ("discussions", "discussions.message"),
)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _words(text: str) -> list[str]:
    return re.findall(r"[\wÀ-ÿ']+|[.;,]", text)


class Chain:
    """A word-bigram chain over the seed text."""

    def __init__(self, text: str = SEED_TEXT) -> None:
        words = _words(text)
        self.next: dict[str, list[str]] = {}
        for a, b in zip(words, words[1:], strict=False):
            self.next.setdefault(a, []).append(b)
        self.starts = [b for a, b in zip(words, words[1:], strict=False) if a == "."]
        self.vocabulary = sorted({w for w in words if w.isalpha() and len(w) > 3})

    def sentence(self, rng: random.Random, max_words: int = 30) -> str:
        word = rng.choice(self.starts)
        out = [word]
        for _ in range(max_words):
            word = rng.choice(self.next.get(word) or self.starts)
            if word == ".":
                break
            out.append(word)
        text = " ".join(out).replace(" ,", ",").replace(" ;", " ;")
        return text[:1].upper() + text[1:] + "."

    def text(self, rng: random.Random, sentences: int) -> str:
        return " ".join(self.sentence(rng) for _ in range(sentences))


_SYLLABLES = ("ber", "lon", "mar", "vil", "sau", "cha", "mont", "gré", "nan", "tou", "lau", "pey",
              "rac", "bel", "fon", "cour", "viè", "roc", "sain", "mé", "dou", "lan", "gui", "ros")


def rare_words(count: int = 50_000, seed: int = 3) -> list[str]:
    """Place-like names (communes, projects): the long tail of a real vocabulary."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


@dataclass
class Item:
    type: str
    module: str
    object_id: int
    space_id: int
    title: str
    body: str
    author_id: int
    updated_at: datetime


def generate(items: int, spaces: int = 2000, seed: int = 42) -> Iterator[Item]:
    """``items`` documents spread over ``spaces`` spaces (Zipf-like: some spaces are busy)."""
    rng = random.Random(seed)
    chain = Chain()
    rare = rare_words()
    rare_cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(rare))))
    weights = [1.0 / (rank + 10) for rank in range(spaces)]
    space_ids = list(range(1, spaces + 1))
    rng.shuffle(space_ids)
    chosen = rng.choices(space_ids, weights=weights, k=items)
    for n in range(items):
        module, type_id = MODULE_TYPES[n % len(MODULE_TYPES)]
        title = chain.sentence(rng, max_words=rng.randint(3, 9)).rstrip(".")
        names = rng.choices(rare, cum_weights=rare_cum, k=rng.randint(1, 3))
        body = chain.text(rng, rng.randint(2, 8)) + " " + " ".join(n.capitalize() for n in names) + "."
        yield Item(
            type=type_id, module=module, object_id=n + 1, space_id=chosen[n], title=title, body=body,
            author_id=rng.randint(1, 25000), updated_at=T0 + timedelta(minutes=rng.randint(0, 1_000_000)),
        )


@dataclass
class Workload:
    """A user in 20 spaces, the public spaces everyone reads, and the queries to run."""

    scopes: frozenset[str]
    space_ids: list[int]
    one_word: list[str]
    multi_word: list[str]
    phrase: list[str]


def workload(spaces: int = 2000, public_share: float = 0.1, member_of: int = 20, queries: int = 200,
             seed: int = 7) -> Workload:
    """The benchmark user: member of ``member_of`` spaces; ``public_share`` of spaces are public."""
    rng = random.Random(seed)
    chain = Chain()
    all_spaces = list(range(1, spaces + 1))
    public = set(rng.sample(all_spaces, int(spaces * public_share)))
    member = set(rng.sample(all_spaces, member_of))
    readable = sorted(public | member)
    scopes = {f"{s}:{m}" for s in readable for m, _ in MODULE_TYPES} | {"core:spaces", "core:people"}
    words = chain.vocabulary
    rare = rare_words()
    one = [rng.choice(words) if n % 2 else rng.choice(rare[:5000]) for n in range(queries)]
    multi = [" ".join(rng.sample(words, rng.choice((2, 3)))) for _ in range(queries)]
    phrases = []
    while len(phrases) < queries:
        sentence = [w for w in chain.sentence(rng).rstrip(".").split() if w.isalpha()]
        if len(sentence) >= 3:
            start = rng.randrange(0, len(sentence) - 1)
            phrases.append('"' + " ".join(sentence[start : start + 2]) + '"')
    return Workload(frozenset(scopes), readable, one, multi, phrases)
