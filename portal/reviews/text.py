"""Comment bodies are plain text: escape everything, keep line breaks, link http(s) URLs.

A pure function, so the one place that turns user text into HTML is easy to test."""
import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

# A URL runs until whitespace or a character that cannot be part of one in running text.
URL_PATTERN = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that usually ends the sentence rather than the URL.
TRAILING = ".,;:!?)]}"


def _split_trailing(url: str) -> tuple[str, str]:
    end = len(url)
    while end > 0 and url[end - 1] in TRAILING:
        if url[end - 1] == ")" and url[:end].count("(") >= url[:end].count(")"):
            break  # keep the closing bracket of e.g. a Wikipedia URL
        end -= 1
    return url[:end], url[end:]


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _link(url: str) -> str:
    return (f'<a href="{escape(url)}" rel="noopener nofollow" target="_blank">{escape(url)}</a>')


def comment_html(text: str | None) -> Markup:
    """Plain text → safe HTML: escaped, URLs as links, line breaks as <br>."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    pieces: list[str] = []
    position = 0
    for match in URL_PATTERN.finditer(text):
        url, trailing = _split_trailing(match.group(0))
        pieces.append(str(escape(text[position:match.start()])))
        pieces.append(_link(url) if _is_web_url(url) else str(escape(url)))
        pieces.append(str(escape(trailing)))
        position = match.end()
    pieces.append(str(escape(text[position:])))
    return Markup("".join(pieces).replace("\n", "<br>\n"))
