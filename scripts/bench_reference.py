"""The lean reference of ``scripts/bench``: issue 13's yardstick for what a lean Python path reaches
on this machine. Starlette, the PATCH body's JSON Schema compiled once (jsonschema-rs), the
fixture projects in a dict indexed by name, one uniqueness rule (a name held by another project
is a 422), a bearer token compared to one value; nothing else (no journal, session, fault,
transaction or vendor rule).

It is not the mock and is served the way the ceiling is (``scripts/bench_ceiling.py``). The mock's
req/s as a fraction of this one's says how much of the lean path's speed the mock keeps with
everything it does besides.

    python scripts/bench_reference.py --port 8000
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from bench_ceiling import serve  # scripts/ is on the path of a script run from it
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[1]
PATH = "/personio/v2/projects/{project_id}"
TOKEN = "Bearer test-token"


def _resolved(node: Any, spec: dict[str, Any]) -> Any:
    """The schema without ``$ref`` and OpenAPI's ``nullable``, as JSON Schema draft 4 reads it."""
    if isinstance(node, list):
        return [_resolved(item, spec) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = spec
        for step in node["$ref"].lstrip("#/").split("/"):
            target = target[step]
        return _resolved(target, spec)
    converted = {k: _resolved(v, spec) for k, v in node.items() if k not in ("example", "description")}
    if converted.pop("nullable", False) and isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
    return converted


def _body_schema() -> dict[str, Any]:
    spec = yaml.safe_load((ROOT / "specs" / "personio.yaml").read_text(encoding="utf-8"))
    body = _resolved(spec["paths"]["/v2/projects/{id}"]["patch"]["requestBody"], spec)
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    return schema


VALIDATOR = jsonschema_rs.Draft4Validator(_body_schema())
_FIXTURES = json.loads((ROOT / "mockserver" / "fixtures" / "personio.json").read_text(encoding="utf-8"))
PROJECTS: dict[str, dict[str, Any]] = {str(key): dict(p) for key, p in _FIXTURES["projects"].items()}
BY_NAME = {str(p["name"]).casefold(): key for key, p in PROJECTS.items() if p.get("name")}


def _error(status: int, title: str) -> JSONResponse:
    return JSONResponse({"errors": [{"title": title}]}, status_code=status)


async def update_project(request: Request) -> Response:
    if request.headers.get("authorization") != TOKEN:
        return _error(401, "unauthorized")
    key = request.path_params["project_id"]
    project = PROJECTS.get(key)
    if project is None:
        return _error(404, "not found")
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _error(400, "malformed JSON")
    errors = [{"title": e.message} for e in VALIDATOR.iter_errors(body)]
    if errors:
        return JSONResponse({"errors": errors}, status_code=400)
    name = body.get("name")
    if isinstance(name, str) and BY_NAME.get(name.casefold(), key) != key:
        return _error(422, "name taken")
    PROJECTS[key] = {**project, **body}
    if isinstance(name, str):
        BY_NAME[name.casefold()] = key
    return Response(status_code=204)


app = Starlette(routes=[Route(PATH, update_project, methods=["PATCH"])])


def main(argv: Sequence[str] | None = None) -> int:
    return serve(app, __doc__ or "", argv)


if __name__ == "__main__":
    raise SystemExit(main())
