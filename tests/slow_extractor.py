"""An extractor that sleeps before extracting, as a long OCR job does: for tests of what
the portal does meanwhile. Importable, since extractions run in a spawned process."""
import time

from portal.evidence.extract import extract

SECONDS = 10


def sleep_then_extract(path, kind, progress=None):
    time.sleep(SECONDS)
    return extract(path, kind, progress)
