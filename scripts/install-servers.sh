#!/bin/sh
# Installs the real servers the integration specs run against (Debian/Ubuntu, as root):
#   redis-server (+ redis-tools for redis-cli), postgresql, pgbouncer, openssl (test certificates),
#   barman-cli-cloud (the barman-cloud-* tools; npm run drill:restore falls back to it when
#   scripts/install-barman.sh cannot install the newer Barman from PyPI).
#   prometheus (promtool: alert rule checks and unit tests), prometheus-alertmanager (amtool) and
#   prometheus-redis-exporter (the metric names the Redis alerts and panels use).
# Idempotent: a package is installed only when its binary is missing, and nothing is
# done (not even `apt-get update`) when everything is already present.
# Services are never started: while installing, /usr/sbin/policy-rc.d denies every
# invoke-rc.d start (the Debian convention for containers); any daemon a package's
# postinst started anyway is stopped afterwards. Tests start their own servers on
# high random ports.
set -eu

missing=""

if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  echo "install-servers: redis-server already present: $(redis-server --version)"
else
  missing="$missing redis-server redis-tools"
fi

if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "install-servers: postgres already present: $(ls /usr/lib/postgresql/*/bin/postgres | tr '\n' ' ')"
else
  missing="$missing postgresql"
fi

if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
  echo "install-servers: pgbouncer already present"
else
  missing="$missing pgbouncer"
fi

# openssl mints the test certificates of the TLS specs (test/redis-support.ts mintTestPki).
if command -v openssl >/dev/null 2>&1; then
  echo "install-servers: openssl already present"
else
  missing="$missing openssl"
fi

# Debian's Barman Cloud tools (3.4 on bookworm), the fallback of npm run drill:restore.
if command -v barman-cloud-backup >/dev/null 2>&1; then
  echo "install-servers: barman-cli-cloud already present"
else
  missing="$missing barman-cli-cloud"
fi
# promtool/amtool check and unit-test the rendered alert rules and Alertmanager configuration
# (test/alerts-*.spec.ts); redis_exporter is scraped in front of a local redis-server.
if command -v promtool >/dev/null 2>&1; then
  echo "install-servers: promtool already present"
else
  missing="$missing prometheus"
fi
if command -v amtool >/dev/null 2>&1; then
  echo "install-servers: amtool already present"
else
  missing="$missing prometheus-alertmanager"
fi
if command -v prometheus-redis-exporter >/dev/null 2>&1; then
  echo "install-servers: prometheus-redis-exporter already present"
else
  missing="$missing prometheus-redis-exporter"
fi

if [ -z "$missing" ]; then
  echo "install-servers: nothing to install"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-servers: must run as root to install:$missing" >&2
  exit 1
fi

created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# created by geo-data scripts/install-servers.sh: do not start services\nexit 101\n' \
    > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=yes
fi
cleanup() {
  if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

echo "install-servers: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $missing

# Tolerate postinst scripts that started a daemon despite policy-rc.d.
for svc in redis-server postgresql pgbouncer prometheus prometheus-alertmanager prometheus-redis-exporter; do
  if [ -x "/etc/init.d/$svc" ]; then
    "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
  fi
done

echo "install-servers: installed:$missing"
command -v redis-server >/dev/null 2>&1 && echo "install-servers: $(redis-server --version)"
exit 0
