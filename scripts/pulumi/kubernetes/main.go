// The provider's own main (provider/cmd/pulumi-resource-kubernetes) embeds schema-embed.json and
// terraform-mapping-embed.json, which its Makefile generates and git ignores, so the module zip lacks them
// and `go build` of that package fails. This is the same main; scripts/pulumi/build.sh generates the two
// files (the module's schema.json with the version set, terraform-mapping.json) beside a copy of it.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
