#!/usr/bin/env bash
# Lint, type-check and run the whole test suite (SQLite, PostgreSQL at 127.0.0.1:5432 and the
# browser test in Debian's Chromium). Runs every step, then exits non-zero if any of them failed.
# Extra arguments go to pytest, e.g. `scripts/check.sh -k export`.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

failed=()

step() {
    local name=$1
    shift
    echo "==> $name: $*"
    if ! "$@"; then
        failed+=("$name")
    fi
}

step ruff python -m ruff check .
step mypy python -m mypy review storage cli api ui
step pytest python -m pytest -q "$@"

if ((${#failed[@]})); then
    echo "==> FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "==> all checks passed"
