# shellcheck shell=bash
# Shared by scripts/demo and scripts/test: a project-local .venv with homecare
# installed editable. Needs only Python 3.11+ (with its venv module) and pip.
#
#   ensure_venv ""      # homecare alone
#   ensure_venv dev     # homecare[dev]: tests, linters, type checker
#
# The install is redone when pyproject.toml changes (a stamp in .venv records it).

ensure_venv() {
    local extras="$1"
    local root venv python spec stamp want
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    venv="$root/.venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        python="$(_find_python)" || {
            echo "error: Python 3.11 or newer is needed (set PYTHON=/path/to/python3)" >&2
            return 1
        }
        echo "==> creating $venv with $("$python" --version 2>&1)" >&2
        "$python" -m venv "$venv" || {
            echo "error: '$python -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
            return 1
        }
    fi
    spec="$root"
    [[ -n "$extras" ]] && spec="$root[$extras]"
    want="$("$venv/bin/python" - "$root/pyproject.toml" "$extras" <<'PY'
import hashlib, sys
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest(), sys.argv[2])
PY
)"
    stamp="$venv/.homecare-installed-${extras:-base}"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
        echo "==> installing homecare${extras:+[$extras]} into .venv (editable)" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec" || return 1
        echo "$want" >"$stamp"
    fi
}

_find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python3.14 python3.13 python3.12 python3.11 python; do
        [[ -n "$candidate" ]] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}
