"""Validators plugged into connexion's ``validator_map`` that collect instead of raise.

Connexion's own validators stop at the first error and report it as text; GEN-5 needs every
error with its field, and GEN-6 needs body errors to wait until the 404 and 403 checks ran.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from connexion.lifecycle import ConnexionRequest
from connexion.validators import AbstractRequestBodyValidator, ParameterValidator
from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope

from mockserver.core.schema import BadJSONError, BodySchema, parse_json, undocumented_field
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


_INTEGER = re.compile(r"[+-]?[0-9]+")


def _ascii_integers(param: Mapping[str, Any], raw: list[str]) -> bool:
    """Python's int() reads Arabic-Indic and fullwidth digits; the vendors' frameworks do not (GEN-13)."""
    schema = param.get("schema", {})
    if schema.get("type") == "array":
        schema = schema.get("items", {})
        raw = [part for value in raw for part in value.split(",")]
    return schema.get("type") != "integer" or all(_INTEGER.fullmatch(value) for value in raw)


def _not_an_integer(name: str, status: int) -> Violation:
    return Violation(
        status=status,
        code=Code.SCHEMA,
        message=f"query parameter '{name}': must be of type integer",
        field=name,
        location="query",
        keyword="type",
        params={"limit": "integer"},
        rule="GEN-13",
    )


def undocumented_parameter(name: str, status: int) -> Violation:
    """A query parameter the operation does not document: GEN-7 as for a body field."""
    found = undocumented_field(name, status)
    message = f"'{name}' is not a documented query parameter of this operation"
    return dataclasses.replace(found, message=message, location="query")


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
        raw_query = QueryParams(scope.get("query_string", b""))
        query_status = state.vendor.query_status if state is not None and state.vendor else 400
        for location, values in sources.items():
            for param in self.parameters.get(location, []):
                name = param["name"]
                status = query_status if location == "query" else 400
                if location == "query" and not _ascii_integers(param, raw_query.getlist(name)):
                    found.append(_not_an_integer(name, status))
                    continue
                value = values.get(name.replace("-", "_") if location == "path" else name)
                found.extend(self._check(param, location, value, status))
        documented = {param["name"] for param in self.parameters.get("query", [])}
        documented |= self.security_query_params  # a query API key is documented too
        unknown = [name for name in dict.fromkeys(raw_query.keys()) if name not in documented]
        if state is not None:
            state.unknown_params = [undocumented_parameter(name, query_status) for name in unknown]
            state.param_violations.extend(found)
            state.path_params = dict(request.path_params)
            state.query = dict(request.query_params)

    @staticmethod
    def _check(param: Mapping[str, Any], location: str, value: Any, status: int) -> list[Violation]:
        name = param["name"]
        if value is None:
            if not param.get("required"):
                return []
            return [
                Violation(
                    status=status,
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
                status=status,
                code=Code.SCHEMA,
                message=f"{location} parameter '{name}': {v.message}",
                field=name,
                location=location,
                keyword=v.keyword,
                params=v.params,
            )
            for v in schema.violations(value, status)
        ]


class CollectingJSONBodyValidator(AbstractRequestBodyValidator):  # type: ignore[misc]
    """Parses strictly (GEN-9, GEN-13) and validates against the whole schema (GEN-5)."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        state: RequestState | None = scope.get(SCOPE_KEY)
        if state is None:
            return receive, scope
        await state.offload.run(len(state.raw_body), lambda: self._check(state))
        return receive, scope

    blank_is_empty = False
    """An empty body is a missing body (JSON), or a form without fields."""

    @staticmethod
    def _parse(raw: bytes) -> Any:
        return parse_json(raw)

    def _check(self, state: RequestState) -> None:
        schema = compiled(self._schema)
        state.body_schema = schema
        raw = state.raw_body
        if not raw.strip() and not self.blank_is_empty:
            if self._required:
                state.body_violations.append(
                    Violation(400, Code.BAD_JSON, "Request body is required", keyword="required")
                )
            return
        try:
            body = self._parse(raw)
        except BadJSONError as exc:
            state.body_violations.append(Violation(400, Code.BAD_JSON, str(exc), rule=exc.rule))
            return
        if state.vendor is not None:
            body = state.vendor.decode_body(body)
        state.body, state.has_body = body, True
        status = state.vendor.validation_status if state.vendor else 400
        state.body_violations.extend(schema.violations(body, status))


MAX_FORM_FIELDS = 100  # token requests carry four; the body's size is already capped (413)


def parse_form(raw: bytes) -> dict[str, Any]:
    """``application/x-www-form-urlencoded`` as strictly as JSON (GEN-13): UTF-8 only, no
    percent-encoded lone surrogate or invalid byte, at most ``MAX_FORM_FIELDS`` fields. A field
    sent twice becomes a list, so the schema (``type: string``) reports it instead of one value
    silently winning."""
    try:
        pairs = parse_qsl(
            raw.decode("utf-8").strip(),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        error = BadJSONError(f"The form body cannot be decoded: {exc}")
        error.rule = "GEN-13"
        raise error from None
    form: dict[str, Any] = {}
    for name, value in pairs:
        held = form.get(name)
        form[name] = value if held is None else [*(held if isinstance(held, list) else [held]), value]
    return form


class CollectingFormBodyValidator(CollectingJSONBodyValidator):
    """The same collecting validation for form bodies (OAuth token endpoints): connexion's
    FormDataValidator raises at the first error, as text, outside the vendor's envelope."""

    blank_is_empty = True

    @staticmethod
    def _parse(raw: bytes) -> Any:
        return parse_form(raw)
