"""The fast validation engine never accepts what the exact one refuses (GEN-5, GEN-10).

``BodySchema`` asks jsonschema-rs first and jsonschema (openapi-schema-validator, OpenAPI 3.0's
dialect) only for a value the fast engine refuses. That is sound only if the fast engine is never
the more lenient of the two: every request and response schema of every vendor is checked here
on Schemathesis' positive and negative values.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from mockserver.core.operations import OperationTable
from mockserver.core.schema import BodySchema, _fast_accepts
from mockserver.core.spec import load_spec
from mockserver.core.vendor import discover_vendors

VENDORS = discover_vendors()


def _exact_violations(schema: BodySchema, value: Any) -> list[Any]:
    return list(schema.exact.iter_errors(value))


def _schemas(vid: str) -> list[tuple[str, BodySchema]]:
    table = OperationTable(load_spec(VENDORS[vid].spec_path))
    found: list[tuple[str, BodySchema]] = []
    for op in table:
        found += [(f"{op.operation_id} request {m}", s) for m, s in op.bodies.items()]
        found += [
            (f"{op.operation_id} {p.location} {p.name}", p.validator)
            for p in (*op.path_params, *op.query_params)
        ]
        for key, bodies in op.response_bodies.items():
            found += [(f"{op.operation_id} {key} {m}", s) for m, s in bodies.items()]
    return found


@pytest.mark.parametrize("vid", sorted(VENDORS))
def test_GEN_5_the_fast_engine_accepts_nothing_the_exact_one_refuses(vid: str) -> None:
    schema_file = schemathesis.openapi.from_path(str(VENDORS[vid].spec_path))
    bodies = []
    for result in schema_file.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases = operation.as_strategy(generation_mode=mode)
            bodies.append(cases.map(lambda case: case.body).filter(lambda body: not isinstance(body, NotSet)))
    values = st.one_of(
        *bodies, st.from_type(type(None)), st.integers(), st.text(), st.floats(allow_nan=False)
    )
    schemas = _schemas(vid)
    assert sum(s.fast is not None for _, s in schemas) > len(schemas) // 2

    @settings(max_examples=150, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(values)
    def check(value: Any) -> None:
        for where, schema in schemas:
            if schema.fast is not None and _fast_accepts(schema.fast, value):
                assert _exact_violations(schema, value) == [], f"{where}: the fast engine accepted {value!r}"

    check()


@pytest.mark.parametrize(
    ("fmt", "value"),
    [
        ("date", "2025-02-28"),
        ("date", "2025-02-30"),
        ("date", "0000-01-01"),
        ("date", "20.5-01-01"),
        ("date", "2025-1-01"),
        ("date", "٢٠٢٥-01-01"),
        ("date", "2025-01-01\n"),
        ("date-time", "2025-01-01T00:00:00Z"),
        ("date-time", "2025-01-01t00:00:00z"),
        ("date-time", "2025-01-01T23:59:60Z"),
        ("date-time", "0000-01-01T00:00:00Z"),
        ("date-time", "2025-01-01T00:00:00"),
        ("date-time", "2025-01-01 00:00:00Z"),
        ("uuid", "d1980029-6c43-4af9-88ac-7b9066944f34"),
        ("uuid", "d19800296c434af988ac7b9066944f34"),
        ("uuid", "{d1980029-6c43-4af9-88ac-7b9066944f34}"),
        ("uuid", "urn:uuid:d1980029-6c43-4af9-88ac-7b9066944f34"),
    ],
)
def test_GEN_13_string_formats_read_as_the_exact_engine_reads_them(fmt: str, value: str) -> None:
    """jsonschema-rs' own format checks accept 0000-01-01 and 20.5-01-01 as dates; the fast engine
    uses the exact engine's definitions instead."""
    schema = BodySchema({"type": "string", "format": fmt})
    assert schema.fast is not None
    assert schema.fast.is_valid(value) == schema.exact.is_valid(value)
