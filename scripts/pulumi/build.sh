#!/usr/bin/env bash
# Builds what a real `pulumi preview` of this program needs, from Go modules, into a cache outside the clone,
# and prints the directories to put on PATH (one a line). A second run finds the binaries and returns at once.
#   cli/             the Pulumi CLI at the @pulumi/pulumi version package.json pins (pkg/v3 from the proxy)
#   language-nodejs/ the Node.js language host: not on the module proxy; its sources come from a pulumi
#                    checkout at the same tag, GEO_PULUMI_SRC (a work tree or a git directory)
#   kubernetes/      the kubernetes provider: the one version the proxy serves (v4.25.0), not 4.34.2
# Usage: build.sh [--cached]     --cached: print the directories if all three are built, else exit 1
#   GEO_PULUMI_CACHE  cache root (default ~/.cache/geo-data/pulumi)
#   GEO_PULUMI_SRC    pulumi checkout for the language host (else it is reported as not buildable, exit 2)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${GEO_PULUMI_CACHE:-$HOME/.cache/geo-data/pulumi}"
cached_only=0
[ "${1:-}" = "--cached" ] && cached_only=1

mod_version() { awk -v m="$2" '$1 == m {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' "$here/$1/go.mod"; }
shopt -s nullglob
stamp() { cat "$here/$1/go.mod" "$here/$1/go.sum" "$here/$1"/*.go | sha256sum | cut -c1-12; }
log() { echo "build.sh: $*" >&2; }

cli_version="$(mod_version cli github.com/pulumi/pulumi/pkg/v3)"
npm_version="$(node -p 'require(process.argv[1]).dependencies["@pulumi/pulumi"]' "$root/package.json")"
if [ "$cli_version" != "v$npm_version" ]; then
  log "scripts/pulumi/cli/go.mod pins pkg/v3 $cli_version but package.json pins @pulumi/pulumi $npm_version"
  exit 1
fi
k8s_version="4.25.0" # the commit of provider/v4 v4.0.0-20260115033456-f47bc2d6f199 is tagged v4.25.0
cli_bin="$cache/$cli_version/cli-$(stamp cli)"
lh_bin="$cache/$cli_version/language-nodejs-$(stamp language-nodejs)"
k8s_bin="$cache/kubernetes-v$k8s_version/provider-$(stamp kubernetes)"

if [ -x "$cli_bin/pulumi" ] && [ -x "$lh_bin/pulumi-language-nodejs" ] && [ -x "$k8s_bin/pulumi-resource-kubernetes" ]; then
  printf '%s\n' "$cli_bin" "$lh_bin" "$k8s_bin"
  exit 0
fi
[ "$cached_only" = 1 ] && exit 1
command -v go >/dev/null || { log "Go is not installed"; exit 1; }
export CGO_ENABLED=0

# build WHAT DIR OUT BINARY PACKAGE LDFLAGS: go build PACKAGE in module DIR into OUT/BINARY.
build() {
  local what="$1" dir="$2" out="$3" binary="$4" pkg="$5" ldflags="$6" start
  start=$(date +%s)
  log "building $what into $out (cold: many minutes on 2 cores)"
  (cd "$dir" && go build -mod=readonly -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp/$binary" "$pkg")
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "$what built in $(($(date +%s) - start)) s"
}

if [ ! -x "$cli_bin/pulumi" ]; then
  build "pulumi CLI $cli_version" "$here/cli" "$cli_bin" pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$cli_version"
fi

if [ ! -x "$k8s_bin/pulumi-resource-kubernetes" ]; then
  # The upstream main embeds schema-embed.json and terraform-mapping-embed.json, which its Makefile
  # generates (schema.json with the version set, both minified) and git ignores: made here the same way.
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp "$here/kubernetes/go.mod" "$here/kubernetes/go.sum" "$here/kubernetes/main.go" "$work/"
  src="$(cd "$work" && go mod download -json github.com/pulumi/pulumi-kubernetes/provider/v4 | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).Dir')"
  node -e '
    const fs = require("fs"), [src, out, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(src + "/cmd/pulumi-resource-kubernetes/schema.json", "utf8"));
    schema.version = version;
    fs.writeFileSync(out + "/schema-embed.json", JSON.stringify(schema));
    const mapping = JSON.parse(fs.readFileSync(src + "/cmd/pulumi-resource-kubernetes/terraform-mapping.json", "utf8"));
    fs.writeFileSync(out + "/terraform-mapping-embed.json", JSON.stringify(mapping));
  ' "$src" "$work" "$k8s_version"
  build "kubernetes provider v$k8s_version" "$work" "$k8s_bin" pulumi-resource-kubernetes . \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$k8s_version"
fi

if [ ! -x "$lh_bin/pulumi-language-nodejs" ]; then
  tag="$cli_version"
  if [ -z "${GEO_PULUMI_SRC:-}" ]; then
    log "pulumi-language-nodejs $tag cannot be built from the module proxy: its module"
    log "  github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 is never tagged and the proxy answers"
    log "  403 \"This module version is not available\" for it. Set GEO_PULUMI_SRC to a pulumi checkout (or git"
    log "  directory) that has the tag $tag to build it from its sources."
    exit 2
  fi
  lwork="$(mktemp -d)"
  trap 'rm -rf "${work:-}" "$lwork"' EXIT
  sub=sdk/nodejs/cmd/pulumi-language-nodejs
  if git -C "$GEO_PULUMI_SRC" rev-parse -q --verify "$tag^{commit}" >/dev/null; then
    git -C "$GEO_PULUMI_SRC" archive "$tag" "$sub" | tar -x -C "$lwork"
  else
    log "GEO_PULUMI_SRC=$GEO_PULUMI_SRC has no tag $tag"
    exit 1
  fi
  mkdir -p "$lwork/build"
  find "$lwork/$sub" -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} "$lwork/build/" \;
  cp "$here/language-nodejs/go.mod" "$here/language-nodejs/go.sum" "$lwork/build/"
  build "pulumi-language-nodejs $tag (sources: $GEO_PULUMI_SRC at $tag)" "$lwork/build" "$lh_bin" pulumi-language-nodejs . \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$tag"
fi
printf '%s\n' "$cli_bin" "$lh_bin" "$k8s_bin"
