// Command pulumi-language-go is a Go language host of our own for the e2e tests (the upstream one is a
// Go module the module proxy does not serve; see ../langhost). It does what `pulumi package add` and
// `pulumi up/preview/destroy` ask of a Go host:
//
//   - GeneratePackage: the Go SDK of a schema, by Pulumi's own generator (pkg/v3/codegen/go), with the
//     go.mod a `pulumi package add` SDK has;
//   - Link: a `replace` of the SDK's module path by its directory in the program's go.mod;
//   - InstallDependencies: `go mod tidy` in the program's directory, output streamed to the CLI;
//   - Run: `go build` of the program into a temporary file, then that binary, with the PULUMI_*
//     environment sdk/v3/go/pulumi reads (its RunWithContext); the build's errors and the program's
//     own output reach the user.
//
// Providers are not reported ahead (GetRequiredPlugins/Packages are empty): the engine loads them as
// the program registers resources. The runtime option `binary` (a prebuilt program), debugging and Go
// plugins are not supported.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	gocodegen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/mod/modfile"

	"nginx-service/e2e-tools/language-hosts/langhost"
)

type host struct {
	*langhost.Base
}

func main() {
	langhost.Serve(func(b *langhost.Base) pulumirpc.LanguageRuntimeServer { return &host{Base: b} })
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return langhost.About(ctx, "go", "go version ", "version"), nil
}

func (h *host) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	if len(req.GetExtraFiles()) > 0 {
		return nil, fmt.Errorf("extra files (overlays) are not supported for Go")
	}
	return langhost.GeneratePackage(req, func(pkg *schema.Package, _ schema.ReferenceLoader) (map[string][]byte, error) {
		return gocodegen.GeneratePackage("pulumi-language-go", pkg, req.GetLocalDependencies())
	})
}

// Link replaces each generated SDK's module by its directory in the program's go.mod, and tells the
// user the import path.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	pkgs, err := langhost.LinkedPackages(ctx, req)
	if err != nil {
		return nil, err
	}
	gomodPath := filepath.Join(req.GetInfo().GetProgramDirectory(), "go.mod")
	data, err := os.ReadFile(gomodPath)
	if err != nil {
		return nil, err
	}
	gomod, err := modfile.Parse(gomodPath, data, nil)
	if err != nil {
		return nil, err
	}
	var imports strings.Builder
	for dir, pkg := range pkgs {
		if err := pkg.ImportLanguages(map[string]schema.Language{"go": gocodegen.Importer}); err != nil {
			return nil, err
		}
		module := gocodegen.ExtractModulePath(pkg.Reference())
		if info, ok := pkg.Language["go"].(gocodegen.GoPackageInfo); ok && info.ModulePath != "" {
			module = info.ModulePath
		}
		// A local replacement must start with ./ or ../ (https://go.dev/ref/mod#go-mod-file-replace).
		if !filepath.IsAbs(dir) && !strings.HasPrefix(dir, "./") && !strings.HasPrefix(dir, "../") {
			dir = "./" + dir
		}
		if err := gomod.AddReplace(module, "", dir, ""); err != nil {
			return nil, err
		}
		fmt.Fprintf(&imports, "    %q\n", gocodegen.ExtractImportBasePath(pkg.Reference()))
	}
	out, err := gomod.Format()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(gomodPath, out, 0o644); err != nil {
		return nil, err
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can import the SDK in your Go code with:\n\n  import (\n" + imports.String() + "  )\n",
	}, nil
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd := exec.CommandContext(server.Context(), "go", "mod", "tidy")
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if startErr, err := h.RunTracked(cmd); startErr != nil || err != nil {
		return fmt.Errorf("go mod tidy in %s failed: %w", cmd.Dir, errorOf(startErr, err))
	}
	return closer.Close()
}

func errorOf(startErr, waitErr error) error {
	if startErr != nil {
		return startErr
	}
	return waitErr
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := langhost.ProgramDirectory(req)
	bin, err := os.CreateTemp("", "pulumi-go-program-*")
	if err != nil {
		return nil, err
	}
	_ = bin.Close()
	defer os.Remove(bin.Name())

	// The compiler's errors are the user's to read: they go where the program's output goes.
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin.Name(), ".")
	build.Dir = dir
	if resp := h.RunProgram(build); resp.GetError() != "" || resp.GetBail() {
		return &pulumirpc.RunResponse{Error: "go build of the program in " + dir + " failed (its output is above)"}, nil
	}

	config, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), config...)
	set := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	set(pulumi.EnvOrganization, req.GetOrganization())
	set(pulumi.EnvProject, req.GetProject())
	set(pulumi.EnvPulumiRootDirectory, req.GetInfo().GetRootDirectory())
	set(pulumi.EnvStack, req.GetStack())
	set(pulumi.EnvDryRun, strconv.FormatBool(req.GetDryRun()))
	set(pulumi.EnvParallel, strconv.Itoa(int(req.GetParallel())))
	set(pulumi.EnvMonitor, req.GetMonitorAddress())
	set(pulumi.EnvEngine, h.EngineAddress())

	cmd := exec.Command(bin.Name(), req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	return h.RunProgram(cmd), nil
}
