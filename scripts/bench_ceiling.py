"""The ceiling of ``scripts/bench``: a bare Starlette app that answers the benchmark's PATCH with
the mock's 204 and does nothing else.

It reads the body (as the mock must) and returns an empty 204, served the way ``mockserver serve``
serves the mock: uvicorn, one worker, uvloop and httptools, lifespan off, warnings only, and
uvicorn's default ``date`` and ``server`` headers. Whatever the mock spends beyond this app is the
mock's own work; ``scripts/bench`` reports the mock's req/s as a fraction of this app's.

    python scripts/bench_ceiling.py --port 8000
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PATH = "/personio/v2/projects/{project_id}"
"""The mock's path for the benchmark's PATCH (``--vendor personio``)."""


async def update_project(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


app = Starlette(routes=[Route(PATH, update_project, methods=["PATCH"])])


def main(argv: Sequence[str] | None = None) -> int:
    return serve(app, __doc__ or "", argv)


def serve(served: Starlette, description: str, argv: Sequence[str] | None) -> int:
    """``--port N``: ``served`` on 127.0.0.1 as ``mockserver serve`` serves the mock (the
    yardsticks of ``scripts/bench`` share it)."""
    import uvicorn

    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        served,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
