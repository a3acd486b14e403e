"""Where an uploaded image goes, and how it gets there without being held in memory.

``ImageUploadHandler`` is the only upload handler of the image upload: Django's multipart parser
hands it the file part in 1 MiB pieces as they arrive from the socket, and each piece is hashed
(SHA-256 and MD5, each in a thread of its own, a few pieces behind at most) and written to a
temporary file in the image folder itself (``.upload-<random>.part``, so that the final rename
is atomic and never copies), then dropped.
Nothing else keeps the body: no memory handler, no temporary file elsewhere.

The file reaches its final name only when it is complete (``publish``: a hard link that fails
rather than replace an existing file, then the temporary name is removed). Anything else, a
client that goes away, a file over ``BMP_IMAGE_UPLOAD_MAX_BYTES``, a refused type, a failed
registration, removes the temporary file (``discard``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
FIELD = "imageFile"  # upstream's form field
# Name endings accepted, and the image format openapi records for each (None: accepted by the
# upload, but openapi's contract has no format for it yet: refused before any byte is stored).
KINDS = {".tar.xz": "tar", ".tar.gz": "tar", ".qcow2": "qcow2", ".raw": None}
PART_PREFIX = ".upload-"
_UNSAFE = re.compile(r"[^0-9A-Za-z._+-]")


def kind_of(file_name: str) -> tuple[str, str | None] | None:
    """(ending, format) of an accepted name, else None."""
    lowered = file_name.lower()
    for ending, image_format in KINDS.items():
        if lowered.endswith(ending) and len(lowered) > len(ending):
            return ending, image_format
    return None


def final_name(file_name: str) -> str:
    """A new name in the image folder: a random prefix (upstream used the request id) and the
    uploaded name with anything but ``0-9A-Za-z._+-`` replaced (openapi's ``filename``)."""
    base = _UNSAFE.sub("_", Path(file_name).name).lstrip(".") or "image"
    return f"{secrets.token_hex(6)}_{base}"[:255]


class _Hasher(threading.Thread):
    """One digest, computed in its own thread (hashlib lets go of the GIL on large pieces), so
    that SHA-256, MD5 and the socket read and file write overlap. At most ``DEPTH`` pieces
    wait for it: the reader blocks rather than queue more."""

    DEPTH = 4

    def __init__(self, algorithm: str):
        super().__init__(name=f"upload-{algorithm}", daemon=True)
        self.digest = hashlib.new(algorithm, usedforsecurity=False)
        self.pieces: queue.Queue[bytes | None] = queue.Queue(self.DEPTH)
        self.start()

    def run(self) -> None:
        while (piece := self.pieces.get()) is not None:
            self.digest.update(piece)

    def finish(self) -> str:
        self.pieces.put(None)
        self.join()
        return self.digest.hexdigest()

    def abandon(self) -> None:
        """Stops the thread without waiting for the pieces still queued."""
        while True:
            try:
                self.pieces.get_nowait()
            except queue.Empty:
                break
        self.pieces.put(None)
        self.join()


@dataclass
class StoredImage:
    """A complete upload under its temporary name."""

    part: Path
    file_name: str  # as the browser named it
    image_format: str
    size: int
    sha256: str
    md5: str


class UploadRefused(Exception):
    """Why the handler stopped: ``reason`` is one of ``type``, ``too_large``, ``interrupted``,
    ``twice``."""

    def __init__(self, reason: str, **params):
        self.reason = reason
        self.params = params
        super().__init__(reason)


class ImageUploadHandler(FileUploadHandler):
    chunk_size = CHUNK

    def __init__(self, request, *, folder: Path, max_bytes: int):
        super().__init__(request)
        self.folder = folder
        self.max_bytes = max_bytes
        self.stored: StoredImage | None = None
        self.refused: UploadRefused | None = None
        self.part: Path | None = None
        self._fd: int | None = None
        self._size = 0
        self._hashers: tuple[_Hasher, _Hasher] | None = None
        self._kind: tuple[str, str | None] | None = None

    # -- Django's handler interface --------------------------------------------------------

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != FIELD:
            raise SkipFile()
        if self.part is not None or self.stored is not None:
            self._stop(UploadRefused("twice"))
        self._kind = kind_of(file_name)
        if self._kind is None or self._kind[1] is None:
            self._stop(UploadRefused("type", ending=self._kind[0] if self._kind else ""))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.part = self.folder / f"{PART_PREFIX}{secrets.token_hex(8)}.part"
        self._fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self._hashers = (_Hasher("sha256"), _Hasher("md5"))

    def receive_data_chunk(self, raw_data, start):
        self._size += len(raw_data)
        if self._size > self.max_bytes:
            self._stop(UploadRefused("too_large", limit=self.max_bytes))
        for hasher in self._hashers:
            hasher.pieces.put(raw_data)
        view = memoryview(raw_data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        return None  # nothing for another handler: the piece is on disk and hashed

    def file_complete(self, file_size):
        if self._fd is None:
            return None
        os.fsync(self._fd)  # complete on disk before openapi hears of it
        os.close(self._fd)
        self._fd = None
        sha256, md5 = (hasher.finish() for hasher in self._hashers)
        self._hashers = None
        self.stored = StoredImage(
            part=self.part,
            file_name=self.file_name,
            image_format=self._kind[1],
            size=self._size,
            sha256=sha256,
            md5=md5,
        )
        return self.stored

    def upload_interrupted(self):
        self.refused = self.refused or UploadRefused("interrupted")
        self.discard()

    # -- ours ------------------------------------------------------------------------------

    def _stop(self, refused: UploadRefused):
        """Stops reading the body (what the client still sends is not stored)."""
        self.refused = refused
        self.discard()
        raise StopUpload(connection_reset=True)

    def discard(self) -> None:
        """Removes the temporary file, whatever state the upload is in."""
        if self._hashers is not None:
            for hasher in self._hashers:
                hasher.abandon()
            self._hashers = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.part is not None:
            self.part.unlink(missing_ok=True)
            self.part = None
        self.stored = None

    def publish(self, name: str) -> Path:
        """The complete file under ``name`` (never replacing a file that has it)."""
        target = self.folder / name
        try:
            os.link(self.stored.part, target)
        except FileExistsError:
            raise
        except OSError:
            # A file system without hard links: the random name makes a clash unlikely.
            if target.exists():
                raise FileExistsError(target) from None
            os.rename(self.stored.part, target)
        else:
            self.stored.part.unlink()
        self.part = None
        return target
