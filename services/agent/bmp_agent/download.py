"""Streamed HTTP download, hashed while it streams.

Three stages overlap (the socket read, the hash, the write), each in its own thread: hashlib and
os.write release the GIL on large buffers, so the stream runs at about the speed of the slowest
stage instead of the sum of the three.
"""

from __future__ import annotations

import hashlib
import hmac
import queue
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from bmp_agent.context import StepContext
from bmp_agent.errors import StepError

_DONE = b""
_DEPTH = 8  # chunks in flight per stage (8 x 4 MiB)


@dataclass(frozen=True)
class Expected:
    algorithm: str  # md5 | sha256
    digest: str


def expected_hash(value: str) -> Expected:
    """The image's hash as the platform stores it: 32 hex = MD5, 64 hex = SHA-256 (an
    ``algo:`` prefix is accepted)."""
    text = (value or "").strip().lower()
    algorithm, _, digest = text.rpartition(":")
    if not digest:
        raise StepError("IMAGE_HASH_MISSING", "the image has no checksum; refusing to install it")
    algorithm = algorithm or {32: "md5", 64: "sha256"}.get(len(digest), "")
    if algorithm not in ("md5", "sha256") or len(digest) != (32 if algorithm == "md5" else 64):
        raise StepError("IMAGE_HASH_INVALID", f"not an MD5 or SHA-256 checksum: {value!r}")
    return Expected(algorithm, digest)


def resolve_url(url: str, ctx: StepContext) -> str:
    if "{host}" in url:
        if not ctx.image_host:
            raise StepError(
                "IMAGE_HOST_UNKNOWN", "the image URL uses {host} but bmp.image is not set"
            )
        url = url.replace("{host}", ctx.image_host.rstrip("/"))
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise StepError("IMAGE_URL_INVALID", f"not an http(s) URL: {url}")
    return url


def stream(
    url: str, ctx: StepContext, expected: Expected, write: Callable[[bytes], object]
) -> tuple[int, str]:
    """GET ``url`` and hand every chunk to ``write``; returns (bytes, hex digest).

    Raises StepError IMAGE_CHECKSUM_MISMATCH after the last byte when the digest differs: the
    caller must then undo what ``write`` did.
    """
    url = resolve_url(url, ctx)
    try:
        response = urllib.request.urlopen(url, timeout=ctx.http_timeout_s)  # noqa: S310 (checked)
    except urllib.error.HTTPError as exc:
        raise StepError("IMAGE_DOWNLOAD_FAILED", f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise StepError("IMAGE_DOWNLOAD_FAILED", f"{url}: {exc}") from None
    total = int(response.headers.get("Content-Length") or 0)
    ctx.progress.start(total)
    digest = hashlib.new(expected.algorithm)
    to_hash: queue.Queue[bytes] = queue.Queue(_DEPTH)
    to_write: queue.Queue[bytes] = queue.Queue(_DEPTH)
    failure: list[BaseException] = []

    def read() -> None:
        try:
            while not failure:
                chunk = response.read(ctx.chunk_size)
                to_hash.put(chunk)
                to_write.put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)
            to_hash.put(_DONE)
            to_write.put(_DONE)

    def hash_all() -> None:
        while chunk := to_hash.get():
            digest.update(chunk)

    threads = [threading.Thread(target=f, daemon=True) for f in (read, hash_all)]
    for thread in threads:
        thread.start()
    count = 0
    try:
        while chunk := to_write.get():
            write(chunk)
            count += len(chunk)
            ctx.progress.add(len(chunk))
    except BaseException as exc:
        failure.append(exc)
        _drain(to_write, to_hash)
    finally:
        for thread in threads:
            thread.join(timeout=ctx.http_timeout_s)
        response.close()
    if failure:
        exc = failure[0]
        if isinstance(exc, StepError):
            raise exc
        raise StepError("IMAGE_DOWNLOAD_FAILED", f"{url}: {exc}") from exc
    if total and count != total:
        raise StepError("IMAGE_DOWNLOAD_FAILED", f"{url}: got {count} of {total} bytes")
    actual = digest.hexdigest()
    if not hmac.compare_digest(actual, expected.digest):
        raise StepError(
            "IMAGE_CHECKSUM_MISMATCH",
            f"{expected.algorithm} of {url} is {actual}, the image record says {expected.digest}",
        )
    return count, actual


def _drain(*queues: queue.Queue) -> None:
    """Unblock the reader after the writer failed (it stops at the next chunk)."""
    for q in queues:
        while True:
            try:
                q.get_nowait()
            except queue.Empty:
                break
        try:
            q.put_nowait(_DONE)
        except queue.Full:
            pass
