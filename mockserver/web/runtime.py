"""What the web layer serves from: built once by ``mockserver.app``, read by every call."""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockserver.config import ServerConfig
from mockserver.core.clock import Clock
from mockserver.core.limits import RateLimiter
from mockserver.core.operations import OperationTable
from mockserver.core.request_check import Policy
from mockserver.core.rules import RuleRegistry
from mockserver.core.store import Store
from mockserver.core.vendor import Vendor
from mockserver.web.dashboard import is_dashboard
from mockserver.web.offload import Offloader


@dataclass
class Runtime:
    config: ServerConfig
    vendors: Mapping[str, Vendor]
    store: Store
    clock: Clock
    tables: Mapping[str, OperationTable]
    """Vendor id -> its operations, compiled once."""
    admin_table: OperationTable
    general_rules: RuleRegistry
    offload: Offloader = field(default_factory=Offloader)
    coverage: Counter[str] = field(default_factory=Counter)
    admin_policy: Policy = field(default_factory=Policy)
    limiter: RateLimiter | None = None
    """``--rate-limits``: counts every vendor call; None (the default) costs a call nothing."""

    def admin_allowed(self, path: str, authorization: str | None) -> bool:
        """With ``--admin-token`` every admin call but the health check must carry it. The
        dashboard's static files hold no data (the page reads it all through the admin API, with
        the token), and a browser cannot send a bearer token when it opens a page."""
        expected = self.config.admin_token
        if not expected or path == "/__admin/health" or is_dashboard(path):
            return True
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())
