// Command pulumi-language-yaml is the Pulumi YAML language host of
// github.com/pulumi/pulumi-yaml v1.25.0 (pkg/server), served by a main of our own.
//
// Why a main of our own, not the module's cmd/pulumi-language-yaml:
//   - v1.25.0 is the newest version the module proxy serves (it lists only v1.11.1
//     and v1.25.0; v1.23.0, v1.24.0, v1.26.0 and branch names answer 403 "not
//     available"). It builds only with the Pulumi SDK its go.mod names (v3.206.0):
//     with v3.248.0, the CLI's version, pkg/pulumiyaml fails to compile
//     (schema.NewPluginLoader and plugin.NewContextWithRoot changed). So this
//     module holds pulumi-yaml's own requirements; the host speaks gRPC to the
//     v3.248.0 CLI.
//   - Its host does not implement Link, which `pulumi package add` calls after
//     generating the "SDK" (for YAML, a package lock file under sdks/) and which
//     fails there with "linking package: method Link not implemented". A YAML
//     program needs nothing linked: the host finds the lock files by searching the
//     program directory. Link here only answers with how to use the package.
//   - The host loads schemas through the engine's loader (the RunRequest's
//     loader target), so the engine that resolves the project's `packages:`
//     also serves their schemas; the module's own main instead builds a plugin
//     host of its own from the v3.206.0 SDK.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/pulumi/pulumi-yaml/pkg/server"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// host is pulumi-yaml's language host with Link added.
type host struct {
	pulumirpc.LanguageRuntimeServer
}

func (host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	var b strings.Builder
	for _, dep := range req.GetPackages() {
		name := dep.GetPackage().GetName()
		if p := dep.GetPackage().GetParameterization(); p != nil && p.GetName() != "" {
			name = p.GetName()
		}
		fmt.Fprintf(&b, "Use the %s package's resources in Pulumi.yaml by their type tokens, e.g. `type: %s:index:<Resource>`"+
			" (package declaration in %s)\n", name, name, dep.GetPath())
	}
	return &pulumirpc.LinkResponse{ImportInstructions: strings.TrimSuffix(b.String(), "\n")}, nil
}

func main() {
	var tracing string
	flag.StringVar(&tracing, "tracing", "", "tracing endpoint")
	flag.String("root", "", "ignored")
	flag.String("compiler", "", "ignored (obsolete)")
	flag.Parse()

	var engineAddress string
	cancel := make(chan bool)
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
		// Stop serving when the engine goes away or on SIGINT.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		go func() {
			<-ctx.Done()
			stop()
			close(cancel)
		}()
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check of the engine: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv,
				host{server.NewLanguageHost(engineAddress, tracing, true /* schemas through the engine's loader */)})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}
