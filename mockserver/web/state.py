"""Per-request data shared by the middleware, connexion's validators and the handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.core.change import Identity
from mockserver.core.schema import BodySchema
from mockserver.core.store import Session
from mockserver.core.vendor import Vendor
from mockserver.core.violations import Violation
from mockserver.web.offload import Offloader

SCOPE_KEY = "mockserver"


@dataclass
class RequestState:
    """Lives in the ASGI scope under ``SCOPE_KEY`` (a shared object survives connexion's scope
    copies); violations are collected here instead of raised, so the pipeline can answer them in
    the order GEN-6 fixes."""

    vendor: Vendor | None
    session: Session
    offload: Offloader
    raw_body: bytes = b""
    body: Any = None
    has_body: bool = False
    body_schema: BodySchema | None = None
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    param_violations: list[Violation] = field(default_factory=list)
    unknown_params: list[Violation] = field(default_factory=list)
    link_prefix: str = ""
    """The ``/__session/NAME`` prefix the middleware stripped: paging links must keep it."""
    body_violations: list[Violation] = field(default_factory=list)
    identity: Identity | None = None
    operation: str | None = None
    fired: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
