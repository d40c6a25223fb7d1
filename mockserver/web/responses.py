"""Turning core replies into ASGI responses, and framework problems into vendor errors."""

from __future__ import annotations

import json
from typing import Any

from connexion.exceptions import ProblemException
from starlette.exceptions import HTTPException
from starlette.responses import Response

from mockserver.core.pipeline import NO_BODY, Reply
from mockserver.core.violations import Code, Violation

_CODES = {
    400: Code.BAD_JSON,
    401: Code.UNAUTHORIZED,
    403: Code.FORBIDDEN,
    404: Code.ROUTE_NOT_FOUND,
    405: Code.METHOD_NOT_ALLOWED,
    413: Code.TOO_LARGE,
    415: Code.UNSUPPORTED_MEDIA_TYPE,
}
_RULES = {401: "GEN-8", 404: "GEN-9", 405: "GEN-9", 413: "GEN-9", 415: "GEN-9", 400: "GEN-9"}


def dumps(body: Any) -> bytes:
    # allow_nan=False: a NaN or Infinity is a bug of ours to surface, never text to send (GEN-13)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def to_response(reply: Reply) -> Response:
    content = b"" if reply.body is NO_BODY else dumps(reply.body)
    media_type = None if reply.body is NO_BODY else reply.media_type
    return Response(content, reply.status, headers=reply.headers, media_type=media_type)


def violation_for(exc: Exception) -> Violation:
    """What a framework-level problem (401, unknown route, 415...) means for a vendor."""
    if isinstance(exc, ProblemException):
        status, detail = exc.status, exc.detail or exc.title or ""
    elif isinstance(exc, HTTPException):
        status, detail = exc.status_code, str(exc.detail or "")
    else:
        status, detail = 500, "internal error"
    code = _CODES.get(status, Code.INTERNAL if status >= 500 else Code.INVALID)
    if code is Code.ROUTE_NOT_FOUND:
        detail = "The requested route does not exist."
    elif code is Code.METHOD_NOT_ALLOWED:
        detail = "This method is not allowed on this route."
    return Violation(status, code, str(detail), rule=_RULES.get(status))
