// Part 3 of the benchmark: the data plane. nginx serving HTTPS through a ClusterIP Service on the real
// single-node cluster (tests/e2e/cluster/cluster.ts), measured from the cluster's own network namespace
// with Debian's load generators: `openssl s_time` (full and resumed handshakes per second), nghttp2's
// `h2load` (keep-alive requests per second over HTTP/1.1 and h2, with each request's latency) and curl
// (the latency of single handshakes on an idle server); and, for each, the CPU nginx's processes spent
// per handshake or request (from /proc), which other work on the machine disturbs far less than rates. Only where the cluster's toolchain is built and
// the tools are installed; otherwise it says so in one line and skips.
//
// What is compared, all on the cluster's nginx image, one replica each, pods alike but for their config:
//   default   the component's config, rendered by sdk/ (renderNginxConfig(nginxConfigOptions(resolveSettings())))
//             and its pod spec (podSpec), so the benchmark measures whatever the component generates;
//   tutorial  the tutorial's own default.conf (bench/dataplaneConfigs.ts);
//   best      a best-tuned reference written by hand, its own nginx.conf included (bench/dataplaneConfigs.ts);
//   best server only   the same server config on the image's nginx.conf: what of the gap to the
//             reference a server config (all the component writes) can close, and what is the main file's;
// all three with the same RSA 2048 key and certificate; and, for the choice of the key algorithm, the
// default config with an ECDSA P-256 key and with an RSA 3072 key (handshake figures only).
//
// Every pod gets one whole CPU (limit 1; the component's default 500m would make every figure the
// CFS quota's), and where the machine has two cores or more nginx's processes are pinned to the last
// core and every load generator to the first (taskset), so they do not compete with each other.
// Rounds alternate the order of the targets (ABC, CBA, ...); figures are medians over the rounds, with
// the machine's load average before and after each measurement. Ratios are printed, never asserted.
//
//   node dist/bench/dataplane.js [--rounds 5] [--seconds 3] [--out bench/results/dataplane-latest.json]
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import type { NginxServiceArgs } from "../sdk/args";
import { renderNginxConfig } from "../sdk/nginxConfig";
import { CONFIG_FILE_NAME, CONFIG_VOLUME, HTTPS_PORT, TLS_SECRET_KEYS } from "../sdk/pod";
import { resolveSettings } from "../sdk/settings";
import { KeyAlgorithm } from "../sdk/tls";
import { nginxConfigOptions, podSpec } from "../sdk/workload";
import { RealCluster } from "../tests/e2e/cluster/cluster";
import { findToolchain, run } from "../tests/e2e/harness";
import { bestTunedMainConfig, bestTunedServerConfig, tutorialServerConfig } from "./dataplaneConfigs";
import { CURL_HANDSHAKE_FORMAT, cpuTicks, parseCurlHandshakes, parseH2load, parseH2loadLog, parseSTime } from "./loadTools";
import { median, percentile } from "./stats";

/** The namespace of the benchmark's objects in the cluster. */
const NAMESPACE = "dataplane-bench";
/** The name the certificates are issued for; the clients reach each Service's address under it. */
const SERVER_NAME = "nginx-bench";
/** Parallel `openssl s_time` clients: enough to keep one nginx core busy while each waits for the network. */
const STIME_CLIENTS = 4;
/** Concurrent requests of the keep-alive runs: 16 HTTP/1.1 connections, or 4 h2 connections of 4 streams. */
const H1_CONNECTIONS = 16;
const H2_CONNECTIONS = 4;
const H2_STREAMS = 4;
/** Sequential handshakes per round whose latency is taken (curl, one new connection each). */
const LATENCY_HANDSHAKES = 100;
/**
 * Requests per connection in one h2load run: under nginx's default `keepalive_requests` (1000, which
 * bounds h2 connections too), so no config closes a connection mid-run; h2load does not reconnect after
 * an h2 GOAWAY, and its timed mode (-D) would then idle out the rest of the window. A keep-alive
 * measurement is as many such runs, each on new connections, as fill its seconds.
 */
const REQUESTS_PER_CONNECTION = 900;
/** The Debian tools the benchmark runs, by the package that has them. */
const TOOLS: { [tool: string]: string } = { h2load: "nghttp2-client", openssl: "openssl", curl: "curl", taskset: "util-linux", nsenter: "util-linux" };

type ConfigName = "default" | "tutorial" | "best" | "bestServer";
type KeyName = "rsa2048" | "ecdsaP256" | "rsa3072";

/** openssl req arguments that make each key. */
const KEYS: { [key in KeyName]: { label: string; newkey: string[] } } = {
    rsa2048: { label: "RSA 2048", newkey: ["-newkey", "rsa:2048"] },
    ecdsaP256: { label: "ECDSA P-256", newkey: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] },
    rsa3072: { label: "RSA 3072", newkey: ["-newkey", "rsa:3072"] },
};

interface Target {
    /** The Deployment's and Service's name. */
    name: string;
    config: ConfigName;
    key: KeyName;
    /** Keep-alive runs too; the key variants get the handshake figures only. */
    keepAlive: boolean;
}

const TARGETS: Target[] = [
    { name: "bench-default", config: "default", key: "rsa2048", keepAlive: true },
    { name: "bench-tutorial", config: "tutorial", key: "rsa2048", keepAlive: true },
    { name: "bench-best", config: "best", key: "rsa2048", keepAlive: true },
    { name: "bench-best-server", config: "bestServer", key: "rsa2048", keepAlive: true },
    { name: "bench-default-ecdsa", config: "default", key: "ecdsaP256", keepAlive: false },
    { name: "bench-default-rsa3072", config: "default", key: "rsa3072", keepAlive: false },
];

/** The figures of one target in one round. Rates per second, latencies in ms, CPU in ms per operation. */
export interface Figures {
    fullPerSecond: number;
    /** Server CPU (nginx's processes, user + system) per full handshake. */
    fullCpuMs: number;
    resumedPerSecond: number;
    /** Server CPU per resumed handshake. */
    resumedCpuMs: number;
    /** Share of the resumed run's connections that did resume (`r` marks of s_time). */
    resumedShare: number;
    handshakeP50Ms: number;
    handshakeP99Ms: number;
    h1PerSecond?: number;
    /** Server CPU per keep-alive request. */
    h1CpuMs?: number;
    h1P50Ms?: number;
    h1P99Ms?: number;
    /** Null when the server did not negotiate h2 (ALPN). */
    h2PerSecond?: number | null;
    h2CpuMs?: number | null;
    h2P50Ms?: number | null;
    h2P99Ms?: number | null;
    /** Requests h2load counted as failed or errored over both keep-alive runs (should be 0). */
    failedRequests?: number;
}

type FigureName = keyof Figures;

export interface DataplaneRun {
    round: number;
    target: string;
    figures: Figures;
    loadavg: { before: number; after: number };
}

export interface DataplaneReport {
    ran: boolean;
    reason?: string;
    startedAt?: string;
    rounds?: number;
    secondsPerRun?: number;
    pinned?: { nginxCpu: number; clientCpu: number } | null;
    versions?: { [tool: string]: string };
    targets?: (Target & { h2Negotiated: boolean })[];
    runs?: DataplaneRun[];
    failures?: { round: number; target: string; error: string }[];
    medians?: { [target: string]: Partial<Record<FigureName, number | null>> };
    ratios?: { [pair: string]: Partial<Record<FigureName, number | null>> };
    loadavg?: { start: number[]; end: number[] };
    clusterStartSeconds?: number;
}

/** A figure where less is better: its ratio is other/default, so that >= 1.0 always means "the default is as good or better". */
const LOWER_IS_BETTER = new Set<FigureName>(["fullCpuMs", "resumedCpuMs", "h1CpuMs", "h2CpuMs", "handshakeP50Ms", "handshakeP99Ms", "h1P50Ms", "h1P99Ms", "h2P50Ms", "h2P99Ms"]);

const ROWS: { figure: FigureName; label: string; digits: number }[] = [
    { figure: "fullPerSecond", label: "full handshakes/s (new connection + GET)", digits: 0 },
    { figure: "fullCpuMs", label: "server CPU ms per full handshake", digits: 3 },
    { figure: "resumedPerSecond", label: "resumed handshakes/s (+ GET)", digits: 0 },
    { figure: "resumedCpuMs", label: "server CPU ms per resumed handshake", digits: 3 },
    { figure: "resumedShare", label: "share of those resumed", digits: 2 },
    { figure: "handshakeP50Ms", label: "full handshake p50 ms (idle server)", digits: 2 },
    { figure: "handshakeP99Ms", label: "full handshake p99 ms (idle server)", digits: 2 },
    { figure: "h1PerSecond", label: `HTTP/1.1 keep-alive req/s (${H1_CONNECTIONS} conns)`, digits: 0 },
    { figure: "h1CpuMs", label: "server CPU ms per HTTP/1.1 request", digits: 4 },
    { figure: "h1P50Ms", label: "HTTP/1.1 request p50 ms", digits: 2 },
    { figure: "h1P99Ms", label: "HTTP/1.1 request p99 ms", digits: 2 },
    { figure: "h2PerSecond", label: `h2 keep-alive req/s (${H2_CONNECTIONS}x${H2_STREAMS} streams)`, digits: 0 },
    { figure: "h2CpuMs", label: "server CPU ms per h2 request", digits: 4 },
    { figure: "h2P50Ms", label: "h2 request p50 ms", digits: 2 },
    { figure: "h2P99Ms", label: "h2 request p99 ms", digits: 2 },
];

// ---------------------------------------------------------------------------------------------
// The objects in the cluster.

/** The component's settings for one target: its defaults, with the cluster's image, one replica and one whole CPU. */
function targetSettings(target: Target, image: string) {
    const args: NginxServiceArgs = {
        namespace: NAMESPACE,
        image,
        replicas: 1,
        resources: { cpuLimit: "1" },
        ...(target.key === "ecdsaP256" ? { tls: { keyAlgorithm: KeyAlgorithm.ECDSA } } : {}),
    };
    return resolveSettings(target.name, args);
}

function serverConfigOf(target: Target, image: string): string {
    switch (target.config) {
        case "default":
            return renderNginxConfig(nginxConfigOptions(targetSettings(target, image)));
        case "tutorial":
            return tutorialServerConfig();
        case "best":
        case "bestServer":
            return bestTunedServerConfig();
    }
}

const MAIN_CONFIG_FILE = "nginx.conf";
const MAIN_CONFIG_PATH = "/etc/nginx/nginx.conf";

/** The manifests of one target: ConfigMap(s), Deployment and ClusterIP Service; the Secret is its key's. */
function targetManifests(target: Target, image: string): object[] {
    const settings = targetSettings(target, image);
    const configMap = `${target.name}-config`;
    const mainConfigMap = `${target.name}-main`;
    const spec: any = JSON.parse(JSON.stringify(podSpec(settings, configMap, `tls-${target.key.toLowerCase()}`)));
    const nginx = spec.containers[0];
    if (target.config === "tutorial") {
        // The tutorial's config has no health location: the probes ask for its index page instead.
        for (const probe of [nginx.readinessProbe, nginx.livenessProbe]) {
            probe.httpGet.path = "/";
        }
    }
    const objects: object[] = [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: configMap, namespace: NAMESPACE }, data: { [CONFIG_FILE_NAME]: serverConfigOf(target, image) } },
    ];
    if (target.config === "best") {
        objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: mainConfigMap, namespace: NAMESPACE }, data: { [MAIN_CONFIG_FILE]: bestTunedMainConfig() } });
        spec.volumes.push({ name: "main-config", configMap: { name: mainConfigMap } });
        nginx.volumeMounts.push({ name: "main-config", mountPath: MAIN_CONFIG_PATH, subPath: MAIN_CONFIG_FILE, readOnly: true });
    }
    if (!nginx.volumeMounts.some((m: any) => m.mountPath === CONFIG_VOLUME.mountPath)) {
        throw new Error(`the component's pod spec no longer mounts its config at ${CONFIG_VOLUME.mountPath}`);
    }
    objects.push(
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: target.name, namespace: NAMESPACE, labels: settings.labels },
            spec: { replicas: 1, selector: { matchLabels: settings.selectorLabels }, template: { metadata: { labels: settings.labels }, spec } },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: target.name, namespace: NAMESPACE, labels: settings.labels },
            spec: { type: "ClusterIP", selector: settings.selectorLabels, ports: [{ name: "https", port: 443, targetPort: HTTPS_PORT.name, protocol: "TCP" }] },
        },
    );
    return objects;
}

/** A key and a self-signed certificate for SERVER_NAME, as PEM, made with openssl in `dir`. */
function makeKey(dir: string, key: KeyName): { certPem: string; keyPem: string } {
    const keyFile = path.join(dir, `${key}.key`);
    const certFile = path.join(dir, `${key}.crt`);
    const r = run("openssl", ["req", "-x509", "-nodes", "-days", "2", ...KEYS[key].newkey, "-keyout", keyFile, "-out", certFile, "-subj", `/CN=${SERVER_NAME}`, "-addext", `subjectAltName=DNS:${SERVER_NAME}`]);
    if (r.status !== 0) {
        throw new Error(`openssl req (${key}) failed: ${r.stderr}`);
    }
    return { certPem: fs.readFileSync(certFile, "utf8"), keyPem: fs.readFileSync(keyFile, "utf8") };
}

function secretManifest(key: KeyName, pems: { certPem: string; keyPem: string }): object {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `tls-${key.toLowerCase()}`, namespace: NAMESPACE },
        type: "kubernetes.io/tls",
        data: { [TLS_SECRET_KEYS.certificate]: b64(pems.certPem), [TLS_SECRET_KEYS.privateKey]: b64(pems.keyPem) },
    };
}

// ---------------------------------------------------------------------------------------------
// Running the load generators inside the cluster's namespace.

interface Runner {
    netnsPath: string;
    clientCpu?: number;
}

/** The command line of a tool run in the cluster's namespace, pinned to the client's core if there is one. */
function commandIn(runner: Runner, tool: string, args: string[]): string[] {
    const pin = runner.clientCpu === undefined ? [] : ["taskset", "-c", String(runner.clientCpu)];
    return [...pin, "nsenter", `--net=${runner.netnsPath}`, tool, ...args];
}

/** Runs a command to its end (killed after `timeoutMs`); resolves with its output whatever its exit. */
function spawnAsync(argv: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    return new Promise((resolve, reject) => {
        const start = performance.now();
        const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += d));
        child.stderr!.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr, ms: performance.now() - start });
        });
    });
}

/** The CPU ticks nginx's processes of a pod have used so far. */
function nginxTicks(pids: number[]): number {
    return pids.reduce((sum, pid) => sum + cpuTicks(fs.readFileSync(`/proc/${pid}/stat`, "utf8")), 0);
}

let ticksPerSecond: number | undefined;
/** The kernel's clock ticks per second, the unit of /proc/PID/stat's CPU times. */
function ticksPerSecondOnce(): number {
    ticksPerSecond ??= Number(run("getconf", ["CLK_TCK"]).stdout.trim()) || 100;
    return ticksPerSecond;
}

/**
 * `STIME_CLIENTS` parallel `openssl s_time` runs of `seconds` against the address, each a new connection
 * and a GET of `/` per iteration; `reuse` resumes the session of each run's first connection. Its own
 * clock: s_time counts whole seconds.
 */
async function sTime(runner: Runner, address: string, seconds: number, reuse: boolean, pids: number[]): Promise<{ perSecond: number; resumedShare: number; cpuMs: number }> {
    const args = ["s_time", "-connect", `${address}:443`, reuse ? "-reuse" : "-new", "-time", String(seconds), "-www", "/"];
    const ticks0 = nginxTicks(pids);
    const start = performance.now();
    const results = await Promise.all(Array.from({ length: STIME_CLIENTS }, () => spawnAsync(commandIn(runner, "openssl", args), (seconds + 30) * 1000)));
    const wall = (performance.now() - start) / 1000;
    const cpuSeconds = (nginxTicks(pids) - ticks0) / ticksPerSecondOnce();
    let connections = 0;
    let resumed = 0;
    for (const r of results) {
        if (r.status !== 0) {
            throw new Error(`openssl s_time exited ${r.status}: ${r.stderr.slice(-1000)}`);
        }
        const parsed = parseSTime(r.stdout);
        connections += parsed.connections;
        resumed += parsed.resumed;
    }
    return { perSecond: connections / wall, resumedShare: connections === 0 ? 0 : resumed / connections, cpuMs: connections === 0 ? NaN : (cpuSeconds * 1000) / connections };
}

/** LATENCY_HANDSHAKES sequential curl requests, each on a new connection with no session reused: each handshake's ms. */
async function handshakeLatencies(runner: Runner, address: string, caFile: string): Promise<number[]> {
    const args = [
        "-sS",
        "--http1.1",
        "--no-sessionid",
        "-H",
        "Connection: close",
        "--cacert",
        caFile,
        "--resolve",
        `${SERVER_NAME}:443:${address}`,
        "--max-time",
        "5",
        "-o",
        "/dev/null",
        "-w",
        CURL_HANDSHAKE_FORMAT,
        `https://${SERVER_NAME}/?[1-${LATENCY_HANDSHAKES}]`,
    ];
    const r = await spawnAsync(commandIn(runner, "curl", args), 120_000);
    const handshakes = parseCurlHandshakes(r.stderr);
    if (r.status !== 0 || handshakes.length !== LATENCY_HANDSHAKES) {
        throw new Error(`curl made ${handshakes.length} of ${LATENCY_HANDSHAKES} handshakes (exit ${r.status}): ${r.stderr.slice(-1000)}`);
    }
    return handshakes;
}

/**
 * Keep-alive requests for at least `seconds`: h2load runs of REQUESTS_PER_CONNECTION per connection,
 * back to back. Requests per second over the runs' own measured time, each request's latency, and
 * nginx's CPU per request; null when `h2` was asked for and ALPN chose something else.
 */
async function keepAlive(
    runner: Runner,
    address: string,
    seconds: number,
    h2: boolean,
    work: string,
    pids: number[],
): Promise<{ perSecond: number; p50: number; p99: number; cpuMs: number; failed: number } | null> {
    const log = path.join(work, `h2load-${process.pid}.tsv`);
    const connections = h2 ? H2_CONNECTIONS : H1_CONNECTIONS;
    const shape = h2 ? ["-c", String(connections), "-m", String(H2_STREAMS)] : ["--h1", "-c", String(connections)];
    const args = [...shape, "-t", "1", "-n", String(connections * REQUESTS_PER_CONNECTION), "--log-file", log, `https://${address}/`];
    const latencies: number[] = [];
    let succeeded = 0;
    let failed = 0;
    let measured = 0;
    const ticks0 = nginxTicks(pids);
    const start = performance.now();
    try {
        while (performance.now() - start < seconds * 1000) {
            const r = await spawnAsync(commandIn(runner, "h2load", args), 60_000);
            const parsed = parseH2load(r.stdout);
            if (h2 && parsed.protocol !== "h2") {
                return null;
            }
            if (parsed.succeeded === 0) {
                throw new Error(`h2load: no request succeeded (exit ${r.status}):\n${r.stdout.slice(-1500)}${r.stderr.slice(-500)}`);
            }
            succeeded += parsed.succeeded;
            failed += parsed.failed + parsed.errored;
            measured += parsed.seconds;
            // One by one: a spread of 100000 arguments overflows the stack.
            for (const ms of parseH2loadLog(fs.readFileSync(log, "utf8"))) latencies.push(ms);
        }
        const cpuSeconds = (nginxTicks(pids) - ticks0) / ticksPerSecondOnce();
        return { perSecond: succeeded / measured, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuMs: (cpuSeconds * 1000) / succeeded, failed };
    } finally {
        fs.rmSync(log, { force: true });
    }
}

// ---------------------------------------------------------------------------------------------
// The run.

interface Deployed {
    target: Target;
    address: string;
    pids: number[];
    h2Negotiated: boolean;
}

/** The host pids of nginx's processes in a pod: the container's first process and its children. */
function nginxPids(cluster: RealCluster, pod: any): number[] {
    const master = cluster.containerPid(pod);
    const children = fs
        .readFileSync(`/proc/${master}/task/${master}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter((p) => p !== "")
        .map(Number);
    return [master, ...children];
}

function deploy(cluster: RealCluster, work: string, runner: Runner, nginxCpu: number | undefined): Deployed[] {
    const image = cluster.info.NGINX_IMAGE;
    cluster.kubectl(["create", "namespace", NAMESPACE]);
    const keys = [...new Set(TARGETS.map((t) => t.key))];
    const objects: object[] = [];
    for (const key of keys) {
        const pems = makeKey(work, key);
        fs.writeFileSync(path.join(work, `${key}-ca.pem`), pems.certPem);
        objects.push(secretManifest(key, pems));
    }
    for (const target of TARGETS) {
        objects.push(...targetManifests(target, image));
    }
    cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
    for (const target of TARGETS) {
        cluster.kubectl(["-n", NAMESPACE, "rollout", "status", `deployment/${target.name}`, "--timeout=180s"]);
    }
    return TARGETS.map((target) => {
        const address = cluster.kubectlJson(["-n", NAMESPACE, "get", "service", target.name]).spec.clusterIP as string;
        const pods = cluster.podsOf(NAMESPACE, target.name);
        if (pods.length !== 1) {
            throw new Error(`${target.name}: ${pods.length} pods, expected 1`);
        }
        const pids = nginxPids(cluster, pods[0]);
        if (nginxCpu !== undefined) {
            for (const pid of pids) {
                const r = run("taskset", ["-p", "-c", String(nginxCpu), String(pid)]);
                if (r.status !== 0) {
                    throw new Error(`taskset of ${target.name}'s pid ${pid} failed: ${r.stderr}`);
                }
            }
        }
        // Which protocol ALPN picks when a client offers h2 and HTTP/1.1, as browsers do. Asked until it
        // answers: kube-proxy rejects a Service's connections until it has seen the pod's endpoint.
        const probe = () => cluster.exec("curl", [
            "-sS",
            "--http2",
            "--cacert",
            path.join(work, `${target.key}-ca.pem`),
            "--resolve",
            `${SERVER_NAME}:443:${address}`,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{http_version}",
            `https://${SERVER_NAME}/`,
        ]);
        let answer = probe();
        for (const deadline = Date.now() + 60_000; !answer.stdout.startsWith("200 ") && Date.now() < deadline; answer = probe()) {
            run("sleep", ["0.5"]);
        }
        const [code, version] = answer.stdout.trim().split(" ");
        if (code !== "200") {
            throw new Error(`${target.name} (${address}) answered ${JSON.stringify(answer.stdout)} over HTTPS for 60 s: ${answer.stderr}`);
        }
        return { target, address, pids, h2Negotiated: version === "2" };
    });
}

async function measure(deployed: Deployed, runner: Runner, work: string, seconds: number): Promise<Figures> {
    const { address, pids, target } = deployed;
    const full = await sTime(runner, address, seconds, false, pids);
    const resumed = await sTime(runner, address, seconds, true, pids);
    const handshakes = await handshakeLatencies(runner, address, path.join(work, `${target.key}-ca.pem`));
    const figures: Figures = {
        fullPerSecond: full.perSecond,
        fullCpuMs: full.cpuMs,
        resumedPerSecond: resumed.perSecond,
        resumedCpuMs: resumed.cpuMs,
        resumedShare: resumed.resumedShare,
        handshakeP50Ms: percentile(handshakes, 50),
        handshakeP99Ms: percentile(handshakes, 99),
    };
    if (target.keepAlive) {
        const h1 = await keepAlive(runner, address, seconds, false, work, pids);
        const h2 = await keepAlive(runner, address, seconds, true, work, pids);
        Object.assign(figures, {
            h1PerSecond: h1!.perSecond,
            h1CpuMs: h1!.cpuMs,
            h2CpuMs: h2?.cpuMs ?? null,
            h1P50Ms: h1!.p50,
            h1P99Ms: h1!.p99,
            h2PerSecond: h2?.perSecond ?? null,
            h2P50Ms: h2?.p50 ?? null,
            h2P99Ms: h2?.p99 ?? null,
            failedRequests: h1!.failed + (h2?.failed ?? 0),
        });
    }
    return figures;
}

function summarize(runs: DataplaneRun[]): { medians: NonNullable<DataplaneReport["medians"]>; ratios: NonNullable<DataplaneReport["ratios"]> } {
    const medians: NonNullable<DataplaneReport["medians"]> = {};
    for (const target of TARGETS) {
        const mine = runs.filter((r) => r.target === target.name);
        const m: Partial<Record<FigureName, number | null>> = {};
        for (const figure of [...ROWS.map((r) => r.figure), "failedRequests" as FigureName]) {
            const values = mine.map((r) => r.figures[figure]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
            const asked = mine.some((r) => figure in r.figures);
            m[figure] = values.length > 0 ? median(values) : asked ? null : undefined;
        }
        medians[target.name] = m;
    }
    const ratio = (a: string, b: string) => {
        const out: Partial<Record<FigureName, number | null>> = {};
        for (const { figure } of ROWS) {
            const x = medians[a]?.[figure];
            const y = medians[b]?.[figure];
            if (x === undefined || y === undefined || figure === "resumedShare") {
                continue;
            }
            out[figure] = x === null || y === null || x === 0 || y === 0 ? null : LOWER_IS_BETTER.has(figure) ? y / x : x / y;
        }
        return out;
    };
    return {
        medians,
        ratios: {
            "default/tutorial": ratio("bench-default", "bench-tutorial"),
            "default/best": ratio("bench-default", "bench-best"),
            "default/bestServer": ratio("bench-default", "bench-best-server"),
            "ecdsaP256/rsa2048": ratio("bench-default-ecdsa", "bench-default"),
            "rsa3072/rsa2048": ratio("bench-default-rsa3072", "bench-default"),
        },
    };
}

function table(rows: string[][]): string {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")).join("\n");
}

function printReport(report: DataplaneReport): void {
    const { medians, ratios } = report as Required<DataplaneReport>;
    const fmt = (v: number | null | undefined, digits: number) => (v === undefined ? "-" : v === null ? "not negotiated" : v.toFixed(digits));
    const fmtRatio = (v: number | null | undefined) => (v === undefined || v === null ? "-" : v.toFixed(2));
    console.log("");
    console.log(
        `Data plane through a ClusterIP Service on the real cluster (medians of ${report.rounds} alternated rounds, ${report.secondsPerRun} s per run; ratios are the default's advantage: rate_default/rate_other, latency_other/latency_default, so >= 1.0 means as good or better)`,
    );
    const rows = [["figure", "default", "tutorial", "best", "best server only", "default/tutorial", "default/best"]];
    for (const { figure, label, digits } of ROWS) {
        rows.push([
            label,
            fmt(medians["bench-default"][figure], digits),
            fmt(medians["bench-tutorial"][figure], digits),
            fmt(medians["bench-best"][figure], digits),
            fmt(medians["bench-best-server"][figure], digits),
            fmtRatio(ratios["default/tutorial"][figure]),
            fmtRatio(ratios["default/best"][figure]),
        ]);
    }
    console.log(table(rows));
    console.log(`("best server only": the best-tuned server config on the image's nginx.conf, as the component's config is)`);
    console.log("");
    console.log("Key algorithm, the default config (medians):");
    const keyRows = [["key", "full handshakes/s", "p50 ms", "p99 ms", "server CPU ms/handshake", "resumed/s", "full handshakes/s vs RSA 2048"]];
    for (const [name, label, pair] of [
        ["bench-default", KEYS.rsa2048.label, undefined],
        ["bench-default-ecdsa", KEYS.ecdsaP256.label, "ecdsaP256/rsa2048"],
        ["bench-default-rsa3072", KEYS.rsa3072.label, "rsa3072/rsa2048"],
    ] as const) {
        const m = medians[name];
        keyRows.push([
            label,
            fmt(m.fullPerSecond, 0),
            fmt(m.handshakeP50Ms, 2),
            fmt(m.handshakeP99Ms, 2),
            fmt(m.fullCpuMs, 3),
            fmt(m.resumedPerSecond, 0),
            pair === undefined ? "1.00" : fmtRatio(ratios[pair].fullPerSecond),
        ]);
    }
    console.log(table(keyRows));
    const failed = Object.values(medians).reduce((n, m) => n + (m.failedRequests ?? 0), 0);
    if (failed > 0) {
        console.log(`h2load counted failed or errored requests (median per target, summed): ${failed}`);
    }
    const { start, end } = report.loadavg!;
    console.log(
        `load average (1, 5, 15 min): ${start.map((l) => l.toFixed(2)).join(" ")} at the start, ${end.map((l) => l.toFixed(2)).join(" ")} at the end; ${os.cpus().length} CPUs; ${
            report.pinned ? `nginx pinned to CPU ${report.pinned.nginxCpu}, load generators to CPU ${report.pinned.clientCpu}` : "not pinned (one CPU)"
        }`,
    );
    if ((report.failures ?? []).length > 0) {
        console.log(`${report.failures!.length} measurements failed and are left out (see the JSON)`);
    }
}

function toolVersions(): { [tool: string]: string } {
    const first = (cmd: string, args: string[]) => {
        const r = run(cmd, args);
        return `${r.stdout}${r.stderr}`.trim().split("\n")[0];
    };
    return { h2load: first("h2load", ["--version"]), openssl: first("openssl", ["version"]), curl: first("curl", ["--version"]) };
}

/** Why the benchmark cannot run here, or undefined: a Debian tool missing. */
function missingTools(): string | undefined {
    const missing = Object.keys(TOOLS).filter((tool) => run("sh", ["-c", `command -v ${tool}`]).status !== 0);
    return missing.length === 0 ? undefined : `missing ${missing.join(", ")} (Debian: ${[...new Set(missing.map((t) => TOOLS[t]))].join(" ")}; scripts/install.sh installs them)`;
}

export async function runDataplaneBenchmark(options: { bin: string; rounds: number; seconds: number }): Promise<DataplaneReport> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-bench-dataplane-"));
    const cpus = os.cpus().length;
    const pinned = cpus >= 2 ? { nginxCpu: cpus - 1, clientCpu: 0 } : null;
    const runner0 = { clientCpu: pinned?.clientCpu };
    const loadStart = os.loadavg();
    const startedAt = new Date().toISOString();
    const cluster = RealCluster.start(options.bin);
    try {
        console.log(`\ndata-plane benchmark: cluster started in ${cluster.startSeconds.toFixed(1)} s (namespace ${cluster.info.NETNS})`);
        const runner: Runner = { ...runner0, netnsPath: cluster.netnsPath };
        const deployed = deploy(cluster, work, runner, pinned?.nginxCpu);
        for (const d of deployed) {
            process.stderr.write(`dataplane: ${d.target.name} at ${d.address}, nginx pids ${d.pids.join(",")}, h2 ${d.h2Negotiated ? "negotiated" : "not negotiated"}\n`);
        }
        const runs: DataplaneRun[] = [];
        const failures: { round: number; target: string; error: string }[] = [];
        for (let round = 0; round < options.rounds; round++) {
            const order = round % 2 === 0 ? deployed : [...deployed].reverse();
            for (const d of order) {
                const before = os.loadavg()[0];
                try {
                    const figures = await measure(d, runner, work, options.seconds);
                    const after = os.loadavg()[0];
                    runs.push({ round, target: d.target.name, figures, loadavg: { before, after } });
                    process.stderr.write(
                        `dataplane round ${round + 1} ${d.target.name}: ${Object.entries(figures)
                            .map(([k, v]) => `${k} ${typeof v === "number" ? v.toFixed(2) : v}`)
                            .join(", ")} (load ${before.toFixed(1)} -> ${after.toFixed(1)})\n`,
                    );
                } catch (err) {
                    const error = err instanceof Error ? err.message : String(err);
                    failures.push({ round, target: d.target.name, error: error.slice(0, 4000) });
                    process.stderr.write(`dataplane round ${round + 1} ${d.target.name} failed, left out: ${error.slice(0, 1500)}\n`);
                }
            }
        }
        const report: DataplaneReport = {
            ran: true,
            startedAt,
            rounds: options.rounds,
            secondsPerRun: options.seconds,
            pinned,
            versions: { ...toolVersions(), nginxImage: cluster.info.NGINX_IMAGE },
            targets: deployed.map((d) => ({ ...d.target, h2Negotiated: d.h2Negotiated })),
            runs,
            failures,
            ...summarize(runs),
            loadavg: { start: loadStart, end: os.loadavg() },
            clusterStartSeconds: cluster.startSeconds,
        };
        printReport(report);
        return report;
    } finally {
        try {
            cluster.stop();
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    }
}

/** Runs part 3 where the cluster's toolchain is built and the load generators are installed; otherwise prints one line saying why not. */
export async function runDataplaneBenchmarkIfBuilt(options: { rounds: number; seconds: number }): Promise<DataplaneReport> {
    const { bin, reason } = findToolchain("cluster");
    const why = bin === undefined ? `the cluster's toolchain is not built: ${reason}` : missingTools();
    if (why !== undefined) {
        console.log(`\ndata-plane benchmark (part 3) skipped: ${why}`);
        return { ran: false, reason: why };
    }
    return runDataplaneBenchmark({ bin: bin!, rounds: options.rounds, seconds: options.seconds });
}

export const DATAPLANE_DEFAULTS = { rounds: 5, seconds: 3 };

if (require.main === module) {
    const argv = process.argv.slice(2);
    const arg = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const root = path.resolve(__dirname, "..", "..");
    const rounds = Number(arg("--rounds") ?? DATAPLANE_DEFAULTS.rounds);
    const seconds = Number(arg("--seconds") ?? DATAPLANE_DEFAULTS.seconds);
    if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(seconds) || seconds < 1) {
        console.error("usage: dataplane.js [--rounds 5] [--seconds 3] [--out FILE]");
        process.exit(2);
    }
    const out = path.resolve(arg("--out") ?? path.join(root, "bench", "results", "dataplane-latest.json"));
    runDataplaneBenchmarkIfBuilt({ rounds, seconds })
        .then((report) => {
            fs.mkdirSync(path.dirname(out), { recursive: true });
            fs.writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
        })
        .catch((err) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(1);
        });
}
