// Where the time goes: runs bench/program.js under `node --cpu-prof` for both variants at one N and
// breaks the measured window (first resource constructed -> end) down by who spends it.
//
//   node dist/bench/profile.js [N=300] [--keep DIR]
//
// Prints, per variant: samples by code group (self time), the inclusive time of our sdk functions and
// of the Pulumi runtime entry points that only the component uses, and the top functions by self time;
// then the component-minus-baseline difference per group. The .cpuprofile files are kept with --keep
// (open them in Chrome DevTools); *.cpuprofile is gitignored.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Variant, VARIANTS } from "./scenario";

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
}
interface CpuProfile {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
}

const ROOT = path.resolve(__dirname, "..", "..");

/** The code a frame belongs to. */
function group(url: string, functionName: string): string {
    if (functionName === "(garbage collector)") return "GC";
    if (functionName === "(program)" || functionName === "(idle)") return "(program/idle)";
    if (url.includes("/dist/sdk/")) return "ours: dist/sdk";
    if (url.includes("/dist/bench/")) return "bench driver code";
    if (url.includes("/dist/tests/mocks")) return "mocks (tests/mocks.ts)";
    const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (m) return m[1];
    if (url.startsWith("node:") || url === "") return "node internals / V8 builtins";
    return url;
}

function frameName(f: ProfileNode["callFrame"]): string {
    const file = f.url.replace(`file://${ROOT}/`, "").replace(/^.*node_modules\//, "");
    return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
}

interface Breakdown {
    windowMs: number;
    groups: Map<string, number>;
    inclusive: Map<string, number>;
    selfTop: Map<string, number>;
}

/** Functions whose inclusive time is reported: our sdk's, and the runtime calls only a component makes. */
const WATCH = [
    /dist\/sdk\/.*/,
    /^ComponentResource .*pulumi\/resource\.js/,
    /^registerOutputs .*pulumi\/resource\.js/,
    /^build dist\/bench\//,
];

function analyze(profile: CpuProfile): Breakdown {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stack = (id: number): ProfileNode[] => {
        const out: ProfileNode[] = [];
        for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) out.push(byId.get(x)!);
        return out;
    };
    // The window starts at the first sample taken inside a variant's build function.
    let t = profile.startTime;
    const times = profile.timeDeltas.map((d) => (t += d));
    const startIndex = profile.samples.findIndex((id) => stack(id).some((n) => n.callFrame.functionName === "build" && n.callFrame.url.includes("/dist/bench/")));
    const groups = new Map<string, number>();
    const inclusive = new Map<string, number>();
    const selfTop = new Map<string, number>();
    const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
    let windowMs = 0;
    for (let i = Math.max(startIndex, 0); i < profile.samples.length; i++) {
        // A sample's duration is the gap to the next one.
        const ms = ((i + 1 < times.length ? times[i + 1] : times[i]) - times[i]) / 1000;
        windowMs += ms;
        const frames = stack(profile.samples[i]);
        const leaf = frames[0].callFrame;
        add(groups, group(leaf.url, leaf.functionName), ms);
        add(selfTop, frameName(leaf), ms);
        const seen = new Set<string>();
        for (const f of frames) {
            const name = frameName(f.callFrame);
            if (!seen.has(name) && WATCH.some((w) => w.test(name))) {
                seen.add(name);
                add(inclusive, name, ms);
            }
        }
    }
    return { windowMs, groups, inclusive, selfTop };
}

function profileVariant(variant: Variant, n: number, dir: string): Breakdown {
    const out = path.join(dir, variant);
    const child = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${out}`, path.join(__dirname, "program.js"), variant, String(n)], { cwd: ROOT, encoding: "utf8" });
    if (child.status !== 0) throw new Error(`profiling ${variant} failed:\n${child.stderr}`);
    process.stderr.write(`${variant}: ${child.stdout.trim()}\n`);
    const file = fs.readdirSync(out).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no .cpuprofile in ${out}`);
    return analyze(JSON.parse(fs.readFileSync(path.join(out, file), "utf8")));
}

const pct = (v: number, total: number) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
const msStr = (v: number) => `${v.toFixed(0).padStart(7)} ms`;

function main(): void {
    const argv = process.argv.slice(2);
    const keepIndex = argv.indexOf("--keep");
    const keep = keepIndex >= 0 ? path.resolve(argv[keepIndex + 1]) : undefined;
    const n = Number(argv.find((a, i) => /^\d+$/.test(a) && !(keepIndex >= 0 && i === keepIndex + 1)) ?? 300);
    const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), "nginx-bench-prof-"));
    try {
        const result = {} as Record<Variant, Breakdown>;
        for (const variant of VARIANTS) result[variant] = profileVariant(variant, n, dir);
        for (const variant of VARIANTS) {
            const r = result[variant];
            console.log(`\n== ${variant}, N=${n}: ${r.windowMs.toFixed(0)} ms of samples in the measured window`);
            console.log("self time by code group:");
            for (const [g, v] of [...r.groups].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(v, r.windowMs)} ${msStr(v)}  ${g}`);
            console.log("inclusive time of our functions and of component-only runtime calls:");
            for (const [f, v] of [...r.inclusive].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(v, r.windowMs)} ${msStr(v)}  ${f}`);
            console.log("top functions by self time:");
            for (const [f, v] of [...r.selfTop].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(v, r.windowMs)} ${msStr(v)}  ${f}`);
        }
        const c = result.component;
        const b = result.baseline;
        console.log(`\n== component minus baseline, N=${n}: ${(c.windowMs - b.windowMs).toFixed(0)} ms (${pct(c.windowMs - b.windowMs, b.windowMs).trim()} of the baseline)`);
        const keys = new Set([...c.groups.keys(), ...b.groups.keys()]);
        for (const g of [...keys].sort((x, y) => (c.groups.get(y) ?? 0) - (b.groups.get(y) ?? 0) - ((c.groups.get(x) ?? 0) - (b.groups.get(x) ?? 0)))) {
            const d = (c.groups.get(g) ?? 0) - (b.groups.get(g) ?? 0);
            console.log(`  ${msStr(d)}  ${g}`);
        }
    } finally {
        if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    }
}

main();
