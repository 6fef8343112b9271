#!/usr/bin/env bash
# Installs Barman (PyPI, pinned, with its cloud and snappy extras) into a virtualenv outside the clone and
# prints the directory holding its barman-cloud-* executables. A second run finds it and returns at once.
# npm run drill:restore prefers it over Debian's barman-cli-cloud 3.4 (scripts/install-servers.sh), which
# lacks --sse-kms-key-id and whose python3-snappy is broken, so the rendered arguments run as they are.
#   install-barman.sh --cached   print the directory if installed, else exit 1 (never installs)
#   GEO_BARMAN_CACHE             cache root (default ~/.cache/geo-data/barman; as root /var/cache/geo-data/barman,
#                                because archive_command and restore_command run as the postgres user,
#                                who cannot enter /root)
# 3.19.1 is the newest Barman that supports Python 3.11 (Debian bookworm's); 3.20 needs 3.12.
set -euo pipefail
version=3.19.1
if [ "$(id -u)" -eq 0 ]; then default_cache=/var/cache/geo-data/barman; else default_cache="$HOME/.cache/geo-data/barman"; fi
venv="${GEO_BARMAN_CACHE:-$default_cache}/$version"
if [ -f "$venv/.complete" ]; then
  echo "$venv/bin"
  exit 0
fi
[ "${1:-}" = "--cached" ] && exit 1
# The system interpreter, not a per-user one (pyenv lives under /root): the postgres user runs these tools.
python="/usr/bin/python3"
[ -x "$python" ] || python="$(command -v python3 || true)"
[ -n "$python" ] || { echo "install-barman.sh: python3 is required" >&2; exit 1; }
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "barman[cloud,snappy]==$version" >&2; then
  rm -rf "$venv"
  exit 1
fi
chmod -R a+rX "$venv"
touch "$venv/.complete"
echo "$venv/bin"
