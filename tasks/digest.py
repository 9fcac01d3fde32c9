"""An extractive digest: the two or three sentences that best stand for a set of posts,
taken word for word from the posts themselves.

A sentence scores the mean frequency, across all the posts, of its content words;
sentences of 6 to 40 words compete, and a sentence too like one already chosen is
skipped.
"""

from __future__ import annotations

import re
from collections import Counter

from tasks.emerging import STOPWORDS

SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[a-z][a-z0-9']+")
STOP = set(STOPWORDS)


def digest(texts: list[str], sentences: int = 3) -> list[str]:
    candidates = []
    for text in texts:
        for s in SENTENCE.split(text):
            s = s.strip()
            words = [w for w in WORD.findall(s.lower()) if w not in STOP]
            if 6 <= len(s.split()) <= 40 and words:
                candidates.append((s, words))
    if not candidates:
        return []
    # Document frequency: a word in many posts says what the posts are about.
    freq = Counter(w for _, words in candidates for w in set(words))
    scored = sorted(candidates, key=lambda c: (-sum(freq[w] for w in c[1]) / len(c[1]), c[0]))
    chosen: list[tuple[str, set[str]]] = []
    for s, words in scored:
        bag = set(words)
        if any(len(bag & other) / len(bag | other) > 0.5 for _, other in chosen):
            continue
        chosen.append((s, bag))
        if len(chosen) == sentences:
            break
    return [s for s, _ in chosen]
