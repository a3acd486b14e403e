"""The HTTP image server: GET and HEAD of files under a root, with byte ranges, sent with
sendfile(2) so the file's bytes never pass through Python."""

from __future__ import annotations

import logging
import mimetypes
import os
import queue
import socket
import struct
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bmp_common import flight
from bmp_image.http_rules import (
    RangeNotSatisfiable,
    byte_range,
    entity_tag,
    file_for_url,
    http_date,
    not_modified,
    range_applies,
)
from bmp_image.logs import LOGGER_NAME

log = logging.getLogger(f"{LOGGER_NAME}.access")

HEALTH_PATH = "/health"
ALLOWED_METHODS = "GET, HEAD"
# iPXE scripts and kernel command lines are text; everything else is a byte stream.
EXTRA_TYPES = {".ipxe": "text/plain", ".cfg": "text/plain", ".xz": "application/x-xz"}


def content_type(path: Path) -> str:
    guessed = EXTRA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    return guessed or "application/octet-stream"


class ImageRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: iPXE fetches kernel and initrd on one connection
    server_version = "bmp-image"
    timeout = 60  # an idle or stalled client frees its thread after this many seconds
    server: ImageServer

    # ------------------------------------------------------------------ request cycle

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    def handle_one_request(self) -> None:
        self._started = time.perf_counter()
        self._status = None
        self._sent = 0
        try:
            super().handle_one_request()
        finally:
            if self._status is not None:
                self._log_access()

    def log_request(self, code="-", size="-") -> None:
        # Called by send_response(), also for the errors that the base class answers (400, 501).
        self._status = int(code)

    def log_message(self, format, *args) -> None:
        log.debug(format, *args)

    def _log_access(self) -> None:
        # A request refused while it was parsed may have no method, path or headers yet.
        method = getattr(self, "command", None)
        path = (getattr(self, "path", None) or "")[:1024]
        headers = getattr(self, "headers", None)
        fields = {
            "event": "http_access",
            "client": self.client_address[0],
            "method": method,
            "path": path,
            "status": self._status,
            "bytes": self._sent,
            "duration_s": round(time.perf_counter() - self._started, 4),
        }
        if headers is not None and headers.get("Range"):
            fields["range"] = headers["Range"][:128]
        log.info("%s %s %s", method, path, self._status, extra={"fields": fields})
        if method in ("GET", "HEAD"):  # the jobs' timelines, by the client's address
            detail = {"file": path.split("?", 1)[0][:256], "status": self._status}
            detail["bytes"] = self._sent
            entry = flight.entry(flight.HTTP, flight.FILE_FETCHED, detail)
            flight.record_node([(self.client_address[0], entry)])

    # ------------------------------------------------------------------ methods

    def do_GET(self) -> None:
        self._serve_file(with_body=True)

    def do_HEAD(self) -> None:
        self._serve_file(with_body=False)

    def _refuse_method(self) -> None:
        # A refused request's body is never read, so the connection cannot carry another one.
        self.close_connection = True
        self._send_small(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": ALLOWED_METHODS})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse_method

    # ------------------------------------------------------------------ responses

    def _send_small(self, status: HTTPStatus, headers: dict | None = None, body: bytes = b""):
        if not body and status >= 400:
            body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(body)
            self._sent = len(body)

    def _serve_file(self, *, with_body: bool) -> None:
        if self.path.split("?", 1)[0] == HEALTH_PATH:
            self._send_small(HTTPStatus.OK, body=b"ok\n")
            return
        path = file_for_url(self.server.root, self.path)
        if path is None:
            self._send_small(HTTPStatus.NOT_FOUND)
            return
        with open(path, "rb") as file:
            stat = os.fstat(file.fileno())
            etag = entity_tag(stat)
            validators = {"ETag": etag, "Last-Modified": http_date(stat.st_mtime)}
            if not_modified(self.headers, etag, stat.st_mtime):
                self._send_small(HTTPStatus.NOT_MODIFIED, validators)
                return
            size = stat.st_size
            wanted = self.headers.get("Range")
            if not range_applies(self.headers, etag, stat.st_mtime):
                wanted = None
            try:
                span = byte_range(wanted, size)
            except RangeNotSatisfiable:
                self._send_small(
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    {"Content-Range": f"bytes */{size}", **validators},
                )
                return
            start, end = span if span else (0, size - 1)
            length = end - start + 1
            self.send_response(HTTPStatus.PARTIAL_CONTENT if span else HTTPStatus.OK)
            self.send_header("Content-Type", content_type(path))
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            for name, value in validators.items():
                self.send_header(name, value)
            if span:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            if with_body and length > 0:
                self._send_body(file, start, length)

    def setup(self) -> None:
        super().setup()
        # Bounds a blocking sendfile(2) to a client that stops reading (see _send_body).
        send_timeout = struct.pack("ll", self.timeout, 0)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, send_timeout)

    def _send_body(self, file, offset: int, count: int) -> None:
        """sendfile(2) on the socket in blocking mode: the kernel sends the whole span in one
        call, where a non-blocking socket needs a poll and a call per socket buffer (measured
        ~10-20% slower for 30 MiB on loopback)."""
        sock = self.connection
        sent = 0
        sock.settimeout(None)
        try:
            while sent < count:
                chunk = os.sendfile(sock.fileno(), file.fileno(), offset + sent, count - sent)
                if chunk == 0:  # the file shrank under us: the promised length cannot be kept
                    break
                sent += chunk
        except OSError:
            pass  # the client went away or stalled past the send timeout
        finally:
            self._sent = sent
            if sent < count:
                self.close_connection = True
            sock.settimeout(self.timeout)


class ImageServer(ThreadingHTTPServer):
    """One thread per connection, as ThreadingHTTPServer, but threads are kept for the next
    connection (up to ``WORKER_IDLE_S`` idle) instead of started for each: starting one costs
    the accepting thread a clone and a wait until the new thread runs, and on a busy machine
    a scheduling delay before the next accept. Measured on small files: 1.5 ms of CPU a
    request before, 1.2 ms after (nginx: 0.25 ms)."""

    daemon_threads = True
    request_queue_size = 128
    WORKER_IDLE_S = 60.0

    def process_request(self, request, client_address) -> None:
        with self._workers_lock:
            worker = self._idle_workers.pop() if self._idle_workers else None
            if worker is not None:
                # Put under the lock: a worker whose wait ends now finds its job (below).
                worker.put((request, client_address))
                return
        thread = threading.Thread(
            target=self._work, args=(request, client_address), name="image-worker", daemon=True
        )
        thread.start()

    def _work(self, request, client_address) -> None:
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        while True:
            self.process_request_thread(request, client_address)  # handles, then closes
            with self._workers_lock:
                self._idle_workers.append(inbox)
            try:
                request, client_address = inbox.get(timeout=self.WORKER_IDLE_S)
            except queue.Empty:
                with self._workers_lock:
                    if inbox in self._idle_workers:  # nobody handed us a connection: retire
                        self._idle_workers.remove(inbox)
                        return
                # process_request took us off the list and put a job under the lock.
                request, client_address = inbox.get()

    def handle_error(self, request, client_address) -> None:
        # Instead of socketserver's traceback on stderr: one JSON line.
        log.exception("request from %s failed", client_address[0])

    def __init__(self, root: Path, address: tuple[str, int]):
        self.root = Path(root).resolve(strict=True)
        self._workers_lock = threading.Lock()
        self._idle_workers: list[queue.SimpleQueue] = []  # the last one idle is the first used
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, ImageRequestHandler)


def serve(root: Path, host: str, port: int) -> None:
    with ImageServer(root, (host, port)) as server:
        bound_host, bound_port = server.server_address[:2]
        logging.getLogger(LOGGER_NAME).info(
            "image serving %s on %s:%s",
            server.root,
            bound_host,
            bound_port,
            extra={"fields": {"event": "listening", "host": bound_host, "port": bound_port}},
        )
        try:
            server.serve_forever()
        except (KeyboardInterrupt, SystemExit):
            pass  # SIGINT/SIGTERM (see __main__)
