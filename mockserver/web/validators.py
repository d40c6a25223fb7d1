"""Validators plugged into connexion's ``validator_map`` that collect instead of raise.

Connexion's own validators stop at the first error and report it as text; GEN-5 needs every
error with its field, and GEN-6 needs body errors to wait until the 404 and 403 checks ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connexion.lifecycle import ConnexionRequest
from connexion.validators import AbstractRequestBodyValidator, ParameterValidator
from starlette.types import Receive, Scope

from mockserver.core.schema import BadJSONError, BodySchema, parse_json
from mockserver.core.violations import Code, Violation
from mockserver.web.state import SCOPE_KEY, RequestState

_compiled: dict[int, tuple[Mapping[str, Any], BodySchema]] = {}


def compiled(schema: Mapping[str, Any]) -> BodySchema:
    """Compile each operation's schema once (connexion builds a validator per request)."""
    hit = _compiled.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = (schema, BodySchema(schema))
        _compiled[id(schema)] = hit
    return hit[1]


class CollectingParameterValidator(ParameterValidator):  # type: ignore[misc]
    def validate(self, scope: Scope) -> None:
        state: RequestState | None = scope.get(SCOPE_KEY)
        request = ConnexionRequest(scope, uri_parser=self.uri_parser)
        found: list[Violation] = []
        sources: dict[str, Mapping[str, Any]] = {
            "path": request.path_params,
            "query": request.query_params,
            "header": request.headers,
        }
        for location, values in sources.items():
            for param in self.parameters.get(location, []):
                value = values.get(param["name"].replace("-", "_") if location == "path" else param["name"])
                found.extend(self._check(param, location, value))
        if state is not None:
            state.param_violations.extend(found)
            state.path_params = dict(request.path_params)
            state.query = dict(request.query_params)

    @staticmethod
    def _check(param: Mapping[str, Any], location: str, value: Any) -> list[Violation]:
        name = param["name"]
        if value is None:
            if not param.get("required"):
                return []
            return [
                Violation(
                    status=400,
                    code=Code.SCHEMA,
                    message=f"Missing {location} parameter '{name}'",
                    field=name,
                    location=location,
                    keyword="required",
                )
            ]
        schema = compiled(param.get("schema", {}))
        return [
            Violation(
                status=400,
                code=Code.SCHEMA,
                message=f"{location} parameter '{name}': {v.message}",
                field=name,
                location=location,
                keyword=v.keyword,
                params=v.params,
            )
            for v in schema.violations(value, 400)
        ]


class CollectingJSONBodyValidator(AbstractRequestBodyValidator):  # type: ignore[misc]
    """Parses strictly (GEN-9) and validates against the whole schema (GEN-5)."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        state: RequestState | None = scope.get(SCOPE_KEY)
        if state is None:
            return receive, scope
        schema = compiled(self._schema)
        state.body_schema = schema
        raw = state.raw_body
        if not raw.strip():
            if self._required:
                state.body_violations.append(
                    Violation(400, Code.BAD_JSON, "Request body is required", keyword="required")
                )
            return receive, scope
        try:
            body = parse_json(raw)
        except BadJSONError as exc:
            state.body_violations.append(Violation(400, Code.BAD_JSON, str(exc)))
            return receive, scope
        state.body, state.has_body = body, True
        status = state.vendor.validation_status if state.vendor else 400
        state.body_violations.extend(schema.violations(body, status))
        return receive, scope
