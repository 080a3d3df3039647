"""The Thai analyzer, used for both indexing and queries.

Whoosh pickles analyzers into the index, so they live in this importable module (never
__main__), or other processes could not open the index. Words: PyThaiNLP splits runs of
Thai (nlpo3, the Rust newmm, when its dictionary loads; Python newmm otherwise) while
Latin words and numbers stay whole; Thai digits become Arabic so ๒๕๖๙ finds 2569. A
second analyzer cuts Thai runs into letter-cluster bigrams, so a query the tokenizer
splits differently from the text still matches.
"""
import operator
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from whoosh.analysis import LowercaseFilter, Token, Tokenizer

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
WORD = re.compile(r"[\u0e01-\u0e2e\u0e30-\u0e4e]+|[A-Za-z]+(?:['’][A-Za-z]+)*|[0-9\u0e50-\u0e59]+(?:[.,][0-9\u0e50-\u0e59]+)*")
THAI = re.compile(r"[\u0e01-\u0e4e]")
# A Thai "letter cluster": a base letter and the marks stacked on it.
CLUSTER = re.compile(r"[^\u0e31\u0e33-\u0e3a\u0e47-\u0e4e][\u0e31\u0e33-\u0e3a\u0e47-\u0e4e]*")
MAX_RUN = 100_000  # longer runs (never real words) are segmented in pieces


PMQA_WORDS = Path(__file__).with_name("pmqa_words.txt")


def dictionary() -> list[str]:
    """PyThaiNLP's word list (newmm's default) plus the PMQA terms it lacks."""
    from pythainlp.corpus import thai_words

    extra = [line.strip() for line in PMQA_WORDS.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return sorted(set(thai_words()) | set(extra))


_loading = threading.Lock()


def _segmenter():
    """The segmenter, loaded once per process. Threads of a web worker that all search at
    once must not load it together: each wrote the word list to the same file while another
    was reading it, and nlpo3 panicked (a BaseException, past the fallback below) and left
    its dictionaries locked for good, so that worker's searches all failed."""
    with _loading:
        return _load_segmenter()


@lru_cache(maxsize=1)
def _load_segmenter():
    """nlpo3 (5–7× faster here, same boundaries on Thai runs) when it loads, else newmm;
    both with the same word list."""
    words_list = dictionary()
    try:
        import tempfile

        import nlpo3

        path = Path(tempfile.gettempdir()) / f"pmqa-thai-words-{os.getpid()}.txt"
        path.write_text("\n".join(words_list), encoding="utf-8")
        nlpo3.load_dict(str(path), "pmqa_words")
        path.unlink()
        return lambda text: nlpo3.segment(text, "pmqa_words")
    except Exception:  # noqa: BLE001  (any failure: fall back to the pure-Python engine)
        from pythainlp.tokenize import word_tokenize
        from pythainlp.util import dict_trie

        trie = dict_trie(words_list)
        return lambda text: word_tokenize(text, custom_dict=trie, engine="newmm", keep_whitespace=False)


@lru_cache(maxsize=50_000)
def segment_thai(run: str) -> tuple[str, ...]:
    pieces = [run[i:i + MAX_RUN] for i in range(0, len(run), MAX_RUN)]
    return tuple(word for piece in pieces for word in _segmenter()(piece) if word.strip())


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) with character offsets into `text`; digits folded to Arabic."""
    for match in WORD.finditer(text or ""):
        token, start = match.group(0), match.start()
        if THAI.match(token):
            offset = start
            for word in segment_thai(token):
                yield word, offset, offset + len(word)
                offset += len(word)
        else:
            yield token.translate(THAI_DIGITS), start, match.end()


def thai_bigrams(text: str) -> Iterator[tuple[str, int, int]]:
    """Letter-cluster bigrams of Thai runs; Latin words and numbers whole."""
    for match in WORD.finditer(text or ""):
        token, start = match.group(0), match.start()
        if not THAI.match(token):
            yield token.translate(THAI_DIGITS), start, match.end()
            continue
        clusters = [(m.group(0), start + m.start()) for m in CLUSTER.finditer(token)]
        if len(clusters) == 1:
            yield clusters[0][0], clusters[0][1], clusters[0][1] + len(clusters[0][0])
        for (first, at), (second, _) in zip(clusters, clusters[1:]):
            yield first + second, at, at + len(first) + len(second)


def lowercase_words(text: str) -> list[str]:
    """The words of words(text) lowercased, as thai_analyzer() gives them, without offsets
    or Whoosh's token objects (the PostgreSQL engine's indexing: several times faster)."""
    found = []
    for token in WORD.findall(text or ""):
        if THAI.match(token):
            found.extend(word.lower() for word in segment_thai(token))
        else:
            found.append(token.translate(THAI_DIGITS).lower())
    return found


@lru_cache(maxsize=50_000)
def _run_bigrams(run: str) -> tuple[str, ...]:
    """A Thai run's letter-cluster bigrams (a run repeats as its words do: cached alike)."""
    clusters = CLUSTER.findall(run)
    return tuple(map(operator.add, clusters, clusters[1:])) if len(clusters) > 1 else tuple(clusters)


def bigram_set(text: str) -> set[str]:
    """The distinct lowercased bigrams of thai_bigrams(text), without offsets."""
    grams = set()
    for token in WORD.findall(text or ""):
        if THAI.match(token):
            grams.update(_run_bigrams(token))
        else:
            grams.add(token.translate(THAI_DIGITS).lower())
    return grams


PAIR_JOIN = " "  # never inside a word: the analyzer splits on it


def word_pairs(words_in_order: list[str]) -> list[str]:
    """Each two neighbouring words of one field as one term ("a b"), in order. Indexed
    beside the words (as Elasticsearch's index_phrases does), a two-word phrase is one
    term to look up and a longer one the terms of its pairs, instead of every position
    of its words: a Thai query the analyzer splits is a phrase, so phrases are common."""
    return list(map(PAIR_JOIN.join, zip(words_in_order, words_in_order[1:])))


class _SplitTokenizer(Tokenizer):
    split = staticmethod(words)

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        # A list of words is text already analysed (tokenise once, e.g. in a batch rebuild).
        pieces = ((word, 0, 0) for word in value) if isinstance(value, (list, tuple)) else self.split(value)
        for position, (text, start, end) in enumerate(pieces):
            token.text = text
            token.boost, token.stopped = 1.0, False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class ThaiTokenizer(_SplitTokenizer):
    split = staticmethod(words)


class ThaiBigramTokenizer(_SplitTokenizer):
    split = staticmethod(thai_bigrams)


def word_pair_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """word_pairs of words(text), each spanning its two words."""
    found = list(words(text))
    for (first, start, _), (second, _, end) in zip(found, found[1:]):
        yield first + PAIR_JOIN + second, start, end


class WordPairTokenizer(_SplitTokenizer):
    split = staticmethod(word_pair_spans)  # a list given is already its pairs


def thai_analyzer():
    return ThaiTokenizer() | LowercaseFilter()


def bigram_analyzer():
    return ThaiBigramTokenizer() | LowercaseFilter()


def pair_analyzer():
    return WordPairTokenizer() | LowercaseFilter()
