"""Spec-valid, adversarial vendor responses: does client code survive every documented answer?

Each reply is valid against the vendor's response schema for its operation and status (checked
with openapi-schema-validator, as openapi-core checks it, before it is handed out) but hostile:
nulls wherever nullable, strings empty or at their maximum length in non-BMP, right-to-left and
combining characters, numbers at their bounds or huge, optional fields missing, undocumented
fields where the schema allows them (see ``_values.py``). OpenAPI 3.0 schemas are converted to
JSON Schema by Schemathesis' converter (``nullable``, ``readOnly``/``writeOnly``).

One generator, two drivers:

- :func:`response_strategy` hands the generator a Hypothesis-controlled ``Random``
  (``st.randoms(use_true_random=False)``): every choice is a Hypothesis draw, so a failing case
  shrinks to the plainest reply that still breaks the client.
- :func:`fuzzed_reply` hands it ``random.Random(f"{seed}:{case}")``, seeded from a string
  (SHA-512), so the same seed and case give the same reply in every process. Hypothesis'
  ``@seed`` does not: its engine mixes literals from the source of the *local modules loaded in
  the process* into generated data, so two processes with different imports draw different
  examples for one seed.
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

from mockserver.adversarial._responses import FuzzedResponse, compiled_operation, operation_at
from mockserver.core.spec import SpecOperation
from mockserver.core.values import Reply
from mockserver.core.vendor import Vendor, as_vendor

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = ["FuzzedResponse", "documented_statuses", "find_operation", "fuzzed_reply", "response_strategy"]


def response_strategy(
    vendor: Vendor | str, operation_id: str, status: int | None = None
) -> SearchStrategy[FuzzedResponse]:
    """Replies of ``operation_id`` with ``status``, or with any status it documents (None).
    ``vendor``: a :class:`Vendor` or its id."""
    from hypothesis import strategies as st

    draw = compiled_operation(as_vendor(vendor).spec_path, operation_id).drawer(status)
    return st.randoms(use_true_random=False).map(draw)


def fuzzed_reply(
    vendor: Vendor | str, method: str, path: str, *, seed: int, case: int, status: int | None
) -> Reply:
    """The ``case``-th adversarial reply of seed ``seed`` for a vendor-relative call.

    Raises LookupError when the vendor's spec has no operation for ``method`` and ``path``, and
    ValueError when the operation documents no such ``status`` (nor a ``default``). ``vendor``:
    a :class:`Vendor` or its id.
    """
    vendor = as_vendor(vendor)
    operation = find_operation(vendor, method, path)
    draw = compiled_operation(vendor.spec_path, operation.operation_id).drawer(status)
    return draw(Random(f"{seed}:{case}")).reply()


def documented_statuses(vendor: Vendor, operation_id: str) -> tuple[int, ...]:
    """The statuses ``operation_id`` documents explicitly, lowest first."""
    return compiled_operation(vendor.spec_path, operation_id).statuses


def find_operation(vendor: Vendor, method: str, path: str) -> SpecOperation:
    """The operation a vendor-relative call reaches (literal segments win over parameters);
    LookupError when the spec has none."""
    return operation_at(vendor.spec_path, method, path)
