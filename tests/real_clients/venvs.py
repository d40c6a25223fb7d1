"""Virtualenvs of real clients from PyPI, built by the test run and cached under ``.bench/``.

Each client gets the interpreter its package allows (tap-ruddr wants Python < 3.12,
dlt-source-personio >= 3.12), found on this machine: the running Python, then the paths in
``REAL_CLIENTS_PYTHONS`` (``os.pathsep``-separated), ``python3.X`` on ``PATH`` and pyenv's
versions, oldest first, and as a last resort one that uv (itself from PyPI) finds or downloads
into ``.bench/real-clients/pythons``. A test skips only when
something cannot be fetched: the package index is unreachable, or no such Python exists here
and uv cannot download one. Any other failure to install fails the test.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / ".bench" / "real-clients"
DRIVERS = Path(__file__).resolve().parent / "drivers"
UV = "uv==0.13.9"
INSTALL_TIMEOUT = 900  # dlt and its dependencies: about 40 s here with a warm index

# The clients must talk to 127.0.0.1 only: the requests-based ones (the tap, dlt) send anything
# else (a library's telemetry, a forgotten base URL) to a proxy on a closed local port, and fail.
LOCAL_ONLY = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "all_proxy": "http://127.0.0.1:9",
    "no_proxy": "127.0.0.1",
}


@dataclass(frozen=True)
class Client:
    """A client package pinned with the libraries its HTTP code runs on."""

    name: str
    requirements: tuple[str, ...]
    python: tuple[tuple[int, int], tuple[int, int] | None]
    """The package's ``Requires-Python`` as (lowest minor, first minor excluded or None)."""

    @property
    def home(self) -> Path:
        return BENCH / self.name

    def allows(self, version: tuple[int, int]) -> bool:
        low, high = self.python
        return version >= low and (high is None or version < high)

    def python_bin(self) -> Path:
        """The virtualenv's python, installing the client there first if needed."""
        python = self.home / "bin" / "python"
        stamp = self.home / ".requirements"
        wanted = "\n".join(self.requirements)
        if python.exists() and stamp.exists() and stamp.read_text() == wanted:
            return python
        BENCH.mkdir(parents=True, exist_ok=True)
        with (BENCH / f".{self.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs must not build the same venv together
            if not (python.exists() and stamp.exists() and stamp.read_text() == wanted):
                self._build(_interpreter(self))
                stamp.write_text(wanted)
        return python

    def _build(self, interpreter: str) -> None:
        python = str(self.home / "bin" / "python")
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([interpreter, "-m", "venv", "--clear", str(self.home)], f"creating {self.home}")
        done = subprocess.run(
            [*pip, *self.requirements], capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
        if done.returncode != 0:
            _skip_if_index_unreachable(python, self.requirements[0])
            pytest.fail(f"could not install {self.requirements}:\n{done.stdout}{done.stderr}")


def _run(command: Sequence[str], doing: str, timeout: float = 300) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{doing} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _skip_if_index_unreachable(python: str, requirement: str) -> None:
    """After a failed install: skip when the index cannot be read (offline), so the failure is
    the network's, not the client's."""
    name = requirement.split("==", maxsplit=1)[0]
    probe = subprocess.run(
        [python, "-m", "pip", "index", "versions", "--pre", "--disable-pip-version-check", name],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"the package index is unreachable ({name}): {probe.stderr.strip()[-300:]}")


# -- interpreters ---------------------------------------------------------------------------------
def _version(python: str) -> tuple[int, int] | None:
    """The interpreter's (major, minor) if it can make virtualenvs with pip (Debian's python3.X
    may lack ensurepip)."""
    try:
        done = subprocess.run(
            [python, "-c", "import sys, ensurepip, venv; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    major, minor = done.stdout.split()
    return int(major), int(minor)


def _candidates() -> Iterator[str]:
    """The running Python first, then the oldest first: a package's floor is what its authors ran."""
    yield sys.executable
    yield from filter(None, os.environ.get("REAL_CLIENTS_PYTHONS", "").split(os.pathsep))
    for minor in range(9, 21):
        found = shutil.which(f"python3.{minor}")
        if found:
            yield found
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    yield from sorted(map(str, pyenv.glob("3.*/bin/python3")), key=_numeric)


def _numeric(path: str) -> list[int]:
    """``.../versions/3.12.1/bin/python3`` -> [3, 12, 1] (so 3.9 sorts before 3.12)."""
    version = Path(path).parents[1].name
    return [int(part) for part in version.split(".") if part.isdigit()]


def _interpreter(client: Client) -> str:
    for candidate in _candidates():
        version = _version(candidate)
        if version is not None and client.allows(version):
            return candidate
    return _uv_python(client)


def _uv_python(client: Client) -> str:
    """A Python uv finds or installs (under ``.bench/``), for machines without a suitable one."""
    uv_home = BENCH / "uv"
    with (BENCH / ".uv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (uv_home / "bin" / "uv").exists():
            _install_uv(uv_home)
    env = {
        **os.environ,
        "UV_PYTHON_INSTALL_DIR": str(BENCH / "pythons"),
        "UV_CACHE_DIR": str(BENCH / "uv-cache"),
    }

    def uv(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(uv_home / "bin" / "uv"), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, check=False)

    low, high = client.python
    wanted = f">={low[0]}.{low[1]}" + (f",<{high[0]}.{high[1]}" if high else "")
    found = uv("python", "find", wanted)
    if found.returncode != 0:
        installed = uv("python", "install", f"{low[0]}.{low[1]}")
        if installed.returncode != 0:
            pytest.skip(
                f"{client.name} needs Python {wanted}: none on this machine and uv could not download"
                f" one ({installed.stderr.strip()[-300:]}); name one in REAL_CLIENTS_PYTHONS"
            )
        found = uv("python", "find", wanted)
        if found.returncode != 0:
            pytest.fail(f"uv installed Python {wanted} but cannot find it:\n{found.stderr}")
    return found.stdout.strip()


def _install_uv(uv_home: Path) -> None:
    _run([sys.executable, "-m", "venv", "--clear", str(uv_home)], "creating the uv virtualenv")
    done = subprocess.run(
        [str(uv_home / "bin" / "python"), "-m", "pip", "install", "--quiet", UV],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        _skip_if_index_unreachable(str(uv_home / "bin" / "python"), UV)
        pytest.fail(f"could not install {UV}:\n{done.stdout}{done.stderr}")


def run_client(command: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a driver in its client's virtualenv; its stdout, or the test fails with its stderr."""
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **LOCAL_ONLY, **(env or {})},
    )
    assert done.returncode == 0, f"{command[1]} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stdout
