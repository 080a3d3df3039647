"""How Thai letters and marks follow each other: a character n-gram model.

Trained once per process (a few seconds, only for pages that show damage) on PyThaiNLP's
word list, its lists of Thai person and family names, country names and its Thai–English
transliterations, so it knows how names and transliterations are spelled as well as
dictionary words (never on the Wikipedia titles the benchmark measures with). Words are strung together without spaces, as Thai is written, so the
model also sees letters meet across word boundaries. Witten–Bell interpolation: an unseen
letter after a context falls back on shorter contexts, never on zero.
"""
import math
import random
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

ORDER = 5
BOUNDARY = "\n"
UNSEEN = math.log(1e-7)
OTHER = re.compile("[^\u0e01-\u0e4e]+")
THAI_WORD = re.compile("[\u0e01-\u0e4e]")
CORPUS_FILES = ("words_th.txt", "person_names_female_th.txt", "person_names_male_th.txt", "family_names_th.txt",
                "th_en_transliteration_v1.4.tsv", "countries_th.txt")


class CharModel:
    def __init__(self, lines: list[str], order: int = ORDER):
        self.order = order
        text = BOUNDARY + BOUNDARY.join(lines) + BOUNDARY
        # Shorter n-grams summed from the longest (the last few characters aside, which
        # are boundaries): one pass over the text instead of one per order.
        self.counts: list[dict] = [{} for _ in range(order + 1)]
        self.counts[order] = Counter(text[i:i + order] for i in range(len(text) - order + 1))
        for n in range(order - 1, 0, -1):
            shorter: dict = defaultdict(int)
            for gram, count in self.counts[n + 1].items():
                shorter[gram[:-1]] += count
            self.counts[n] = dict(shorter)
        self.total = sum(self.counts[1].values())
        # For each context: how often it is followed by something, and by how many letters.
        self.followed: list[dict] = [{} for _ in range(order)]
        self.kinds: list[dict] = [{} for _ in range(order)]
        for n in range(2, order + 1):
            followed, kinds = defaultdict(int), defaultdict(int)
            for gram, count in self.counts[n].items():
                followed[gram[:-1]] += count
                kinds[gram[:-1]] += 1
            self.followed[n - 1], self.kinds[n - 1] = dict(followed), dict(kinds)
        self.logprob = lru_cache(maxsize=200_000)(self._logprob)
        self._score = lru_cache(maxsize=100_000)(self._score_uncached)

    def _probability(self, context: str, char: str) -> float:
        if not context:
            count = self.counts[1].get(char, 0)
            return count / self.total if count else 0.0
        lower = self._probability(context[1:], char)
        n = len(context)
        followed = self.followed[n].get(context, 0)
        if not followed:
            return lower
        kinds = self.kinds[n][context]
        return (self.counts[n + 1].get(context + char, 0) + kinds * lower) / (followed + kinds)

    def _logprob(self, context: str, char: str) -> float:
        probability = self._probability(context, char)
        return math.log(probability) if probability > 0 else UNSEEN

    def score(self, text: str, context: str = BOUNDARY) -> float:
        """Log-probability of `text` after `context`. A run of anything that is not Thai
        (spaces, digits, Latin, punctuation) counts once, as a word boundary."""
        return self._score(text, OTHER.sub(BOUNDARY, context)[-(self.order - 1):])

    def _score_uncached(self, text: str, context: str) -> float:
        total = 0.0
        for char in OTHER.sub(BOUNDARY, text):
            if char == BOUNDARY and context.endswith(BOUNDARY):
                continue
            total += self.logprob(context, char)
            context = (context + char)[-(self.order - 1):]
        return total


def training_lines(seed: int = 0) -> list[str]:
    import pythainlp

    folder = Path(pythainlp.__file__).parent / "corpus"
    words: list[str] = []
    for name in CORPUS_FILES:
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            word = line.split("\t")[0].strip()  # the transliterations: Thai, English, checked
            if THAI_WORD.search(word) and not line.startswith("#"):
                words.append(word)
    words = sorted(set(words))
    shuffled = words[:]
    random.Random(seed).shuffle(shuffled)
    # The words alone (so their own starts and ends are learnt) and strung in fours.
    return words + ["".join(shuffled[i:i + 4]) for i in range(0, len(shuffled), 4)]


@lru_cache(maxsize=1)
def thai_model() -> CharModel:
    return CharModel(training_lines())
