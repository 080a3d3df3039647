"""Repair Thai text damaged by PDF extraction, and only text that shows the damage.

Two kinds of damage, both seen in the PMQA guide and in agencies' PDFs (reproduced by
portal/thai/damage.py for the tests and the benchmark):
1. split sara am: "ก าหนด" for "กำหนด" (the nikhahit printed as a space), OCR's "ํา";
2. marks shifted: the last mark of each stack sits one character to the right
   ("ผูบ้รหิาร" for "ผู้บริหาร", "ทีส่ าคญั" for "ที่สำคัญ"), on a whole page or only
   on some of its words.

A line is read as a noisy channel: either it is what the author wrote, or it is the
damage of some reading that the character model (portal/thai/language_model.py) finds
more plausible. Spellings that correct Thai never has (portal/thai/marks.py) weigh
against the line as it stands; how much evidence the whole page shows sets the odds
that a line without such evidence is damaged too. A line nothing speaks against is
returned exactly as it was, and so is every line of a page that shows no damage.
"""
import math
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from portal.thai.marks import CONSONANT, EVIDENCE, MARK, MARKS, TONE, canonical_order, evidence_count

THAI = re.compile("[\u0e01-\u0e4e]")
OCR_SARA_AM = re.compile(rf"\u0e4d([{TONE}]?)\u0e32")
EVIDENCE_ON_ANY_LINE = re.compile(EVIDENCE.pattern, re.MULTILINE)  # ^ at each line's start, as line by line
TONE_MARK = re.compile(f"[{TONE}]")
# A gap before า after a consonant (split sara am), or spaces before a mark.
SPECIAL = re.compile(rf"(?<=[{CONSONANT}{MARK}])(?P<gap>[ \u00a0]+(?P<tone>[{TONE}]?)\u0e32)(?P<marks>[{MARK}]*)"
                     rf"|(?<=[\u0e01-\u0e4e])[ \u00a0]+(?P<stranded>[{MARK}]+)")

PENALTY_PER_EVIDENCE = 12.0  # nats: one impossible spelling ≈ a very unlikely letter sequence
# Damage comes in runs: whole lines, or some words of a line; so a stack is shifted like
# the stack before it, and a change between shifted and not costs SWITCHES.
SWITCHES = math.log(0.05)
KEEPS = math.log(0.95)
ODDS_CLEAN_PAGE = -15.0  # log-odds that a line without evidence is damaged: page with a stray error…
ODDS_DAMAGED_PAGE = 3.0  # …and a page where at least DAMAGED_PAGE_DENSITY of the Thai lines show it
DAMAGED_PAGE_DENSITY = 0.5
DROPPED_SPACE = -0.5  # a space before a mark is kept when nothing else decides
BEAM = 12


class Cell(NamedTuple):
    base: str  # one character that is not a mark ("" for marks at the start of a line)
    marks: str
    after_tone: bool = False  # า joined over pdftotext's space: only right after a tone


def _cells(text: str) -> list[Cell]:
    cells: list[Cell] = []
    for char in text:
        if char in MARKS:
            base, marks = cells.pop()[:2] if cells else ("", "")
            cells.append(Cell(base, marks + char))
        else:
            cells.append(Cell(char, ""))
    return cells


def _slots(line: str) -> list[list[list[Cell]]]:
    """The line as a list of slots, each with its possible readings (lists of cells): one
    reading for most of the line; at a gap before า: sara am ("ก าหนด") or as printed,
    and after a tone also joined ("เป้ าหมาย": pdftotext's space after a tone); at a space
    before a mark: a real space the mark was shifted over ("ได้แก่ …" → "ไดแ้ก ่…") or
    pdftotext's space inside a stack ("ยั่งยืน" → "ย ัง่ยนื"), whose marks then join
    the cell before it (a cell without a base)."""
    slots, position = [], 0
    for match in SPECIAL.finditer(line):
        slots += [[[cell]] for cell in _cells(line[position:match.start()])]
        marks = match.group("marks")
        if match.group("gap"):
            tone = match.group("tone") + marks
            readings = [[Cell("\u0e33", tone)], _cells(match.group(0))]
            if TONE_MARK.match(line[match.start() - 1]):
                readings.append([Cell("\u0e32", tone, after_tone=True)])
        else:
            readings = [[Cell("", match.group("stranded"))]]
            if match.end() < len(line):  # at the end of a line the space carries nothing
                readings.append(_cells(match.group(0)))
        slots.append(readings)
        position = match.end()
    slots += [[[cell]] for cell in _cells(line[position:])]
    return slots


class Hypothesis(NamedTuple):
    score: float
    tail: str  # the reading so far, its last characters (model context and rule window)
    pending: Cell  # the previous cell: its own marks, before the next cell says what it lent
    shifting: bool | None  # whether the last stack with marks was shifted
    text: tuple  # the reading so far, in pieces


def _advance(model, hypothesis: Hypothesis, cell: Cell, next_base: str) -> list[Hypothesis]:
    """Successors after `cell`: its last mark is its own, or the previous cell's, shifted."""
    if not cell.base and hypothesis.pending.base:  # marks after a dropped space
        pending = Cell(hypothesis.pending.base, hypothesis.pending.marks + cell.marks)
        return [hypothesis._replace(score=hypothesis.score + DROPPED_SPACE, pending=pending)]
    if cell.after_tone and not TONE_MARK.match(hypothesis.pending.marks[-1:] or " "):
        return []  # the tone before the space was lent to the letter before: a real sara am
    successors = []
    for lent, rest in _lendings(cell.marks) if hypothesis.pending.base else (("", cell.marks),):
        own = hypothesis.pending.marks + lent
        piece = hypothesis.pending.base + canonical_order(own)
        shifting, channel = hypothesis.shifting, 0.0
        if own:  # a stack: shifted like the one before it, or the damage starts or stops here
            channel = 0.0 if shifting is None else KEEPS if bool(lent) == shifting else SWITCHES
            shifting = bool(lent)
        score = hypothesis.score + channel + _piece_score(model, hypothesis.tail, piece, cell.base)
        successors.append(Hypothesis(score, (hypothesis.tail + piece)[-8:], Cell(cell.base, rest), shifting,
                                     hypothesis.text + (piece,)))
    return successors


def _lendings(marks: str) -> list[tuple[str, str]]:
    """(mark the previous cell lent, marks left) for a cell's marks: none, the last (as the
    damage appends it), or the first (the guide also prints "ท์ ี" for ท carrying ์ of ธ)."""
    options = [("", marks)]
    if marks:
        options.append((marks[-1], marks[:-1]))
    if len(marks) > 1 and marks[0] != marks[-1]:
        options.append((marks[0], marks[1:]))
    return options


def _piece_score(model, tail: str, piece: str, next_base: str) -> float:
    return model.score(piece, tail) - PENALTY_PER_EVIDENCE * _broken(tail, piece, next_base)


@lru_cache(maxsize=100_000)
def _broken(tail: str, piece: str, next_base: str) -> int:
    """Spelling rules broken where `piece` is added after `tail` (with the next letter in view)."""
    window = tail + piece
    return sum(1 for m in EVIDENCE.finditer(window + next_base) if len(tail) < m.end() <= len(window))


def _decode(model, line: str) -> tuple[str, float]:
    """The most plausible reading of `line` as damaged text, and its score."""
    slots = _slots(line)
    beam = [Hypothesis(0.0, "\n", Cell("", ""), None, ())]
    for number, slot in enumerate(slots):
        following = slots[number + 1][0][0].base if number + 1 < len(slots) else "\n"
        candidates = []
        for reading in slot:
            branch = beam
            for index, cell in enumerate(reading):
                next_base = reading[index + 1].base if index + 1 < len(reading) else following
                branch = [s for h in branch for s in _advance(model, h, cell, next_base)]
            candidates += branch
        best: dict = {}
        for h in candidates:  # the same future for the same context: keep the best
            key = (h.tail[-4:], h.pending, h.shifting)
            if key not in best or h.score > best[key].score:
                best[key] = h
        beam = sorted(best.values(), key=lambda h: -h.score)[:BEAM]
    finals = []
    for h in beam:
        piece = h.pending.base + canonical_order(h.pending.marks)
        score = h.score + _piece_score(model, h.tail, piece, "\n") + model.score("\n", h.tail + piece)
        finals.append((score, "".join(h.text) + piece))
    score, text = max(finals)
    return text, score


def _as_printed_score(model, line: str) -> float:
    return model.score(line + "\n") - PENALTY_PER_EVIDENCE * evidence_count(line)


def repair_line(line: str, odds: float) -> str:
    """`line` or its most plausible repair; `odds` is the log-odds, from the page, that a
    line without evidence of its own is damaged."""
    from portal.thai.language_model import thai_model

    if not THAI.search(line) or not any(char in MARKS or char == "\u0e32" for char in line):
        return line
    model = thai_model()
    text, score = _decode(model, line)
    if text != line and score + odds > _as_printed_score(model, line):
        return text
    return line


def _normalised(line: str) -> str:
    """Fixes that need no judgement: OCR's "ํา" is ำ, and marks in typing order."""
    return OCR_SARA_AM.sub("\\1\u0e33", canonical_order(line))


def page_odds(lines: list[str]) -> float:
    """Log-odds that a line of this page is damaged although it breaks no spelling rule:
    low on a page with a stray error, high where many lines show the damage."""
    thai = [line for line in lines if THAI.search(line)]
    damaged = sum(1 for line in thai if evidence_count(line))
    density = min(1.0, damaged / max(len(thai), 1) / DAMAGED_PAGE_DENSITY)
    return ODDS_CLEAN_PAGE + (ODDS_DAMAGED_PAGE - ODDS_CLEAN_PAGE) * density


def repair_page(text: str) -> str:
    """One page of extracted text, repaired where it shows the damage; a page that breaks
    no spelling rule comes back as it was (only OCR's "ํา" and the order of marks fixed)."""
    if not text or not THAI.search(text):
        return text
    normalised = _normalised(unicodedata.normalize("NFC", text))  # line by line is the same: no rule spans "\n"
    if not EVIDENCE_ON_ANY_LINE.search(normalised):
        return normalised  # one pass over the page, not a regex per line
    lines = normalised.split("\n")
    odds = page_odds(lines)
    return "\n".join(repair_line(line, odds) for line in lines)


def repair_thai(text: str) -> str:
    """The extraction's entry point (PDF text layers and OCR output): `repair_page`."""
    return repair_page(text)


def looks_damaged(text: str) -> bool:
    """Whether `text` breaks a spelling rule that correct Thai keeps (portal/thai/marks.py)."""
    return evidence_count(_normalised(unicodedata.normalize("NFC", text))) > 0
