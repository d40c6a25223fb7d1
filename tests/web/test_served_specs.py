"""Each vendor's spec at /<vendor>/openapi.json and Swagger UI at /<vendor>/ui/ (INTERFACE.md)."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from mockserver.core.spec import load_spec
from mockserver.core.vendor import discover_vendors
from tests.fixtures.mock import Api

VENDOR_IDS = sorted(discover_vendors())


@pytest.mark.parametrize("vid", VENDOR_IDS)
def test_spec_and_ui_are_served_at_the_short_vendor_path(api: Api, vid: str) -> None:
    spec = api.client.get(f"/{vid}/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"] == "3.0.3"
    ui = api.client.get(f"/{vid}/ui/")
    assert ui.status_code == 200
    assert "swagger" in ui.text.lower()
    # the UI loads the spec served as written (it resolves the $refs itself)
    assert f'"{api.app.vendors[vid].prefix}/openapi.json"' in ui.text
    assert api.journal() == []  # documentation requests are not vendor calls


@pytest.mark.parametrize("vid", VENDOR_IDS)
def test_served_spec_is_the_document_as_written(api: Api, vid: str) -> None:
    """$refs and components kept, so clients generated from the URL get named models; only
    `servers` says where the mock serves the API."""
    prefix = api.app.vendors[vid].prefix
    written = load_spec(api.app.vendors[vid].spec_path)
    for path in (f"/{vid}/openapi.json", f"{prefix}/openapi.json"):
        response = api.client.get(path)
        assert response.headers["content-type"].startswith("application/json")
        served = response.json()
        assert served["servers"] == [{"url": prefix}]
        assert {**served, "servers": written["servers"]} == written
        assert '"$ref"' in response.text
        assert served["components"]["schemas"]
        validate(served)
    as_yaml = api.client.get(f"{prefix}/openapi.yaml")
    assert yaml.safe_load(as_yaml.text) == {**written, "servers": [{"url": prefix}]}


@pytest.mark.parametrize("vid", VENDOR_IDS)
def test_GEN_9_what_the_documents_do_not_serve_is_refused_in_the_vendors_format(api: Api, vid: str) -> None:
    """Starlette's static files raise their 404, which connexion's slim app turned into a plain
    500 (found by a hostile probe), as it did every method but GET on a document."""
    prefix = api.app.vendors[vid].prefix
    no_route = api.client.get(f"{prefix}/no-such-route")
    for path in (f"{prefix}/ui/nope.js", f"{prefix}/ui/%00", f"{prefix}/ui/..%2f..%2fspecs/{vid}.yaml"):
        missing = api.client.get(path)
        assert missing.status_code == 404, path
        assert missing.headers["content-type"] == no_route.headers["content-type"]
        assert missing.json().keys() == no_route.json().keys()
    for method, path in (("POST", f"{prefix}/openapi.json"), ("DELETE", f"{prefix}/ui/")):
        refused = api.client.request(method, path)
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, HEAD"
        assert refused.json().keys() == no_route.json().keys()
    assert api.client.head(f"{prefix}/ui/").status_code == 200
    assert api.journal() == []


@pytest.mark.parametrize("vid", VENDOR_IDS)
def test_documents_under_a_session_prefix_keep_the_session(api: Api, vid: str) -> None:
    """``/__session/NAME/<base>/ui`` once redirected to ``<base>/ui/`` and its spec named
    ``<base>`` as server: "Try it out" then wrote to the default session."""
    prefix = api.app.vendors[vid].prefix
    session = "/__session/team%20a"
    redirect = api.client.get(f"{session}{prefix}/ui", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == f"{session}{prefix}/ui/"
    ui = api.client.get(f"{session}{prefix}/ui/")
    assert ui.status_code == 200
    assert f'"{session}{prefix}/openapi.json"' in ui.text
    for suffix in ("openapi.json", "openapi.yaml"):
        served = yaml.safe_load(api.client.get(f"{session}{prefix}/{suffix}").text)
        assert served["servers"] == [{"url": f"{session}{prefix}"}]
    assert api.client.get(f"{session}{prefix}/ui/swagger-ui.css").status_code == 200
    assert api.client.get(f"{prefix}/openapi.json").json()["servers"] == [{"url": prefix}]
