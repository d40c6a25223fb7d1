"""Reading the vendor specs (the YAML files under ``specs/``) without a web framework."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


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


def operations(spec: dict[str, Any]) -> Iterator[SpecOperation]:
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [_deref(spec, p) for p in [*shared, *op.get("parameters", [])]]
            yield SpecOperation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                path_params=tuple(p["name"] for p in params if p.get("in") == "path"),
                statuses=tuple(str(s) for s in op.get("responses", {})),
            )


def _deref(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = spec
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    return _deref(spec, target)


def spec_files() -> list[Path]:
    """Every vendor spec shipped in ``specs/``."""
    from mockserver.core.vendor import SPECS_DIR

    return sorted(SPECS_DIR.glob("*.yaml"))
