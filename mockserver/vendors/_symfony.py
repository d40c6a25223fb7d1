"""Symfony validator wording, for vendors whose API validates with Symfony (Wethod).

A schema violation is worded as the Symfony constraint that enforces the same thing words it
(Length, Range, Type, NotNull, NotBlank, Choice, Date, Collection), so a failure reads like the
vendor's own validator output. Only wording lives here: envelopes and rules are the vendor's.
"""

from __future__ import annotations

from typing import Any

from mockserver.core.violations import Code, Violation

BLANK = "This value should not be blank."
PHP_TYPES = {"integer": "int", "number": "float", "boolean": "bool"}
"""JSON Schema type -> the PHP type name Symfony's Type constraint prints."""


def range_message(minimum: Any, maximum: Any) -> str:
    """Range with both bounds: Symfony names both, whichever one was crossed."""
    return f"This value should be between {minimum} and {maximum}."


def failure_message(v: Violation) -> str:
    """The message of one failure: an unreadable body, an undocumented field, a schema violation,
    or the rule's own message."""
    if v.code is Code.BAD_JSON:
        if v.keyword == "required":
            return "The request body should not be blank."
        return f"The request body is not valid JSON ({v.message})."
    if v.code is Code.UNKNOWN_FIELD:
        return "This field was not expected."  # Collection's extraFieldsMessage
    if v.code is not Code.SCHEMA:
        return v.message
    return constraint_message(v)


def constraint_message(v: Violation) -> str:
    keyword, limit = v.keyword or "", v.params.get("limit")
    if keyword == "required" or (keyword == "minLength" and limit == 1):  # NotBlank, not Length
        return BLANK
    if keyword == "type" and v.params.get("value", 0) is None:  # NotNull, not Type
        return "This value should not be null."
    if keyword == "format" and limit == "date":
        return "This value is not a valid date (YYYY-MM-DD)."
    messages = {
        "minLength": f"This value is too short. It should have {limit} characters or more.",
        "type": f"This value should be of type {PHP_TYPES.get(str(limit), limit)}.",
        "format": f"This value is not a valid {limit}.",
        "maxLength": f"This value is too long. It should have {limit} characters or less.",
        "maximum": f"This value should be less than or equal to {limit}.",
        "minimum": f"This value should be greater than or equal to {limit}.",
        "enum": "The value you selected is not a valid choice.",
    }
    return messages.get(keyword, "This value is not valid.")
