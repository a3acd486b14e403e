"""What every service's gunicorn loads (``gunicorn -c python:bmp_common.gunicorn_conf``).

A client that vanishes mid-request — a server powered off while its LiveOS agent was sending a
heartbeat, a laptop shut on a console's event stream — leaves a connection that neither sends
nor closes again. gunicorn's threaded workers read client sockets without a timeout, so each
such connection holds a worker thread for good: a few of them and the agents' gateway stops
answering every agent (the e2e saw it: five minutes without an answer after a test powered a
server off mid-heartbeat, and a live install declared silent).

TCP keepalive on the listening sockets, which the accepted ones inherit, has the kernel probe a
quiet peer and end the connection when it is gone (``TCP_USER_TIMEOUT`` does the same for data
sent and never acknowledged): the blocked read fails and the thread is free again.

A client that stays connected and stops sending mid-request (slowloris, or a stuck proxy) is
alive to TCP: a receive timeout on the same sockets (``BMP_HTTP_READ_TIMEOUT``, 60 s, as nginx's
``client_body_timeout``) ends a read that waited that long, and the connection with it. A
response being streamed (the consoles' event streams) reads nothing and is not affected.
"""

from __future__ import annotations

import os
import socket
import ssl
import struct

from bmp_common import env

KEEPALIVE_IDLE_S = 15  # quiet this long, a peer is probed
KEEPALIVE_INTERVAL_S = 5
KEEPALIVE_PROBES = 3  # unanswered: gone, 15 + 3 x 5 = 30 s after it fell silent
USER_TIMEOUT_MS = 30_000  # data sent and unacknowledged this long: gone
READ_TIMEOUT_S = 60  # a read of a request waiting this long ends the connection


def keep_alive(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPALIVE_IDLE_S)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_S)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, KEEPALIVE_PROBES)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, USER_TIMEOUT_MS)
    # Set on the listener, inherited by every accepted socket (Linux copies it on accept),
    # and kept when gunicorn makes them blocking (that changes only O_NONBLOCK).
    read_timeout = env.env_int("BMP_HTTP_READ_TIMEOUT", READ_TIMEOUT_S)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", read_timeout, 0))


def when_ready(server) -> None:
    """gunicorn's hook, once its listeners are bound (before the workers accept anything)."""
    for listener in server.LISTENERS:
        if listener.FAMILY in (socket.AF_INET, socket.AF_INET6):
            keep_alive(listener.sock)


def post_worker_init(worker) -> None:
    """gunicorn's hook, in each worker once the application is loaded: the URL patterns, and
    with them every view, serializer and service, are imported now. Django loads them on the
    first request, so each new worker spent its first requests importing (a twentieth of the
    agent gateway's CPU in a 300-server storm, while agents waited). Not in the services that
    are not Django projects (pronoea, monitor-proxy): their settings were never loaded."""
    from django.conf import settings

    if not settings.configured:
        return
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (read for its side effect: the imports)


_contexts: dict[tuple, ssl.SSLContext] = {}


def ssl_context(config, default_ssl_context_factory) -> ssl.SSLContext:
    """gunicorn's hook, for every TLS connection accepted (the agents' gateway): gunicorn built a
    new context for each, reading and parsing the certificate and key again (a tenth of the
    gateway's CPU in a 500-server storm), and a new context cannot resume a TLS session. One
    context per worker, made again when the certificate or key file changes (a renewal needs
    no restart, as before)."""
    files = (config.certfile, config.keyfile)
    key = tuple((name, os.stat(name).st_mtime_ns) for name in files if name)
    context = _contexts.get(key)
    if context is None:
        context = default_ssl_context_factory()
        _contexts.clear()  # what an older certificate made goes
        _contexts[key] = context
    return context
