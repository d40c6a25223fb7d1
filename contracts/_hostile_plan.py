"""What the hostile fuzzer knows of one vendor (its operations with fixture ids and valid bodies,
its reads, its state document), and the deterministic case number ``i`` of a seed.

Case ``i`` of seed ``s`` depends on ``(s, vendor, i)`` alone (``random.Random(f"{s}:{vendor}:{i}")``),
so any case can be regenerated and sent again without the ones before it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contracts._hostile_admin import FAULT_BASES, mutate_fault, mutate_state
from contracts._hostile_bodies import BodyContext, mutate_body
from contracts._hostile_json import encode
from contracts._hostile_requests import Param, Variant, header_variant, path_variant, query_variant
from contracts._hostile_transport import Request
from mockserver.core.spec import deref, inlined, load_spec, operations
from mockserver.core.vendor import Vendor

__all__ = ["AREAS", "Case", "Operation", "VendorPlan", "make_case", "plan_vendor"]

AREAS: tuple[tuple[str, int], ...] = (
    ("body", 36),
    ("path", 14),
    ("query", 12),
    ("header", 14),
    ("admin_state", 10),
    ("admin_fault", 14),
)
"""Where a case's hostility goes, with its weight."""
STATE_OPERATION = "PUT /__admin/state/{vendor}"
FAULT_OPERATION = "POST /__admin/faults"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    """The spec's path template, vendor-relative."""
    path_params: tuple[Param, ...]
    query_params: tuple[Param, ...]
    bodies: tuple[Any, ...]
    """Valid bodies to start from (the spec's examples, ``Vendor.sample``); empty: no body."""
    context: BodyContext | None
    siblings: tuple[str, ...] = ()
    """Sub-routes right under the last path parameter (``members``)."""
    media_types: tuple[str, ...] = ()
    """The request body's media types, as the spec lists them."""

    @property
    def takes_json(self) -> bool:
        return not self.media_types or any(m.split(";")[0].strip().endswith("json") for m in self.media_types)

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    def path(self, **override: str) -> str:
        """The template with the fixture ids (or the given raw values)."""
        path = self.template
        for param in self.path_params:
            path = path.replace("{" + param.name + "}", override.get(param.name, param.value), 1)
        return path


@dataclass(frozen=True)
class Case:
    vendor: str
    seed: int
    index: int
    area: str
    kind: str
    operation: str
    """``PATCH /v2/projects/{id}``, or an admin operation's label."""
    recipe: str
    request: Request
    check_path: str | None = None
    """The operation's path with fixture ids, to check the answer against the vendor's spec
    (``None``: an admin call)."""
    reject: str | None = None
    """Why the answer must be a 4xx (GEN-9, GEN-13, GEN-8, fault rules); None: no expectation."""
    forbid: tuple[int, ...] = ()


@dataclass(frozen=True)
class VendorPlan:
    vendor: str
    prefix: str
    operations: tuple[Operation, ...]
    reads: tuple[tuple[str, str], ...]
    """(label, target) of every GET of the vendor that needs no input but the fixture ids."""
    headers: tuple[tuple[str, str], ...]
    """What a valid call carries besides the session: the token and the vendor's headers."""
    vendor_headers: tuple[str, ...]
    state: Any
    """The vendor's state document in a fresh session (what admin cases mutate)."""
    fault_schema: Mapping[str, Any] | None = None
    fault_bases: tuple[Mapping[str, Any], ...] = FAULT_BASES
    limit: int = 1024 * 1024


def _param(spec: Mapping[str, Any], raw: Any, value: str = "") -> Param:
    param = deref(spec, raw)
    schema = deref(spec, param.get("schema", {}))
    items = deref(spec, schema.get("items", {})) if schema.get("type") == "array" else {}
    return Param(param["name"], str(schema.get("type", "string")), value, items.get("type"))


def _pattern(template: str) -> re.Pattern[str]:
    """The paths a template matches, each parameter a named group of one segment."""
    return re.compile("^" + re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


def _fixture_ids(vendor: Vendor, templates: Sequence[str]) -> dict[str, dict[str, str]]:
    """Per template, the fixture value of each path parameter: from ``Vendor.sample`` (the update
    path, ``ids``), shared by name with the other templates."""
    by_name: dict[str, str] = {}
    for template in templates:
        match = _pattern(template).match(vendor.sample.path)
        if match:
            by_name.update(match.groupdict())
    found: dict[str, dict[str, str]] = {}
    for template in templates:
        names = re.findall(r"\{([^}]+)\}", template)
        explicit = vendor.sample.ids.get(template)
        found[template] = {
            n: (explicit if explicit and len(names) == 1 else by_name.get(n, "1")) for n in names
        }
    return found


def _bases(spec: Mapping[str, Any], raw_op: Mapping[str, Any]) -> tuple[list[Any], Mapping[str, Any] | None]:
    body = deref(spec, raw_op.get("requestBody"))
    if not isinstance(body, Mapping):
        return [], None
    content = body.get("content", {})
    media: Mapping[str, Any] = content.get("application/json") or next(
        (c for t, c in content.items() if "json" in t), {}
    )
    examples = [deref(spec, e).get("value") for e in (media.get("examples") or {}).values()]
    named = list((media.get("examples") or {}).keys())
    valid = [e for n, e in zip(named, examples, strict=True) if str(n).startswith("2")]
    chosen = valid or examples or ([media["example"]] if "example" in media else [{}])
    schema = inlined(spec, media.get("schema", {}))
    return chosen, schema if isinstance(schema, Mapping) else None


def plan_vendor(
    vendor: Vendor,
    state: Any,
    *,
    token: str = "test-token",
    limit: int = 1024 * 1024,
    admin_spec: Mapping[str, Any] | None = None,
) -> VendorPlan:
    spec = load_spec(vendor.spec_path)
    listed = list(operations(spec))
    ids = _fixture_ids(vendor, [op.path for op in listed])
    built: list[Operation] = []
    for op in listed:
        item = spec["paths"][op.path]
        raw = item[op.method.lower()]
        params = [*item.get("parameters", []), *raw.get("parameters", [])]
        located = [(deref(spec, p), p) for p in params]
        path_params = tuple(
            _param(spec, p, ids[op.path][d["name"]]) for d, p in located if d.get("in") == "path"
        )
        query_params = tuple(_param(spec, p) for d, p in located if d.get("in") == "query")
        bodies, schema = _bases(spec, raw)
        if (
            raw.get("requestBody")
            and op.method in ("PATCH", "PUT")
            and _pattern(op.path).match(vendor.sample.path)
        ):
            bodies = [dict(vendor.sample.body), *bodies]  # Sample.body: a valid update of that path
        context = None
        if raw.get("requestBody"):
            schema = schema or {}
            context = BodyContext(
                properties=schema.get("properties", {}),
                top_type=str(schema.get("type", "object")),
                limit=limit,
            )
        siblings = tuple(
            sorted(
                {o.path[len(op.path) + 1 :].split("/")[0] for o in listed if o.path.startswith(op.path + "/")}
            )
        )
        built.append(
            Operation(
                op.operation_id,
                op.method,
                op.path,
                path_params,
                query_params,
                tuple(bodies),
                context,
                siblings,
                tuple(deref(spec, raw.get("requestBody") or {}).get("content", {})),
            )
        )
    reads = tuple(
        (f"GET {o.path()}", vendor.prefix + o.path())
        for o in built
        if o.method == "GET" and not any(q.name in _required_query(spec, o.template) for q in o.query_params)
    )
    fault_schema = None
    fault_bases: tuple[Mapping[str, Any], ...] = FAULT_BASES
    if admin_spec:
        schemas = admin_spec.get("components", {}).get("schemas", {})
        if "FaultInput" in schemas:
            fault_schema = inlined(admin_spec, schemas["FaultInput"])
        fault_bases = (*FAULT_BASES, *_fault_examples(admin_spec))
    headers = (("Authorization", f"Bearer {token}"), *vendor.sample_headers.items())
    return VendorPlan(
        vendor.id,
        vendor.prefix,
        tuple(built),
        reads,
        headers,
        tuple(vendor.sample_headers),
        state,
        fault_schema,
        fault_bases,
        limit,
    )


def _required_query(spec: Mapping[str, Any], template: str) -> set[str]:
    item = spec["paths"][template]
    params = [
        deref(spec, p) for p in [*item.get("parameters", []), *item.get("get", {}).get("parameters", [])]
    ]
    return {p["name"] for p in params if p.get("in") == "query" and p.get("required")}


def _fault_examples(admin_spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    post = admin_spec.get("paths", {}).get("/faults", {}).get("post", {})
    media = post.get("requestBody", {}).get("content", {}).get("application/json", {})
    return [e["value"] for e in (media.get("examples") or {}).values() if isinstance(e.get("value"), Mapping)]


def make_case(plan: VendorPlan, seed: int, index: int) -> Case:
    """Case ``index`` of ``seed``: the same request whenever it is asked for."""
    rng = random.Random(f"{seed}:{plan.vendor}:{index}")
    area = rng.choices([a for a, _ in AREAS], weights=[w for _, w in AREAS])[0]
    with_body = [o for o in plan.operations if o.bodies]
    with_path = [o for o in plan.operations if o.path_params]
    if area == "body" and not with_body:
        area = "header"
    if area == "path" and not with_path:
        area = "query"
    if area == "admin_state":
        return _state_case(plan, seed, index, rng)
    if area == "admin_fault":
        return _fault_case(plan, seed, index, rng)
    candidates = {"body": with_body, "path": with_path}.get(area) or list(plan.operations)
    op = rng.choice(candidates)
    body = encode(rng.choice(op.bodies)) if op.bodies else b""
    headers = (*plan.headers, *((("Content-Type", "application/json"),) if op.bodies else ()))
    path, query = op.path(), ""
    kind, variant = area, Variant("")
    if area == "body":
        assert op.context is not None
        mutation = mutate_body(rng, rng.choice(op.bodies), op.context)
        kind, body, variant = mutation.kind, mutation.body, Variant(mutation.recipe, reject=mutation.reject)
    elif area == "path":
        param = rng.choice(op.path_params)
        variant = path_variant(rng, param, op.siblings if param == op.path_params[-1] else ())
        path, kind = op.path(**{param.name: variant.text}), "path_id"
    elif area == "query":
        variant = query_variant(rng, op.query_params)
        query, kind = variant.text, "query"
    else:
        has_body, takes_json = bool(op.bodies), op.takes_json
        variant = header_variant(
            rng, headers, has_body=has_body, vendor_headers=plan.vendor_headers, takes_json=takes_json
        )
        headers, kind = variant.headers, "header"
    target = plan.prefix + path + (f"?{query}" if query else "")
    return Case(
        plan.vendor,
        seed,
        index,
        area,
        kind,
        op.label,
        variant.recipe,
        Request(op.method, target, tuple(headers), body),
        op.path(),
        variant.reject,
        variant.forbid,
    )


_JSON = (("Content-Type", "application/json"),)


def _state_case(plan: VendorPlan, seed: int, index: int, rng: random.Random) -> Case:
    mutation = mutate_state(rng, plan.state, plan.limit)
    request = Request("PUT", f"/__admin/state/{plan.vendor}", _JSON, mutation.body)
    return Case(
        plan.vendor,
        seed,
        index,
        "admin_state",
        mutation.kind,
        STATE_OPERATION,
        mutation.recipe,
        request,
        None,
        mutation.reject,
    )


def _fault_case(plan: VendorPlan, seed: int, index: int, rng: random.Random) -> Case:
    base = rng.choice(plan.fault_bases)
    mutation = mutate_fault(rng, base, plan.fault_schema, plan.limit)
    request = Request("POST", "/__admin/faults", _JSON, mutation.body)
    recipe = f"{mutation.recipe} (from {encode(base).decode('ascii')[:120]})"
    return Case(
        plan.vendor,
        seed,
        index,
        "admin_fault",
        mutation.kind,
        FAULT_OPERATION,
        recipe,
        request,
        None,
        mutation.reject,
    )
