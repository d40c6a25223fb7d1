"""The dashboard in a real browser: headless Chromium (Debian's package) driven by Playwright.

Each test opens the page for a session of its own on a live server, drives it as a person would
(clicks, typing, the keyboard) and checks the outcome through the admin API as well.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page

_names = itertools.count(1)
AUTH = {"Authorization": "Bearer test-token"}
WETHOD = {**AUTH, "Wethod-Company": "acme", "Wethod-Version": "2024-06-15"}
LIVE_WITHIN_MS = 5_000
"""The page polls every second: a new call must show well within this."""


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(ServerConfig())) as live:
        yield live


class Dashboard:
    """One session of the mock, its page open in the browser, and an HTTP client in the session."""

    def __init__(self, server: LiveServer, context: BrowserContext, name: str) -> None:
        self.url = server.url
        self.session = name
        self.http = httpx.Client(base_url=server.url, headers={"X-Mock-Session": name}, timeout=10)
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # an answer of 4xx is logged by the browser as a failed load: the page expects those
        self.page.on("console", lambda m: self.errors.append(m.text) if _script_error(m) else None)

    def open(self, view: str = "requests") -> Page:
        self.page.goto(f"{self.url}/__admin/ui/?session={self.session}&view={view}")
        self.page.get_by_test_id("live").filter(has_text="live").wait_for()
        return self.page

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.http.request(method, "/__admin" + path, **kwargs)

    def entries(self) -> Any:
        return self.page.get_by_test_id("entry")

    def close(self) -> None:
        self.page.close()
        self.http.close()
        assert not self.errors, f"the page logged errors: {self.errors}"


def _script_error(message: ConsoleMessage) -> bool:
    return message.type == "error" and not message.text.startswith("Failed to load resource")


@pytest.fixture
def dash(
    server: LiveServer, dashboard_browser: BrowserContext, request: pytest.FixtureRequest
) -> Iterator[Dashboard]:
    name = f"ui-{next(_names)}-{request.node.name[:40]}"
    board = Dashboard(server, dashboard_browser, re.sub(r"[^A-Za-z0-9_-]", "-", name))
    try:
        yield board
    finally:
        board.close()


def test_the_page_opens_and_its_views_are_reached_by_keyboard(dash: Dashboard) -> None:
    page = dash.open()
    assert page.title() == "mockserver dashboard"
    assert page.get_by_test_id("session").input_value() == dash.session
    page.get_by_role("tab", name=re.compile("Requests")).focus()
    for view in ("Rules", "State", "Faults", "Requests"):
        page.keyboard.press("ArrowRight")
        tab = page.get_by_role("tab", name=re.compile(view))
        assert tab.get_attribute("aria-selected") == "true"
        assert page.evaluate("document.activeElement.getAttribute('role')") == "tab"
        assert page.get_by_role("tabpanel").count() == 1  # only the chosen view is shown
    assert f"session={dash.session}" in page.url


def test_PER_4_a_rejected_patch_appears_live_with_its_rule_and_violation(dash: Dashboard) -> None:
    page = dash.open()
    assert dash.entries().count() == 0
    r = dash.http.patch("/personio/v2/projects/1001", json={"name": "Internal Tools"}, headers=AUTH)
    assert r.status_code == 422
    row = dash.entries().first
    row.wait_for(timeout=LIVE_WITHIN_MS)  # no reload: the page picks it up by itself
    assert row.get_by_test_id("status").inner_text() == "422"
    assert "PER-4" in row.get_by_test_id("rules").inner_text()
    assert "1 violation" in row.inner_text() and "personio" in row.inner_text()
    row.focus()
    page.keyboard.press("Enter")  # keyboard-usable: a row is a button
    assert row.get_attribute("aria-expanded") == "true"
    violation = page.get_by_test_id("violation").first
    assert "name" in violation.inner_text() and "PER-4" in violation.inner_text()
    assert "A project with the name 'Internal Tools' already exists" in violation.inner_text()
    link = violation.get_by_test_id("pointer").get_by_role("link")
    assert re.fullmatch(r"specs/personio\.yaml#/.+/properties/name", link.inner_text())
    assert link.get_attribute("href") == "/personio/ui/#/Projects/updateProject"


def test_WET_9_a_copied_curl_line_reproduces_the_answer(dash: Dashboard, server: LiveServer) -> None:
    page = dash.open()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    body = {"is_timesheet_whitelist_enabled": False}
    first = dash.http.patch("/wethod/api/projects/42", json=body, headers=WETHOD)
    assert first.status_code == 412
    dash.entries().first.click()
    page.get_by_test_id("copy-curl").click()
    line = page.evaluate("navigator.clipboard.readText()")
    assert line == page.get_by_test_id("curl").inner_text()
    assert line.startswith(f"curl -s -X PATCH '{server.url}/wethod/api/projects/42'")
    # the line runs as it is in a shell, against the same session, and gets the same answer
    again = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=20, check=True)
    assert json.loads(again.stdout) == first.json()
    expect_count(dash, 2)
    assert [e["status"] for e in dash.admin("GET", "/requests").json()["requests"]] == [412, 412]


def test_a_copied_curl_line_stays_in_the_session_a_path_prefix_chose(
    dash: Dashboard, server: LiveServer
) -> None:
    """Found by a hostile probe: a call to /__session/A/... that also carried X-Mock-Session: B
    was served in A, but its copied line sent the recorded header, and ran in B."""
    page = dash.open()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    headers = {**WETHOD, "X-Mock-Session": f"{dash.session}-elsewhere"}
    path = f"/__session/{dash.session}/wethod/api/projects/42"
    first = dash.http.patch(path, json={"is_timesheet_whitelist_enabled": False}, headers=headers)
    assert first.status_code == 412
    dash.entries().first.click()
    page.get_by_test_id("copy-curl").click()
    line = page.evaluate("navigator.clipboard.readText()")
    assert f"-H 'X-Mock-Session: {dash.session}'" in line and "elsewhere" not in line
    subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=20, check=True)
    expect_count(dash, 2)


def test_a_copied_curl_line_sends_the_path_as_it_was_sent(dash: Dashboard, server: LiveServer) -> None:
    """Found by a hostile probe: the line was built from the decoded path (a %3F became a query)."""
    page = dash.open()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    first = dash.http.get("/zep/api/v1/projects/a%3Fb%20c", headers=AUTH)
    dash.entries().first.click()
    page.get_by_test_id("copy-curl").click()
    line = page.evaluate("navigator.clipboard.readText()")
    assert f"'{server.url}/zep/api/v1/projects/a%3Fb%20c'" in line
    again = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=20, check=True)
    assert json.loads(again.stdout) == first.json()


def expect_count(dash: Dashboard, count: int) -> None:
    dash.page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=entry]').length === n",
        arg=count,
        timeout=LIVE_WITHIN_MS,
    )


def test_PER_4_the_log_filters_by_rule_and_the_rules_view_counts_the_session(dash: Dashboard) -> None:
    page = dash.open()
    dash.http.patch("/personio/v2/projects/1001", json={"name": "Internal Tools"}, headers=AUTH)
    dash.http.patch("/personio/v2/projects/1001", json={"description": "fine"}, headers=AUTH)
    dash.http.patch("/zep/api/v1/projects/123", json={"plan_hours": -5}, headers=AUTH)
    expect_count(dash, 3)
    page.get_by_test_id("filter-rule").fill("per_4")  # as -k takes it: PER_4 or PER-4
    visible = dash.entries().filter(visible=True)
    assert visible.count() == 1 and "PER-4" in visible.first.inner_text()
    page.get_by_test_id("filter-rule").fill("")
    assert dash.entries().filter(visible=True).count() == 3
    page.get_by_test_id("filter-vendor").select_option("zep")
    assert dash.entries().filter(visible=True).count() == 1
    page.get_by_test_id("filter-vendor").select_option("")
    page.get_by_role("tab", name=re.compile("Rules")).click()
    per4 = page.locator("[data-testid=rule-row][data-rule='PER-4']")
    assert per4.get_by_test_id("session-fired").inner_text() == "1"
    assert int(per4.get_by_test_id("all-fired").inner_text()) >= 1
    page.get_by_test_id("rules-show").select_option("never-session")
    assert per4.count() == 0 and page.locator("[data-rule='RUD-3']").count() == 1
    page.get_by_test_id("rules-show").select_option("")
    per4.get_by_role("button", name="PER-4").click()  # back to the log, filtered by the rule
    assert page.get_by_test_id("filter-rule").input_value() == "PER-4"
    assert dash.entries().filter(visible=True).count() == 1


def test_GEN_4_a_state_edit_is_saved_and_a_rejected_one_shows_its_reasons(dash: Dashboard) -> None:
    page = dash.open("state")
    page.get_by_test_id("state-vendor").select_option("personio")
    page.get_by_test_id("state-collection").select_option("projects")
    page.get_by_test_id("state-search").fill("Website")
    page.locator("[data-testid=record][data-id='1001']").click()
    editor = page.get_by_test_id("record-json")
    record = json.loads(editor.input_value())
    assert record["name"] == "Website Relaunch"
    editor.fill(json.dumps({**record, "name": "Edited in the browser"}))
    page.get_by_test_id("save-record").click()
    page.get_by_test_id("saved").wait_for()
    projects = dash.admin("GET", "/state/personio").json()["projects"]
    assert projects["1001"]["name"] == "Edited in the browser"
    # a record the vendor could not store: the 400's problems are listed, nothing changes
    editor.fill(json.dumps({**record, "name": ["not", "a", "name"]}))
    page.get_by_test_id("save-record").click()
    rejected = page.get_by_test_id("rejected")
    rejected.wait_for()
    assert "400" in rejected.inner_text()
    problems = rejected.get_by_test_id("problem").all_inner_texts()
    assert problems and any("projects['1001'].name" in p for p in problems)
    assert dash.admin("GET", "/state/personio").json()["projects"]["1001"]["name"] == "Edited in the browser"


def test_a_429_fault_added_through_the_form_answers_the_next_call(dash: Dashboard) -> None:
    page = dash.open("faults")
    form = page.get_by_test_id("fault-form")
    form.locator("[name=vendor]").select_option("zep")
    form.locator("[name=method]").select_option("PATCH")
    form.locator("[name=path]").fill("/projects/*")
    form.locator("[name=status]").fill("99")
    # checked by the admin API as it is typed: its own message, at the field it names
    problem = page.get_by_test_id("fault-problem")
    problem.filter(has_text="status must be an HTTP status code").wait_for()
    assert form.locator("[name=status]").get_attribute("aria-invalid") == "true"
    form.locator("[name=status]").fill("429")
    form.locator("[name=times]").fill("1")
    problem.wait_for(state="hidden")
    page.get_by_test_id("add-fault").click()
    page.get_by_test_id("fault-row").first.wait_for()
    assert "429" in page.get_by_test_id("fault-row").first.inner_text()
    project = "/zep/api/v1/projects/123"
    assert dash.http.patch(project, json={"plan_hours": 5}, headers=AUTH).status_code == 429
    assert dash.http.patch(project, json={"plan_hours": 5}, headers=AUTH).status_code == 200
    page.get_by_role("tab", name=re.compile("Requests")).click()
    expect_count(dash, 2)
    assert "fault status" in dash.entries().last.inner_text()  # the oldest: the faulted call


def test_a_form_fault_is_judged_as_the_api_judges_it(dash: Dashboard) -> None:
    page = dash.open("faults")
    form = page.get_by_test_id("fault-form")
    cases = {
        "latency_ms": ("500-100", "latency_ms must satisfy"),
        "headers": ('{"Content-Length": "1"}', "headers: Content-Length is the server's"),
        "times": ("0", "times must be a positive 64-bit integer"),
    }
    form.locator("[name=status]").fill("503")
    for field, (typed, message) in cases.items():
        form.locator(f"[name={field}]").fill(typed)
        page.get_by_test_id("fault-problem").filter(has_text=message).wait_for()
        assert form.locator(f"[name={field}]").get_attribute("aria-invalid") == "true"
        form.locator(f"[name={field}]").fill("")
    page.get_by_test_id("fault-problem").wait_for(state="hidden")
    assert dash.admin("GET", "/faults").json()["faults"] == []  # checking stored nothing


def test_the_reset_button_restores_the_session(dash: Dashboard) -> None:
    page = dash.open()
    dash.http.patch("/personio/v2/projects/1001", json={"name": "Renamed"}, headers=AUTH)
    dash.admin("POST", "/faults", json={"vendor": "cor", "status": 500})
    expect_count(dash, 1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("reset").click()
    expect_count(dash, 0)
    assert dash.admin("GET", "/state/personio").json()["projects"]["1001"]["name"] == "Website Relaunch"
    assert dash.admin("GET", "/faults").json()["faults"] == []
    # the page goes on following the session from its new start
    dash.http.get("/personio/v2/projects/1001", headers=AUTH)
    expect_count(dash, 1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_view_fits_400_px_and_reads_in_light_and_dark(dash: Dashboard, scheme: str) -> None:
    page = dash.page
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.set_viewport_size({"width": 400, "height": 800})
    dash.http.patch("/personio/v2/projects/1001", json={"name": "Internal Tools", "x": 1}, headers=AUTH)
    for view in ("requests", "rules", "state", "faults"):
        dash.open(view)
        if view == "requests":
            dash.entries().first.click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{view} is {width} px wide at 400 px"
        assert contrast(page, "body") >= 7, f"{view}: body text is hard to read in {scheme}"
    assert contrast(page, ".tag.v-personio") >= 4.5


def contrast(page: Page, selector: str) -> float:
    """WCAG contrast of an element's text colour against the page's background."""
    fg, bg = page.evaluate(
        """sel => [getComputedStyle(document.querySelector(sel)).color,
                   getComputedStyle(document.body).backgroundColor]""",
        selector,
    )

    def luminance(css: str) -> float:
        r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_with_an_admin_token_the_page_asks_for_it_and_then_works(dashboard_browser: BrowserContext) -> None:
    with LiveServer(create_app(ServerConfig(admin_token="s3cret"))) as server:
        page = dashboard_browser.new_page()
        try:
            page.goto(f"{server.url}/__admin/ui/?session=guarded")
            page.get_by_test_id("live").filter(has_text="needs the admin token").wait_for()
            page.get_by_label("Admin token").fill("s3cret")
            page.get_by_role("button", name="Use token").click()
            page.get_by_test_id("live").filter(has_text="live").wait_for()
            headers = {**AUTH, "X-Mock-Session": "guarded"}
            httpx.get(f"{server.url}/personio/v2/projects/1001", headers=headers)
            page.get_by_test_id("entry").first.wait_for(timeout=LIVE_WITHIN_MS)
        finally:
            page.close()
