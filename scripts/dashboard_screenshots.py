"""Screenshots of the dashboard for the README: every view at 1280x800 and at 400 px wide.

    .venv/bin/python scripts/dashboard_screenshots.py [--out docs]

Starts the mock on a free 127.0.0.1 port in process, makes a session ``demo`` with a few calls
to every vendor (accepted, rejected, one undocumented field, one injected 429), then opens each
view in headless Chromium (the browser tests' launcher: Debian's chromium through Playwright)
and writes ``dashboard-<view>-<width>.png``, plus the log in dark mode.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mockserver.app import create_app  # noqa: E402 - after the path is set
from mockserver.config import ServerConfig  # noqa: E402
from mockserver.live import LiveServer  # noqa: E402
from tests.fixtures.browser import browser_context  # noqa: E402

SESSION = "demo"
AUTH = {"Authorization": "Bearer test-token", "X-Mock-Session": SESSION}
WETHOD = {**AUTH, "Wethod-Company": "acme", "Wethod-Version": "2024-06-15"}
WIDTHS = ((1280, 800), (400, 800))


def traffic(client: httpx.Client) -> None:
    """A session that shows every kind of row: accepted, rejected by a rule, spec-breaking, faulted."""
    client.get("/personio/v2/projects/1001", headers=AUTH)
    client.patch("/personio/v2/projects/1001", json={"name": "Internal Tools"}, headers=AUTH)
    undocumented = {"description": "Q3 scope", "colour": "teal"}  # GEN-7: a warning
    client.patch("/personio/v2/projects/1001", json=undocumented, headers=AUTH)
    client.patch("/wethod/api/projects/42", json={"is_timesheet_whitelist_enabled": False}, headers=WETHOD)
    client.patch("/wethod/api/projects/42", json={"probability": 120, "client_id": "7"}, headers=WETHOD)
    ruddr = "/ruddr/api/workspace/projects/572e66b1-60a6-4935-853f-b59b053112e6"
    client.patch(ruddr, json={"end": "2025-02-28"}, headers=AUTH)
    client.patch("/zep/api/v1/projects/123", json={"name": "Intranet", "plan_hours": -5}, headers=AUTH)
    cor = {"metadata": {"source": "SALESFORCE"}, "end": "2025-01-01"}
    client.put("/cor/v2/integrations/projects/SF-OPP-12345", json=cor, headers=AUTH)
    fault = {"vendor": "zep", "method": "PATCH", "path": "/projects/*", "status": 429, "times": 1}
    client.post("/__admin/faults", json=fault, headers=AUTH)
    client.patch("/zep/api/v1/projects/123", json={"plan_hours": 40}, headers=AUTH)
    client.patch("/zep/api/v1/projects/123", json={"plan_hours": 40}, headers=AUTH)
    slow = {"vendor": "ruddr", "action": "latency", "latency_ms": [100, 500]}
    client.post("/__admin/faults", json=slow, headers=AUTH)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    with LiveServer(create_app(ServerConfig())) as server, httpx.Client(base_url=server.url) as client:
        traffic(client)
        with browser_context() as context:
            page = context.new_page()
            for width, height in WIDTHS:
                page.set_viewport_size({"width": width, "height": height})
                for view in ("requests", "rules", "state", "faults"):
                    page.goto(f"{server.url}/__admin/ui/?session={SESSION}&view={view}")
                    page.get_by_test_id("live").filter(has_text="live").wait_for()
                    if view == "requests":
                        page.get_by_test_id("entry").filter(has_text="PER-4").first.click()
                        page.get_by_test_id("pointer").first.get_by_role("link").wait_for()
                    elif view == "rules":
                        page.get_by_test_id("rule-row").first.wait_for()
                    elif view == "state":
                        page.get_by_test_id("state-vendor").select_option("personio")
                        page.get_by_test_id("state-collection").select_option("projects")
                        page.locator("[data-testid=record][data-id='1001']").click()
                    else:
                        page.get_by_test_id("fault-row").first.wait_for()
                    page.screenshot(path=out / f"dashboard-{view}-{width}.png")
            page.set_viewport_size({"width": 1280, "height": 800})
            page.emulate_media(color_scheme="dark")
            page.goto(f"{server.url}/__admin/ui/?session={SESSION}&view=requests")
            page.get_by_test_id("live").filter(has_text="live").wait_for()
            page.get_by_test_id("entry").filter(has_text="WET-9").first.click()
            page.screenshot(path=out / "dashboard-requests-1280-dark.png")
    for path in sorted(out.glob("dashboard-*.png")):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
