"""How an answer follows its question: one text per blank ("……") of the lead text and of
each sub-bullet, in print order; a question without a blank takes one free text.

Pure functions: the form, the saved parts and the progress counts all read the same slots."""
from dataclasses import dataclass

from portal.criteria.schema import split_blanks

MAX_PART_CHARS = 5000  # about two pages of Thai per blank; the report must stay readable
LABEL_CHARS = 60


@dataclass(frozen=True)
class Slot:
    """One place the agency writes: `bullet` is None for the lead text, else its index;
    `label` is the question's words just before the blank, for screen readers and the report."""

    bullet: int | None
    label: str


def _label(before: str) -> str:
    words = " ".join(before.split())
    return ("…" + words[-LABEL_CHARS:]) if len(words) > LABEL_CHARS else words


def slots(text: str, bullets: list[str]) -> list[Slot]:
    found: list[Slot] = []
    for bullet, template in [(None, text), *enumerate(bullets)]:
        before = ""
        for piece, blank in split_blanks(template):
            if blank:
                found.append(Slot(bullet, _label(before) or "คำตอบ"))
            else:
                before = piece
    return found or [Slot(None, "คำตอบ")]


def fitted(parts: list[str], count: int) -> list[str]:
    """Stored parts laid over the question's slots: missing ones empty, extra ones dropped."""
    return [*(parts[:count]), *([""] * max(0, count - len(parts)))]


def answered(parts: list[str], count: int) -> str:
    """"full" when every blank has text, "partial" when some have, "empty" otherwise."""
    filled = sum(1 for part in fitted(parts, count) if part.strip())
    return "full" if filled == count else ("partial" if filled else "empty")



def parts_for(question, answer) -> list[str]:
    """The answer's texts over the question's slots (all empty before the first save)."""
    return fitted(answer.parts if answer is not None else [], len(slots(question.text, question.bullets)))


def state_of(question, answer) -> str:
    return answered(answer.parts if answer is not None else [], len(slots(question.text, question.bullets)))


STATE_LABELS = {"full": "ตอบครบแล้ว", "partial": "ตอบบางส่วน", "empty": "ยังไม่ได้ตอบ"}
