"""The dashboard's files at /__admin/ui/ (web/dashboard.py), over HTTP; the browser tests that
drive the page itself are in test_dashboard_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.config import ServerConfig
from mockserver.web import dashboard
from tests.fixtures.mock import Api

FILES = sorted(p.name for p in (Path(dashboard.__file__).with_name("dashboard")).iterdir())


def test_the_page_is_served_with_its_assets_and_nothing_from_elsewhere(api: Api) -> None:
    page = api.client.get("/__admin/ui/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    # every file the page names is served from the package, and none is fetched from elsewhere
    named = set(re.findall(r'(?:src|href)="([^"#]+)"', page.text))
    assert named == {"app.js", "app.css", "favicon.svg"}
    for name in named:
        assert api.client.get(f"/__admin/ui/{name}").status_code == 200
    assert not re.search(r"https?://", page.text + api.client.get("/__admin/ui/app.css").text)


@pytest.mark.parametrize("name", FILES)
def test_every_shipped_file_is_served_and_listed(api: Api, name: str) -> None:
    r = api.client.get(f"/__admin/ui/{name}")
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    assert r.content == (Path(dashboard.__file__).with_name("dashboard") / name).read_bytes()


def test_the_bare_path_redirects_relatively_keeping_the_query(api: Api) -> None:
    r = api.client.get("/__admin/ui?session=ci-run-7", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "ui/?session=ci-run-7"
    # relative: under /__session/NAME/ the redirect stays under it
    r = api.client.get("/__session/abc/__admin/ui", follow_redirects=True)
    assert r.status_code == 200 and str(r.url).endswith("/__session/abc/__admin/ui/")


def test_unknown_files_and_other_methods_are_refused(api: Api) -> None:
    assert api.client.get("/__admin/ui/../admin.yaml").status_code == 404
    assert api.client.get("/__admin/ui/nothing.js").status_code == 404
    r = api.client.post("/__admin/ui/")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    head = api.client.head("/__admin/ui/app.js")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0


def test_with_an_admin_token_the_page_loads_and_its_data_needs_the_token() -> None:
    """The files hold no data; every call the page makes is an admin call, which needs the
    token (the page asks for it on the first 401)."""
    client = TestClient(create_app(ServerConfig(admin_token="s3cret")))
    assert client.get("/__admin/ui/").status_code == 200
    assert client.get("/__admin/ui/app.js").status_code == 200
    assert client.get("/__admin/requests").status_code == 401
    assert client.get("/__admin/sessions").status_code == 401
    authorised = {"Authorization": "Bearer s3cret"}
    assert client.get("/__admin/sessions", headers=authorised).status_code == 200
    # nothing else under /__admin is let through by the dashboard's exemption
    assert client.get("/__admin/uix").status_code == 401
