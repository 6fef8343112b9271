#!/usr/bin/env bash
# A real `pulumi preview` against the local kube-apiserver (scripts/kube/up.sh), with the Pulumi CLI, the
# Node.js language host and the kubernetes provider built from Go modules (scripts/pulumi/build.sh), a
# throwaway local file backend and a throwaway stack. See docs/apply-check.md "Real pulumi preview" for what
# this reaches and where it stops.
#   scripts/preview.sh [--stack us-east] [--replay] [-- extra pulumi preview args]
#     (default)  the geo-data program itself, with the repository's Pulumi.<stack>.yaml. It needs the aws,
#                random and tls providers too, which cannot be built here: it fails naming the first missing.
#     --replay   tools/preview/replay: the stack's Kubernetes resources as the plan machinery renders them (types,
#                names, inputs, update options), through the same engine, provider and API server. The
#                stack's namespaces are created (bare) beforehand: the provider dry-runs a namespaced create
#                against the server only when the namespace exists.
#     --entries FILE  with --replay: replay FILE (as tools/preview/replay-entries.ts writes it, e.g. edited to
#                see what the server does with a change) instead of a fresh render
#   GEO_PULUMI_SRC   pulumi checkout with the CLI's tag, for the language host (see scripts/pulumi/build.sh)
# Writes out/preview/<stack>[-replay].txt (the preview's output); exits with pulumi preview's status.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stack=us-east
replay=0
entries=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack="$2"; shift 2 ;;
    --replay) replay=1; shift ;;
    --entries) entries="$(realpath "$2")"; replay=1; shift 2 ;;
    --) shift; break ;;
    *) echo "preview.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$root/Pulumi.$stack.yaml" ] || { echo "preview.sh: no Pulumi.$stack.yaml" >&2; exit 2; }

bins="$("$root/scripts/pulumi/build.sh")" # exits 2, saying why, when the language host cannot be built
PATH="$(echo "$bins" | paste -sd:):$PATH"
export PATH

# Everything Pulumi writes goes to a throwaway directory: the backend (state, stack), PULUMI_HOME (plugins,
# credentials) and a copy of the project (`pulumi stack init` writes the passphrase salt into
# Pulumi.<stack>.yaml); node_modules is linked. No plugin is downloaded: the binaries above are found on
# PATH ("ambient" plugins, whatever version the SDK asks for), and a provider that is not there is an error.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/geo-preview.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/project" "$tmp/state" "$tmp/home" "$root/out/preview"
if [ "$replay" = 1 ]; then
  cp "$root"/tools/preview/replay/{Pulumi.yaml,package.json,index.ts} "$tmp/project/"
  if [ -n "$entries" ]; then
    cp "$entries" "$tmp/entries.json"
  else
    (cd "$root" && node -r ./tools/register.js tools/preview/replay-entries.ts "$stack" "$tmp/entries.json")
  fi
  report="$root/out/preview/$stack-replay.txt"
else
  (cd "$root" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | tar -c --null -T - | tar -x -C "$tmp/project")
  report="$root/out/preview/$stack.txt"
fi
ln -s "$root/node_modules" "$tmp/project/node_modules"
export PULUMI_HOME="$tmp/home" PULUMI_BACKEND_URL="file://$tmp/state" PULUMI_CONFIG_PASSPHRASE="geo-data-preview"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_NODEJS_TRANSPILE_ONLY=true

# Inside the control plane: the pinned CRDs (as npm run apply-check installs them), the stack, the preview.
inner() {
  (cd "$root" && node -r ./tools/register.js -e '
    const { KubeClient, loadKubeconfig } = require("./tools/apply-check/kube");
    const { installCrds, readCrds } = require("./tools/apply-check/apply");
    const { defaultCrdDir } = require("./tools/schema/crd-catalog");
    (async () => {
      const crds = readCrds(defaultCrdDir());
      if (!crds.length) throw new Error(`no CRDs in ${defaultCrdDir()}: set GEO_CRD_DIR or run npm run fetch-crds`);
      const rejected = await installCrds(new KubeClient(loadKubeconfig(process.env.KUBECONFIG)), crds);
      if (rejected.length) throw new Error(JSON.stringify(rejected));
      console.error(`preview.sh: ${crds.length} pinned CRDs installed`);
      // Replay: the namespaces exist, as on a cluster the stack was deployed to. The provider dry-runs a
      // namespaced create only when its namespace exists (else it previews the inputs unchecked).
      if (process.env.replay === "1") {
        const client = new KubeClient(loadKubeconfig(process.env.KUBECONFIG));
        const entries = JSON.parse(require("fs").readFileSync(process.env.tmp + "/entries.json", "utf8"));
        const namespaces = entries.filter((e) => e.obj.kind === "Namespace").map((e) => e.obj.metadata.name);
        for (const name of namespaces) {
          const res = await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, "geo-data-preview");
          if (res.status >= 300) throw new Error(`namespace ${name}: ${JSON.stringify(res.body)}`);
        }
        console.error(`preview.sh: namespaces created beforehand: ${namespaces.join(", ")}`);
      }
    })().catch((e) => { console.error(e.message); process.exit(1); });
  ')
  cd "$tmp/project"
  echo "preview.sh: pulumi $(pulumi version); $(command -v pulumi-language-nodejs); $(command -v pulumi-resource-kubernetes)" >&2
  pulumi stack init "$stack" --secrets-provider passphrase --non-interactive >&2
  [ "$replay" = 1 ] && pulumi config set --stack "$stack" entries "$tmp/entries.json" >&2
  set +e
  pulumi preview --stack "$stack" --non-interactive --color never "$@" 2>&1 | tee "$report"
  local status=${PIPESTATUS[0]}
  set -e
  echo "preview.sh: pulumi preview exited $status; output in ${report#"$root"/}" >&2
  return "$status"
}
export -f inner
export root tmp stack replay report
"$root/scripts/kube/up.sh" -- bash -c 'set -euo pipefail; inner "$@"' inner "$@"
