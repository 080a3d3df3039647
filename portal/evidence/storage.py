"""Content-addressed file storage under UPLOAD_DIR.

A file is written to a temporary name, flushed to disk and renamed into place as
`ab/cd/<sha256>`, so a crash never leaves a half-written file under a real name, and the
same bytes are stored once. Names chosen by users never become paths.
"""
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

CHUNK = 1024 * 1024
SHA256_HEX_LENGTH = 64


class StorageFull(OSError):
    """The disk is full (HTTP 507)."""


class TooLarge(ValueError):
    """The stream is larger than the configured limit (HTTP 413)."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    created: bool = False  # False when the same bytes were already stored


class BlobStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.temp_dir = self.root / ".incoming"

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != SHA256_HEX_LENGTH or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def save(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        """Copy the stream into the store; returns where the bytes now live."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, temp_name = tempfile.mkstemp(dir=self.temp_dir, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_size is not None and size > max_size:
                        raise TooLarge(size)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            final = self.path_for(digest.hexdigest())
            created = not final.exists()
            if not created:
                os.unlink(temp_name)  # the same bytes are already stored
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp_name, final)
                _fsync_dir(final.parent)
            return StoredBlob(digest.hexdigest(), size, final, created)
        except OSError as error:
            _remove_quietly(temp_name)
            if error.errno == 28:  # ENOSPC
                raise StorageFull(str(error)) from error
            raise
        except BaseException:
            _remove_quietly(temp_name)
            raise

    def delete(self, sha256: str) -> None:
        _remove_quietly(self.path_for(sha256))

    def all_hashes(self) -> Iterator[str]:
        """Every stored blob (temporary uploads excluded)."""
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if len(first.name) != 2 or not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                for blob in sorted(second.iterdir()):
                    if len(blob.name) == SHA256_HEX_LENGTH:
                        yield blob.name

    def stale_temporaries(self) -> list[Path]:
        return sorted(self.temp_dir.glob("upload-*")) if self.temp_dir.is_dir() else []


def rewindable(stream: BinaryIO) -> BinaryIO:
    """A stream the virus scan can read and then rewind for storing;
    uploads are spooled files already, anything else is spooled here."""
    if stream.seekable():
        return stream
    spooled = tempfile.SpooledTemporaryFile(max_size=CHUNK)
    while chunk := stream.read(CHUNK):
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
