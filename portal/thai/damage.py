"""The PMQA guide's PDF extraction damage, reproduced on clean text.

A test and benchmark aid (tests/test_thai_repair*.py, bench/repair_bench.py): the one
definition of what the repair in portal/thai/repair.py has to undo. Nothing in the portal
calls it.

The guide's text layer (/work/shared/seed/000_116028f2daf2b27b.txt) shows two kinds of damage:

- marks shifted: the last mark (vowel above or below, tone, thanthakhat…) of each stack
  sits one character to the right, whatever that character is — a consonant, a vowel,
  a space or punctuation ("ผู้บริหาร" → "ผูบ้รหิาร", "ได้แก่ …" → "ไดแ้ก ่…",
  "(ระบุ)" → "(ระบ)ุ"); a mark with nothing after it on its line stays;
- split sara am: "ำ" is printed as a space and "า" ("กำหนด" → "ก าหนด"); a tone that was
  shifted onto the sara am follows the "า" ("สม่ำเสมอ" → "สม า่เสมอ", "ที่สำคัญ" → "ทีส่ าคญั").
"""
import random
import unicodedata
from pathlib import Path

MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")


def stacks(text: str) -> list[tuple[str, str]]:
    """(character, the marks stacked on it) for every character that is not a mark;
    marks at the very start of the text stand on an empty character."""
    result: list[tuple[str, str]] = []
    for char in text:
        if char in MARKS:
            if not result:
                result.append(("", ""))
            base, marks = result[-1]
            result[-1] = (base, marks + char)
        else:
            result.append((char, ""))
    return result


def shift_marks(line: str) -> str:
    """The last mark of each stack moved onto the next character of the line (after that
    character's own remaining marks, as the guide prints "ทีมี่" for ที่มี)."""
    cells = stacks(unicodedata.normalize("NFC", line))
    kept = [marks[:-1] if marks and i + 1 < len(cells) else marks for i, (_, marks) in enumerate(cells)]
    incoming = [""] + [marks[-1] if marks else "" for _, marks in cells[:-1]]
    return "".join(base + kept[i] + incoming[i] for i, (base, _) in enumerate(cells))


def split_sara_am(line: str) -> str:
    return line.replace("\u0e33", " \u0e32")


def damage_line(line: str) -> str:
    """One line as the guide's text layer prints it (marks shifted, then sara am split)."""
    return split_sara_am(shift_marks(line))


def damage_page(text: str) -> str:
    return "\n".join(damage_line(line) for line in text.split("\n"))


# --- Clean Thai that no one here wrote, for the tests and the benchmark ----------------

def wikipedia_titles() -> list[str]:
    """PyThaiNLP's 290k Thai Wikipedia titles (names, places, transliterations), in file order."""
    import pythainlp

    path = Path(pythainlp.__file__).parent / "corpus" / "wikipedia_titles_th.txt"
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def sample_titles(count: int, seed: int) -> list[str]:
    return random.Random(seed).sample(wikipedia_titles(), count)


def sample_phrases(count: int, seed: int) -> list[str]:
    """Phrases of 2–6 words of PyThaiNLP's word list, written without spaces as Thai is
    (PyThaiNLP ships no corpus of sentences)."""
    from pythainlp.corpus import thai_words

    words, rng = sorted(thai_words()), random.Random(seed)
    return ["".join(rng.sample(words, rng.randint(2, 6))) for _ in range(count)]
