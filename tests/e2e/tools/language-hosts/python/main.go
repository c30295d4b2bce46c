// Command pulumi-language-python is a Python language host of our own for the e2e tests (the upstream
// one is a Go module the module proxy does not serve; see ../langhost). It does what `pulumi package
// add` and `pulumi up/preview/destroy` ask of a Python host:
//
//   - GeneratePackage: the Python SDK of a schema, by Pulumi's own generator (pkg/v3/codegen/python);
//   - Link: adds the generated SDK's path to the program's requirements.txt (sdk/v3's python/toolchain,
//     the library the upstream host uses for this too);
//   - InstallDependencies: creates the program's virtualenv (runtime option `virtualenv`) and
//     pip-installs requirements.txt into it, output streamed to the CLI;
//   - Run: the virtualenv's python on `pulumi-language-python-exec`, the Python SDK's run script, with
//     the monitor/engine/project/stack arguments and PULUMI_CONFIG* it reads. The script is not in the
//     `pulumi` wheel but in the sdk/v3 Go module (python/cmd); toolchain.sh installs it next to this
//     binary, where the host looks for it.
//
// Providers are not reported ahead (GetRequiredPlugins/Packages are empty): the engine loads them as
// the program registers resources. Typecheckers, poetry/uv, debugging, policy packs and Python plugins
// are not supported.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	pycodegen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"nginx-service/e2e-tools/language-hosts/langhost"
)

// The SDK's run script, installed beside this binary.
const execScript = "pulumi-language-python-exec"

type host struct {
	*langhost.Base
}

func main() {
	langhost.Serve(func(b *langhost.Base) pulumirpc.LanguageRuntimeServer { return &host{Base: b} })
}

// options reads the `runtime.options` of Pulumi.yaml this host supports: `virtualenv` (relative to the
// project root) and `toolchain: pip`.
func options(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory(), Toolchain: toolchain.Pip}
	if info.GetOptions() == nil {
		return opts, nil
	}
	for key, value := range info.GetOptions().AsMap() {
		switch key {
		case "virtualenv":
			v, ok := value.(string)
			if !ok {
				return opts, errors.New("runtime option virtualenv must be a string")
			}
			opts.Virtualenv = v
		case "toolchain":
			if value != "pip" {
				return opts, fmt.Errorf("runtime option toolchain: only pip is supported by this host, not %v", value)
			}
		default:
			return opts, fmt.Errorf("runtime option %s is not supported by this host", key)
		}
	}
	return opts, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return langhost.About(ctx, "python3", "Python ", "--version"), nil
}

func (h *host) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return langhost.GeneratePackage(req, func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error) {
		return pycodegen.GeneratePackage("pulumi-language-python", pkg, req.GetExtraFiles(), loader)
	})
}

// Link puts each generated SDK's path into requirements.txt, under the distribution name the
// generator gave it, and tells the user how to import it.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pkgs, err := langhost.LinkedPackages(ctx, req)
	if err != nil {
		return nil, err
	}
	requirements := map[string]string{}
	var imports strings.Builder
	for path, pkg := range pkgs {
		if err := pkg.ImportLanguages(map[string]schema.Language{"python": pycodegen.Importer}); err != nil {
			return nil, err
		}
		// The distribution and its top-level module share the name: pulumi_<package> unless the
		// schema's language.python.packageName says otherwise.
		name := pycodegen.PyPack(pkg.Namespace, pkg.Name)
		if info, ok := pkg.Language["python"].(pycodegen.PackageInfo); ok && info.PackageName != "" {
			name = info.PackageName
		}
		requirements[name] = path
		fmt.Fprintf(&imports, "  import %s as %s\n", name, strings.ReplaceAll(pkg.Name, "-", "_"))
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.LinkPackages(ctx, requirements); err != nil {
		return nil, fmt.Errorf("linking packages: %w", err)
	}
	return &pulumirpc.LinkResponse{ImportInstructions: "You can import the SDK in your Python code with:\n\n" + imports.String()}, nil
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	opts, err := options(req.GetInfo())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(), false, true, stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(filepath.Dir(self), execScript)
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("the Python SDK's run script is missing beside the host: %w", err)
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}

	args := langhost.Args{script}
	add := args.Flag
	add("monitor", req.GetMonitorAddress())
	add("engine", h.EngineAddress())
	add("project", req.GetProject())
	add("root_directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.Tracing)
	add("organization", req.GetOrganization())
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// The toolchain's command is the virtualenv's python with the virtualenv's environment.
	cmd, err := tc.Command(context.Background(), args...)
	if err != nil {
		return nil, err
	}
	config, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, config...)
	cmd.Dir = req.GetPwd()
	return h.RunProgram(cmd), nil
}
