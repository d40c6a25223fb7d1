"""The router: a template's parameters are matched segment by segment, exactly as its regex would."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.core.operations import OperationTable

TEMPLATES = {
    "/projects/{id}": "integer",
    "/projects/{id}/members/{person}": "string",
    "/files/{name}.json": "string",  # a parameter inside a segment: matched by its regex
    "/teams/{team}": "string",
}


def _spec() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for n, (path, kind) in enumerate(TEMPLATES.items()):
        names = re.findall(r"\{([^}]+)\}", path)
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": kind if i == 0 else "string"}}
            for i, name in enumerate(names)
        ]
        paths[path] = {"get": {"operationId": f"op{n}", "parameters": params, "responses": {"200": {}}}}
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}


def _reference(path: str) -> tuple[str | None, dict[str, str]]:
    """What the regex of each template, tried in order, makes of ``path``."""
    for n, (template, kind) in enumerate(TEMPLATES.items()):
        regex = ""
        for i, part in enumerate(re.split(r"\{([^}]+)\}", template)):
            integer = i == 1 and kind == "integer"
            regex += re.escape(part) if i % 2 == 0 else f"(?P<{part}>{'[+-]?[0-9]+' if integer else '[^/]+'})"
        found = re.fullmatch(regex, path)
        if found is not None:
            return f"op{n}", found.groupdict()
    return None, {}


TABLE = OperationTable(_spec())
VALUES = st.sampled_from(["", "12", "+7", "-0", "+", "+-1", "1a", "²", "1٣", "a.json", "x y", "%2F", "\n"])
FREE = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/"), max_size=4)


@st.composite
def paths(draw: st.DrawFn) -> str:
    """A template's path with odd values in it (and sometimes a literal changed, a segment more or
    a trailing slash), or any path at all."""
    if draw(st.booleans()):
        return "/" + "/".join(draw(st.lists(st.one_of(VALUES, FREE), min_size=1, max_size=5)))
    template = draw(st.sampled_from(list(TEMPLATES)))
    parts = [draw(st.one_of(VALUES, FREE)) if "{" in part else part for part in template.split("/")]
    if template.endswith(".json"):  # its parameter is only part of the last segment
        parts[-1] = draw(st.one_of(VALUES, FREE)) + draw(st.sampled_from([".json", ".txt", ""]))
    if draw(st.booleans()):
        at = draw(st.integers(1, len(parts) - 1))
        parts[at] = draw(st.sampled_from([parts[at], parts[at].upper(), "projects", "members"]))
    tail = draw(st.sampled_from(["", "", "/", "/x"]))
    return "/".join(parts) + tail


@settings(max_examples=1500)
@given(paths())
def test_a_path_reaches_what_the_templates_regexes_reach(path: str) -> None:
    route = TABLE.route("GET", path)
    expected, params = _reference(path)
    assert (route.operation.operation_id if route.operation else None, dict(route.path_params)) == (
        expected,
        params if expected else {},
    )


def test_integer_ids_take_ascii_digits_with_one_sign() -> None:
    for path, reached in [
        ("/projects/1001", True),
        ("/projects/+7", True),
        ("/projects/-0", True),
        ("/projects/+", False),
        ("/projects/+-1", False),
        ("/projects/1²", False),
        ("/projects/", False),
        ("/projects/1/", False),
        ("/projects//members/x", False),
    ]:
        assert (TABLE.route("GET", path).operation is not None) is reached, path


def test_a_parameter_inside_a_segment_is_still_matched() -> None:
    route = TABLE.route("GET", "/files/report.json")
    assert route.operation is not None and route.path_params == {"name": "report"}
    assert TABLE.route("GET", "/files/report.txt").operation is None
