"""The dashboard at ``/__admin/ui/``: static HTML, CSS and JavaScript shipped in the package.

No build step and no CDN, so the page works offline. The files hold no data: the page reads
everything through the admin API (``web/admin.yaml``) with the caller's admin token, so it
shows exactly what the admin API would. That is why the admin-token check lets these files
through (``Runtime.admin_allowed``) and the page asks for the token when an admin call answers
401.
"""

from __future__ import annotations

import functools
from pathlib import Path

from starlette.types import Scope, Send

__all__ = ["DASHBOARD_PREFIX", "is_dashboard", "serve_dashboard"]

DASHBOARD_PREFIX = "/__admin/ui"
_DIRECTORY = Path(__file__).with_name("dashboard")
_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# The page loads nothing from elsewhere and runs no inline script: a journal entry's body is
# whatever a client sent, so the page must never be able to run it.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]


def is_dashboard(path: str) -> bool:
    return path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/")


@functools.cache
def _file(name: str) -> bytes:
    return (_DIRECTORY / name).read_bytes()


async def serve_dashboard(scope: Scope, send: Send, path: str) -> None:
    """Answer a request for ``path`` (under :data:`DASHBOARD_PREFIX`, session prefix removed)."""
    method: str = scope["method"]
    rest = path[len(DASHBOARD_PREFIX) :]
    if rest == "":  # relative, so a /__session/NAME/ prefix or a proxy's mount point is kept
        query = scope.get("query_string", b"")
        location = b"ui/" + (b"?" + query if query else b"")
        await _answer(send, 308, [(b"location", location)], b"", method)
        return
    name = rest[1:] or "index.html"
    media = _FILES.get(name)
    if media is None:
        await _answer(send, 404, [], b'{"status":404,"message":"no such dashboard file"}', method)
        return
    if method not in ("GET", "HEAD"):
        body = b'{"status":405,"message":"the dashboard is read with GET"}'
        await _answer(send, 405, [(b"allow", b"GET, HEAD")], body, method)
        return
    await _answer(send, 200, [(b"content-type", media.encode())], _file(name), method)


async def _answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, method: str
) -> None:
    if body and not any(name == b"content-type" for name, _ in headers):
        headers = [*headers, (b"content-type", b"application/json")]
    raw = [(b"content-length", str(len(body)).encode()), *headers, *_SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
