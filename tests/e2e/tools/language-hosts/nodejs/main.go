// Command pulumi-language-nodejs is a small Node.js language host of our own
// for the e2e tests.
//
// Why our own: the upstream language host is its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which
// is untagged, and the module proxy reachable from this project's machines
// serves no version of it. The engine and the Node.js SDK do the real work; a
// language host only has to start `node @pulumi/pulumi/cmd/run` with the
// arguments and environment the SDK reads (see that script's argument
// parsing and runtime/state.js in @pulumi/pulumi). This host implements just
// that (with what all our hosts share, ../langhost): Run, and empty answers
// for the informational calls. It also implements RunPlugin for resource
// plugins, which is what makes a source-based component package (PulumiPlugin.yaml
// with `runtime: nodejs`) usable through `pulumi package add` / `get-schema` and
// from programs in other languages: the SDK's `@pulumi/pulumi/cmd/run-plugin`
// loads the package, finds its exported ComponentResource classes and serves
// them as a provider (the engine reads the provider's port from its stdout).
// Everything else (GeneratePackage, Link, Pack, ...) is reported as
// unimplemented: nothing here generates a Node.js SDK. It never installs
// dependencies.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"nginx-service/e2e-tools/language-hosts/langhost"
)

type host struct {
	*langhost.Base
}

func main() {
	// Flags the engine or other tooling may pass to a Node.js host; accepted and ignored (TypeScript
	// is the runtime option `typescript` in Pulumi.yaml).
	flag.Bool("typescript", true, "ignored; use the runtime option `typescript` in Pulumi.yaml")
	flag.String("root", "", "ignored")
	flag.String("binary", "", "ignored")
	langhost.Serve(func(b *langhost.Base) pulumirpc.LanguageRuntimeServer { return &host{Base: b} })
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return langhost.About(ctx, "node", "v", "--version"), nil
}

// InstallDependencies does nothing: the e2e tests provide node_modules.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml that matter here.
type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseOptions(info *pulumirpc.ProgramInfo) runtimeOptions {
	opts := runtimeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"].(bool); ok {
		opts.typescript = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		opts.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok && strings.TrimSpace(v) != "" {
		opts.nodeargs = strings.Fields(v)
	}
	return opts
}

// resolveSDKScript finds a script of @pulumi/pulumi (cmd/run, cmd/run-plugin) the
// way node would from the program's directory (so a node_modules symlink or
// NODE_PATH both work).
func resolveSDKScript(ctx context.Context, node, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", `console.log(require.resolve(process.argv[1]))`, module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", errors.New("could not resolve " + module + " from " + dir +
			": it looks like the Pulumi SDK has not been installed (node_modules or NODE_PATH)")
	}
	return strings.TrimSpace(string(out)), nil
}

func resolveRunScript(ctx context.Context, node, dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	return resolveSDKScript(ctx, node, dir, "@pulumi/pulumi/cmd/run")
}

// RunPlugin runs a source-based plugin: `node [nodeargs] <@pulumi/pulumi/cmd/run-plugin>
// <plugin dir> <engine args...>` in the engine's working directory, with the
// environment the engine sends. The SDK script requires the package (its
// package.json `main`, or index.ts through ts-node when that file is not built),
// and when the package exports ComponentResource classes it serves them with the
// component provider host, which prints its port on stdout. Output is streamed
// back to the engine as it comes; the stream ends when node exits. Only
// resource plugins are supported (no policy packs, converters or tools).
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	if kind := req.GetKind(); kind != "" && kind != string(apitype.ResourcePlugin) {
		return status.Errorf(codes.Unimplemented, "this Node.js host runs resource plugins only, not %q plugins", kind)
	}
	info := req.GetInfo()
	if info == nil || info.GetProgramDirectory() == "" {
		return status.Error(codes.InvalidArgument, "RunPlugin needs the plugin's program directory")
	}
	dir := info.GetProgramDirectory()
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on $PATH: %w", err)
	}
	runPlugin, err := resolveSDKScript(ctx, node, dir, "@pulumi/pulumi/cmd/run-plugin")
	if err != nil {
		return err
	}
	opts := parseOptions(info)

	args := []string{runPlugin}
	args = append(args, opts.nodeargs...)
	args = append(args, dir)
	args = append(args, req.GetArgs()...)

	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	env = append(env, fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", opts.typescript))
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	// Each chunk of output goes to the engine as soon as node writes it: the engine
	// waits for the port on the first line of stdout.
	var sendMu sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return server.Send(resp)
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	if cmd.Dir == "" {
		cmd.Dir = dir
	}
	cmd.Env = env
	cmd.Stdout = langhost.StreamWriter(func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	})
	cmd.Stderr = langhost.StreamWriter(func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	})
	startErr, err := h.RunTracked(cmd)
	if startErr != nil {
		return fmt.Errorf("could not start %s: %w", filepath.Base(node), startErr)
	}

	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("problem running plugin %s: %w", dir, err)
		}
		code = exitErr.ExitCode()
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// streamWriter passes every write on, copied (the caller may reuse its buffer).
type streamWriter func([]byte) error

func (w streamWriter) Write(b []byte) (int, error) {
	if err := w(append([]byte(nil), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on $PATH: %w", err)
	}
	pwd := langhost.ProgramDirectory(req)
	runScript, err := resolveRunScript(ctx, node, pwd)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts := parseOptions(req.GetInfo())

	args := langhost.Args(append(append([]string{}, opts.nodeargs...), runScript))
	add := args.Flag
	add("monitor", req.GetMonitorAddress())
	add("engine", h.EngineAddress())
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	if info := req.GetInfo(); info != nil {
		add("root-directory", info.GetRootDirectory())
	}
	add("stack", req.GetStack())
	add("pwd", pwd)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("tracing", h.Tracing)
	program := req.GetProgram()
	if info := req.GetInfo(); info != nil && info.GetEntryPoint() != "" {
		program = info.GetEntryPoint()
	}
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := langhost.ConfigEnv(req)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), config...)
	env = append(env, fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", opts.typescript))
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.Command(node, args...)
	cmd.Dir = pwd
	cmd.Env = env
	return h.RunProgram(cmd), nil
}
