// A Pulumi TypeScript program that uses nginx-service the way a user's program does: installed by npm
// (from the packed tarball or a git URL) into a directory outside this repository, with its own
// @pulumi/* versions. Shared by tests/package.test.ts (mocks) and tests/e2e/package.test.ts (a real
// `pulumi up`). Nothing in the consumer links back here: every file is written or installed there.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root (this file runs from dist/tests). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The lowest versions package.json's ranges allow. Installing exactly these proves the lower bounds:
 * the consumer compiles against them and the component runs on them.
 */
export const LOWER_BOUNDS: Record<string, string> = {
    "@pulumi/pulumi": "3.212.0",
    "@pulumi/kubernetes": "4.29.0",
    "@pulumi/random": "4.0.0",
    "@pulumi/tls": "5.0.1",
};

/** The environment for npm in a consumer: no npm_* variables of the `npm test` that runs us. */
function npmEnv(): NodeJS.ProcessEnv {
    const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig"]);
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_") || keep.has(k.toLowerCase())));
}

/** Runs a command; on failure the error carries its output. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): string {
    try {
        return execFileSync(cmd, args, { cwd, env: npmEnv(), encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e: any) {
        throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
    }
}

/** `npm pack` of this repository (prepare builds lib/) into dest; returns the tarball's path. */
export function packRepo(dest: string): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
    run("npm", ["pack", "--pack-destination", dest, "--silent"], REPO_ROOT);
    const tarball = path.join(dest, `${pkg.name}-${pkg.version}.tgz`);
    if (!fs.existsSync(tarball)) {
        throw new Error(`npm pack made no ${tarball}: ${fs.readdirSync(dest).join(", ")}`);
    }
    return tarball;
}

/** The consumer's program: one NginxService, its outputs exported, and a bad argument caught. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { KeyAlgorithm, NginxService, NginxServiceArgs, NginxServiceArgsError, NodePortsOutput, ServiceType } from "nginx-service";

const config = new pulumi.Config();
const args: NginxServiceArgs = {
    namespace: config.get("namespace"),
    serviceType: ServiceType.NodePort,
    httpPort: 8080,
    replicas: 1,
    tls: { keyAlgorithm: KeyAlgorithm.ECDSA, dnsNames: ["consumer.example"] },
    labels: { "app.kubernetes.io/part-of": "consumer" },
};
const web = new NginxService("consumer-web", args);

export const serviceName: pulumi.Output<string> = web.serviceName;
export const clusterIP: pulumi.Output<string> = web.clusterIP;
export const nodePorts: pulumi.Output<NodePortsOutput | undefined> = web.nodePorts;
export const urls: pulumi.Output<string[]> = web.urls;
export const certificatePem = web.certificatePem;
export const caCertificatePem = web.caCertificatePem;
export const certificateNotAfter = web.certificateNotAfter;
export const tlsSecretName = web.tlsSecretName;

// The exported error class is the one the component throws, across the package boundary.
let caught = "nothing thrown";
try {
    new NginxService("consumer-bad", { replicas: -1 });
} catch (e) {
    caught = e instanceof NginxServiceArgsError ? e.message : \`not an NginxServiceArgsError: \${e}\`;
    // The engine lists the problems of an InputPropertiesError of the consumer's own @pulumi/pulumi.
    if (!pulumi.InputPropertiesError.isInstance(e)) caught = \`not an InputPropertiesError of this @pulumi/pulumi: \${e}\`;
    else caught += \`\\npaths: \${e.errors.map((error) => error.propertyPath).join(",")}\`;
}
export const argsError = caught;
`;

/** A typo the declarations must reject under strict: proves the types come from the package. */
export const TYPO = `import { NginxService } from "nginx-service";
new NginxService("typo", { serviceType: "Nodeport" });
`;

/**
 * Runs the compiled program on Pulumi's mocks (the consumer's own @pulumi/pulumi) and prints what was
 * registered and the resolved outputs as JSON. Plain JavaScript: it is not part of what tsc checks.
 * Registering nothing it does not know fails the run: newResource throws for unknown custom types.
 */
const MOCK_RUN = `const pulumi = require("@pulumi/pulumi");
const registered = [];
let nextNodePort = 30000;
pulumi.runtime.setMocks({
    newResource(args) {
        registered.push({ type: args.type, name: args.name, custom: args.custom, inputs: args.inputs });
        const state = { ...args.inputs };
        if (!args.custom) return { id: undefined, state };
        if (args.type.startsWith("kubernetes:")) {
            const metadata = args.inputs.metadata || {};
            state.metadata = { ...metadata, name: metadata.name || args.name + "-abcd1234", namespace: metadata.namespace || "default" };
        }
        switch (args.type) {
            case "kubernetes:core/v1:Service":
                state.spec = { ...args.inputs.spec, clusterIP: "10.96.0.42",
                    ports: args.inputs.spec.ports.map((p) => ({ ...p, nodePort: p.nodePort || nextNodePort++ })) };
                state.status = { loadBalancer: {} };
                break;
            case "random:index/randomId:RandomId": state.hex = "00ff00ff"; break;
            case "tls:index/privateKey:PrivateKey": state.privateKeyPem = "consumer-mock-key"; break;
            case "tls:index/selfSignedCert:SelfSignedCert": state.certPem = "consumer-mock-ca"; break;
            case "tls:index/certRequest:CertRequest": state.certRequestPem = "consumer-mock-request"; break;
            case "tls:index/locallySignedCert:LocallySignedCert": state.certPem = "consumer-mock-cert"; state.validityEndTime = "2027-12-03T00:00:00Z"; break;
            case "kubernetes:core/v1:Secret": case "kubernetes:core/v1:ConfigMap": case "kubernetes:apps/v1:Deployment":
            case "kubernetes:policy/v1:PodDisruptionBudget": case "kubernetes:networking.k8s.io/v1:NetworkPolicy": break;
            default: throw new Error("unexpected resource " + args.type);
        }
        return { id: args.name + "-id", state };
    },
    call(args) { throw new Error("unexpected call " + args.token); },
}, "consumer", "mock", false);
// The program's TypeScript transpiled on load, as Pulumi's Node.js runtime does (type-checking is
// tsc's job, done before this runs).
const fs = require("fs");
const ts = require("typescript");
require.extensions[".ts"] = (module, file) => {
    const js = ts.transpileModule(fs.readFileSync(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
        fileName: file,
    });
    module._compile(js.outputText, file);
};
const program = require("./index.ts");
(async () => {
    const outputs = {};
    for (const [k, v] of Object.entries(program)) {
        outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((ok) => v.apply(ok)) : v;
    }
    const settings = require("@pulumi/pulumi/runtime/settings");
    await settings.waitForRPCs();
    process.stdout.write(JSON.stringify({ outputs, registered, pulumiVersion: require("@pulumi/pulumi/package.json").version }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** Writes the consumer program into dir; `nginxService` is the npm spec to install it from. */
export function writeConsumer(dir: string, nginxService: string, pins: Record<string, string>): void {
    fs.mkdirSync(dir, { recursive: true });
    const packageJson = {
        name: "nginx-service-consumer",
        private: true,
        main: "index.ts",
        dependencies: { ...pins, "nginx-service": nginxService },
        // What `pulumi new typescript` gives a program, in the versions this repository builds with.
        devDependencies: { typescript: "~5.9.0", "@types/node": "^20.19.0" },
    };
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(packageJson, null, 2));
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify(
            {
                compilerOptions: {
                    strict: true,
                    target: "es2020",
                    module: "commonjs",
                    moduleResolution: "node",
                    noFallthroughCasesInSwitch: true,
                    noImplicitReturns: true,
                    forceConsistentCasingInFileNames: true,
                },
                files: ["index.ts"],
            },
            null,
            2,
        ),
    );
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: nginx-service-consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(dir, "typo.ts"), TYPO);
    fs.writeFileSync(path.join(dir, "mockRun.js"), MOCK_RUN);
}

/** npm install in the consumer, from the local cache when it has what is needed. */
export function installConsumer(dir: string): void {
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], dir);
}

/** Every installed copy of a package under dir/node_modules (nested ones too), with its version. */
export function installedCopies(dir: string, name: string): { path: string; version: string }[] {
    const found: { path: string; version: string }[] = [];
    const walk = (nodeModules: string) => {
        const candidate = path.join(nodeModules, name, "package.json");
        if (fs.existsSync(candidate)) {
            found.push({ path: path.dirname(candidate), version: JSON.parse(fs.readFileSync(candidate, "utf8")).version });
        }
        for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
            if (!entry.isDirectory()) continue;
            const packages = entry.name.startsWith("@")
                ? fs.readdirSync(path.join(nodeModules, entry.name)).map((n) => path.join(nodeModules, entry.name, n))
                : [path.join(nodeModules, entry.name)];
            for (const p of packages) {
                const nested = path.join(p, "node_modules");
                if (fs.existsSync(nested) && fs.statSync(nested).isDirectory()) walk(nested);
            }
        }
    };
    walk(path.join(dir, "node_modules"));
    return found;
}

/** Paths under dir/node_modules that are symlinks resolving outside dir (links back to a checkout). */
export function linksOutside(dir: string): string[] {
    const root = fs.realpathSync(dir);
    const outside: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isSymbolicLink()) {
                const target = fs.realpathSync(p);
                if (!target.startsWith(root + path.sep)) outside.push(`${p} -> ${target}`);
            } else if (entry.isDirectory()) {
                walk(p);
            }
        }
    };
    walk(path.join(dir, "node_modules"));
    return outside;
}
