#!/usr/bin/env bash
# Prints the path of an npm CLI kept in .bench/ (git-ignored), installing it there first when it
# is missing or at another version.
#   scripts/_npm_tool.sh PACKAGE@VERSION BIN      e.g. @stoplight/prism-cli@5.14.2 prism
# Used by scripts/bench (Prism) and tests/specs/test_spectral.py (Spectral). Exit status 2 when
# npm is missing. Progress goes to stderr, so stdout is only the path.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 PACKAGE@VERSION BIN" >&2
  exit 64
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.bench"
spec="$1"
name="${spec%@*}"     # @scope/name@1.2.3 -> @scope/name
version="${spec##*@}" # -> 1.2.3
exe="$DIR/node_modules/.bin/$2"

installed() {
  [ -x "$exe" ] && [ "$(node -p "require('$DIR/node_modules/$name/package.json').version" 2>/dev/null)" = "$version" ]
}

if ! installed; then
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "npm is missing, so $spec cannot be installed: install Node.js 20 and npm, then rerun" >&2
    exit 2
  fi
  mkdir -p "$DIR"
  # Two test runs starting at once must not run npm in the same directory together.
  exec 9>"$DIR/.install.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if ! installed; then
    echo "installing $spec into .bench/ (first use only)" >&2
    npm install --prefix "$DIR" --save-exact --no-audit --no-fund --loglevel=error "$spec" >&2
  fi
fi
echo "$exe"
