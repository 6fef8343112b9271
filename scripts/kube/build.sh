#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go modules pinned in scripts/kube/go.mod (k8s.io/kubernetes
# v1.36.3 and the etcd server it requires) into a cache outside the clone, and prints the bin directory.
# A second run with the same go.mod/go.sum finds the binaries and returns at once.
#   build.sh --cached   print the bin directory if it is built, else exit 1 (never builds)
#   GEO_KUBE_CACHE      cache root (default ~/.cache/geo-data/kube)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
k8s_version="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$here/go.mod")"
stamp="$(cat "$here/go.mod" "$here/go.sum" "$here"/cmd/*/main.go | sha256sum | cut -c1-12)"
bin="${GEO_KUBE_CACHE:-$HOME/.cache/geo-data/kube}/$k8s_version-$stamp/bin"
if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ]; then
  echo "$bin"
  exit 0
fi
[ "${1:-}" = "--cached" ] && exit 1
command -v go >/dev/null || { echo "build.sh: Go is not installed (needed to build kube-apiserver)" >&2; exit 1; }
mkdir -p "$bin.tmp"
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
# The version the server reports (/version, the PodSecurity "latest" level): upstream sets it the same way.
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1"
ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
cd "$here"
start=$(date +%s)
echo "build.sh: building kube-apiserver $k8s_version and etcd into $bin (cold: tens of minutes on 2 cores)" >&2
CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$bin.tmp/kube-apiserver" ./cmd/kube-apiserver
CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.tmp/etcd" ./cmd/etcd
rm -rf "$bin" && mv "$bin.tmp" "$bin"
echo "build.sh: built in $(($(date +%s) - start)) s" >&2
echo "$bin"
