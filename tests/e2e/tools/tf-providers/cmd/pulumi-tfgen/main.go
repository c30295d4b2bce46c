// Command pulumi-tfgen generates the Pulumi schema (schema.json) and
// bridge-metadata.json of our bridged tls or random provider:
//
//	pulumi-tfgen tls schema --out DIR
//	pulumi-tfgen random schema --out DIR
//
// tests/e2e/toolchain.sh runs it and embeds the result in
// pulumi-resource-tls / pulumi-resource-random.
package main

import (
	"fmt"
	"os"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"nginx-service/e2e-tools/tf-providers/info"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-tfgen tls|random schema --out DIR")
		os.Exit(2)
	}
	name := os.Args[1]
	os.Args = append(os.Args[:1], os.Args[2:]...)
	switch name {
	case "tls":
		pftfgen.Main("tls", info.TLS(nil))
	case "random":
		pftfgen.Main("random", info.Random(nil))
	default:
		fmt.Fprintln(os.Stderr, "unknown provider", name)
		os.Exit(2)
	}
}
