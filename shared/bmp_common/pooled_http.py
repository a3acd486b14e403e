"""Requests over kept-alive connections, as the BFFs send them to openapi and oob-alert."""

from __future__ import annotations

import urllib3


def request(
    http: urllib3.PoolManager, method: str, url: str, **options
) -> urllib3.BaseHTTPResponse:
    """``http.request``, with a GET sent once more when its kept-alive connection was closed.

    A server closes an idle kept-alive connection (its keep-alive timeout) and may do it just as
    a request goes out on it: the request fails though the server never read it. A read is asked
    again on a new connection; a write is not, since the server may have applied it.
    """
    try:
        return http.request(method, url, **options)
    except urllib3.exceptions.ProtocolError:
        if method.upper() != "GET":
            raise
        return http.request(method, url, **options)
