// The package as other languages use it, through the engine and language hosts the toolchain builds:
// `pulumi package get-schema` of this repository (the CLI runs the component as a provider through the
// Node.js host's RunPlugin) equals the committed snapshot, and a Pulumi YAML program (examples/yaml) that
// adds the package with `pulumi package add <repo>` deploys an NginxService on kwok's control plane:
// `pulumi up`, outputs equal to what the API server holds, a clean `preview --expect-no-changes`, and a
// `destroy` that leaves none of its objects behind.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { ControlPlane, createRestrictedNamespace, exists, kubectlJson, pulumiEnvVars, REPO, run, startControlPlane, toolchainBin } from "../harness";

let cluster: ControlPlane | undefined;
let tmp: string;
let kubeconfig: string;
let pulumiBin: string;
let env: NodeJS.ProcessEnv;

before(() => {
    const bin = toolchainBin("languages");
    pulumiBin = path.join(bin, "pulumi");
    cluster = startControlPlane(bin);
    kubeconfig = cluster.kubeconfig;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-e2e-languages-"));
    env = { ...process.env, ...pulumiEnvVars(path.join(tmp, "pulumi"), bin, kubeconfig).envVars };
});

after(() => {
    try {
        cluster?.stop();
    } finally {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
});

/** Runs the toolchain's pulumi in `cwd`; fails the test with its output unless it exits 0. */
function pulumi(cwd: string, args: string[], timeoutMs = 300_000): string {
    const result = run(pulumiBin, args, { cwd, env, timeoutMs });
    assert.equal(result.status, 0, `pulumi ${args.join(" ")} exited ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    return result.stdout;
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

// ---- the YAML program ------------------------------------------------------------------------------

describe("a Pulumi YAML program using the package through `pulumi package add` (examples/yaml)", () => {
    const namespace = "yaml-e2e";
    let dir: string;
    let outputs: any;

    before(() => {
        dir = path.join(tmp, "yaml-program");
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(REPO, "examples", "yaml", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        createRestrictedNamespace(kubeconfig, namespace);
    });

    test("pulumi package add <repo> records the package and writes its declaration", () => {
        pulumi(dir, ["package", "add", REPO], 180_000);
        const project = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
        assert.match(project, new RegExp(`^packages:\\n {2}nginx-service: ${REPO.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "m"));
        const version = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;
        const declaration = fs.readFileSync(path.join(dir, "sdks", "nginx-service", `nginx-service-${version}.yaml`), "utf8");
        assert.match(declaration, /^name: nginx-service$/m);
        assert.match(declaration, new RegExp(`^version: ${version.replace(/\./g, "\\.")}$`, "m"));
    });

    test("pulumi up deploys the component; its outputs equal what the API server holds", () => {
        pulumi(dir, ["stack", "init", "e2e"]);
        pulumi(dir, ["config", "set", "namespace", namespace]);
        pulumi(dir, ["up", "--yes", "--skip-preview"]);
        outputs = JSON.parse(pulumi(dir, ["stack", "output", "--json", "--show-secrets"]));

        const service = kubectlJson(kubeconfig, ["-n", namespace, "get", "service", outputs.serviceName]);
        assert.equal(service.spec.type, "NodePort");
        assert.match(outputs.clusterIP, /^10\.96\.\d+\.\d+$/);
        assert.equal(outputs.clusterIP, service.spec.clusterIP);
        const nodePort = (name: string) => service.spec.ports.find((p: any) => p.name === name)?.nodePort;
        assert.ok(nodePort("http") >= 30000 && nodePort("https") >= 30000, JSON.stringify(service.spec.ports));
        assert.deepEqual(outputs.nodePorts, { http: nodePort("http"), https: nodePort("https") });

        const secret = kubectlJson(kubeconfig, ["-n", namespace, "get", "secret", outputs.tlsSecretName]);
        assert.equal(secret.type, "kubernetes.io/tls");
        assert.match(outputs.certificatePem, /^-----BEGIN CERTIFICATE-----\n/);
        assert.equal(outputs.certificatePem, Buffer.from(secret.data["tls.crt"], "base64").toString("utf8"));

        const deployments = kubectlJson(kubeconfig, ["-n", namespace, "get", "deployments"]).items;
        assert.equal(deployments.length, 1, "one Deployment");
        assert.equal(deployments[0].status.readyReplicas, deployments[0].spec.replicas, "its pods passed the restricted profile and are Ready");
    });

    test("pulumi preview --expect-no-changes", () => {
        assert.ok(outputs, "deployed");
        pulumi(dir, ["preview", "--expect-no-changes"]);
    });

    test("pulumi destroy removes the Service, the Deployment and the TLS Secret", () => {
        assert.ok(outputs, "deployed");
        pulumi(dir, ["destroy", "--yes", "--skip-preview"]);
        assert.equal(exists(kubeconfig, ["-n", namespace, "service", outputs.serviceName]), false);
        assert.equal(exists(kubeconfig, ["-n", namespace, "secret", outputs.tlsSecretName]), false);
        assert.equal(kubectlJson(kubeconfig, ["-n", namespace, "get", "deployments"]).items.length, 0);
        pulumi(dir, ["stack", "rm", "--yes", "e2e"]);
    });
});
