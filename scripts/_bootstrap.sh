# Sourced by scripts/serve, scripts/test and scripts/bench: makes .venv with every dependency at the
# version pinned, with hashes, in requirements.lock, and the project installed editable without its
# dependencies (the lock holds them all), so `mockserver` and the pytest plugin are entry points.
# Re-installs only when requirements.lock or pyproject.toml changed, so the second run starts at once.
#
# The installer is uv, pinned with hashes in requirements-uv.lock and installed by pip into .venv/.uv.
# If uv cannot be installed or fails, or BOOTSTRAP_INSTALLER=pip, pip installs from the same lock.
# scripts/lock sources this file with BOOTSTRAP_UV_ONLY=1: a venv and uv, nothing else.
# BOOTSTRAP_PICK_PYTHON=1 prints the interpreter a new .venv would be made with, and does nothing else.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
LOCK="$ROOT/requirements.lock"
UV_LOCK="$ROOT/requirements-uv.lock"
UV_DIR="$VENV/.uv"
UV="$UV_DIR/bin/uv"

# The interpreter for .venv: $PYTHON if it is 3.11 or newer; else, of the python3.13 ... python3
# on PATH (every match, in PATH order), the first 3.11 or newer whose executable has libpython
# linked in, or failing that the first 3.11 or newer. An interpreter that loads libpython from a
# shared library (pyenv's default build) ran the mock about 13% slower than Debian's /usr/bin/python3.11
# (README, Performance).
find_python() {
  local candidate fallback="" status
  local probe='import sys
if sys.version_info < (3, 11): raise SystemExit(1)
try:
    with open("/proc/self/maps") as maps: shared = "libpython" in maps.read()
except OSError: shared = False
raise SystemExit(3 if shared else 0)'
  if [ -n "${PYTHON:-}" ]; then
    status=0; "$PYTHON" -c "$probe" >/dev/null 2>&1 || status=$?
    if [ "$status" = 0 ] || [ "$status" = 3 ]; then echo "$PYTHON"; return 0; fi
  fi
  while read -r candidate; do
    [ -n "$candidate" ] || continue
    status=0; "$candidate" -c "$probe" >/dev/null 2>&1 || status=$?
    if [ "$status" = 0 ]; then echo "$candidate"; return 0; fi
    if [ "$status" = 3 ] && [ -z "$fallback" ]; then fallback="$candidate"; fi
  done < <(for name in python3.13 python3.12 python3.11 python3; do type -ap "$name"; done)
  if [ -n "$fallback" ]; then echo "$fallback"; return 0; fi
  echo "error: Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

say() { echo "bootstrap: $*" >&2; }

# The venv starts without pip (uv installs the locked pip); ensurepip gives it one when pip must run.
venv_pip() {
  if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    "$VENV/bin/python" -m ensurepip --default-pip >/dev/null
  fi
  "$VENV/bin/python" -m pip --disable-pip-version-check "$@"
}

# uv, from PyPI, at the version and hashes of requirements-uv.lock (wheels only). The venv's pip
# installs it; before the venv has one, the machine's pip, which saves running ensurepip.
ensure_uv() {
  local stamp
  stamp="$UV_DIR/.installed-$(sha256sum "$UV_LOCK" | cut -c1-16)"
  if [ -f "$stamp" ] && [ -x "$UV" ]; then return 0; fi
  rm -rf "$UV_DIR"
  say "installing uv (requirements-uv.lock)"
  local args=(install --quiet --no-deps --only-binary :all: --require-hashes --target "$UV_DIR" -r "$UV_LOCK")
  local py=""
  "$VENV/bin/python" -m pip --version >/dev/null 2>&1 || py="$(find_python 2>/dev/null)" || py=""
  if { [ -n "$py" ] && "$py" -m pip --disable-pip-version-check "${args[@]}" >/dev/null 2>&1; } ||
     { rm -rf "$UV_DIR"; venv_pip "${args[@]}" >&2; }; then
    if "$UV" --version >/dev/null 2>&1; then touch "$stamp"; return 0; fi
  fi
  rm -rf "$UV_DIR"
  return 1
}

install_with_uv() {
  "$UV" pip sync --quiet --python "$VENV/bin/python" --require-hashes "$LOCK" &&
  "$UV" pip install --quiet --python "$VENV/bin/python" --no-deps --no-build-isolation -e "$ROOT"
}

# pip has no sync: install the lock, then remove what the lock no longer lists.
install_with_pip() {
  local log
  venv_pip install --quiet --require-hashes --no-deps -r "$LOCK" &&
  log="$(venv_pip install --quiet --no-deps --no-build-isolation -e "$ROOT" 2>&1)" ||
    { echo "$log" >&2; return 1; }  # quiet unless it fails: setuptools warns on every editable build
  "$VENV/bin/python" - "$LOCK" <<'PY'
import re, subprocess, sys
from importlib.metadata import distributions
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
with open(sys.argv[1]) as f:
    locked = {norm(m[1]) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", f.read(), re.M)}
locked.add("vendor-contract-mocks")
extra = sorted({norm(d.metadata["Name"]) for d in distributions() if d.metadata["Name"]} - locked)
if extra:
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes", *extra], check=True)
PY
}

if [ "${BOOTSTRAP_PICK_PYTHON:-}" = 1 ]; then  # say which interpreter a new .venv would get
  find_python
  return 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  py="$(find_python)"
  echo "bootstrap: creating $VENV with $py" >&2
  "$py" -m venv --without-pip "$VENV"
fi

if [ "${BOOTSTRAP_UV_ONLY:-}" = 1 ]; then
  ensure_uv || { echo "error: could not install uv (requirements-uv.lock)" >&2; exit 1; }
  return 0
fi

stamp="$VENV/.installed-$(cat "$LOCK" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing requirements.lock and the project (first run, or the lock changed)"
  if [ "${BOOTSTRAP_INSTALLER:-uv}" != pip ] && ensure_uv && install_with_uv >&2; then
    check=("$UV" pip check --quiet --python "$VENV/bin/python")
  else
    [ "${BOOTSTRAP_INSTALLER:-uv}" = pip ] || say "uv failed; installing with pip instead"
    install_with_pip >&2
    check=(venv_pip check)
  fi
  if ! log="$("${check[@]}" 2>&1)"; then
    echo "$log" >&2
    echo "error: requirements.lock does not satisfy pyproject.toml; refresh it with scripts/lock" >&2
    exit 1
  fi
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# The request path compiled with mypyc (mockserver/native.py, scripts/compile.py): built on the first
# run and again whenever one of its sources changed, in 2 to 3 minutes on two cores (profile-guided
# with GCC: two builds and a training run). Without a C compiler
# it fails, says so, and the mock runs from its sources; MOCKSERVER_COMPILE=0 skips it.
if [ "${MOCKSERVER_COMPILE:-1}" != 0 ]; then
  "$VENV/bin/python" "$ROOT/scripts/compile.py" --if-stale || true
fi
