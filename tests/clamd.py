"""A real ClamAV daemon for tests: Debian's clamd started with its own configuration in a
temporary folder and a one-signature database the tests write (the EICAR test string), so
no signature download and no system service are needed."""
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from portal.evidence import antivirus

# The industry's harmless test "virus" (eicar.org); scanners treat it as infected.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Portal.Test.EICAR"
STREAM_MAX_BYTES = 1024 * 1024  # small, so the size-limit answer can be tested


def clamd_binary() -> str | None:
    return shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/bin/clamd") if Path(p).is_file()), None)


class Clamd:
    def __init__(self, folder: Path):
        self.folder = folder
        self.socket = folder / "clamd.sock"
        self.url = f"unix://{self.socket}"
        self.log = folder / "clamd.log"
        self.process = None
        (folder / "db").mkdir()
        (folder / "tmp").mkdir()
        # .ndb: name, target type (0 = any file), offset (* = anywhere), hex bytes.
        (folder / "db" / "portal-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
        (folder / "clamd.conf").write_text(
            f"LocalSocket {self.socket}\nForeground yes\nDatabaseDirectory {folder / 'db'}\n"
            f"TemporaryDirectory {folder / 'tmp'}\nLogFile {self.log}\nLogClean yes\n"
            f"StreamMaxLength {STREAM_MAX_BYTES // 1024}K\n")

    def start(self) -> None:
        self.process = subprocess.Popen([clamd_binary(), "-c", str(self.folder / "clamd.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not antivirus.ping(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log.read_text() if self.log.exists() else ""
                self.stop()
                raise RuntimeError(f"clamd did not start:\n{log}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def scanned_streams(self) -> int:
        """Streams clamd reported on (clean or not), from its log."""
        text = self.log.read_text() if self.log.exists() else ""
        return sum(1 for line in text.splitlines() if "stream" in line and (" OK" in line or "FOUND" in line))


@pytest.fixture
def clamd():
    if clamd_binary() is None:
        pytest.skip("clamd is not installed (Debian package clamav-daemon): antivirus tests skipped")
    # A short folder name: a Unix socket path must stay under 108 bytes.
    folder = Path(tempfile.mkdtemp(prefix="pmqa-clamd-"))
    daemon = Clamd(folder)
    daemon.start()
    yield daemon
    daemon.stop()
    shutil.rmtree(folder, ignore_errors=True)
