"""Core replies as the bytes and headers that go over the wire."""

from __future__ import annotations

import json
from typing import Any, Final

from mockserver.core.values import NO_BODY, Reply

_NO_LENGTH: Final = (204, 304)


def dumps(body: Any) -> bytes:
    # allow_nan=False: a NaN or Infinity is a bug of ours to surface, never text to send (GEN-13)
    return _ENCODER.encode(body).encode("utf-8")


_ENCODER: Final = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False
)
"""Built once: ``json.dumps`` with options builds an encoder on every call. No circular check: a
reply body is a tree (parsed JSON, or built by a vendor module), and skipping the check's memo
dict is a sixth of a small body's encoding; a cycle would still end in a RecursionError."""


def encoded(reply: Reply) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, raw headers and body of ``reply``: Content-Length (none for 1xx, 204 and 304, as
    RFC 9110 8.6 wants), Content-Type where there is a body, then the reply's own headers."""
    raw = reply.body
    body = b"" if raw is NO_BODY else raw if isinstance(raw, bytes) else dumps(raw)
    headers: list[tuple[bytes, bytes]] = []
    status = reply.status
    if status >= 200 and status not in _NO_LENGTH:
        headers.append((b"content-length", str(len(body)).encode()))
    if reply.body is not NO_BODY:
        headers.append((b"content-type", reply.media_type.encode("latin-1")))
    headers.extend((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items())
    return status, headers, body
