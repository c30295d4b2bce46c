// Command pulumi-resource-kubernetes is our own entry point for the Pulumi
// Kubernetes provider. The upstream main package embeds generated files that
// are not part of the Go module zip, so tests/e2e/toolchain.sh copies the
// module's committed schema.json (with "version" filled in) and
// terraform-mapping.json next to this file in a build directory outside the
// repository and builds there.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
