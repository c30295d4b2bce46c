// Live traffic for the fault drills: a bounded request loop, in a client pod or in a network namespace
// of the cluster, through the Service, with HTTPS verified against a CA file (never skipped). A request
// fails on any connect or TLS error, any answer other than 200, or no answer within REQUEST_TIMEOUT_SECONDS.
// Every request is reported with the time it was sent, so that a drill can say which failures its fault
// explains.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RealCluster } from "./cluster";

/** curl's --max-time by default: a request still unanswered after this long counts as failed. */
export const REQUEST_TIMEOUT_SECONDS = 2;

export interface Request {
    /** 1-based sequence number. */
    n: number;
    /** When curl was started (ms since the epoch; pods and the test read the same kernel clock). */
    sentMs: number;
    /** HTTP status, "000" when none came. */
    code: string;
    /** curl's exit code. */
    exit: number;
}

export interface LoadResult {
    sent: number;
    failed: number;
    /** The first failures, as "<n> <http code> <curl exit>". */
    failures: string[];
    seconds: number;
    /** Requests per second actually sent. */
    rate: number;
    /** Every request, in order. */
    requests: Request[];
    /** curl's --max-time of each request. */
    timeoutSeconds: number;
}

export interface LoadOptions {
    /** Bounds: the loop ends by itself after this many requests or seconds, whichever comes first. */
    maxRequests?: number;
    maxSeconds?: number;
    /** Pause between requests; with curl's own time this gives roughly 20 requests per second. */
    pauseSeconds?: number;
    /** The CA file where the loop runs, read anew by each request (so a test may extend it mid-run). */
    caFile?: string;
    /** The client pod the loop runs in (startLoad). */
    pod?: string;
    /** More curl arguments (e.g. --resolve, to send a name's requests to a load balancer). */
    curlArgs?: string[];
    /** curl's --max-time (default REQUEST_TIMEOUT_SECONDS). */
    timeoutSeconds?: number;
}

export interface Load {
    /** Ends the loop and returns its figures. */
    stop(): Promise<LoadResult>;
}

let loads = 0;

function loopScript(url: string, stopFile: string, options: LoadOptions): string {
    const { maxRequests = 3000, maxSeconds = 180, pauseSeconds = 0.03, caFile = "/tmp/ca.pem", curlArgs = [], timeoutSeconds = REQUEST_TIMEOUT_SECONDS } = options;
    const extra = curlArgs.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    return [
        `n=0; failed=0; start=$(date +%s); end=$((start + ${maxSeconds}))`,
        `while [ ! -e ${stopFile} ] && [ $n -lt ${maxRequests} ] && [ $(date +%s) -lt $end ]; do`,
        `  t=$(date +%s%3N)`,
        `  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time ${timeoutSeconds} --cacert ${caFile} ${extra} ${url}); rc=$?`,
        `  n=$((n + 1))`,
        `  echo "R $n $t $code $rc"`,
        `  if [ "$code" != 200 ]; then failed=$((failed + 1)); fi`,
        `  sleep ${pauseSeconds}`,
        `done`,
        `echo "SENT $n FAILED $failed SECONDS $(( $(date +%s) - start ))"`,
    ].join("\n");
}

function runLoop(argv: string[], writeStopFile: () => void, timeoutSeconds = REQUEST_TIMEOUT_SECONDS): Load {
    const [command, ...args] = argv;
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const done = new Promise<LoadResult>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => {
            const m = /SENT (\d+) FAILED (\d+) SECONDS (\d+)/.exec(out);
            if (!m) {
                reject(new Error(`the load loop ended without its figures (exit ${code}):\n${out.slice(-2000)}\n${err}`));
                return;
            }
            const [sent, failed, seconds] = [Number(m[1]), Number(m[2]), Number(m[3])];
            const requests = out
                .split("\n")
                .filter((l) => l.startsWith("R "))
                .map((l) => {
                    const [, n, t, code, exit] = l.split(" ");
                    return { n: Number(n), sentMs: Number(t), code, exit: Number(exit) };
                });
            const failures = requests
                .filter((r) => r.code !== "200")
                .slice(0, 10)
                .map((r) => `${r.n} ${r.code} ${r.exit}`);
            resolve({ sent, failed, failures, seconds, rate: seconds > 0 ? sent / seconds : sent, requests, timeoutSeconds });
        });
    });
    return {
        stop: async () => {
            writeStopFile();
            return done;
        },
    };
}

/** The loop in a client pod (RealCluster.startClient), through the Service's name. */
export function startLoad(cluster: RealCluster, namespace: string, url: string, options: LoadOptions = {}): Load {
    const pod = options.pod ?? "client";
    const stopFile = `/tmp/stop-load-${process.pid}-${++loads}`;
    const argv = cluster.kubectlCommand(["-n", namespace, "exec", pod, "--", "sh", "-c", loopScript(url, stopFile, options)]);
    return runLoop(
        argv,
        () => {
            const r = cluster.inClient(namespace, ["sh", "-c", `: > ${stopFile}`], undefined, pod);
            if (r.status !== 0) {
                throw new Error(`could not stop the load loop: ${r.stderr}`);
            }
        },
        options.timeoutSeconds,
    );
}

/**
 * The loop in a network namespace (e.g. the client outside a multi-node cluster), with the machine's
 * curl; `ca` is the PEM the requests verify against.
 */
export function startLoadInNetns(netns: string, url: string, ca: string, options: LoadOptions = {}): Load {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-load-"));
    const caFile = path.join(dir, "ca.pem");
    fs.writeFileSync(caFile, ca);
    const stopFile = path.join(dir, "stop");
    const load = runLoop(
        ["nsenter", `--net=/run/netns/${netns}`, "sh", "-c", loopScript(url, stopFile, { ...options, caFile })],
        () => fs.writeFileSync(stopFile, ""),
        options.timeoutSeconds,
    );
    return {
        stop: async () => {
            try {
                return await load.stop();
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}

/** One line for the test's output: the figures the drills report. */
export function describeLoad(what: string, r: LoadResult, convergeSeconds?: number): string {
    const converge = convergeSeconds === undefined ? "" : `, converged in ${convergeSeconds.toFixed(1)} s`;
    const first = r.failures.length ? ` (first failures: ${r.failures.join("; ")})` : "";
    return `${what}: ${r.sent} requests in ${r.seconds} s (${r.rate.toFixed(1)}/s), ${r.failed} failed${converge}${first}`;
}

/**
 * The bound of a drill whose fault makes failures inherent: every failed request was in flight when the
 * fault came (sent at most its timeout before `faultMs`) or sent before the endpoint was
 * dropped (`droppedMs`, when the client's proxy no longer had it). Returns the number of requests sent in
 * that window, which bounds the failures, for the drill's report.
 */
export function assertFailuresWithin(what: string, r: LoadResult, faultMs: number, droppedMs: number): number {
    const from = faultMs - r.timeoutSeconds * 1000;
    const window = r.requests.filter((q) => q.sentMs >= from && q.sentMs <= droppedMs);
    const outside = r.requests.filter((q) => q.code !== "200" && (q.sentMs < from || q.sentMs > droppedMs));
    assert.deepEqual(
        outside.map((q) => `${q.n} ${q.code} ${q.exit} sent ${((q.sentMs - faultMs) / 1000).toFixed(2)} s after the fault`),
        [],
        `${describeLoad(what, r)}: failures outside the window from ${r.timeoutSeconds} s before the fault to the endpoint's drop ${((droppedMs - faultMs) / 1000).toFixed(2)} s after it`,
    );
    assert.ok(r.failed <= window.length, `${r.failed} failed, more than the ${window.length} sent in the window`);
    return window.length;
}
