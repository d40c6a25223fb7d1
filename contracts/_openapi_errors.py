"""openapi-core's validation errors as the structured violations the mock's validators produce.

Each error becomes one or more :class:`Violation` records with status, field, location and JSON
Schema keyword, so a vendor's formatter can word them and the journal can show them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.exceptions import OperationNotFound, PathError
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.templating.security.exceptions import SecurityNotFound
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
    RequestBodyValidationError,
    SecurityValidationError,
)
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeaderValidationError,
    MissingData,
    MissingRequiredHeader,
)

from mockserver.core.schema import schema_violations
from mockserver.core.violations import Code, Violation

__all__ = ["describe", "request_violations", "response_violations", "route_violations"]


def route_violations(exc: PathError, method: str) -> list[Violation]:
    if isinstance(exc, OperationNotFound):
        message = f"{method.upper()} is not an operation of this path"
        return [Violation(405, Code.METHOD_NOT_ALLOWED, message, location="path")]
    return [Violation(404, Code.ROUTE_NOT_FOUND, "No operation of the spec has this path", location="path")]


def _schema_errors(exc: BaseException | None) -> list[Any]:
    return list(getattr(exc, "schema_errors", None) or ())


def _schema_violations(exc: BaseException | None, status: int) -> list[Violation]:
    """The schema errors behind ``exc``, once each: openapi-core reports every missing required
    property as its own error carrying the whole ``required`` list, which would repeat them."""
    unique: dict[tuple[Any, ...], Violation] = {}
    for error in _schema_errors(exc):
        for v in schema_violations(error, status):
            unique.setdefault((v.field, v.keyword, v.message), v)
    return list(unique.values())


def request_violations(exc: Exception, body_status: int) -> list[Violation]:
    """One openapi-core request error as the violations the mock's validators would report."""
    cause = exc.__cause__
    if isinstance(exc, SecurityValidationError):
        schemes = cause.schemes if isinstance(cause, SecurityNotFound) else []
        wanted = " or ".join("+".join(names) for names in schemes) or "credentials"
        message = f"Missing or malformed credentials: the operation needs {wanted}"
        return [Violation(401, Code.UNAUTHORIZED, message, field="Authorization", location="header")]
    if isinstance(exc, MissingRequiredParameter):
        message = f"Missing {exc.location} parameter '{exc.name}'"
        return [_param(exc, message, keyword="required")]
    if isinstance(exc, ParameterValidationError):
        label = f"{exc.location} parameter '{exc.name}'"
        if isinstance(cause, CastError):
            return [_param(exc, f"{label}: must be of type {cause.type}", keyword="type", value=cause.value)]
        found = _schema_violations(cause, 400)
        if found:
            return [
                dataclasses.replace(v, field=exc.name, location=exc.location, message=f"{label}: {v.message}")
                for v in found
            ]
        return [_param(exc, f"{label}: {cause or exc}")]
    if isinstance(exc, MissingRequiredRequestBody):
        return [Violation(400, Code.BAD_JSON, "Request body is required", keyword="required")]
    if isinstance(exc, RequestBodyValidationError):
        if isinstance(cause, MediaTypeNotFound):
            accepted = ", ".join(cause.availableMimetypes)
            message = f"Content-Type {cause.mimetype} is not accepted here (accepted: {accepted})"
            return [
                Violation(415, Code.UNSUPPORTED_MEDIA_TYPE, message, field="Content-Type", location="header")
            ]
        found = _schema_violations(cause, body_status)
        if found:
            return sorted(found, key=lambda v: (v.field or "", v.keyword or ""))
        return [Violation(400, Code.BAD_JSON, str(cause or exc))]
    if isinstance(exc, PathError):
        return route_violations(exc, "")
    return [Violation(400, Code.INVALID, describe(exc))]


def _param(
    exc: ParameterValidationError, message: str, keyword: str | None = None, value: Any = None
) -> Violation:
    params = {} if value is None else {"value": value}
    return Violation(
        400, Code.SCHEMA, message, field=exc.name, location=exc.location, keyword=keyword, params=params
    )


def response_violations(exc: Exception, status: int) -> list[Violation]:
    """One openapi-core response error as violations located in the response."""
    cause = exc.__cause__
    if isinstance(exc, PathError):
        return []
    if isinstance(exc, ResponseNotFound):
        message = f"Status {status} is not documented for this operation"
        return [Violation(status, Code.INVALID, message, location="response", keyword="responses")]
    if isinstance(exc, MissingRequiredHeader):
        message = f"Missing response header '{exc.name}'"
        return [_in_response(status, message, exc.name, "response header", "required")]
    if isinstance(exc, HeaderValidationError):
        found = _schema_violations(cause, status)
        label = f"response header '{exc.name}'"
        return [
            dataclasses.replace(
                v, field=exc.name, location="response header", message=f"{label}: {v.message}"
            )
            for v in found
        ] or [_in_response(status, f"{label}: {cause or exc}", exc.name, "response header")]
    if isinstance(exc, MissingData):
        return [_in_response(status, "The spec documents a body for this status; the response has none")]
    if isinstance(exc, DataValidationError):
        if isinstance(cause, MediaTypeNotFound):
            accepted = ", ".join(cause.availableMimetypes)
            message = (
                f"Content-Type {cause.mimetype} is not documented for this status (documented: {accepted})"
            )
            return [_in_response(status, message, "Content-Type", "response header", code=Code.INVALID)]
        found = _schema_violations(cause, status)
        if found:
            return [dataclasses.replace(v, location="response") for v in found]
        return [_in_response(status, f"Unreadable body: {cause or exc}", code=Code.BAD_JSON)]
    return [_in_response(status, describe(exc), code=Code.INVALID)]


def _in_response(
    status: int,
    message: str,
    field: str | None = None,
    location: str = "response",
    keyword: str | None = None,
    code: Code = Code.SCHEMA,
) -> Violation:
    return Violation(status, code, message, field=field, location=location, keyword=keyword)


def describe(exc: BaseException) -> str:
    """One readable line per nested schema error."""
    parts = [f"{type(exc).__name__}: {exc}"]
    cause: BaseException | None = exc.__cause__
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            parts.extend(
                f"  at {'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}"
                for e in schema_errors
            )
        else:
            parts.append(f"  {type(cause).__name__}: {cause}")
        cause = cause.__cause__
    return "\n".join(parts)
