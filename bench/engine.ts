// Part 2 of the benchmark: the real engine against a real API server (the e2e control plane: etcd,
// kube-apiserver, controller manager, scheduler, kwok for the kubelets), only where the e2e toolchain
// is built (`tests/e2e/toolchain.sh --check`); otherwise it says so in one line and skips. The
// toolchain, the control plane and the Pulumi environment come from tests/e2e/harness.ts, as for the
// e2e suite.
//
// With --real-cluster the same rounds run on the real single-node cluster of `controlplane.sh start
// --suite cluster` (tests/e2e/cluster/cluster.ts: real pods in containerd and runc, kube-proxy,
// kube-router's NetworkPolicy firewall), a fresh one per round, in the kubeconfig's default namespace;
// its toolchain is `toolchain.sh --check cluster`. Every command that talks to it runs inside the
// cluster's network namespace: for the round, a temp bin dir first on PATH holds `kubectl` (nsenter) and
// `pulumi` (tests/e2e/cluster/pulumiInNetns.ts, which also carries the engine's event stream out for the
// timeline) wrappers of the toolchain's binaries. Nothing can be pulled there, so both the component
// (stack config `image`) and the kubectl manifests use the cluster's locally built nginx image; on kwok,
// which runs no container, both keep bench/handwritten.ts's image. Deployments are given the same
// limits as on kwok (3-minute create timeouts in the program, `rollout status --timeout=180s`).
//
// For N = 1 and 20 instances of the scenario it times, in interleaved rounds:
//   Pulumi:  `pulumi up --yes --skip-preview`, a no-change `pulumi preview --expect-no-changes`,
//            `pulumi destroy --yes` (CLI, local file backend, plugins from the toolchain's bin dir);
//   kubectl: `kubectl apply -f` of equivalent manifests, then `kubectl rollout status` of each
//            Deployment (the tutorial's way), `kubectl diff -f` (the no-change preview's analogue),
//            `kubectl delete -f --wait`.
// The kubectl manifests carry a key and certificate made with openssl before the clock starts, as in
// the tutorial; Pulumi generates its key inside `up`, so that cost is on Pulumi's side.
// Then, per round, one more `pulumi up` of N = 1 through the Automation API with its engine events
// recorded (bench/timeline.ts): when each resource was started and finished, the time to the first
// registration and the critical path. It is not one of the timed ups above (those stay CLI runs, as
// kubectl's are), and is followed by a `pulumi destroy`.
//
//   node dist/bench/engine.js [--runs 5] [--ns 1,20] [--real-cluster]
//
// writes bench/results/engine-latest.json (kwok) or engine-cluster-latest.json (--real-cluster).
import { SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { renderNginxConfig } from "../sdk/nginxConfig";
import { resolveSettings } from "../sdk/settings";
import { nginxConfigOptions } from "../sdk/workload";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { RealCluster } from "../tests/e2e/cluster/cluster";
import { findToolchain, pulumiEnvVars, run as runCommand, startControlPlane } from "../tests/e2e/harness";
import {
    handwrittenDeploymentSpec,
    handwrittenDisruptionBudgetSpec,
    handwrittenLabels,
    handwrittenNetworkPolicySpec,
    handwrittenServiceAnnotations,
    handwrittenServiceSpec,
} from "./handwritten";
import { instanceName } from "./scenario";
import { median } from "./stats";
import { formatTimeline, summarizeTimelines, Timeline, timedUp } from "./timeline";

export const ENGINE_NS = [1, 20];
const PHASES = ["up", "preview", "destroy"] as const;
type Phase = (typeof PHASES)[number];
type Tool = "pulumi" | "kubectl";

export interface EngineRun {
    tool: Tool;
    n: number;
    round: number;
    ms: Record<Phase, number>;
    /** False when the no-change preview (or kubectl diff) reported changes right after the deployment. */
    previewClean: boolean;
}

export interface EngineReport {
    ran: boolean;
    reason?: string;
    /** True when the rounds ran on the real single-node cluster (--real-cluster), false on kwok. */
    realCluster?: boolean;
    binDir?: string;
    versions?: { [tool: string]: string };
    runs?: EngineRun[];
    /** One `pulumi up` of N = 1 per round with per-resource engine start/finish (bench/timeline.ts). */
    timelines?: { round: number; timeline: Timeline }[];
    /** Medians over those: total, Stack registered, first registration, per resource type. */
    timeline?: ReturnType<typeof summarizeTimelines>;
    /** The machine's load average (1, 5, 15 min) at the start and the end: others share the cores. */
    loadavg?: { start: number[]; end: number[] };
    /** Rounds that failed (control plane, time-outs), left out of the figures. */
    failures?: { round: number; error: string }[];
    perN?: {
        n: number;
        runs: number;
        median: Record<Tool, Record<Phase, number>>;
        /** Pulumi / kubectl, per phase. */
        ratio: Record<Phase, number>;
    }[];
}

interface Env {
    env: NodeJS.ProcessEnv;
}

function run(cmd: string, args: string[], e: Env, cwd?: string, allowFail = false): SpawnSyncReturns<string> {
    // No command may hang the benchmark: 15 minutes is far above any step at N=20.
    const child = runCommand(cmd, args, { cwd, env: e.env, timeoutMs: 15 * 60 * 1000 });
    if (!allowFail && child.status !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (exit ${child.status}):\n${child.stdout?.slice(-4000)}\n${child.stderr?.slice(-4000)}`);
    }
    return child;
}

function timed(cmd: string, args: string[], e: Env, cwd?: string): number {
    const start = performance.now();
    run(cmd, args, e, cwd);
    return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------
// kubectl side: the same objects as the component creates, written as manifests.

function manifests(n: number, certPem: string, keyPem: string, image: string | undefined): object[] {
    const config = renderNginxConfig(nginxConfigOptions(resolveSettings("bench", {})));
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const objects: object[] = [];
    for (let i = 0; i < n; i++) {
        const name = instanceName(i);
        const { selector, labels } = handwrittenLabels(name, "kubectl");
        objects.push(
            {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: `${name}-tls`, labels },
                type: "kubernetes.io/tls",
                immutable: true,
                data: { "tls.crt": b64(certPem), "tls.key": b64(keyPem) },
            },
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-config`, labels }, immutable: true, data: { "default.conf": config } },
            {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name, labels },
                spec: handwrittenDeploymentSpec(selector, labels, `${name}-config`, `${name}-tls`, image),
            },
            { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, labels }, spec: handwrittenDisruptionBudgetSpec(selector) },
            { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, labels }, spec: handwrittenNetworkPolicySpec(selector) },
            { apiVersion: "v1", kind: "Service", metadata: { name, labels, annotations: handwrittenServiceAnnotations }, spec: handwrittenServiceSpec(selector) },
        );
    }
    return objects;
}

/** The manifests of every N as files in `dir` (JSON documents are YAML; kubectl reads either). */
function writeManifests(dir: string, ns: number[], keys: { certPem: string; keyPem: string }, image: string | undefined): Map<number, string> {
    const files = new Map<number, string>();
    for (const n of ns) {
        const file = path.join(dir, `nginx-${n}.yaml`);
        fs.writeFileSync(file, manifests(n, keys.certPem, keys.keyPem, image).map((o) => `---\n${JSON.stringify(o, null, 2)}\n`).join(""));
        files.set(n, file);
    }
    return files;
}

/** A key and self-signed certificate as in the tutorial (`make keys`), made once, outside the clock. */
function makeKeys(dir: string, e: Env): { certPem: string; keyPem: string } {
    const key = path.join(dir, "nginx.key");
    const crt = path.join(dir, "nginx.crt");
    run("openssl", ["req", "-x509", "-nodes", "-days", "365", "-newkey", "rsa:2048", "-keyout", key, "-out", crt, "-subj", "/CN=my-nginx/O=my-nginx"], e);
    return { certPem: fs.readFileSync(crt, "utf8"), keyPem: fs.readFileSync(key, "utf8") };
}

function kubectlCycle(n: number, file: string, e: Env): { ms: Record<Phase, number>; previewClean: boolean } {
    const start = performance.now();
    run("kubectl", ["apply", "-f", file], e);
    for (let i = 0; i < n; i++) {
        run("kubectl", ["rollout", "status", `deployment/${instanceName(i)}`, "--timeout=180s"], e);
    }
    const up = performance.now() - start;
    // `kubectl diff` exits 0 when nothing would change and 1 when something would; more is an error.
    const diffStart = performance.now();
    const diff = run("kubectl", ["diff", "-f", file], e, undefined, true);
    const preview = performance.now() - diffStart;
    if (diff.status !== 0 && diff.status !== 1) {
        throw new Error(`kubectl diff failed (exit ${diff.status}):\n${diff.stderr.slice(-2000)}`);
    }
    if (diff.status === 1) {
        process.stderr.write(`kubectl diff reported changes right after apply (N=${n}):\n${diff.stdout.slice(-1500)}\n`);
    }
    const destroy = timed("kubectl", ["delete", "-f", file, "--wait=true"], e);
    return { ms: { up, preview, destroy }, previewClean: diff.status === 0 };
}

// ---------------------------------------------------------------------------------------------
// Pulumi side: the CLI on a local file backend, the program bench/engineProgram.ts.

function pulumiProject(root: string, codeDir: string): string {
    // Inside dist/, so the language host finds @pulumi/pulumi in the repo's node_modules; the program
    // itself is loaded from codeDir (NODE_PATH points its @pulumi/* requires at the same node_modules).
    const dir = path.join(root, "dist", "bench", "engine-project");
    fs.mkdirSync(dir, { recursive: true });
    // Each round's backend is new: an earlier round's stack config (its salt, another cluster's `image`)
    // must not carry over.
    for (const file of fs.readdirSync(dir).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
        fs.rmSync(path.join(dir, file), { force: true });
    }
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        ["name: nginx-service-bench", "runtime:", "  name: nodejs", "  options:", "    typescript: false", "main: index.js", ""].join("\n"),
    );
    fs.writeFileSync(path.join(dir, "index.js"), `module.exports = require(${JSON.stringify(path.join(codeDir, "bench", "engineProgram.js"))});\n`);
    return dir;
}

function pulumiCycle(n: number, project: string, e: Env): { ms: Record<Phase, number>; previewClean: boolean } {
    const stack = `bench-${n}`;
    const p = (args: string[]) => ["--non-interactive", "--cwd", project, "--stack", stack, ...args];
    const up = timed("pulumi", p(["up", "--yes", "--skip-preview", "--suppress-outputs", "--suppress-progress"]), e);
    // --expect-no-changes makes a preview that finds changes exit non-zero: timed either way, recorded.
    const previewStart = performance.now();
    const previewRun = run("pulumi", p(["preview", "--expect-no-changes", "--suppress-outputs", "--suppress-progress"]), e, undefined, true);
    const preview = performance.now() - previewStart;
    if (previewRun.status !== 0) {
        process.stderr.write(`pulumi preview --expect-no-changes failed right after up (N=${n}):\n${previewRun.stdout.slice(-1500)}${previewRun.stderr.slice(-1500)}\n`);
    }
    const destroy = timed("pulumi", p(["destroy", "--yes", "--skip-preview", "--suppress-progress"]), e);
    return { ms: { up, preview, destroy }, previewClean: previewRun.status === 0 };
}

/** A stack of the benchmark program with `count` instances (and the cluster's image, if it has one). */
function initStack(project: string, stack: string, count: number, image: string | undefined, e: Env): void {
    run("pulumi", ["--non-interactive", "--cwd", project, "stack", "init", stack], e);
    run("pulumi", ["--non-interactive", "--cwd", project, "--stack", stack, "config", "set", "count", String(count)], e);
    if (image !== undefined) {
        run("pulumi", ["--non-interactive", "--cwd", project, "--stack", stack, "config", "set", "image", image], e);
    }
}

/**
 * One more `pulumi up` of N = 1 through the Automation API, its engine events recorded; then destroyed.
 * `pulumiRoot` is where the Automation API finds bin/pulumi: the toolchain's, or the round's wrapper.
 */
async function timelineUp(project: string, pulumiRoot: string, image: string | undefined, e: Env): Promise<Timeline> {
    const stackName = "timeline-1";
    initStack(project, stackName, 1, image, e);
    const envVars = Object.fromEntries(Object.entries(e.env).filter((kv): kv is [string, string] => kv[1] !== undefined));
    const pulumiCommand = await PulumiCommand.get({ root: pulumiRoot });
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: project }, { envVars, pulumiCommand });
    try {
        return await timedUp(stack);
    } finally {
        run("pulumi", ["--non-interactive", "--cwd", project, "--stack", stackName, "destroy", "--yes", "--skip-preview", "--suppress-progress"], e);
    }
}

function summarize(runs: EngineRun[], ns: number[]): NonNullable<EngineReport["perN"]> {
    return ns.map((n) => {
        const of = (tool: Tool) => runs.filter((r) => r.tool === tool && r.n === n);
        const med = (tool: Tool) => Object.fromEntries(PHASES.map((ph) => [ph, median(of(tool).map((r) => r.ms[ph]))])) as Record<Phase, number>;
        const pulumi = med("pulumi");
        const kubectl = med("kubectl");
        return {
            n,
            runs: Math.min(of("pulumi").length, of("kubectl").length),
            median: { pulumi, kubectl },
            ratio: Object.fromEntries(PHASES.map((ph) => [ph, pulumi[ph] / kubectl[ph]])) as Record<Phase, number>,
        };
    });
}

function printReport(perN: NonNullable<EngineReport["perN"]>, realCluster: boolean): void {
    console.log("");
    console.log(`Real engine vs kubectl on ${realCluster ? "the real single-node cluster (real pods)" : "kwok's control plane (fake pods)"} (medians, ms; pulumi up = --skip-preview; kubectl up = apply + rollout status of each Deployment; preview = pulumi preview --expect-no-changes vs kubectl diff; destroy = pulumi destroy vs kubectl delete --wait)`);
    const rows = [["N", "runs", ...PHASES.flatMap((ph) => [`pulumi ${ph}`, `kubectl ${ph}`, `ratio`])]];
    for (const p of perN) {
        rows.push([String(p.n), String(p.runs), ...PHASES.flatMap((ph) => [p.median.pulumi[ph].toFixed(0), p.median.kubectl[ph].toFixed(0), p.ratio[ph].toFixed(2)])]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    console.log(rows.map((r) => r.map((cell, c) => cell.padStart(widths[c])).join("  ")).join("\n"));
}

function printTimeline(timelines: { round: number; timeline: Timeline }[], summary: ReturnType<typeof summarizeTimelines>): void {
    if (timelines.length === 0) {
        return;
    }
    const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log("");
    console.log(
        `One pulumi up of N=1 by engine events (medians of ${summary.runs} rounds): total ${sec(summary.totalMs)} (last engine event ${sec(summary.lastEventMs)}), Stack registered at ${sec(summary.stackRegisteredMs)}, first registration at ${sec(summary.firstRegistrationMs)}, first custom resource at ${sec(summary.firstCustomMs)}`,
    );
    console.log(`  per resource type: ${Object.entries(summary.byType).map(([type, ms]) => `${type.slice(type.lastIndexOf(":") + 1)} ${sec(ms)}`).join(", ")}`);
    // The round whose total is the median (the lower one for an even count), in full.
    const sorted = [...timelines].sort((a, b) => a.timeline.totalMs - b.timeline.totalMs);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    console.log(`Round ${mid.round + 1} (the median total), ${formatTimeline(mid.timeline)}`);
}

/** Where a round runs: kwok's control plane, or the real single-node cluster with the wrappers that reach it. */
interface RoundCluster {
    kubeconfig: string;
    /** First on the round's PATH: `pulumi` and `kubectl` wrappers that run the toolchain's inside the cluster's network namespace. */
    wrapperBin?: string;
    /** The nginx image of the component and the manifests; undefined: bench/handwritten.ts's (and the component's default). */
    image?: string;
    stop(): void;
}

/**
 * The real single-node cluster for one round, and in `dir` a bin dir of its wrappers
 * (RealCluster.writeWrappers: `pulumi` and `kubectl` inside the cluster's network namespace, the
 * engine's event stream relayed out for the Automation API). Stops the cluster if they cannot be written.
 */
function startRealCluster(bin: string, dir: string): RoundCluster {
    const cluster = RealCluster.start(bin);
    try {
        const wrapperBin = path.join(dir, "netns", "bin");
        fs.mkdirSync(wrapperBin, { recursive: true });
        cluster.writeWrappers(wrapperBin);
        return { kubeconfig: cluster.kubeconfig, wrapperBin, image: cluster.info.NGINX_IMAGE, stop: () => cluster.stop() };
    } catch (err) {
        cluster.stop();
        throw err;
    }
}

/**
 * One round in a cluster and a Pulumi backend of its own: every N, Pulumi and kubectl back to back
 * (which goes first alternates by round). A fresh control plane (or real cluster) per round, so no round
 * inherits another's objects or API server caches; a round that fails (the control plane, a time-out) is
 * recorded and left out, and the others stand.
 */
async function engineRound(
    round: number,
    ns: number[],
    options: { root: string; bin: string; codeDir: string; realCluster: boolean },
    keys: { certPem: string; keyPem: string },
    warmUp: boolean,
): Promise<{ runs: EngineRun[]; timeline?: Timeline }> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-bench-engine-"));
    let cluster: RoundCluster | undefined;
    try {
        cluster = options.realCluster ? startRealCluster(options.bin, work) : startControlPlane(options.bin);
        const { envVars } = pulumiEnvVars(work, options.bin, cluster.kubeconfig);
        const PATH = cluster.wrapperBin === undefined ? envVars.PATH : `${cluster.wrapperBin}${path.delimiter}${envVars.PATH}`;
        // NODE_PATH: the program runs from a copy of dist/ outside the repository (see pulumiProject).
        const e: Env = { env: { ...process.env, ...envVars, PATH, NODE_PATH: path.join(options.root, "node_modules") } };
        const files = writeManifests(work, ns, keys, cluster.image);
        const project = pulumiProject(options.root, options.codeDir);
        for (const n of ns) {
            initStack(project, `bench-${n}`, n, cluster.image, e);
        }
        if (warmUp) {
            // Discarded: plugin start-up, API server caches, node's compile cache.
            const warm = Math.min(...ns);
            pulumiCycle(warm, project, e);
            kubectlCycle(warm, files.get(warm)!, e);
        }
        const runs: EngineRun[] = [];
        for (const n of ns) {
            const order: Tool[] = round % 2 === 0 ? ["pulumi", "kubectl"] : ["kubectl", "pulumi"];
            for (const tool of order) {
                const { ms, previewClean } = tool === "pulumi" ? pulumiCycle(n, project, e) : kubectlCycle(n, files.get(n)!, e);
                runs.push({ tool, n, round, ms, previewClean });
                process.stderr.write(`engine round ${round + 1} N=${n} ${tool}: up ${ms.up.toFixed(0)} ms, preview ${ms.preview.toFixed(0)} ms, destroy ${ms.destroy.toFixed(0)} ms\n`);
            }
        }
        // The timeline is an extra: if it fails, the round's timed runs above still stand.
        try {
            const pulumiRoot = path.dirname(cluster.wrapperBin ?? options.bin);
            const timeline = await timelineUp(project, pulumiRoot, cluster.image, e);
            process.stderr.write(`engine round ${round + 1} N=1 timeline (load ${os.loadavg()[0].toFixed(1)}):\n${formatTimeline(timeline)}\n`);
            return { runs, timeline };
        } catch (err) {
            process.stderr.write(`engine round ${round + 1} N=1 timeline failed, left out: ${(err instanceof Error ? err.message : String(err)).slice(0, 1500)}\n`);
            return { runs };
        }
    } finally {
        try {
            cluster?.stop();
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    }
}

export async function runEngineBenchmark(options: {
    root: string;
    bin: string;
    runs: number;
    ns?: number[];
    codeDir?: string;
    /** The real single-node cluster (`controlplane.sh start --suite cluster`) instead of kwok's control plane. */
    realCluster?: boolean;
}): Promise<EngineReport> {
    const ns = options.ns ?? ENGINE_NS;
    const realCluster = options.realCluster === true;
    const codeDir = options.codeDir ?? path.resolve(__dirname, "..");
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-bench-manifests-"));
    const e: Env = { env: { ...process.env, PATH: `${options.bin}${path.delimiter}${process.env.PATH}` } };
    try {
        const versions: { [tool: string]: string } = {
            pulumi: run("pulumi", ["version"], e).stdout.trim(),
            kubectl: run("kubectl", ["version", "--client", "-o", "json"], e).stdout.match(/"gitVersion":\s*"([^"]+)"/)?.[1] ?? "?",
            server: run(path.join(options.bin, "kube-apiserver"), ["--version"], e).stdout.trim(),
        };
        if (realCluster) {
            versions.kubelet = run(path.join(options.bin, "kubelet"), ["--version"], e).stdout.trim();
            versions.containerd = run("containerd", ["--version"], e).stdout.trim();
            versions.runc = run("runc", ["--version"], e).stdout.split("\n")[0].trim();
        }
        const keys = makeKeys(work, e);
        const runs: EngineRun[] = [];
        const timelines: { round: number; timeline: Timeline }[] = [];
        const failures: { round: number; error: string }[] = [];
        const loadStart = os.loadavg();
        for (let round = 0; round < options.runs; round++) {
            try {
                const result = await engineRound(round, ns, { root: options.root, bin: options.bin, codeDir, realCluster }, keys, round === 0);
                runs.push(...result.runs);
                if (result.timeline !== undefined) {
                    timelines.push({ round, timeline: result.timeline });
                }
            } catch (err) {
                // A round that fails (the control plane, a timeout) is recorded and left out; the others stand.
                const error = err instanceof Error ? err.message : String(err);
                failures.push({ round, error: error.slice(0, 4000) });
                process.stderr.write(`engine round ${round + 1} failed, left out of the figures: ${error.slice(0, 1500)}\n`);
            }
        }
        const perN = summarize(runs, ns);
        printReport(perN, realCluster);
        const timeline = summarizeTimelines(timelines.map((t) => t.timeline));
        const loadavg = { start: loadStart, end: os.loadavg() };
        printTimeline(timelines, timeline);
        console.log(`load average (1, 5, 15 min): ${loadavg.start.map((l) => l.toFixed(2)).join(" ")} at the start, ${loadavg.end.map((l) => l.toFixed(2)).join(" ")} at the end; ${os.cpus().length} CPUs`);
        if (failures.length > 0) {
            console.log(`engine: ${failures.length} of ${options.runs} rounds failed and are left out (see the JSON)`);
        }
        return { ran: true, realCluster, binDir: options.bin, versions, runs, perN, timelines, timeline, loadavg, failures };
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** Runs part 2 where the toolchain is built (for the real cluster: its groups); otherwise prints one line saying why not. */
export async function runEngineBenchmarkIfBuilt(options: { root: string; runs: number; ns?: number[]; codeDir?: string; realCluster?: boolean }): Promise<EngineReport> {
    const realCluster = options.realCluster === true;
    const { bin, reason } = findToolchain(realCluster ? "cluster" : "kwok");
    if (bin === undefined) {
        console.log(`\nengine benchmark (part 2) skipped: the e2e toolchain is not built: ${reason}`);
        return { ran: false, realCluster, reason };
    }
    return runEngineBenchmark({ root: options.root, bin, runs: options.runs, ns: options.ns, codeDir: options.codeDir, realCluster });
}

if (require.main === module) {
    const argv = process.argv.slice(2);
    const arg = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const realCluster = argv.includes("--real-cluster");
    const root = path.resolve(__dirname, "..", "..");
    runEngineBenchmarkIfBuilt({ root, runs: Number(arg("--runs") ?? 5), ns: arg("--ns")?.split(",").map(Number), realCluster })
        .then((report) => {
            const out = path.join(root, "bench", "results", realCluster ? "engine-cluster-latest.json" : "engine-latest.json");
            fs.mkdirSync(path.dirname(out), { recursive: true });
            fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
        })
        .catch((err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        });
}
