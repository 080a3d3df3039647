"""Free text people type (comments, reasons, answers): one cleaning for all of it."""
import unicodedata

from portal.errors import Refused


def clean_text(value: str | None, label: str, *, limit: int, required: bool = True, ask: str = "กรุณาพิมพ์",
               field: str | None = None) -> str:
    """NFC, line breaks kept (lists are written as lines), no other control characters,
    no trailing spaces; refused in Thai when required and empty ("กรุณาพิมพ์ความเห็น"; form
    fields say `ask="กรุณากรอก"`), or longer than `limit`; `field` is the input the refusal
    names (portal.errors.Refused)."""
    text = unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if required and not text:
        raise Refused(422, f"{ask}{label}", field=field)
    if len(text) > limit:
        raise Refused(422, f"{label}ยาวเกิน {limit:,} ตัวอักษร (พิมพ์มา {len(text):,} ตัวอักษร)", field=field)
    return text
