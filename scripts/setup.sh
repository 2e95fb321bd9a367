#!/usr/bin/env bash
# Builds the two environments, idempotently:
#   .venv/       the app (core, bot, actions) on Python >= 3.11, from requirements.lock
#   .venv-rasa/  Rasa Open Source 3.6 on Python 3.10, from nlu/requirements.lock
# The Rasa environment is large (~2.7 GB), so it lives in a cache outside the clone, keyed by a
# hash of its lock file and interpreter version; .venv-rasa is a symlink into that cache.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

find_python() {
  # $1 = version, e.g. 3.10. A pyenv shim may exist for a version that is installed but not
  # selected; ask pyenv for the real interpreter in that case.
  local v=$1 cand
  for cand in "python$v" "$(command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null)/versions/$v"*/bin/"python$v"; do
    if [ -n "$cand" ] && "$cand" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$v'.split('.')))" >/dev/null 2>&1; then
      "$cand" -c "import sys; print(sys.executable)"
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------- app environment
app_python() {
  local v
  for v in 3.11 3.12 3.13; do
    find_python "$v" && return 0
  done
  return 1
}

setup_app() {
  local want have py
  want=$(hash_of requirements.lock pyproject.toml)
  have=$(cat .venv/.motcua-lock-hash 2>/dev/null || true)
  if [ -x .venv/bin/motcua ] && [ "$want" = "$have" ]; then
    return 0
  fi
  py=$(app_python) || die "Python >= 3.11 not found. Install it (e.g. 'pyenv install 3.11') and re-run 'make setup'."
  say "building .venv with $py"
  rm -rf .venv
  "$py" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v -i "warning: location" || true
  .venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock 2>&1 | grep -v -i "warning: location" || true
  .venv/bin/python -m pip install --quiet --no-deps -e . 2>&1 | grep -v -i "warning: location" || true
  .venv/bin/python -c "import core, bot, actions, nlu.text" || die ".venv is incomplete: see the pip output above"
  echo "$want" > .venv/.motcua-lock-hash
  say ".venv ready"
}

# ---------------------------------------------------------------- Rasa environment
setup_rasa() {
  local py key cache target
  py=$(find_python 3.10) || die "Python 3.10 not found: Rasa 3.6 needs it. Install it with 'pyenv install 3.10' (or your OS's python3.10 package) so that 'python3.10' is on PATH, then re-run 'make setup'."
  key=$(printf '%s\n%s\n' "$(hash_of nlu/requirements.lock)" "$("$py" -c 'import sys; print(sys.version)')" | sha256sum | cut -c1-16)
  cache=${MOTCUA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/motcua}
  target="$cache/venv-rasa-$key"
  mkdir -p "$cache"
  (
    # One builder at a time per cache; a second caller waits, then finds it ready.
    flock 9
    if [ ! -f "$target/.motcua-complete" ]; then
      say "building the Rasa environment in $target (once per requirements change; a few minutes)"
      rm -rf "$target"
      "$py" -m venv "$target"
      "$target/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v -i "warning: location" || true
      "$target/bin/python" -m pip install --quiet -r nlu/requirements.lock 2>&1 | grep -v -i "warning: location" || true
      "$target/bin/rasa" --version >/dev/null 2>&1 || die "the Rasa environment failed to install: see the pip output above"
      touch "$target/.motcua-complete"
    fi
  ) 9>"$cache/.lock"
  if [ "$(readlink .venv-rasa 2>/dev/null)" != "$target" ]; then
    rm -rf .venv-rasa
    ln -s "$target" .venv-rasa
  fi
  [ -x .venv-rasa/bin/rasa ] || die ".venv-rasa/bin/rasa is missing"
}

case "${1:-all}" in
  app) setup_app ;;
  rasa) setup_rasa ;;
  system) bash scripts/system-deps.sh ;;
  all) setup_app; setup_rasa; bash scripts/system-deps.sh ;;
  *) die "usage: scripts/setup.sh [app|rasa|system|all]" ;;
esac
