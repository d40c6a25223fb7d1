"""Compile the request path with mypyc, in place: ``mockserver/native.py`` lists the modules,
and says when the build may be used (it matches the sources it was built from).

    python scripts/compile.py             # build (50 to 80 s on two cores)
    python scripts/compile.py --if-stale  # build only if the sources changed since (the bootstrap)
    python scripts/compile.py --clean     # remove the build: every module runs from its source

mypyc comes with mypy (the lock's dev tools); a C compiler and the Python headers are needed
too. Without them the build fails, says why, and the mock runs from its sources as before.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["MOCKSERVER_PURE_PYTHON"] = "1"  # this process imports the sources, never the build

from mockserver import native  # noqa: E402 - after the environment is set


def built_files() -> list[Path]:
    """The files a build leaves in the source tree: extension modules (those of modules no
    longer listed too) and the manifest."""
    suffix = str(native.fingerprint()["ext_suffix"])
    return [*native.PACKAGE_DIR.rglob(f"*{suffix}"), native.MANIFEST]


def clean() -> None:
    for path in built_files():
        path.unlink(missing_ok=True)


def build(jobs: int) -> None:
    import json

    from mypyc.build import mypycify
    from setuptools import setup

    expected = native.fingerprint()  # read before the build: an edit during it makes it stale
    sources = [str(native.source_of(m).relative_to(ROOT)) for m in native.MODULES]
    clean()
    with tempfile.TemporaryDirectory(prefix="mockserver-mypyc-") as scratch:
        os.chdir(ROOT)
        extensions = mypycify(
            sources, opt_level="2", multi_file=True, group_name=native.GROUP, target_dir=scratch
        )
        for extension in extensions:  # multi_file writes a dotted group's headers one level down
            extension.include_dirs.append(str(Path(scratch).joinpath(*native.GROUP.split(".")[:-1])))
        build_args = ["build_ext", "--inplace", "--build-temp", scratch, "--parallel", str(jobs)]
        setup(name="mockserver-compiled", ext_modules=extensions, script_args=["--quiet", *build_args])
    native.MANIFEST.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--if-stale", action="store_true", help="build only if the sources changed since")
    parser.add_argument("--clean", action="store_true", help="remove the build")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="C compiler processes")
    args = parser.parse_args(argv)
    # one build at a time (two scripts/serve started together): the second waits, then finds the
    # build current
    with open(native.PACKAGE_DIR / "native.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if args.clean:
            clean()
            return 0
        if args.if_stale and native.built() == native.fingerprint():
            return 0
        return compile_now(args.jobs)


def compile_now(jobs: int) -> int:
    started = time.monotonic()
    print(f"compile: building {len(native.MODULES)} modules with mypyc", file=sys.stderr)
    try:
        build(max(jobs, 1))
    except (Exception, SystemExit) as exc:  # setuptools reports a compiler failure as SystemExit
        clean()
        print(f"compile: failed ({exc}); the mock runs from its sources", file=sys.stderr)
        return 1
    print(f"compile: done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
