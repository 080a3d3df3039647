"""Strict checks for evidence links: http/https only, well-formed, length-limited.

The portal never fetches these pages (no server-side requests into the intranet); it
only stores and shows them, so the check is about what a browser would do with them.
"""
import unicodedata
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000


class LinkError(ValueError):
    """The link is not acceptable; the message is Thai and shown to the user."""


def validate_url(raw: str) -> str:
    url = unicodedata.normalize("NFC", (raw or "").strip())
    if not url:
        raise LinkError("กรุณากรอกที่อยู่ลิงก์ (URL)")
    if len(url) > MAX_URL_LENGTH:
        raise LinkError(f"ลิงก์ยาวเกิน {MAX_URL_LENGTH} ตัวอักษร")
    # Control characters and spaces anywhere (even inside "java\tscript:") are refused.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch.isspace() for ch in url):
        raise LinkError("ลิงก์มีอักขระควบคุมหรือช่องว่าง กรุณาตรวจสอบ")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError:
        raise LinkError("รูปแบบลิงก์ไม่ถูกต้อง") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise LinkError("รับเฉพาะลิงก์ที่ขึ้นต้นด้วย http:// หรือ https:// เท่านั้น")
    if not parts.hostname or "." not in parts.hostname.strip(".") and parts.hostname != "localhost":
        raise LinkError("ลิงก์ต้องมีชื่อเว็บไซต์ เช่น https://www.example.go.th/")
    if parts.username or parts.password:
        raise LinkError("ลิงก์ต้องไม่มีชื่อผู้ใช้หรือรหัสผ่านฝังอยู่")
    if port == 0:
        raise LinkError("รูปแบบลิงก์ไม่ถูกต้อง")
    return url
