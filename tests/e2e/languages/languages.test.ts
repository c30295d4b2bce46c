// The package as other languages use it, through the engine and the language hosts the toolchain
// builds: `pulumi package get-schema` of this repository (the CLI runs the component as a provider
// through the Node.js host's RunPlugin) equals the committed snapshot; and the Python, Go and Pulumi
// YAML programs of examples/ each add the package as a user does (`pulumi package add <repo>`: the SDK
// of their language generated, linked and installed) and deploy the tutorial's HTTPS NodePort instance
// on the real single-node cluster: `pulumi up`, outputs equal to what the API server holds, HTTPS through
// the node port verified against the caCertificatePem output, a clean `preview --expect-no-changes`, a bad
// argument refused by the component at preview, and a `destroy` that leaves none of it behind. What the
// generated SDKs look like to their users is checked too: mypy on the Python program, `go vet` on Go's.
//
// `pulumi package add` and `stack`/`config` run in the machine's namespace (pip and `go mod tidy`
// download from the package registries); `up`, `preview` and `destroy` run inside the cluster's
// network namespace, where its API server's address exists, and download nothing (GOPROXY=off).
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { WORKLOAD_DEFAULTS } from "../../../sdk/workload";
import { copyWithPackageAdded, eventually, pulumiEnvVars, REPO, run, stopProcessesOfPulumiHome, toolchainBin } from "../harness";
import { RealCluster } from "../cluster/cluster";

/** curl's exit code for a connection that could not be made (CURLE_COULDNT_CONNECT). */
const CURL_CONNECT_FAILED = 7;

let cluster: RealCluster | undefined;
let tmp: string;
let pulumiBin: string;
/** The `pulumi` that runs inside the cluster's namespace (RealCluster.writeWrappers). */
let pulumiInCluster: string;
let env: NodeJS.ProcessEnv;

before(() => {
    const bin = toolchainBin("languages");
    pulumiBin = path.join(bin, "pulumi");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-e2e-languages-"));
    cluster = RealCluster.start(bin);
    console.log(`cluster started in ${cluster.startSeconds.toFixed(1)} s (namespace ${cluster.info.NETNS})`);
    fs.mkdirSync(path.join(tmp, "in-cluster"));
    cluster.writeWrappers(path.join(tmp, "in-cluster"));
    pulumiInCluster = path.join(tmp, "in-cluster", "pulumi");
    // GOTOOLCHAIN=local: the Go programs build with this machine's Go, never a downloaded one.
    env = { ...process.env, ...pulumiEnvVars(path.join(tmp, "pulumi"), bin, cluster.kubeconfig).envVars, GOTOOLCHAIN: "local" };
    // The programs leave `image` at the component's default, as a user would; the node has no registry
    // to pull it from, so its containerd gets the toolchain's nginx image under that reference.
    const tagged = cluster.ctr(["images", "tag", "--force", cluster.info.NGINX_IMAGE, `docker.io/${WORKLOAD_DEFAULTS.image}`]);
    assert.equal(tagged.status, 0, tagged.stderr);
});

after(() => {
    try {
        cluster?.stop();
    } finally {
        if (env?.PULUMI_HOME) stopProcessesOfPulumiHome(env.PULUMI_HOME);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
});

/** The CLI's output; fails the test with all of it unless it exits 0. */
function checked(result: { status: number | null; stdout: string; stderr: string }, what: string): string {
    assert.equal(result.status, 0, `${what} exited ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    return result.stdout;
}

/** The toolchain's pulumi in the machine's namespace (no cluster access needed). */
function pulumi(cwd: string, args: string[], timeoutMs = 300_000): string {
    return checked(run(pulumiBin, args, { cwd, env, timeoutMs }), `pulumi ${args.join(" ")}`);
}

/** pulumi inside the cluster's namespace, where nothing is downloaded; the result, whatever the exit. */
function pulumiInClusterResult(cwd: string, args: string[], timeoutMs = 600_000) {
    return run(pulumiInCluster, args, { cwd, env: { ...env, GOPROXY: "off" }, timeoutMs });
}

// ---- the schema ------------------------------------------------------------------------------------

/** Keys of the package schema whose empty value the engine drops (Go's PackageSpec, `omitempty`). */
const OMITTED_WHEN_EMPTY = new Set(["required", "requiredInputs", "dependencies", "config"]);

/**
 * A schema as the engine passes it on. The CLI decodes the provider's schema into Go's PackageSpec and
 * encodes it again, which drops the analyzer's per-property `optional` (not a field of the schema spec;
 * the `required`/`requiredInputs` lists carry the same, see the test below), leaves out empty `required`,
 * `requiredInputs` and `dependencies`, and adds an empty `config`. Key order differs too, which deepEqual
 * ignores. Nothing else is changed: names, version, types, enums, inputs, outputs, plain flags and every
 * description are compared as they are.
 */
function normalise(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(normalise);
    if (value === null || typeof value !== "object") return value;
    const out: { [key: string]: unknown } = {};
    for (const [key, v] of Object.entries(value)) {
        if (key === "optional") continue;
        if (OMITTED_WHEN_EMPTY.has(key) && (Array.isArray(v) ? v.length === 0 : typeof v === "object" && v !== null && Object.keys(v).length === 0)) continue;
        out[key] = normalise(v);
    }
    return out;
}

describe("pulumi package get-schema of this repository", () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(REPO, "tests", "schema.snapshot.json"), "utf8"));

    test("the snapshot's `optional` flags say exactly what its required lists say (so dropping them loses nothing)", () => {
        const check = (where: string, properties: { [name: string]: any } | undefined, required: string[] | undefined) => {
            const notOptional = Object.entries(properties ?? {}).filter(([, p]) => p.optional !== true).map(([n]) => n).sort();
            assert.deepEqual(notOptional, [...(required ?? [])].sort(), where);
        };
        let checked = 0;
        for (const [token, resource] of Object.entries<any>(snapshot.resources)) {
            check(`${token} inputs`, resource.inputProperties, resource.requiredInputs);
            check(`${token} outputs`, resource.properties, resource.required);
            checked++;
        }
        for (const [token, type] of Object.entries<any>(snapshot.types)) {
            if (type.properties) {
                check(token, type.properties, type.required);
                checked++;
            }
        }
        assert.ok(checked >= 6, `checked ${checked} property sets`);
    });

    test("equals tests/schema.snapshot.json (after the engine's re-encoding, see normalise)", () => {
        const cwd = fs.mkdtempSync(path.join(tmp, "get-schema-"));
        const schema = JSON.parse(pulumi(cwd, ["package", "get-schema", REPO], 180_000));
        assert.equal(schema.resources?.["nginx-service:index:NginxService"]?.isComponent, true, "the component is in the schema");
        assert.deepEqual(normalise(schema), normalise(snapshot));
    });
});

// ---- the programs ----------------------------------------------------------------------------------

const VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

interface LanguageProgram {
    language: "python" | "go" | "yaml";
    dir: string;
    /** Asserts that `pulumi package add` linked the generated SDK into the program, as that language's host does. */
    linked(workDir: string): void;
}

const programs: LanguageProgram[] = [
    {
        language: "python",
        dir: "examples/python",
        linked: (workDir) => {
            assert.match(fs.readFileSync(path.join(workDir, "requirements.txt"), "utf8"), /^sdks\/nginx-service$/m, "the SDK's path in requirements.txt");
            assert.ok(fs.existsSync(path.join(workDir, "sdks", "nginx-service", "pulumi_nginx_service", "py.typed")), "a typed Python package");
            const installed = run(path.join(workDir, "venv", "bin", "python"), ["-c", "import pulumi_nginx_service"]);
            assert.equal(installed.status, 0, `the SDK imports in the program's virtualenv: ${installed.stderr}`);
        },
    },
    {
        language: "go",
        dir: "examples/go",
        linked: (workDir) => {
            const gomod = fs.readFileSync(path.join(workDir, "go.mod"), "utf8");
            assert.match(gomod, /^replace example\.com\/pulumi-nginx-service\/sdk\/go => \.\/sdks\/nginx-service$/m, gomod);
            assert.ok(fs.existsSync(path.join(workDir, "sdks", "nginx-service", "go.mod")), "the SDK is a Go module");
        },
    },
    {
        language: "yaml",
        dir: "examples/yaml",
        linked: (workDir) => {
            const declaration = fs.readFileSync(path.join(workDir, "sdks", "nginx-service", `nginx-service-${VERSION}.yaml`), "utf8");
            assert.match(declaration, /^name: nginx-service$/m);
            assert.match(declaration, new RegExp(`^version: ${escape(VERSION)}$`, "m"));
        },
    },
];

for (const program of programs) {
    describe(`${program.language}: ${program.dir} with \`pulumi package add\`, on the real cluster`, () => {
        const namespace = `lang-${program.language}`;
        let workDir: string;
        let added = false;
        let outputs: any;

        before(() => {
            workDir = path.join(tmp, program.language);
            cluster!.restrictedNamespace(namespace);
        });

        test("pulumi package add <repo> generates, links and installs the SDK, and records the package in Pulumi.yaml", () => {
            checked(copyWithPackageAdded(program.dir, workDir, pulumiBin, env), "pulumi package add");
            const project = fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8");
            assert.match(project, new RegExp(`^packages:\\n {2}nginx-service: ${escape(REPO)}$`, "m"));
            program.linked(workDir);
            added = true;
        });

        if (program.language === "python") {
            test("mypy: the program type-checks against the generated SDK, its outputs are typed, and wrong arguments are caught", () => {
                assert.ok(added, "package added");
                const mypy = checked(run("bash", [path.join(REPO, "scripts", "python-tools.sh"), "bin", "mypy"]), "python-tools.sh bin mypy").trim();
                const typecheck = (file: string) =>
                    run(mypy, ["--strict", "--no-incremental", "--python-executable", path.join(workDir, "venv", "bin", "python"), file], { cwd: workDir, timeoutMs: 300_000 });
                checked(typecheck("__main__.py"), "mypy --strict __main__.py");

                fs.writeFileSync(
                    path.join(workDir, "probe_types.py"),
                    [
                        "import pulumi_nginx_service as nginx_service",
                        'web = nginx_service.NginxService("probe", service_type=nginx_service.ServiceType.NODE_PORT)',
                        "reveal_type(web.cluster_ip)",
                        "reveal_type(web.node_ports)",
                        "reveal_type(web.certificate_pem)",
                        "reveal_type(web.tls_secret_name)",
                        "",
                    ].join("\n"),
                );
                const revealed = checked(typecheck("probe_types.py"), "mypy probe_types.py")
                    .split("\n")
                    .filter((l) => l.includes("Revealed type"));
                assert.equal(revealed.length, 4, revealed.join("\n"));
                assert.match(revealed[0], /Output\[str\]"$/);
                assert.match(revealed[1], /Output\[pulumi_nginx_service\.outputs\.NodePortAllocation \| None\]"$/);
                for (const line of revealed) assert.doesNotMatch(line, /\bAny\b/, line);

                fs.writeFileSync(
                    path.join(workDir, "wrong_args.py"),
                    [
                        "import pulumi_nginx_service as nginx_service",
                        'nginx_service.NginxService("bad", http_prot=8080)',
                        // The args class: NginxService's overloads make mypy name no argument of a mismatch.
                        'nginx_service.NginxServiceArgs(service_type="NodePorts", replicas="two")',
                        "",
                    ].join("\n"),
                );
                const wrong = typecheck("wrong_args.py");
                assert.equal(wrong.status, 1, `mypy must reject wrong_args.py:\n${wrong.stdout}${wrong.stderr}`);
                assert.match(wrong.stdout, /^wrong_args\.py:2: error: Unexpected keyword argument "http_prot"/m, wrong.stdout);
                assert.match(wrong.stdout, /^wrong_args\.py:3: error: Argument "service_type" to "NginxServiceArgs" has incompatible type "str"; expected "ServiceType \| None"/m, wrong.stdout);
                assert.match(wrong.stdout, /^wrong_args\.py:3: error: Argument "replicas" to "NginxServiceArgs" has incompatible type "str"/m, wrong.stdout);
            });
        }

        if (program.language === "go") {
            test("go vet: the program is clean against the generated SDK, and wrong arguments are caught", () => {
                assert.ok(added, "package added");
                checked(run("go", ["vet", "."], { cwd: workDir, env, timeoutMs: 300_000 }), "go vet .");
                fs.mkdirSync(path.join(workDir, "wrongargs"));
                fs.writeFileSync(
                    path.join(workDir, "wrongargs", "main.go"),
                    [
                        "package main",
                        'import ("example.com/pulumi-nginx-service/sdk/go/nginxservice"; "github.com/pulumi/pulumi/sdk/v3/go/pulumi")',
                        "func main() {",
                        "\tpulumi.Run(func(ctx *pulumi.Context) error {",
                        '\t\t_, err := nginxservice.NewNginxService(ctx, "bad", &nginxservice.NginxServiceArgs{Replicas: pulumi.String("two")})',
                        "\t\treturn err",
                        "\t})",
                        "}",
                        "",
                    ].join("\n"),
                );
                const wrong = run("go", ["vet", "./wrongargs"], { cwd: workDir, env, timeoutMs: 300_000 });
                fs.rmSync(path.join(workDir, "wrongargs"), { recursive: true });
                assert.notEqual(wrong.status, 0, "go vet must reject wrongargs");
                assert.match(wrong.stderr, /cannot use pulumi\.String\("two"\) .* as pulumi\.Float64PtrInput value in struct literal/, wrong.stderr);
            });
        }

        test("pulumi up deploys the instance; clusterIP, nodePorts, the certificates and tlsSecretName are what the API server holds", () => {
            assert.ok(added, "package added");
            pulumi(workDir, ["stack", "init", "e2e"]);
            pulumi(workDir, ["config", "set", "namespace", namespace]);
            checked(pulumiInClusterResult(workDir, ["up", "--yes", "--skip-preview"]), "pulumi up");
            outputs = JSON.parse(pulumi(workDir, ["stack", "output", "--json", "--show-secrets"]));

            const service = cluster!.kubectlJson(["-n", namespace, "get", "service", outputs.serviceName]);
            assert.equal(service.spec.type, "NodePort");
            assert.equal(outputs.clusterIP, service.spec.clusterIP);
            const allocated = Object.fromEntries(service.spec.ports.map((p: any) => [p.name, p.nodePort]));
            assert.ok(allocated.http >= 30000 && allocated.https >= 30000, JSON.stringify(service.spec.ports));
            assert.deepEqual(outputs.nodePorts, { http: allocated.http, https: allocated.https });

            const secret = cluster!.kubectlJson(["-n", namespace, "get", "secret", outputs.tlsSecretName]);
            assert.equal(secret.type, "kubernetes.io/tls");
            assert.match(outputs.certificatePem, /^-----BEGIN CERTIFICATE-----\n/);
            assert.equal(outputs.certificatePem, Buffer.from(secret.data["tls.crt"], "base64").toString("utf8"));
            assert.equal(outputs.caCertificatePem, Buffer.from(secret.data["ca.crt"], "base64").toString("utf8"));
            assert.equal(outputs.certificateNotAfter, new Date(new crypto.X509Certificate(outputs.certificatePem).validTo).toISOString().replace(".000Z", "Z"));

            const deployments = cluster!.kubectlJson(["-n", namespace, "get", "deployments"]).items;
            assert.equal(deployments.length, 1, "one Deployment");
            assert.equal(deployments[0].status.readyReplicas, 1, "its pod passed Pod Security restricted and is Ready");
        });

        test("HTTPS through the node's address and the nodePorts.https output verifies against caCertificatePem", async () => {
            assert.ok(outputs, "deployed");
            const ca = path.join(workDir, "ca.pem");
            fs.writeFileSync(ca, outputs.caCertificatePem);
            const svc = outputs.serviceName;
            const port = outputs.nodePorts.https;
            const curl = () => cluster!.curlFromNode(`https://${svc}:${port}/`, ["--cacert", ca, "--resolve", `${svc}:${port}:${cluster!.info.NODE_IP}`]);
            // kube-proxy opens a new node port on its next sync, which can come after `pulumi up` returns:
            // only a refused connection is retried (at most 30 times, once a second).
            let r = curl();
            if (r.exit === CURL_CONNECT_FAILED) {
                await eventually(() => (r = curl()).exit !== CURL_CONNECT_FAILED, 30_000, 1_000);
            }
            assert.equal(r.code, "200", r.stderr);
            assert.match(r.body, /nginx/i);
        });

        test("pulumi preview --expect-no-changes", () => {
            assert.ok(outputs, "deployed");
            checked(pulumiInClusterResult(workDir, ["preview", "--expect-no-changes"]), "pulumi preview --expect-no-changes");
        });

        test("replicas -1 fails preview with the component's message naming the field", () => {
            assert.ok(outputs, "deployed");
            pulumi(workDir, ["config", "set", "replicas", "--", "-1"]);
            try {
                const r = pulumiInClusterResult(workDir, ["preview"]);
                assert.notEqual(r.status, 0, `preview must fail:\n${r.stdout}`);
                assert.match(r.stdout + r.stderr, /replicas must be a whole number >= 0, got -1/);
            } finally {
                pulumi(workDir, ["config", "rm", "replicas"]);
            }
        });

        test("pulumi destroy leaves nothing of the instance", async () => {
            assert.ok(outputs, "deployed");
            checked(pulumiInClusterResult(workDir, ["destroy", "--yes", "--skip-preview"]), "pulumi destroy");
            const instance = `app.kubernetes.io/instance=${outputs.serviceName}`;
            const left = () =>
                cluster!
                    .kubectlJson(["-n", namespace, "get", "deployments,replicasets,services,secrets,configmaps,poddisruptionbudgets,networkpolicies,serviceaccounts,pods", "-l", instance])
                    .items.map((o: any) => `${o.kind}/${o.metadata.name}`);
            assert.ok(await eventually(() => left().length === 0, 90_000), `left behind: ${left().join(", ")}`);
            for (const [kind, name] of [["service", outputs.serviceName], ["secret", outputs.tlsSecretName]]) {
                assert.notEqual(cluster!.kubectlResult(["-n", namespace, "get", kind, name]).status, 0, `${kind}/${name} is gone`);
            }
            pulumi(workDir, ["stack", "rm", "--yes", "e2e"]);
        });
    });
}
