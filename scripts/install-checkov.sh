#!/usr/bin/env bash
# Installs checkov (PyPI), pinned, into a virtualenv outside the clone and prints the path of its
# executable. A second run finds it and returns at once.
#   install-checkov.sh --cached   print the path if installed, else exit 1 (never installs)
#   GEO_CHECKOV_CACHE             cache root (default ~/.cache/geo-data/checkov)
set -euo pipefail
version=3.3.30
venv="${GEO_CHECKOV_CACHE:-$HOME/.cache/geo-data/checkov}/$version"
if [ -f "$venv/.complete" ]; then
  echo "$venv/bin/checkov"
  exit 0
fi
[ "${1:-}" = "--cached" ] && exit 1
python="$(command -v python3 || true)"
[ -n "$python" ] || { echo "install-checkov.sh: python3 is required" >&2; exit 1; }
rm -rf "$venv"
"$python" -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$version" >&2; then
  rm -rf "$venv"
  exit 1
fi
touch "$venv/.complete"
echo "$venv/bin/checkov"
