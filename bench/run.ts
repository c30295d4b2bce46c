// The benchmark driver behind `npm run bench`.
//
// Part 1, program cost on Pulumi's mocks: for each N, builds N instances of the scenario with the
// NginxService component and with the hand-written baseline (bench/baseline.ts), each run in its own
// process (bench/program.ts). Runs are interleaved (component and baseline alternate, in ABBA order
// across rounds, and every round visits every N) so that load from other work on the machine falls on
// both alike. Reports medians, the ratio component/baseline at each N, and the per-instance slope by
// least squares over N.
// Part 2, the real engine (bench/engine.ts), only where the e2e toolchain is built.
// Part 3, the data plane on the real single-node cluster (bench/dataplane.ts), only where the cluster's
// toolchain is built and Debian's load generators are installed.
//
//   node dist/bench/run.js [--runs 5] [--runs-small 15] [--ns 1,10,100,1000] [--out bench/results/latest.json] [--no-engine] [--no-dataplane]
//
// --runs is the number of runs per variant at every N; N of 100 and less get --runs-small runs
// instead (when larger): they take well under a second each, and at that size a few hundred ms of
// someone else's load is most of the figure, so more runs are what makes their median mean something.
//
// Exits non-zero if the variants do not register the same resources with the same specs; never
// because of a figure (this is a benchmark, not a test).
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DATAPLANE_DEFAULTS, DataplaneReport, runDataplaneBenchmarkIfBuilt } from "./dataplane";
import { EngineReport, runEngineBenchmarkIfBuilt } from "./engine";
import type { RunResult } from "./program";
import { CUSTOM_RESOURCES_PER_INSTANCE, Variant, VARIANTS } from "./scenario";
import { compareSpecs, DumpedResource } from "./specs";
import { leastSquares, LinearFit, median } from "./stats";

/** The goal: the component costs at most 10% more than hand-written resources, at every N. */
export const RATIO_GOAL = 1.1;

const ROOT = path.resolve(__dirname, "..", "..");
const DIST = path.resolve(__dirname, "..");

/**
 * A private copy of the compiled code (dist/sdk, dist/bench, dist/tests) that every measured process
 * runs from, so that a rebuild of dist/ during the benchmark (`npm test` builds) cannot change the code
 * between one run and the next. @pulumi/* still come from the repository's node_modules, via NODE_PATH.
 */
interface CodeSnapshot {
    dir: string;
    /** sha256 over the snapshot's sdk/*.js: which build of the component was measured. */
    sdkHash: string;
}

function snapshotCode(): CodeSnapshot {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-bench-code-"));
    for (const sub of ["sdk", "bench", "tests"]) {
        fs.cpSync(path.join(DIST, sub), path.join(dir, sub), { recursive: true, filter: (src) => !src.includes("engine-project") });
    }
    const hash = crypto.createHash("sha256");
    for (const file of fs.readdirSync(path.join(dir, "sdk")).filter((f) => f.endsWith(".js")).sort()) {
        hash.update(file).update(fs.readFileSync(path.join(dir, "sdk", file)));
    }
    return { dir, sdkHash: hash.digest("hex").slice(0, 16) };
}

let code: CodeSnapshot | undefined;

interface Options {
    runs: number;
    runsSmall: number;
    ns: number[];
    out: string;
    engine: boolean;
    dataplane: boolean;
}

function parseOptions(argv: string[]): Options {
    const options: Options = { runs: 5, runsSmall: 15, ns: [1, 10, 100, 1000], out: path.join(ROOT, "bench", "results", "latest.json"), engine: true, dataplane: true };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${arg} needs a value`);
            return v;
        };
        if (arg === "--runs") options.runs = Number(value());
        else if (arg === "--runs-small") options.runsSmall = Number(value());
        else if (arg === "--ns") options.ns = value().split(",").map(Number);
        else if (arg === "--out") options.out = path.resolve(value());
        else if (arg === "--no-engine") options.engine = false;
        else if (arg === "--no-dataplane") options.dataplane = false;
        else throw new Error(`unknown argument ${arg}; usage: run.js [--runs 5] [--runs-small 15] [--ns 1,10,100,1000] [--out FILE] [--no-engine] [--no-dataplane]`);
    }
    if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error(`--runs must be a whole number >= 1`);
    if (!Number.isInteger(options.runsSmall) || options.runsSmall < 1) throw new Error(`--runs-small must be a whole number >= 1`);
    if (options.ns.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--ns must be whole numbers >= 1`);
    return options;
}

interface RawRun extends RunResult {
    /** Which run of this N (0-based); the component and baseline runs of one round ran back to back. */
    round: number;
    /** Position of this run in the whole sequence, to see drift. */
    sequence: number;
    startedAt: string;
    /** 1-minute load average just before the run: what else the machine was doing. */
    loadAvg1: number;
}

function runProgram(variant: Variant, n: number, extra: string[] = []): RunResult {
    if (code === undefined) throw new Error("no code snapshot");
    const child = spawnSync(process.execPath, [path.join(code.dir, "bench", "program.js"), variant, String(n), ...extra], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        // Pulumi reads PULUMI_DEBUG_PROMISE_LEAKS; keep the runs hermetic whatever the caller's shell has set.
        env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "", NODE_OPTIONS: "", NODE_PATH: path.join(ROOT, "node_modules") },
    });
    if (child.status !== 0) {
        throw new Error(`program ${variant} N=${n} failed (exit ${child.status}, signal ${child.signal}):\n${child.stderr}`);
    }
    const line = child.stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(line) as RunResult;
}

function packageVersion(name: string): string {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
}

function gitDescribe(): { commit: string; sdkDirty: boolean; sdkHash?: string } {
    const rev = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
    const dirty = spawnSync("git", ["status", "--porcelain", "--", "sdk"], { cwd: ROOT, encoding: "utf8" });
    return { commit: rev.stdout.trim(), sdkDirty: dirty.stdout.trim() !== "", sdkHash: code?.sdkHash };
}

/** Before measuring: both variants register the same resources with the same specs (see specs.ts). */
function checkSameSpecs(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-bench-"));
    try {
        const dumps = {} as Record<Variant, DumpedResource[]>;
        for (const variant of VARIANTS) {
            const file = path.join(dir, `${variant}.json`);
            runProgram(variant, 2, ["--dump", file]);
            dumps[variant] = JSON.parse(fs.readFileSync(file, "utf8"));
        }
        const problems = compareSpecs(dumps.component, dumps.baseline);
        if (problems.length > 0) {
            throw new Error(`the component and the baseline do not send the same specs, so comparing them would mean nothing:\n${problems.join("\n")}`);
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Promises one more instance creates, per variant: (count at N=20 - count at N=10) / 10, so the fixed
 * cost of a program drops out. Deterministic, so it shows the component's extra work without the noise
 * of a loaded machine.
 */
function countPromisesPerInstance(): Record<Variant, number> {
    const per = {} as Record<Variant, number>;
    for (const variant of VARIANTS) {
        const at = (n: number) => runProgram(variant, n, ["--count-promises"]).promises ?? NaN;
        per[variant] = (at(20) - at(10)) / 10;
    }
    return per;
}

function checkResourceCounts(run: RunResult): void {
    const expected = CUSTOM_RESOURCES_PER_INSTANCE * run.n;
    if (run.resources.custom !== expected) {
        throw new Error(
            `${run.variant} N=${run.n} registered ${run.resources.custom} custom resources, expected ${expected} ` +
                `(${CUSTOM_RESOURCES_PER_INSTANCE} per instance): ${JSON.stringify(run.resources.byType)}`,
        );
    }
}

interface PerN {
    n: number;
    runs: number;
    median: Record<Variant, { wallMs: number; cpuMs: number; processMs: number; constructMs: number; peakRssBytes: number; msPerInstance: number }>;
    resources: Record<Variant, RunResult["resources"]>;
    /** median(component wallMs) / median(baseline wallMs): the figure the goal is about. */
    ratio: number;
    /** Median over rounds of component/baseline of the two runs of the same round (adjacent in time). */
    pairedRatioMedian: number;
    /** The same on CPU time (user + system), which other processes' load disturbs less than wall time. */
    cpuRatio: number;
    processRatio: number;
    rssRatio: number;
    meetsGoal: boolean;
}

function summarize(raw: RawRun[], ns: number[]): { perN: PerN[]; slopes: Record<Variant, LinearFit>; marginal: Record<Variant, { from: number; to: number; msPerInstance: number }[]> } {
    const perN = ns.map((n): PerN => {
        const of = (variant: Variant) => raw.filter((r) => r.n === n && r.variant === variant);
        const med = (variant: Variant) => {
            const runs = of(variant);
            const wallMs = median(runs.map((r) => r.wallMs));
            return {
                wallMs,
                cpuMs: median(runs.map((r) => r.cpuMs)),
                processMs: median(runs.map((r) => r.processMs)),
                constructMs: median(runs.map((r) => r.constructMs)),
                peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
                msPerInstance: wallMs / n,
            };
        };
        const component = med("component");
        const baseline = med("baseline");
        const rounds = [...new Set(of("component").map((r) => r.round))];
        const paired = rounds.flatMap((round) => {
            const c = of("component").find((r) => r.round === round);
            const b = of("baseline").find((r) => r.round === round);
            return c && b ? [c.wallMs / b.wallMs] : [];
        });
        const ratio = component.wallMs / baseline.wallMs;
        return {
            n,
            runs: Math.min(of("component").length, of("baseline").length),
            median: { component, baseline },
            resources: { component: of("component")[0].resources, baseline: of("baseline")[0].resources },
            ratio,
            pairedRatioMedian: median(paired),
            cpuRatio: component.cpuMs / baseline.cpuMs,
            processRatio: component.processMs / baseline.processMs,
            rssRatio: component.peakRssBytes / baseline.peakRssBytes,
            meetsGoal: ratio <= RATIO_GOAL,
        };
    });
    const fit = (variant: Variant) => leastSquares(perN.map((p) => p.n), perN.map((p) => p.median[variant].wallMs));
    // Cost of one more instance between consecutive N: roughly constant if time is linear in N.
    const marginal = (variant: Variant) =>
        perN.slice(1).map((p, i) => ({ from: perN[i].n, to: p.n, msPerInstance: (p.median[variant].wallMs - perN[i].median[variant].wallMs) / (p.n - perN[i].n) }));
    return {
        perN,
        slopes: { component: fit("component"), baseline: fit("baseline") },
        marginal: { component: marginal("component"), baseline: marginal("baseline") },
    };
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

function table(rows: string[][]): string {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")).join("\n");
}

function printReport(summary: ReturnType<typeof summarize>): void {
    const header = ["N", "runs", "component ms", "baseline ms", "ratio", "paired ratio", "CPU ratio", "comp ms/inst", "base ms/inst", "comp RSS MiB", "base RSS MiB", "RSS ratio", "resources c/b"];
    const rows = summary.perN.map((p) => [
        String(p.n),
        String(p.runs),
        ms(p.median.component.wallMs),
        ms(p.median.baseline.wallMs),
        p.ratio.toFixed(3),
        p.pairedRatioMedian.toFixed(3),
        p.cpuRatio.toFixed(3),
        p.median.component.msPerInstance.toFixed(2),
        p.median.baseline.msPerInstance.toFixed(2),
        mib(p.median.component.peakRssBytes),
        mib(p.median.baseline.peakRssBytes),
        p.rssRatio.toFixed(3),
        `${p.resources.component.total}/${p.resources.baseline.total}`,
    ]);
    console.log("");
    console.log(`Program cost on mocks (medians over the runs shown, each a separate process, component and baseline interleaved; wall = first resource constructed -> all outputs resolved and registrations settled)`);
    console.log(table([header, ...rows]));
    console.log("resources c/b: everything registered, the component counted too (custom resources are the same, checked)");
    console.log("");
    console.log("Whole process (node start -> all outputs resolved, module loading included), medians:");
    console.log(
        table([
            ["N", "component ms", "baseline ms", "ratio"],
            ...summary.perN.map((p) => [String(p.n), ms(p.median.component.processMs), ms(p.median.baseline.processMs), p.processRatio.toFixed(3)]),
        ]),
    );
    console.log("");
    for (const variant of VARIANTS) {
        const s = summary.slopes[variant];
        const m = summary.marginal[variant].map((x) => `${x.from}->${x.to}: ${x.msPerInstance.toFixed(2)}`).join(", ");
        console.log(`${variant.padEnd(9)} slope ${s.slope.toFixed(2)} ms/instance (least squares over N, intercept ${s.intercept.toFixed(0)} ms, r^2 ${s.r2.toFixed(4)}); marginal ms/instance ${m}`);
    }
    console.log(`slope ratio component/baseline: ${(summary.slopes.component.slope / summary.slopes.baseline.slope).toFixed(3)}`);
    // Linear in N means one more instance costs the same at any size: compare the last segment's
    // marginal cost with the one before it (1.00 = perfectly linear; above it, growing with N).
    for (const variant of VARIANTS) {
        const m = summary.marginal[variant];
        if (m.length >= 2) {
            const last = m[m.length - 1];
            const before = m[m.length - 2];
            console.log(
                `${variant.padEnd(9)} growth of the per-instance cost ${before.from}->${before.to} to ${last.from}->${last.to}: x${(last.msPerInstance / before.msPerInstance).toFixed(2)}`,
            );
        }
    }
    const missed = summary.perN.filter((p) => !p.meetsGoal);
    console.log(
        missed.length === 0
            ? `goal ratio <= ${RATIO_GOAL} met at every N`
            : `goal ratio <= ${RATIO_GOAL} MISSED at N = ${missed.map((p) => `${p.n} (${p.ratio.toFixed(3)})`).join(", ")}`,
    );
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    const startedAt = new Date().toISOString();
    code = snapshotCode();
    const git = gitDescribe();
    const machine = {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        totalMemBytes: os.totalmem(),
        platform: `${os.platform()} ${os.release()}`,
        loadAvgAtStart: os.loadavg(),
    };
    const versions = {
        node: process.version,
        "@pulumi/pulumi": packageVersion("@pulumi/pulumi"),
        "@pulumi/kubernetes": packageVersion("@pulumi/kubernetes"),
        "@pulumi/tls": packageVersion("@pulumi/tls"),
        "@pulumi/random": packageVersion("@pulumi/random"),
    };
    console.log(`nginx-service benchmark: ${machine.cpus} CPUs, load average ${machine.loadAvgAtStart.map((l) => l.toFixed(2)).join(" ")}, node ${versions.node}, @pulumi/pulumi ${versions["@pulumi/pulumi"]}`);

    checkSameSpecs();
    console.log("specs: component and baseline register the same custom resources with the same inputs (N=2)");
    const promisesPerInstance = countPromisesPerInstance();
    console.log(
        `runtime work per instance (promises created, counted apart from the timed runs; unaffected by load): component ${promisesPerInstance.component}, baseline ${promisesPerInstance.baseline}, ratio ${(promisesPerInstance.component / promisesPerInstance.baseline).toFixed(3)}`,
    );
    // Warm-up, discarded: the first processes pay for a cold file cache.
    for (const variant of VARIANTS) runProgram(variant, 1);

    /** Largest N that counts as small for --runs-small. */
    const SMALL_N = 100;
    const runsFor = (n: number) => (n <= SMALL_N ? Math.max(options.runs, options.runsSmall) : options.runs);
    const rounds = Math.max(...options.ns.map(runsFor));
    const raw: RawRun[] = [];
    let sequence = 0;
    const done = new Map<number, number>();
    for (let round = 0; round < rounds; round++) {
        // An N with fewer runs than there are rounds is spread evenly over them, so that its runs too
        // sample the whole session's load rather than its beginning.
        const inRound = options.ns.filter((n) => Math.floor(((round + 1) * runsFor(n)) / rounds) > Math.floor((round * runsFor(n)) / rounds));
        for (const n of inRound) {
            const index = done.get(n) ?? 0;
            done.set(n, index + 1);
            // ABBA: which variant goes first alternates from one run of this N to the next.
            const order: Variant[] = index % 2 === 0 ? ["component", "baseline"] : ["baseline", "component"];
            for (const variant of order) {
                const loadAvg1 = os.loadavg()[0];
                const started = new Date().toISOString();
                const result = runProgram(variant, n);
                checkResourceCounts(result);
                raw.push({ ...result, round: index, sequence: sequence++, startedAt: started, loadAvg1 });
                process.stderr.write(`run ${index + 1}/${runsFor(n)} N=${n} ${variant}: ${ms(result.wallMs)} ms, CPU ${ms(result.cpuMs)} ms, ${mib(result.peakRssBytes)} MiB (load ${loadAvg1.toFixed(1)})\n`);
            }
        }
    }
    const summary = summarize(raw, options.ns);
    for (const p of summary.perN) {
        if (p.resources.component.custom !== p.resources.baseline.custom) {
            throw new Error(`N=${p.n}: component registered ${p.resources.component.custom} custom resources, baseline ${p.resources.baseline.custom}`);
        }
    }
    printReport(summary);

    const report = {
        benchmark: "nginx-service: the component against hand-written resources, on the mocks",
        startedAt,
        finishedAt: new Date().toISOString(),
        git,
        machine: { ...machine, loadAvgAtEnd: os.loadavg() },
        versions,
        scenario: "HTTPS (CA and serving certificate: 2 RandomId, 2 PrivateKey ECDSA P-256, SelfSignedCert, CertRequest, LocallySignedCert; kubernetes.io/tls Secret) + ConfigMap + Deployment (1 replica) + NodePort Service, per instance",
        method:
            "each run a separate node process on the recording mocks (tests/mocks.ts); wallMs from just before the first resource is constructed to every output resolved and every registration settled; processMs from process start to the same point; runs interleaved (component and baseline back to back, in ABBA order from one run of an N to the next; the runs of every N spread evenly over the session); figures are medians",
        ratioGoal: RATIO_GOAL,
        options: { runs: options.runs, runsSmall: options.runsSmall, ns: options.ns, runsPerN: Object.fromEntries(options.ns.map((n) => [n, runsFor(n)])) },
        mocks: { promisesPerInstance, ...summary, raw },
        engine: undefined as EngineReport | undefined,
        dataplane: undefined as DataplaneReport | undefined,
    };
    const write = () => {
        fs.mkdirSync(path.dirname(options.out), { recursive: true });
        fs.writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n");
    };
    // Written before part 2 too, so that the mocks' figures survive whatever happens to the engine run.
    write();
    if (options.engine) {
        try {
            report.engine = await runEngineBenchmarkIfBuilt({ root: ROOT, runs: options.runs, codeDir: code.dir });
        } catch (err) {
            const error = err instanceof Error ? err.message : String(err);
            console.log(`\nengine benchmark (part 2) failed: ${error.slice(0, 2000)}`);
            report.engine = { ran: false, reason: `failed: ${error.slice(0, 4000)}` };
        }
        report.finishedAt = new Date().toISOString();
        report.machine.loadAvgAtEnd = os.loadavg();
        write();
    }
    if (options.dataplane) {
        try {
            report.dataplane = await runDataplaneBenchmarkIfBuilt(DATAPLANE_DEFAULTS);
        } catch (err) {
            const error = err instanceof Error ? err.message : String(err);
            console.log(`\ndata-plane benchmark (part 3) failed: ${error.slice(0, 2000)}`);
            report.dataplane = { ran: false, reason: `failed: ${error.slice(0, 4000)}` };
        }
        report.finishedAt = new Date().toISOString();
        report.machine.loadAvgAtEnd = os.loadavg();
        write();
    }
    console.log(`\nevery figure: ${path.relative(process.cwd(), options.out) || options.out}`);
    fs.rmSync(code.dir, { recursive: true, force: true });
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
