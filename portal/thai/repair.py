"""Repair Thai text damaged by PDF extraction.

Two kinds of damage, both seen in the PMQA guide and in agencies' PDFs:
1. split sara am: "ก าหนด" for "กำหนด" (the nikhahit was dropped, leaving a space);
2. vowels and tone marks shifted one letter right: "ผูบ้รหิาร" for "ผู้บริหาร".
Moving every mark left is wrong where only part of a stack moved or a line was never
shifted, so each run of Thai is rebuilt in the reading whose words PyThaiNLP's
dictionary recognises best; the original wins ties, so clean text is left alone.
"""
import itertools
import re
import unicodedata
from functools import lru_cache

CONSONANT = "\u0e01-\u0e2e"
TONES = "\u0e48-\u0e4b"
# Marks that sit above or below a consonant (vowels, tone marks, thanthakhat, nikhahit).
MARKS = set("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d")
VOWELS_ABOVE_BELOW = set("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47")
CONSONANTS = {chr(c) for c in range(0x0E01, 0x0E2F)}

SPLIT_SARA_AM = re.compile(rf"([{CONSONANT}][\u0e31\u0e34-\u0e3a\u0e47\u0e4c]*)[ \u00a0]+([{TONES}]?)\u0e32([{TONES}]?)")
# A tone mark before the gap is ambiguous: pdftotext adds a space ("เป้ าหมาย" is
# เป้าหมาย), while shifted lines lose a nikhahit ("ทีส่ าคญั" is ที่สำคัญ). The dictionary decides.
GAP_AFTER_TONE = re.compile(rf"[\u0e01-\u0e4e]*[{CONSONANT}][\u0e31\u0e34-\u0e3a\u0e47\u0e4c]*[{TONES}][ \u00a0]+\u0e32[\u0e01-\u0e4e]*")
GAP = re.compile(r"[ \u00a0]+\u0e32")
# (not "น ้า": a tone then า after the gap is a split sara am, handled below)
SPACE_BEFORE_MARK = re.compile(rf"([{CONSONANT}][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*) (?![{TONES}]\u0e32)([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])")
THAI_RUN = re.compile(r"[\u0e01-\u0e4e]+")
MAX_MARKS_PER_WINDOW = 8


DECOMPOSED_SARA_AM = re.compile(rf"\u0e4d([{TONES}]?)\u0e32")


def _close_gap(match: re.Match) -> str:
    joined, sara_am = GAP.sub("\u0e32", match.group(0)), GAP.sub("\u0e33", match.group(0))
    return max((joined, sara_am), key=lambda run: _score(repair_run(_canonical_order(run))))


def fix_split_sara_am(text: str) -> str:
    """'ก าหนด' → 'กำหนด', 'น ้า' → 'น้ำ', 'สม า่เสมอ' → 'สม่ำเสมอ'; OCR's 'ํา' → 'ำ'."""
    text = DECOMPOSED_SARA_AM.sub(lambda m: m.group(1) + "\u0e33", text)
    text = SPACE_BEFORE_MARK.sub(r"\1\2", text)  # whole runs first, so the choice below sees them
    text = GAP_AFTER_TONE.sub(_close_gap, text)
    text = SPLIT_SARA_AM.sub(lambda m: m.group(1) + m.group(2) + m.group(3) + "\u0e33", text)
    return SPACE_BEFORE_MARK.sub(r"\1\2", text)


@lru_cache(maxsize=1)
def _dictionary() -> frozenset:
    from pythainlp.corpus import thai_words

    return frozenset(thai_words())


@lru_cache(maxsize=200_000)
def _score(run: str) -> tuple[int, int]:
    """Higher is a more plausible reading. Long dictionary words count far more than
    short ones (squared length), so "นวัตกรรม" beats "นัว" + "ตก" + "รร" + "ม"."""
    from pythainlp.tokenize import word_tokenize

    words = _dictionary()
    tokens = word_tokenize(run, engine="newmm", keep_whitespace=False)
    known = sum(len(t) for t in tokens if t in words and len(t) > 1)
    return known - 2 * _invalid_marks(run), -len(tokens)


def _invalid_marks(run: str) -> int:
    """Marks that cannot stand where they are (not after a consonant or another mark)."""
    bad = 0
    for previous, char in zip(" " + run, run):
        if char in MARKS and previous not in CONSONANTS and previous not in MARKS:
            bad += 1
        elif char in VOWELS_ABOVE_BELOW and previous in VOWELS_ABOVE_BELOW:
            bad += 1
    return bad


def _clusters(run: str) -> list[list[str]]:
    """Split a run into [base, mark, mark, …] clusters."""
    clusters: list[list[str]] = []
    for char in run:
        if char in MARKS and clusters:
            clusters[-1].append(char)
        else:
            clusters.append([char])
    return clusters


def _rebuild(clusters: list[list[str]], moved: set) -> list[str]:
    """Clusters after moving the marks in `moved` ((cluster, position) pairs) one left."""
    rebuilt = [list(cluster[:1]) for cluster in clusters]
    for i, cluster in enumerate(clusters):
        for j in range(1, len(cluster)):
            rebuilt[i - 1 if (i, j) in moved else i].append(cluster[j])
    return [_order_marks(c) for c in rebuilt]


def _movable(clusters: list[list[str]]) -> list[tuple[int, int]]:
    return [(i, j) for i, cluster in enumerate(clusters) if i > 0 for j in range(1, len(cluster))]


def _order_marks(cluster: list[str]) -> str:
    """Vowel marks before tone marks, as Thai is typed and stored."""
    base, marks = cluster[0], cluster[1:]
    return base + "".join(sorted(marks, key=lambda m: 0 if m in VOWELS_ABOVE_BELOW else 1))


def _global_choices(clusters: list[list[str]], movable: list[tuple[int, int]]) -> list[set]:
    """Whole-run readings: untouched; the usual damage undone (the last mark of each stack
    moved one letter right: ผู้บ → ผูบ้); every mark; only tone marks; only vowels."""
    return [
        set(),
        {(i, len(c) - 1) for i, c in enumerate(clusters) if i > 0 and len(c) > 1},
        set(movable),
        {(i, j) for i, j in movable if clusters[i][j] not in VOWELS_ABOVE_BELOW},
        {(i, j) for i, j in movable if clusters[i][j] in VOWELS_ABOVE_BELOW},
    ]


@lru_cache(maxsize=100_000)
def repair_run(run: str) -> str:
    """Best reading of one run of Thai letters (no spaces): first the best whole-run
    reading, then around each word the dictionary still does not know, every mix of
    moved marks is tried and the best-scoring one kept."""
    from pythainlp.tokenize import word_tokenize

    clusters = _clusters(run)
    movable = _movable(clusters)
    if not movable:
        return run
    moved = max(_global_choices(clusters, movable), key=lambda m: _score("".join(_rebuild(clusters, m))))
    text = "".join(_rebuild(clusters, moved))
    # Which cluster each character of the text belongs to (moves never change the count).
    cluster_of, index = [], -1
    for position, char in enumerate(text):
        if char not in MARKS or position == 0:
            index += 1
        cluster_of.append(index)
    tokens = word_tokenize(text, engine="newmm", keep_whitespace=False)
    bounds, offset = [0], 0
    for token in tokens:
        offset += len(token)
        bounds.append(cluster_of[offset - 1] + 1)
    words = _dictionary()
    for number, token in enumerate(tokens):
        # Shifted text falls apart into unknown or very short "words" (เกดิ → เก + ดิ).
        if token in ("ๆ", "ฯ") or token in words and len(token) > 2:
            continue
        lo, hi = bounds[max(number - 2, 0)], bounds[min(number + 4, len(tokens))]
        inner = [(i, j) for i, j in movable if lo <= i < hi][:MAX_MARKS_PER_WINDOW]
        fixed = moved - set(inner)

        def span_score(choice: set) -> tuple:
            return _score("".join(_rebuild(clusters, choice)[max(lo - 1, 0):hi]))

        best, best_score = moved, span_score(moved)
        for size in range(len(inner) + 1):
            for combination in itertools.combinations(inner, size):
                choice = fixed | set(combination)
                score = span_score(choice)
                if score > best_score:
                    best, best_score = choice, score
        moved = best
    return "".join(_rebuild(clusters, moved))


def repair_thai(text: str) -> str:
    if not text:
        return text
    text = unicodedata.normalize("NFC", text)
    if not any("\u0e01" <= ch <= "\u0e4e" for ch in text):
        return text
    text = fix_split_sara_am(text)
    return THAI_RUN.sub(lambda m: repair_run(_canonical_order(m.group(0))), text)


def _canonical_order(run: str) -> str:
    """Tone typed before its vowel ("เพ่ือ") becomes the stored order ("เพื่อ")."""
    return "".join(_order_marks(cluster) for cluster in _clusters(run))
