"""Compile the request path with mypyc, in place: ``mockserver/native.py`` lists the modules,
and says when the build may be used (it matches the sources it was built from).

    python scripts/compile.py             # build (2 to 3 min on two cores)
    python scripts/compile.py --if-stale  # build only if the sources changed since (the bootstrap)
    python scripts/compile.py --no-pgo    # one plain build (about 1 min): for a quick look
    python scripts/compile.py --clean     # remove the build: every module runs from its source

mypyc comes with mypy (the lock's dev tools); a C compiler and the Python headers are needed
too. Without them the build fails, says why, and the mock runs from its sources as before.

With GCC the build is profile-guided, as CPython's own release builds are: a first build counts
where the code goes while it runs a training workload (``scripts/_pgo_training.py``: every
vendor's rule scenarios against a live mock on loopback), and the second is laid out and inlined
by those counts. The code a call runs then sits together: fewer cache lines to fetch, which is
what a call costs when the server has been idle between calls. Code the training never ran is
compiled as in a plain build. A training that fails leaves the plain build, and says so.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import sysconfig
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


def build(jobs: int, pgo: bool = True) -> None:
    if pgo and _gcc():
        try:
            _pgo_build(jobs)
            return
        except (Exception, SystemExit) as exc:  # a compiler failure is SystemExit; CalledProcessError
            clean()
            shutil.rmtree(ROOT / "build" / "pgo", ignore_errors=True)
            print(f"compile: the profile-guided build failed ({exc}); a plain build instead", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="mockserver-mypyc-") as scratch:
        _build(jobs, scratch)


def _build(jobs: int, scratch: str, flags: Sequence[str] = ()) -> None:
    import json

    from mypyc.build import mypycify
    from setuptools import setup

    expected = native.fingerprint()  # read before the build: an edit during it makes it stale
    sources = [str(native.source_of(m).relative_to(ROOT)) for m in native.MODULES]
    clean()
    os.chdir(ROOT)
    extensions = mypycify(
        sources, opt_level="2", multi_file=True, group_name=native.GROUP, target_dir=scratch
    )
    for extension in extensions:  # multi_file writes a dotted group's headers one level down
        extension.include_dirs.append(str(Path(scratch).joinpath(*native.GROUP.split(".")[:-1])))
        extension.extra_compile_args = [*extension.extra_compile_args, *flags]
        extension.extra_link_args = [*extension.extra_link_args, *flags]
    build_args = ["build_ext", "--inplace", "--force", "--build-temp", scratch, "--parallel", str(jobs)]
    setup(name="mockserver-compiled", ext_modules=extensions, script_args=["--quiet", *build_args])
    native.MANIFEST.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _gcc() -> bool:
    """Whether Python's C compiler is GCC (whose profile flags the build uses; clang's differ)."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    try:
        asked = subprocess.run([compiler, "--version"], check=False, capture_output=True, text=True)
    except OSError:
        return False
    return "Free Software Foundation" in asked.stdout


def _pgo_build(jobs: int) -> None:
    """Build counting, train, build again by the counts. GCC names each object's counts by the
    object's path, so both builds compile in the same directory."""
    work = ROOT / "build" / "pgo"
    shutil.rmtree(work, ignore_errors=True)
    scratch, profile = work / "objects", work / "profile"
    scratch.mkdir(parents=True)
    _build(jobs, str(scratch), [f"-fprofile-generate={profile}"])
    print("compile: training the counting build (every vendor's rule scenarios)", file=sys.stderr)
    environment = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    training = [sys.executable, str(ROOT / "scripts" / "_pgo_training.py")]
    subprocess.run(training, cwd=ROOT, env=environment, check=True, timeout=600, stdout=subprocess.DEVNULL)
    # partial training: what the workload never ran is optimised as in a plain build, not for size
    flags = [f"-fprofile-use={profile}", "-fprofile-partial-training"]
    flags += ["-Wno-missing-profile", "-Wno-coverage-mismatch"]  # a source edited meanwhile: no counts
    _build(jobs, str(scratch), flags)
    shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--if-stale", action="store_true", help="build only if the sources changed since")
    parser.add_argument("--clean", action="store_true", help="remove the build")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="C compiler processes")
    parser.add_argument("--no-pgo", action="store_true", help="one plain build, not profile-guided")
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
        return compile_now(args.jobs, pgo=not args.no_pgo)


def compile_now(jobs: int, pgo: bool = True) -> int:
    started = time.monotonic()
    print(f"compile: building {len(native.MODULES)} modules with mypyc", file=sys.stderr)
    try:
        build(max(jobs, 1), pgo)
    except (Exception, SystemExit) as exc:  # setuptools reports a compiler failure as SystemExit
        clean()
        print(f"compile: failed ({exc}); the mock runs from its sources", file=sys.stderr)
        return 1
    print(f"compile: done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
