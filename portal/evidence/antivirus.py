"""Optional virus scanning of uploads by a ClamAV daemon (clamd), before anything is stored.

Off while CLAMD_URL is empty. When it is set, uploads fail closed: a scanner that is down,
unreachable or too slow refuses the upload (503) rather than letting unscanned bytes in.

The client speaks clamd's INSTREAM protocol itself (about 40 lines). The maintained PyPI
client (clamav-client 0.7.2) sends 1 KB chunks and, when a file passes clamd's
StreamMaxLength, clamd stops reading and closes: that client then dies on a raw
BrokenPipeError and never reads clamd's "size limit exceeded" reply. Here a closed pipe
while sending still reads that reply, so an over-long file is told apart from a dead scanner.
"""
import logging
import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app

from portal.errors import Refused

log = logging.getLogger(__name__)

CHUNK = 256 * 1024  # well below clamd's StreamMaxLength; one length prefix per chunk
CONNECT_TIMEOUT = 5.0
MAX_REPLY = 4096


class ScannerUnavailable(Exception):
    """clamd could not be reached, timed out, or answered something unexpected."""


class StreamTooLong(Exception):
    """The file is larger than clamd's StreamMaxLength, so it could not be scanned."""


@dataclass(frozen=True)
class Verdict:
    signature: str | None  # None: clean

    @property
    def infected(self) -> bool:
        return self.signature is not None


def parse_address(url: str) -> tuple[int, object]:
    """'unix:///run/clamav/clamd.ctl', a bare socket path, or 'tcp://127.0.0.1:3310'."""
    if url.startswith("/"):
        return socket.AF_UNIX, url
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path:
        return socket.AF_UNIX, parts.path
    if parts.scheme == "tcp" and parts.hostname:
        return socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET, (parts.hostname, parts.port or 3310)
    raise ValueError(f"CLAMD_URL must be unix:///path, /path or tcp://host:port, not {url!r}")


def _connect(url: str, timeout: float) -> socket.socket:
    family, address = parse_address(url)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(min(timeout, CONNECT_TIMEOUT))
        sock.connect(address)
        sock.settimeout(timeout)
        return sock
    except OSError as error:
        sock.close()
        raise ScannerUnavailable(f"cannot connect to clamd at {url}: {error}") from error


def _read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY:
        chunk = sock.recv(MAX_REPLY)
        if not chunk:
            break
        reply += chunk
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan(url: str, stream: BinaryIO, timeout: float) -> Verdict:
    """Stream the bytes to clamd and return its verdict; the stream is read to its end."""
    with _connect(url, timeout) as sock:
        try:
            sock.sendall(b"zINSTREAM\0")
            try:
                while chunk := stream.read(CHUNK):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stopped reading (size limit, shutting down): its reply says which
            reply = _read_reply(sock)
        except OSError as error:  # timeouts included
            raise ScannerUnavailable(f"clamd at {url} failed during the scan: {error}") from error
    return parse_reply(reply)


def parse_reply(reply: str) -> Verdict:
    """clamd answers 'stream: OK', 'stream: <signature> FOUND' or '<reason> ERROR'."""
    if reply == "stream: OK":
        return Verdict(None)
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return Verdict(reply[len("stream: "):-len(" FOUND")].strip())
    if reply.startswith("INSTREAM size limit exceeded"):
        raise StreamTooLong(reply)
    raise ScannerUnavailable(f"unexpected clamd reply: {reply!r}" if reply else "clamd closed without a reply")


def ping(url: str, timeout: float = CONNECT_TIMEOUT) -> bool:
    try:
        with _connect(url, timeout) as sock:
            sock.sendall(b"zPING\0")
            return _read_reply(sock) == "PONG"
    except (OSError, ScannerUnavailable):
        return False


def check_upload(stream: BinaryIO, name: str) -> None:
    """Refuse the upload unless clamd, when configured, says it is clean; rewinds the stream."""
    url = current_app.config.get("CLAMD_URL")
    if not url:
        return
    start = stream.tell()
    try:
        verdict = scan(url, stream, current_app.config["CLAMD_TIMEOUT_SECONDS"])
    except ScannerUnavailable as error:
        log.error("upload %r refused: virus scanner unavailable: %s", name, error)
        raise Refused(503, f"ระบบตรวจไวรัสไม่พร้อมใช้งานขณะนี้ จึงยังไม่ได้บันทึกไฟล์ “{name}” "
                                 "กรุณาลองใหม่ภายหลัง หากยังไม่ได้ กรุณาแจ้งผู้ดูแลระบบ") from None
    except StreamTooLong:
        log.error("upload %r refused: larger than clamd's StreamMaxLength; set it to at least "
                  "MAX_UPLOAD_MB in clamd.conf", name)
        raise Refused(413, f"ไฟล์ “{name}” ใหญ่เกินขนาดที่ระบบตรวจไวรัสตรวจได้ จึงไม่ได้บันทึก "
                                 "กรุณาแจ้งผู้ดูแลระบบ") from None
    finally:
        stream.seek(start)
    if verdict.infected:
        log.warning("upload %r refused: infected with %s", name, verdict.signature)
        # The refusal's message names the signature; the audit log keeps it (portal.audit).
        raise Refused(422, f"ไฟล์ “{name}” มีไวรัสหรือมัลแวร์ ({verdict.signature}) ระบบไม่ได้บันทึกไฟล์นี้")
