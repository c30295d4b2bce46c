// What the e2e tests and the engine benchmark (bench/engine.ts) run against: the toolchain built by
// toolchain.sh, a local control plane started by controlplane.sh (and always stopped), kubectl on it,
// and Pulumi on a file backend in a temp dir with a passphrase secrets provider and plugin downloads
// disabled.
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { generatePrivateKey, issueSelfSignedCert } from "../harness/realTls";

export const REPO = path.resolve(__dirname, "..", "..", "..");
const E2E_SRC = path.join(REPO, "tests", "e2e");
/** Starts and stops the local clusters of every suite. */
export const CONTROLPLANE_SH = path.join(E2E_SRC, "controlplane.sh");

export interface RunOptions {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    timeoutMs?: number;
    input?: string;
}

/** Runs a command to completion; throws only when it cannot be started or times out, never on its exit status. */
export function run(command: string, args: string[], options: RunOptions = {}): SpawnSyncReturns<string> {
    const result = spawnSync(command, args, {
        encoding: "utf8",
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        // SIGINT lets pulumi cancel cleanly when a step times out.
        killSignal: "SIGINT",
        input: options.input,
        maxBuffer: 256 * 1024 * 1024,
    });
    if (result.error) {
        throw new Error(`${command} ${args.join(" ")}: ${result.error.message}`);
    }
    return result;
}

/**
 * Which groups of the toolchain a suite needs: kwok's fake node, the real single-node cluster, or the
 * real cluster's groups plus pulumi-yaml (languages).
 */
export type Suite = "kwok" | "cluster" | "languages";

/**
 * The toolchain's bin dir for a suite, or why there is none (toolchain.sh's own words). A bin dir given
 * in NGINX_SERVICE_E2E_BIN, which controlplane.sh reads too, is used as it is: one built by another
 * checkout whose tools modules hash differently, for instance.
 */
export function findToolchain(suite: Suite = "kwok"): { bin?: string; reason?: string } {
    const given = process.env.NGINX_SERVICE_E2E_BIN;
    if (given) {
        return fs.existsSync(path.join(given, "pulumi")) ? { bin: given } : { reason: `NGINX_SERVICE_E2E_BIN=${given} holds no pulumi` };
    }
    const result = run("bash", [path.join(E2E_SRC, "toolchain.sh"), "--check", suite]);
    if (result.status !== 0) {
        return { reason: `the e2e toolchain is not built for the ${suite} suite (run: bash tests/e2e/toolchain.sh --suite ${suite})\n${result.stderr}` };
    }
    const bin = result.stdout.trim().split("\n").pop()?.trim();
    if (!bin || !fs.existsSync(path.join(bin, "pulumi"))) {
        return { reason: `tests/e2e/toolchain.sh --check printed no bin dir with pulumi in it (${JSON.stringify(bin)})` };
    }
    return { bin };
}

/** The toolchain's bin dir for a suite; throws when its groups are not built. */
export function toolchainBin(suite: Suite = "kwok"): string {
    const { bin, reason } = findToolchain(suite);
    if (bin === undefined) {
        throw new Error(reason);
    }
    return bin;
}

export interface ControlPlane {
    dir: string;
    kubeconfig: string;
    stop(): void;
}

/** Starts etcd, the API server, controller manager, scheduler and kwok; waits until healthy. */
export function startControlPlane(bin: string): ControlPlane {
    const env = { ...process.env, NGINX_SERVICE_E2E_BIN: bin };
    const result = run("bash", [CONTROLPLANE_SH, "start", "--owner-pid", String(process.pid)], { env, timeoutMs: 300_000 });
    if (result.status !== 0) {
        throw new Error(`the control plane did not start (exit ${result.status}):\n${result.stderr}`);
    }
    const value = (key: string) => {
        const line = result.stdout.split("\n").find((l) => l.startsWith(`${key}=`));
        if (!line) {
            throw new Error(`controlplane.sh start printed no ${key}=:\n${result.stdout}\n${result.stderr}`);
        }
        return line.slice(key.length + 1).trim();
    };
    const dir = value("CONTROLPLANE_DIR");
    return {
        dir,
        kubeconfig: value("KUBECONFIG"),
        stop: () => {
            const stopped = run("bash", [CONTROLPLANE_SH, "stop", dir], { env, timeoutMs: 120_000 });
            if (stopped.status !== 0) {
                throw new Error(`controlplane.sh stop failed: ${stopped.stderr}`);
            }
        },
    };
}

// kubectl of the cluster's own release, built with it (a kubectl on PATH may be any version).
let kubectlPath: string | undefined;
function kubectlBin(): string {
    kubectlPath ??= path.join(toolchainBin(), "kubectl");
    return kubectlPath;
}

/** kubectl against the local control plane; throws with kubectl's stderr on failure. */
export function kubectl(kubeconfig: string, args: string[], input?: string): string {
    const result = run(kubectlBin(), ["--kubeconfig", kubeconfig, ...args], { input });
    if (result.status !== 0) {
        throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
    }
    return result.stdout;
}

/** kubectl's exit status and output, for commands expected to fail. */
export function kubectlResult(kubeconfig: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = run(kubectlBin(), ["--kubeconfig", kubeconfig, ...args]);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function kubectlJson(kubeconfig: string, args: string[]): any {
    return JSON.parse(kubectl(kubeconfig, [...args, "-o", "json"]));
}

/** Whether `kubectl get` finds the object. */
export function exists(kubeconfig: string, args: string[]): boolean {
    const result = run(kubectlBin(), ["--kubeconfig", kubeconfig, "get", ...args, "--ignore-not-found", "-o", "name"]);
    if (result.status !== 0) {
        throw new Error(`kubectl get ${args.join(" ")} failed: ${result.stderr}`);
    }
    return result.stdout.trim() !== "";
}

/** A namespace whose pods must pass the Pod Security Standards restricted profile. */
export function createRestrictedNamespace(kubeconfig: string, name: string): void {
    kubectl(kubeconfig, ["create", "namespace", name]);
    kubectl(kubeconfig, ["label", "namespace", name, "pod-security.kubernetes.io/enforce=restricted", "pod-security.kubernetes.io/enforce-version=latest"]);
}

/** Polls until `check` returns true or the time is up; returns the last result. */
export async function eventually(check: () => boolean, timeoutMs = 60_000, intervalMs = 500): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (check()) {
            return true;
        }
        if (Date.now() > deadline) {
            return false;
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

export interface PulumiEnv {
    backendDir: string;
    envVars: { [key: string]: string };
    command: PulumiCommand;
    cleanup(): void;
}

/**
 * The environment the Pulumi CLI needs to run hermetically on the toolchain: its home and a file
 * backend under `dir` (created here), a passphrase secrets provider, no update checks or plugin
 * downloads, the CLI and every plugin from `bin`, the control plane's kubeconfig.
 */
export function pulumiEnvVars(dir: string, bin: string, kubeconfig: string): { backendDir: string; envVars: { [key: string]: string } } {
    const backendDir = path.join(dir, "backend");
    fs.mkdirSync(backendDir, { recursive: true });
    fs.mkdirSync(path.join(dir, "home"), { recursive: true });
    const envVars = {
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        KUBECONFIG: kubeconfig,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    };
    return { backendDir, envVars };
}

/**
 * A hermetic Pulumi home and file backend for the Automation API (see {@link pulumiEnvVars}).
 * `pulumiRoot` is where the Automation API finds bin/pulumi (default: the toolchain's).
 */
export async function pulumiEnv(bin: string, kubeconfig: string, pulumiRoot = path.dirname(bin)): Promise<PulumiEnv> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-e2e-pulumi-"));
    const { backendDir, envVars } = pulumiEnvVars(root, bin, kubeconfig);
    const command = await PulumiCommand.get({ root: pulumiRoot });
    return {
        backendDir,
        envVars,
        command,
        cleanup: () => {
            stopProcessesOfPulumiHome(envVars.PULUMI_HOME);
            fs.rmSync(root, { recursive: true, force: true });
        },
    };
}

/**
 * SIGKILLs whatever still runs with this PULUMI_HOME in its environment: plugins (language hosts,
 * providers) that a pulumi which failed or was killed left behind as orphans. Called when a suite's
 * Pulumi environment is removed, when nothing of it should run any more; says what it stopped.
 */
export function stopProcessesOfPulumiHome(home: string): void {
    const marker = `PULUMI_HOME=${home}`;
    const stopped: string[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
        let environ: string;
        try {
            environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8");
        } catch {
            continue; // gone, or not ours to read
        }
        if (!environ.split("\0").includes(marker)) continue;
        try {
            const command = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[0];
            process.kill(Number(entry), "SIGKILL");
            stopped.push(`${entry} ${path.basename(command)}`);
        } catch {
            // already gone
        }
    }
    if (stopped.length > 0) {
        console.log(`stopped ${stopped.length} process(es) left running under ${home}: ${stopped.join(", ")}`);
    }
}

/**
 * What a kwok-suite test file's `before` does: the control plane from the built toolchain and a Pulumi
 * environment on it. Stops the control plane if the environment fails.
 */
export async function startControlPlaneWithPulumi(): Promise<{ cluster: ControlPlane; env: PulumiEnv }> {
    const bin = toolchainBin();
    const cluster = startControlPlane(bin);
    try {
        return { cluster, env: await pulumiEnv(bin, cluster.kubeconfig) };
    } catch (error) {
        cluster.stop();
        throw error;
    }
}

/** Its `after`: stops the control plane, and removes the Pulumi environment even if the stop fails. */
export function stopControlPlaneWithPulumi(cluster: ControlPlane | undefined, env: PulumiEnv | undefined): void {
    try {
        cluster?.stop();
    } finally {
        env?.cleanup();
    }
}

/** A stack of the program in `workDir` (a directory of this repository with a Pulumi.yaml). */
export async function stackFor(env: PulumiEnv, workDir: string, stackName: string, config: { [key: string]: string }): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir }, { envVars: env.envVars, pulumiCommand: env.command });
    for (const [key, value] of Object.entries(config)) {
        await stack.setConfig(key, { value });
    }
    return stack;
}

/**
 * Destroys a test's stack and removes it, whatever state it was left in, and always deletes its
 * Pulumi.<stack>.yaml, which the stack's config put in the program's directory, most often this
 * repository. A stack locked by a killed pulumi is unlocked (`pulumi cancel`) and destroyed again; a
 * stack that still cannot be destroyed (its cluster gone) is removed with `--force` from the test's
 * temporary backend. Never throws.
 */
export async function disposeStack(stack: Stack | undefined): Promise<void> {
    if (stack === undefined) {
        return;
    }
    const configFile = path.join(stack.workspace.workDir, `Pulumi.${stack.name.split("/").pop()}.yaml`);
    try {
        const destroyed = await stack.destroy().then(
            () => true,
            () => false,
        );
        if (!destroyed) {
            await stack.cancel().catch(() => undefined);
            await stack.destroy().catch(() => undefined);
        }
        await stack.workspace.removeStack(stack.name).catch(() => stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined));
    } finally {
        fs.rmSync(configFile, { force: true });
    }
}

/** Every file under `dir`, recursively, as text: the state, its backups and history. */
export function readAllFiles(dir: string): { file: string; text: string }[] {
    const out: { file: string; text: string }[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) {
                walk(p);
            } else {
                out.push({ file: p, text: fs.readFileSync(p, "utf8") });
            }
        }
    };
    walk(dir);
    return out;
}

/** A kubernetes.io/tls Secret `name` in `namespace`, with a new self-signed certificate for `commonName`; returns the certificate. */
export function createTlsSecret(kubeconfig: string, namespace: string, name: string, commonName: string): string {
    const key = generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    const cert = issueSelfSignedCert({ privateKeyPem: key.privateKeyPem, subject: { commonName }, dnsNames: [commonName], validityPeriodHours: 24, allowedUses: ["server_auth", "digital_signature"] });
    const manifest = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace },
        type: "kubernetes.io/tls",
        data: { "tls.crt": Buffer.from(cert.certPem).toString("base64"), "tls.key": Buffer.from(key.privateKeyPem).toString("base64") },
    };
    kubectl(kubeconfig, ["apply", "-f", "-"], JSON.stringify(manifest));
    return cert.certPem;
}

/**
 * Copies the program in `programDir` (relative to the repository) to `workDir` and adds this
 * repository's package to it as a user does, with `pulumi package add <repo>`: the SDK of the program's
 * language is generated into workDir/sdks, linked (requirements.txt, go.mod, Pulumi.yaml's `packages:`)
 * and the program's dependencies installed. A copy, since all of that rewrites the program's files.
 * Returns the CLI's result for the caller to check.
 */
export function copyWithPackageAdded(programDir: string, workDir: string, pulumiBin: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
    fs.cpSync(path.join(REPO, programDir), workDir, { recursive: true });
    return run(pulumiBin, ["package", "add", REPO], { cwd: workDir, env, timeoutMs: 600_000 });
}
