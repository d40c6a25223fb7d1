"""The workload the profile-guided build (``scripts/compile.py``) is trained on: every vendor's rule
scenarios, three times over, against a mock served on loopback by the build being trained. They
call every operation the vendors document, accepted and refused, so the counts follow what clients
do, not one benchmark request. Exits non-zero if the build did not run compiled or a scenario
failed: counts from a broken build must not shape the next one."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.scenarios import Target, run_all
from mockserver import native
from mockserver.core.vendor import discover_vendors
from mockserver.live import LiveServer

ROUNDS = 3


def main() -> int:
    if not native.COMPILED:
        print(f"training: the build does not run ({native.STATUS})", file=sys.stderr)
        return 1
    failed = 0
    with LiveServer() as server:
        for _ in range(ROUNDS):
            for vendor in discover_vendors().values():
                target = Target.connect(vendor, server.url + vendor.prefix)
                failed += sum(not outcome.ok for outcome in run_all(target))
    if failed:
        print(f"training: {failed} scenarios failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
