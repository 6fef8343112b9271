#!/usr/bin/env bash
# A throwaway Kubernetes control plane on 127.0.0.1: etcd + kube-apiserver built by build.sh (pinned in
# go.mod), fresh certificates and service-account key (openssl), the default admission plugins (PodSecurity
# included), RBAC. No kubelet, scheduler or controller-manager: objects are stored and admitted, never run.
#
#   scripts/kube/up.sh                 start, print "KUBECONFIG=<path>", serve until Ctrl-C/SIGTERM
#   scripts/kube/up.sh -- CMD ARGS...  start, run CMD with KUBECONFIG exported, stop; exits with CMD's status
#
# Everything (data, certificates, logs, kubeconfig) lives in one temporary directory removed on exit
# (GEO_KUBE_KEEP=1 keeps it). GEO_KUBE_READY_TIMEOUT bounds the wait for /readyz (default 90 s). Serving, it
# also stops when the process GEO_KUBE_PARENT_PID (default: its parent) is gone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ "${1:-}" = "--" ] && shift

bin="$("$here/build.sh")"
command -v openssl >/dev/null || { echo "up.sh: openssl is required" >&2; exit 1; }
dir="$(mktemp -d "${TMPDIR:-/tmp}/geo-kube.XXXXXX")"
pids=()
stop() {
  local status=$?
  trap - EXIT INT TERM
  # Throwaway servers with throwaway data: no graceful shutdown needed (etcd's would wait for the API
  # server's open watches, the API server's drains requests for seconds): SIGTERM, half a second, SIGKILL.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 5); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${GEO_KUBE_KEEP:-}" = 1 ]; then echo "up.sh: kept $dir" >&2; else rm -rf "$dir"; fi
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free loopback port: the kernel picks one (bind to port 0), bounded retries against races.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
etcd_port="$(free_port)"
peer_port="$(free_port)"
api_port="$(free_port)"

# Certificates: one CA signs the serving certificate (127.0.0.1, localhost) and an admin client certificate
# (group system:masters); a separate key signs service-account tokens. EC P-256 keys: fast to generate.
cd "$dir"
openssl_quiet() { openssl "$@" 2>/dev/null; }
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
openssl_quiet req -x509 $ec -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=geo-data-throwaway-ca"
openssl_quiet req $ec -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >apiserver.ext
openssl_quiet x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 2 -extfile apiserver.ext
openssl_quiet req $ec -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=geo-data-admin"
openssl_quiet x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 2
openssl_quiet ecparam -name prime256v1 -genkey -noout -out sa.key
openssl_quiet ec -in sa.key -pubout -out sa.pub

"$bin/etcd" --name geo --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "geo=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn >"$dir/etcd.log" 2>&1 &
pids+=($!)

# --allow-privileged as on EKS: whether a privileged pod runs is then Pod Security's decision, as there.
"$bin/kube-apiserver" \
  --bind-address 127.0.0.1 --secure-port "$api_port" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --tls-cert-file "$dir/apiserver.crt" --tls-private-key-file "$dir/apiserver.key" \
  --client-ca-file "$dir/ca.crt" --authorization-mode RBAC --allow-privileged=true \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
  --profiling=false --v 0 >"$dir/kube-apiserver.log" 2>&1 &
pids+=($!)

cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: geo-throwaway
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $dir/ca.crt
users:
- name: geo-admin
  user:
    client-certificate: $dir/admin.crt
    client-key: $dir/admin.key
contexts:
- name: geo-throwaway
  context: {cluster: geo-throwaway, user: geo-admin}
current-context: geo-throwaway
EOF

# Bounded wait for /readyz (every check, including the bootstrap RBAC and priority-and-fairness hooks).
timeout_s="${GEO_KUBE_READY_TIMEOUT:-90}"
started=$(date +%s%N)
deadline=$(($(date +%s) + timeout_s))
until curl -sf --cacert ca.crt --cert admin.crt --key admin.key "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "up.sh: a server exited during startup; last log lines:" >&2
      tail -n 20 "$dir/etcd.log" "$dir/kube-apiserver.log" >&2
      exit 1
    fi
  done
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "up.sh: kube-apiserver not ready after ${timeout_s}s; last log lines:" >&2
    tail -n 20 "$dir/kube-apiserver.log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "up.sh: ready in $((($(date +%s%N) - started) / 1000000)) ms: kube-apiserver https://127.0.0.1:$api_port, etcd 127.0.0.1:$etcd_port ($dir)" >&2
export KUBECONFIG="$dir/kubeconfig"

if [ "$#" -gt 0 ]; then
  set +e
  "$@"
  exit $?
fi
echo "KUBECONFIG=$KUBECONFIG"
# Serve until interrupted, a server dies, or the process that started this script is gone (so a crashed
# caller leaves no servers behind).
parent="${GEO_KUBE_PARENT_PID:-$PPID}"
while :; do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "up.sh: a server exited" >&2; exit 1; }; done
  kill -0 "$parent" 2>/dev/null || exit 0
  sleep 0.5
done
