"""Reading the vendor specs (the YAML files under ``specs/``) without a web framework."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
SPECS_DIR = Path(__file__).resolve().parents[2] / "specs"
"""Where ``specs/<vendor>.yaml`` live, beside the package."""


# libyaml's loader parses the specs ~10x faster than the pure-Python one: startup time is a target.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def load_spec(path: Path) -> dict[str, Any]:
    """The parsed spec, shared: treat it as read-only (connexion gets its own deep copy)."""
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    return data


@dataclass(frozen=True)
class SpecOperation:
    operation_id: str
    method: str
    path: str
    path_params: tuple[str, ...]
    statuses: tuple[str, ...]
    integer_params: tuple[str, ...] = ()
    """Path parameters typed ``integer``: the router converts them, so they must be parseable."""


def operations(spec: dict[str, Any]) -> Iterator[SpecOperation]:
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [deref(spec, p) for p in [*shared, *op.get("parameters", [])]]
            yield SpecOperation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                path_params=tuple(p["name"] for p in params if p.get("in") == "path"),
                statuses=tuple(str(s) for s in op.get("responses", {})),
                integer_params=tuple(
                    p["name"]
                    for p in params
                    if p.get("in") == "path" and deref(spec, p.get("schema", {})).get("type") == "integer"
                ),
            )


def resolve(spec: Mapping[str, Any], pointer: str) -> Any:
    """The node a local JSON pointer (``#/components/schemas/X`` or ``/components/...``) names."""
    target: Any = spec
    for part in pointer.removeprefix("#").lstrip("/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def deref(spec: Mapping[str, Any], node: Any) -> Any:
    """``node`` itself, or what its ``$ref`` chain ends at (one level: nested refs stay)."""
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        node = resolve(spec, node["$ref"])
    return node


def inlined(spec: Mapping[str, Any], node: Any, trail: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``$ref`` replaced by its target, at every depth (a copy).

    The vendor specs are not recursive; a recursive reference raises ValueError rather than loop.
    """
    if isinstance(node, list):
        return [inlined(spec, item, trail) for item in node]
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in trail:
            raise ValueError(f"recursive reference {ref} cannot be inlined")
        return inlined(spec, resolve(spec, ref), (*trail, ref))
    return {key: inlined(spec, value, trail) for key, value in node.items()}


def spec_files() -> list[Path]:
    """Every vendor spec shipped in ``specs/``."""
    return sorted(SPECS_DIR.glob("*.yaml"))
