// Live traffic for the fault drills: a bounded request loop in a client pod, through the Service, with
// HTTPS verified against a CA file in the pod (never skipped). A request fails on any connect or TLS
// error, any answer other than 200, or no answer within 2 s.
import { spawn } from "node:child_process";
import { RealCluster } from "./cluster";

export interface LoadResult {
    sent: number;
    failed: number;
    /** The first failures, as "<n> <http code> <curl exit>". */
    failures: string[];
    seconds: number;
    /** Requests per second actually sent. */
    rate: number;
}

export interface LoadOptions {
    /** Bounds: the loop ends by itself after this many requests or seconds, whichever comes first. */
    maxRequests?: number;
    maxSeconds?: number;
    /** Pause between requests; with curl's own time this gives roughly 20 requests per second. */
    pauseSeconds?: number;
    /** The CA file in the pod, read anew by each request (so a test may extend it mid-run). */
    caFile?: string;
}

export interface Load {
    /** Ends the loop and returns its figures. */
    stop(): Promise<LoadResult>;
}

let loads = 0;

export function startLoad(cluster: RealCluster, namespace: string, url: string, options: LoadOptions = {}): Load {
    const { maxRequests = 3000, maxSeconds = 180, pauseSeconds = 0.03, caFile = "/tmp/ca.pem" } = options;
    const stopFile = `/tmp/stop-load-${process.pid}-${++loads}`;
    const script = [
        `n=0; failed=0; start=$(date +%s); end=$((start + ${maxSeconds}))`,
        `while [ ! -e ${stopFile} ] && [ $n -lt ${maxRequests} ] && [ $(date +%s) -lt $end ]; do`,
        `  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert ${caFile} ${url}); rc=$?`,
        `  n=$((n + 1))`,
        `  if [ "$code" != 200 ]; then failed=$((failed + 1)); echo "FAIL $n $code $rc"; fi`,
        `  sleep ${pauseSeconds}`,
        `done`,
        `echo "SENT $n FAILED $failed SECONDS $(( $(date +%s) - start ))"`,
    ].join("\n");
    const [command, ...args] = cluster.kubectlCommand(["-n", namespace, "exec", "client", "--", "sh", "-c", script]);
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
                reject(new Error(`the load loop ended without its figures (exit ${code}):\n${out}\n${err}`));
                return;
            }
            const [sent, failed, seconds] = [Number(m[1]), Number(m[2]), Number(m[3])];
            const failures = out.split("\n").filter((l) => l.startsWith("FAIL ")).slice(0, 10).map((l) => l.slice(5));
            resolve({ sent, failed, failures, seconds, rate: seconds > 0 ? sent / seconds : sent });
        });
    });
    return {
        stop: async () => {
            const r = cluster.inClient(namespace, ["sh", "-c", `: > ${stopFile}`]);
            if (r.status !== 0) {
                throw new Error(`could not stop the load loop: ${r.stderr}`);
            }
            return done;
        },
    };
}

/** One line for the test's output: the figures the drills report. */
export function describeLoad(what: string, r: LoadResult, convergeSeconds?: number): string {
    const converge = convergeSeconds === undefined ? "" : `, converged in ${convergeSeconds.toFixed(1)} s`;
    const first = r.failures.length ? ` (first failures: ${r.failures.join("; ")})` : "";
    return `${what}: ${r.sent} requests in ${r.seconds} s (${r.rate.toFixed(1)}/s), ${r.failed} failed${converge}${first}`;
}
