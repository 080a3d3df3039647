"""A PDF page drawn as a PNG for the evidence page's preview. The browser's own PDF viewer
cannot be the preview: Chrome refuses to run it in a sandboxed frame (and a PDF served
without the sandbox would be ours to trust), and phone browsers show no PDF in a frame at
all; an image works everywhere. Pages are drawn by poppler, bounded in size and time, and
kept by the file's hash (a stored file never changes); the cache may vanish at any time."""
import os
import tempfile
from pathlib import Path

from portal.evidence.programs import run_tool

LONGEST_SIDE = 1400  # pixels, whatever the page's size: a poster cannot cost gigabytes
DRAW_SECONDS = 30


def draw_page(pdf: Path, sha256: str, number: int, cache: Path) -> bytes:
    """The PNG of page `number` (1-based); ExtractionError when poppler cannot draw it."""
    target = cache / sha256[:2] / f"{sha256}-{number}-{LONGEST_SIDE}.png"
    if target.is_file():
        return target.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        run_tool(["pdftoppm", "-png", "-scale-to", str(LONGEST_SIDE), "-f", str(number), "-l", str(number),
                  "-singlefile", str(pdf), f"{folder}/page"], timeout=DRAW_SECONDS)
        drawn = (Path(folder) / "page.png").read_bytes()
    _keep(target, drawn)
    return drawn


def _keep(target: Path, drawn: bytes) -> None:
    """Written whole or not at all; a full disk or a file in the way only costs drawing again."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as part:
            part.write(drawn)
        os.replace(name, target)
    except OSError:
        Path(name).unlink(missing_ok=True)
