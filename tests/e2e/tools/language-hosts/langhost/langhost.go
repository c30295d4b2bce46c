// Package langhost is what our three language hosts (nodejs, python, go) have in common: serving the
// LanguageRuntime service on the port the engine reads from stdout, the engine address, plugin info,
// starting the program with Cancel able to interrupt it, the PULUMI_CONFIG* environment the SDKs
// read, turning the program's exit status into the RunResponse the engine expects, and, for the hosts
// that generate SDKs, the schema loading of GeneratePackage and Link.
//
// The upstream hosts (sdk/nodejs/cmd/pulumi-language-nodejs, sdk/python/cmd/pulumi-language-python,
// sdk/go/pulumi-language-go in github.com/pulumi/pulumi) are their own Go modules, which the module
// proxy this project can reach does not serve; the libraries they are built on (sdk/v3, and pkg/v3's
// code generators) it does serve, and these hosts use them.
package langhost

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// ExitAfterUserActionableMessage is the exit status with which every Pulumi SDK's program runner says
// it has already shown the user the error (Node.js and Python run scripts, Go's
// constant.ExitStatusLoggedError): the engine must not add its own message.
const ExitAfterUserActionableMessage = 32

// Base implements the calls every host answers the same way. A host embeds *Base; the RPCs Base does
// not implement answer Unimplemented.
type Base struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	// Tracing is the -tracing endpoint, passed on to the program.
	Tracing string

	mu            sync.Mutex
	engineAddress string
	running       map[*exec.Cmd]struct{}
}

// Serve parses the command line (flags, then the engine's address as the only argument), serves the
// host newHost returns and prints the port for the engine. A host defines its own flags before.
func Serve(newHost func(*Base) pulumirpc.LanguageRuntimeServer) {
	b := &Base{running: map[*exec.Cmd]struct{}{}}
	flag.StringVar(&b.Tracing, "tracing", "", "tracing endpoint (passed on to the program)")
	flag.Parse()
	if args := flag.Args(); len(args) > 0 {
		b.engineAddress = args[0]
	}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, newHost(b))
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
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

// EngineAddress is the engine's gRPC address, from the command line or the last Handshake.
func (b *Base) EngineAddress() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.engineAddress
}

func (b *Base) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if req.GetEngineAddress() != "" {
		b.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// GetPluginInfo reports the version of the Pulumi SDK the host is built from (set with -ldflags -X).
func (b *Base) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

func (b *Base) RuntimeOptionsPrompts(
	ctx context.Context, req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// GetRequiredPlugins reports none: the engine loads each provider when the program first registers
// one of its resources, and finds it on $PATH or, for a package of Pulumi.yaml's `packages:`, from
// its source.
func (b *Base) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

// GetRequiredPackages reports none, for the reason GetRequiredPlugins does.
func (b *Base) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (b *Base) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// Cancel interrupts every program or tool the host is running.
func (b *Base) Cancel(ctx context.Context, _ *emptypb.Empty) (*emptypb.Empty, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for cmd := range b.running {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	return &emptypb.Empty{}, nil
}

// RunTracked starts cmd and waits for it, registered as running meanwhile so that Cancel interrupts
// it. It returns the error of starting, or else the error of waiting.
func (b *Base) RunTracked(cmd *exec.Cmd) (startErr, waitErr error) {
	if err := cmd.Start(); err != nil {
		return err, nil
	}
	b.mu.Lock()
	b.running[cmd] = struct{}{}
	b.mu.Unlock()
	waitErr = cmd.Wait()
	b.mu.Lock()
	delete(b.running, cmd)
	b.mu.Unlock()
	return nil, waitErr
}

// RunProgram runs cmd with the program's output going to the engine's (the host's own stdout and
// stderr, which the engine shows the user) and turns its exit into the engine's answer: 0 is
// success, ExitAfterUserActionableMessage a bail (the SDK already reported the error), any other
// status an error naming it.
func (b *Base) RunProgram(cmd *exec.Cmd) *pulumirpc.RunResponse {
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	startErr, err := b.RunTracked(cmd)
	// The engine reads our output streams: a program that dies fast must still be seen.
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	if startErr != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start %s: %v", filepath.Base(cmd.Path), startErr)}
	}
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("problem executing program: %v", err)}
	}
	if exitErr.ExitCode() == ExitAfterUserActionableMessage {
		return &pulumirpc.RunResponse{Bail: true}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}
}

// Args is a command line of the form the Node.js and Python SDKs' run scripts parse.
type Args []string

// Flag appends `--name value`, or nothing when value is empty.
func (a *Args) Flag(name, value string) {
	if value != "" {
		*a = append(*a, "--"+name, value)
	}
}

// ConfigEnv is the stack's configuration as every SDK reads it: PULUMI_CONFIG (a JSON object, never
// null: a stack without config sends no map) and PULUMI_CONFIG_SECRET_KEYS (a JSON array).
func ConfigEnv(req *pulumirpc.RunRequest) ([]string, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + string(configJSON), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeysJSON)}, nil
}

// ProgramDirectory is where the program is: the project's program directory, or the engine's working
// directory for an engine that sends no ProgramInfo.
func ProgramDirectory(req *pulumirpc.RunRequest) string {
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	return req.GetPwd()
}

// About reports a language's executable and the version it prints for versionArgs (the first line,
// with prefix removed); fields it cannot find stay empty.
func About(ctx context.Context, executable string, prefix string, versionArgs ...string) *pulumirpc.AboutResponse {
	resp := &pulumirpc.AboutResponse{}
	path, err := exec.LookPath(executable)
	if err != nil {
		return resp
	}
	resp.Executable = path
	if out, err := exec.CommandContext(ctx, path, versionArgs...).CombinedOutput(); err == nil {
		first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		resp.Version = strings.TrimPrefix(strings.TrimSpace(first), prefix)
	}
	return resp
}

// StreamWriter passes every write on, copied (the caller may reuse its buffer).
type StreamWriter func([]byte) error

func (w StreamWriter) Write(p []byte) (int, error) {
	if err := w(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Generator makes a language's SDK for a bound package: file paths relative to the SDK's directory
// and their contents.
type Generator func(pkg *schema.Package, loader schema.ReferenceLoader) (map[string][]byte, error)

// GeneratePackage binds the schema the engine sends, with the engine's loader for the packages it
// refers to, and writes what generate makes of it into the requested directory. Binding errors go
// back as diagnostics, which the engine shows.
func GeneratePackage(req *pulumirpc.GeneratePackageRequest, generate Generator) (*pulumirpc.GeneratePackageResponse, error) {
	client, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer client.Close()
	loader := schema.NewCachedLoader(client)

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("decoding the package schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}
	if diags.HasErrors() {
		return resp, nil
	}
	files, err := generate(pkg, loader)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		out := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// LinkedPackages loads, through the engine's loader at loaderTarget, the definition of each package
// a Link request names (the engine's own SDK, `pulumi`, is left out: only its path matters to a
// host), keyed by the SDK's path relative to the program.
func LinkedPackages(ctx context.Context, req *pulumirpc.LinkRequest) (map[string]*schema.Package, error) {
	client, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer client.Close()
	loader := schema.NewCachedLoader(client)

	out := map[string]*schema.Package{}
	for _, dep := range req.GetPackages() {
		p := dep.GetPackage()
		if p.GetName() == "pulumi" {
			continue
		}
		desc := &schema.PackageDescriptor{Name: p.GetName(), DownloadURL: p.GetServer()}
		if v, err := semver.ParseTolerant(p.GetVersion()); err == nil {
			desc.Version = &v
		}
		if param := p.GetParameterization(); param != nil {
			desc.Parameterization = &schema.ParameterizationDescriptor{Name: param.GetName(), Value: param.GetValue()}
			if v, err := semver.ParseTolerant(param.GetVersion()); err == nil {
				desc.Parameterization.Version = v
			}
		}
		ref, err := schema.LoadPackageReferenceV2(ctx, loader, desc)
		if err != nil {
			return nil, fmt.Errorf("loading package %s: %w", p.GetName(), err)
		}
		pkg, err := ref.Definition()
		if err != nil {
			return nil, fmt.Errorf("loading package %s: %w", p.GetName(), err)
		}
		out[dep.GetPath()] = pkg
	}
	return out, nil
}
