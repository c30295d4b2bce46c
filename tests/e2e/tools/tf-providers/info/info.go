// Package info holds our own Pulumi bridge configuration (ProviderInfo) for
// the Terraform tls and random providers.
//
// Why our own: the proxy reachable from this project's machines serves no
// version of github.com/pulumi/pulumi-tls/provider/v5 or
// github.com/pulumi/pulumi-random/provider/v4, but it does serve the upstream
// Terraform providers and the bridge. The tokens below follow the naming
// that @pulumi/tls and @pulumi/random use (tls:index/privateKey:PrivateKey,
// random:index/randomString:RandomString), and property names are the
// bridge's standard camelCase of the Terraform names, as in those SDKs.
package info

import (
	"strings"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	tlsshim "github.com/hashicorp/terraform-provider-tls/shim"
	randomshim "github.com/terraform-providers/terraform-provider-random/shim"
)

// Set with -ldflags -X by tests/e2e/toolchain.sh.
var (
	TLSVersion    string
	RandomVersion string
)

func upperCamel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// tokensFor maps every resource and data source of p into module "index"
// of pkg. name(tfName) gives the Pulumi type name.
func tokensFor(pkg string, p shim.Provider, name func(string) string, info *tfbridge.ProviderInfo) {
	info.Resources = map[string]*tfbridge.ResourceInfo{}
	info.DataSources = map[string]*tfbridge.DataSourceInfo{}
	p.ResourcesMap().Range(func(tf string, _ shim.Resource) bool {
		typ := name(tf)
		info.Resources[tf] = &tfbridge.ResourceInfo{
			Tok: tokens.Type(pkg + ":index/" + lowerFirst(typ) + ":" + typ),
		}
		return true
	})
	p.DataSourcesMap().Range(func(tf string, _ shim.Resource) bool {
		fn := "get" + name(tf)
		info.DataSources[tf] = &tfbridge.DataSourceInfo{
			Tok: tokens.ModuleMember(pkg + ":index/" + fn + ":" + fn),
		}
		return true
	})
}

func base(name, version string, p shim.Provider, metadata []byte) tfbridge.ProviderInfo {
	return tfbridge.ProviderInfo{
		P:            p,
		Name:         name,
		Version:      version,
		Description:  "Terraform " + name + " provider bridged for the nginx-service e2e tests.",
		License:      "MPL-2.0",
		GitHubOrg:    "hashicorp",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
}

// TLS returns the ProviderInfo for pulumi-resource-tls.
func TLS(metadata []byte) tfbridge.ProviderInfo {
	p := pftfbridge.ShimProvider(tlsshim.NewProvider())
	info := base("tls", TLSVersion, p, metadata)
	tokensFor("tls", p, func(tf string) string { return upperCamel(strings.TrimPrefix(tf, "tls_")) }, &info)
	return info
}

// Random returns the ProviderInfo for pulumi-resource-random.
func Random(metadata []byte) tfbridge.ProviderInfo {
	p := pftfbridge.ShimProvider(randomshim.NewProvider())
	info := base("random", RandomVersion, p, metadata)
	// random_string -> RandomString, as in @pulumi/random.
	tokensFor("random", p, upperCamel, &info)
	return info
}
