"""The specs' examples run as they are: the path parameters' examples name records the mock starts
with, and every success request example, sent to a fresh session, gets the status its name
documents. So Dredd, Prism's mock mode and Swagger UI's "Try it out" can use them unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import urlencode

import pytest

from mockserver.core.spec import HTTP_METHODS, deref, load_spec
from mockserver.core.vendor import discover_vendors
from tests.fixtures.mock import Api

VENDORS = discover_vendors()


class Sent(NamedTuple):
    vendor: str
    method: str
    path: str
    name: str
    body: Any
    media: str = "application/json"

    def __str__(self) -> str:
        return f"{self.vendor} {self.method} {self.path} {self.name!r}"


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    """(method, template, operation, its parameters resolved) for every operation."""
    for template, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                params = [*item.get("parameters", []), *item[method].get("parameters", [])]
                yield method.upper(), template, item[method], [deref(spec, p) for p in params]


def _filled(template: str, params: list[dict[str, Any]]) -> str:
    path = template
    for param in params:
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", str(param["example"]))
    return path


def _path_params() -> Iterator[tuple[str, str, Any]]:
    """(vendor, "METHOD /template name", the parameter's example or None)."""
    for vid, vendor in sorted(VENDORS.items()):
        for method, template, _, params in _operations(load_spec(vendor.spec_path)):
            for param in params:
                if param["in"] == "path":
                    yield vid, f"{method} {template} {param['name']}", param.get("example")


def _success_examples() -> Iterator[Sent]:
    for vid, vendor in sorted(VENDORS.items()):
        spec = load_spec(vendor.spec_path)
        for method, template, op, params in _operations(spec):
            body = deref(spec, op.get("requestBody", {}))
            for media_type, media in body.get("content", {}).items():
                for name, example in (media.get("examples") or {}).items():
                    if name.startswith("2"):
                        value = deref(spec, example)["value"]
                        yield Sent(vid, method, _filled(template, params), name, value, media_type)


def _fixture_values(vid: str) -> set[str]:
    """Every record key and scalar field value of the vendor's fixtures, as text."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(str(k) for k in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        else:
            found.add(str(node))

    walk(json.loads(VENDORS[vid].fixture_path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize(("vid", "where", "example"), list(_path_params()), ids=str)
def test_every_path_parameter_has_an_example_from_the_fixtures(vid: str, where: str, example: Any) -> None:
    assert example is not None, f"{vid} {where}: no example"
    assert str(example) in _fixture_values(vid), f"{vid} {where}: {example!r} is in no fixture"


def _bodiless_reads() -> Iterator[Sent]:
    """Operations with path parameters and no request body, their paths filled with the examples."""
    for vid, vendor in sorted(VENDORS.items()):
        for method, template, op, params in _operations(load_spec(vendor.spec_path)):
            if "{" in template and "requestBody" not in op:
                documented = ",".join(s for s in op["responses"] if s.startswith("2"))
                yield Sent(vid, method, _filled(template, params), documented, None)


@pytest.mark.parametrize("sent", list(_bodiless_reads()), ids=str)
def test_operation_without_a_body_succeeds_on_the_path_examples(api: Api, sent: Sent) -> None:
    response = api.call(sent.vendor, sent.method, sent.path)
    assert str(response.status_code) in sent.name.split(","), response.text


SUCCESS_EXAMPLES = list(_success_examples())
FORM = "application/x-www-form-urlencoded"


def test_every_vendor_documents_success_examples() -> None:
    assert {sent.vendor for sent in SUCCESS_EXAMPLES} == set(VENDORS)


@pytest.mark.parametrize("sent", SUCCESS_EXAMPLES, ids=str)
def test_success_example_gets_its_status_on_a_fresh_session(api: Api, sent: Sent) -> None:
    """`api` is a session of its own; the call also checks the answer against the spec (GEN-10)."""
    if sent.media == FORM:  # OAuth token endpoints (Personio's /v2/auth/token) take forms
        headers = {"Content-Type": FORM}
        response = api.call(
            sent.vendor, sent.method, sent.path, content=urlencode(sent.body).encode(), headers=headers
        )
    else:
        response = api.call(sent.vendor, sent.method, sent.path, json=sent.body)
    assert str(response.status_code) == sent.name.split(" ", 1)[0], response.text
