// Where one `pulumi up` spends its time: per resource, when the engine started it (resourcePreEvent) and
// finished it (resOutputsEvent, or resOpFailedEvent), from the Automation API's engine events, and from
// those the time to the first registration and the critical path.
//
// Times are when this process received each event, in ms since `up` was called. The engine's own event
// timestamps are whole seconds, too coarse for steps of 15 ms. A CLI newer than 3.205 (the toolchain's
// is) streams the events to the Automation API over gRPC as the engine emits them, so a receive time is
// late only by that stream, and an `up` that sent no event is an error here, not an empty timeline
// (the real cluster's CLI runs in another network namespace and needs tests/e2e/cluster/pulumiInNetns.ts
// for its events to arrive).
//
//   node dist/bench/timeline.js [--runs 2] [--transpile-only both|true|false|default[,...]] [--real-cluster] [--config key=value] [program dir ...]
//
// runs `pulumi up` + `pulumi destroy` of each program directory (default: the root program) on a fresh
// local control plane (kwok's; with --real-cluster the real single-node cluster of `controlplane.sh
// start --suite cluster`, with its locally built nginx image as the `image` config), with ts-node type-checking (PULUMI_NODEJS_TRANSPILE_ONLY=false) and without
// (=true), or as the program's own configuration says (default: the variable unset), and prints each
// run's time to first registration and critical path.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { median } from "./stats";

export interface ResourceSpan {
    urn: string;
    type: string;
    name: string;
    op: string;
    /** False for a component: its step is its registration, its "finish" only when it registers outputs. */
    custom: boolean;
    /** ms since `up` was called, when the engine started the step. */
    start: number;
    /** ms since `up` was called, when the engine finished it; undefined if it never did. */
    end?: number;
}

export interface Timeline {
    /** Wall time of the whole `up`, ms. */
    totalMs: number;
    /** The first engine event (the prelude), ms. */
    firstEventMs?: number;
    /** The last engine event (the summary), ms: after it, the Automation API reads outputs and history. */
    lastEventMs?: number;
    /** The Stack's registration, ms. */
    stackRegisteredMs?: number;
    /** The program's first registration of a resource other than the Stack, ms: when the program ran. */
    firstRegistrationMs?: number;
    firstRegistration?: string;
    /** The first custom resource's registration (a provider's excluded), ms. */
    firstCustomMs?: number;
    spans: ResourceSpan[];
    criticalPath: CriticalStep[];
}

export interface CriticalStep {
    /** What the time went to: a resource's step, or the wait before it (`program`, `engine`). */
    what: string;
    start: number;
    end: number;
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const isStack = (type: string) => type === "pulumi:pulumi:Stack";
const isProvider = (type: string) => type.startsWith("pulumi:providers:");

/** Collects engine events with their receive times; `spans()` pairs each resource's start and finish. */
export class EventRecorder {
    private readonly t0 = performance.now();
    readonly received: { ms: number; event: EngineEvent }[] = [];

    readonly onEvent = (event: EngineEvent): void => {
        this.received.push({ ms: performance.now() - this.t0, event });
    };

    elapsed(): number {
        return performance.now() - this.t0;
    }

    spans(): ResourceSpan[] {
        const byUrn = new Map<string, ResourceSpan>();
        for (const { ms, event } of this.received) {
            const pre = event.resourcePreEvent?.metadata;
            if (pre !== undefined && !byUrn.has(pre.urn)) {
                // The engine leaves `custom` out when it is false (the Stack, components).
                const custom = (pre.new ?? pre.old)?.custom === true;
                byUrn.set(pre.urn, { urn: pre.urn, type: pre.type, name: nameOf(pre.urn), op: pre.op, custom, start: ms });
            }
            const done = event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
            const span = done === undefined ? undefined : byUrn.get(done.urn);
            if (span !== undefined && span.end === undefined) {
                span.end = ms;
            }
        }
        return [...byUrn.values()];
    }
}

/**
 * The chain of steps that decided when `up` ended: from the resource that finished last, back through
 * whichever of its dependencies (or its parent's registration) let it start last, to the Stack; a gap
 * between one and the next is time the engine or the program took in between (for the first resource
 * the program registers: the program starting). `dependencies` maps a URN to the URNs it depends on, as
 * the state records them.
 */
export function criticalPath(
    spans: ResourceSpan[],
    dependencies: Map<string, string[]>,
    parents: Map<string, string>,
    lastEventMs: number,
    totalMs: number,
): CriticalStep[] {
    const byUrn = new Map(spans.map((s) => [s.urn, s]));
    const finished = spans.filter((s) => s.end !== undefined && s.custom && !isProvider(s.type));
    if (finished.length === 0) {
        return [];
    }
    const steps: CriticalStep[] = [];
    let current = finished.reduce((a, b) => (b.end! > a.end! ? b : a));
    steps.push({ what: "Automation API: stack outputs and history after the CLI", start: lastEventMs, end: totalMs });
    steps.push({ what: "engine: stack outputs, snapshot, plugins shut down", start: current.end!, end: lastEventMs });
    for (let guard = 0; guard < spans.length + 1; guard++) {
        // A component's own step is its registration; its outputs come when its children are done.
        const end = current.custom ? (current.end ?? current.start) : current.start;
        steps.push({ what: `${current.type} ${current.name} (${current.custom ? current.op : "registered"})`, start: current.start, end });
        // What current waited for: its dependencies' finishes and its parent's registration (a child is
        // registered by code that runs once the parent is constructed).
        const candidates: { span: ResourceSpan; at: number }[] = [];
        for (const dep of dependencies.get(current.urn) ?? []) {
            const span = byUrn.get(dep);
            if (span?.end !== undefined && !isProvider(span.type)) {
                candidates.push({ span, at: span.custom ? span.end : span.start });
            }
        }
        const parent = byUrn.get(parents.get(current.urn) ?? "");
        if (parent !== undefined) {
            candidates.push({ span: parent, at: parent.start });
        }
        const before = candidates.filter((c) => c.at <= current.start);
        if (before.length === 0) {
            break;
        }
        const next = before.reduce((a, b) => (b.at > a.at ? b : a));
        if (current.start > next.at) {
            const what = isStack(next.span.type) ? "program: start (node, modules, ts-node for TypeScript) to its first registration" : "program/engine between the two";
            steps.push({ what, start: next.at, end: current.start });
        }
        if (isStack(next.span.type)) {
            steps.push({ what: "engine: start, Stack registered", start: 0, end: next.span.start });
            break;
        }
        current = next.span;
    }
    return steps.reverse();
}

/** `stack.up()` with the engine events recorded, then the state's dependencies for the critical path. */
export async function timedUp(stack: Stack): Promise<Timeline> {
    const recorder = new EventRecorder();
    await stack.up({ onEvent: recorder.onEvent });
    const totalMs = recorder.elapsed();
    const spans = recorder.spans();
    if (!spans.some((span) => isStack(span.type))) {
        throw new Error(`pulumi up of stack ${stack.name} succeeded, but ${recorder.received.length} engine events arrived and none registered the Stack: no timeline`);
    }
    const state = await stack.exportStack();
    const resources: { urn: string; parent?: string; dependencies?: string[] }[] = state.deployment?.resources ?? [];
    const dependencies = new Map(resources.map((r) => [r.urn, r.dependencies ?? []]));
    const parents = new Map(resources.filter((r) => r.parent !== undefined).map((r) => [r.urn, r.parent!]));
    const first = spans.filter((s) => !isStack(s.type) && !isProvider(s.type)).sort((a, b) => a.start - b.start)[0];
    return {
        totalMs,
        firstEventMs: recorder.received[0]?.ms,
        stackRegisteredMs: spans.find((s) => isStack(s.type))?.start,
        firstRegistrationMs: first?.start,
        firstRegistration: first === undefined ? undefined : `${first.type} ${first.name}`,
        firstCustomMs: Math.min(...spans.filter((sp) => sp.custom && !isStack(sp.type) && !isProvider(sp.type)).map((sp) => sp.start)),
        spans,
        lastEventMs: recorder.received[recorder.received.length - 1]?.ms,
        criticalPath: criticalPath(spans, dependencies, parents, recorder.received[recorder.received.length - 1]?.ms ?? totalMs, totalMs),
    };
}

const s = (ms: number) => (ms / 1000).toFixed(2).padStart(6);

/** The critical path as lines of "start → end  duration  what". */
export function formatTimeline(t: Timeline): string {
    const lines = [
        `total ${s(t.totalMs)} s (last engine event ${t.lastEventMs === undefined ? "?" : s(t.lastEventMs).trim()} s); Stack registered at ${t.stackRegisteredMs === undefined ? "?" : s(t.stackRegisteredMs).trim()} s; first registration at ${t.firstRegistrationMs === undefined ? "?" : s(t.firstRegistrationMs).trim()} s (${t.firstRegistration ?? "none"}), first custom resource at ${t.firstCustomMs === undefined ? "?" : s(t.firstCustomMs).trim()} s`,
        "critical path:",
        ...t.criticalPath.map((step) => `  ${s(step.start)} → ${s(step.end)} s  ${s(step.end - step.start)} s  ${step.what}`),
        "every resource (start → end):",
        ...[...t.spans]
            .sort((a, b) => a.start - b.start)
            .map((span) => `  ${s(span.start)} → ${span.end === undefined ? "     ?" : s(span.end)} s  ${span.end === undefined ? "     ?" : s(span.end - span.start)} s  ${span.type} ${span.name}`),
    ];
    return lines.join("\n");
}

/** Medians over runs of the figures docs/benchmarks.md reports. */
export function summarizeTimelines(timelines: Timeline[]): {
    runs: number;
    totalMs: number;
    lastEventMs: number;
    stackRegisteredMs: number;
    firstRegistrationMs: number;
    firstCustomMs: number;
    byType: { [type: string]: number };
} {
    const types = [...new Set(timelines.flatMap((t) => t.spans.map((sp) => sp.type)))];
    const byType = Object.fromEntries(
        types.map((type) => [type, median(timelines.flatMap((t) => t.spans.filter((sp) => sp.type === type && sp.end !== undefined).map((sp) => sp.end! - sp.start)))]),
    );
    return {
        runs: timelines.length,
        totalMs: median(timelines.map((t) => t.totalMs)),
        lastEventMs: median(timelines.map((t) => t.lastEventMs ?? NaN)),
        firstCustomMs: median(timelines.map((t) => t.firstCustomMs ?? NaN)),
        stackRegisteredMs: median(timelines.map((t) => t.stackRegisteredMs ?? NaN)),
        firstRegistrationMs: median(timelines.map((t) => t.firstRegistrationMs ?? NaN)),
        byType,
    };
}

// ---------------------------------------------------------------------------------------------
// Stand-alone: program start with and without ts-node's type-check, on the e2e control plane.

async function main(): Promise<void> {
    // Loaded here, so that importing this module (bench/engine.ts) does not pull in the e2e harness twice.
    const { REPO, findToolchain, pulumiEnv, startControlPlane, createRestrictedNamespace, disposeStack, stackFor } = await import("../tests/e2e/harness");
    const argv = process.argv.slice(2);
    const realCluster = argv.includes("--real-cluster");
    if (realCluster) {
        argv.splice(argv.indexOf("--real-cluster"), 1);
    }
    const flag = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv.splice(i, 2)[1] : undefined;
    };
    const runs = Number(flag("--runs") ?? 2);
    const modeArg = flag("--transpile-only") ?? "both";
    const modes = modeArg === "both" ? ["false", "true"] : modeArg.split(",");
    // Stack config for every program, e.g. `--config count=20` for dist/bench/engine-project (the
    // benchmark's program, after one `node dist/bench/engine.js` has written it).
    const extraConfig: { [key: string]: string } = {};
    for (let kv = flag("--config"); kv !== undefined; kv = flag("--config")) {
        const eq = kv.indexOf("=");
        extraConfig[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const dirs = argv.length > 0 ? argv : ["."];
    const { bin, reason } = findToolchain(realCluster ? "cluster" : "kwok");
    if (bin === undefined) {
        console.log(`timeline skipped: the e2e toolchain is not built: ${reason}`);
        return;
    }
    let cluster: { stop(): void; namespace(name: string): void; config: { [key: string]: string } };
    let env: Awaited<ReturnType<typeof pulumiEnv>>;
    if (realCluster) {
        const { RealCluster } = await import("../tests/e2e/cluster/cluster");
        const real = RealCluster.start(bin);
        cluster = { stop: () => real.stop(), namespace: (name) => real.restrictedNamespace(name), config: { image: real.info.NGINX_IMAGE } };
        env = await real.pulumiEnv();
    } else {
        const kwok = startControlPlane(bin);
        cluster = { stop: () => kwok.stop(), namespace: (name) => createRestrictedNamespace(kwok.kubeconfig, name), config: {} };
        env = await pulumiEnv(bin, kwok.kubeconfig);
    }
    const results: { dir: string; transpileOnly: string; run: number; timeline: Timeline }[] = [];
    try {
        for (let run = 0; run < runs; run++) {
            for (const dir of dirs) {
                // Alternate which mode goes first, so load from others falls on both alike.
                for (const mode of run % 2 === 0 ? modes : [...modes].reverse()) {
                    const namespace = `timeline-${results.length}`;
                    cluster.namespace(namespace);
                    const envVars = mode === "default" ? env.envVars : { ...env.envVars, PULUMI_NODEJS_TRANSPILE_ONLY: mode };
                    const stack = await stackFor({ ...env, envVars }, path.resolve(REPO, dir), `timeline-${process.pid}`, { namespace, ...cluster.config, ...extraConfig });
                    try {
                        const timeline = await timedUp(stack);
                        results.push({ dir, transpileOnly: mode, run, timeline });
                        console.log(`\n${dir}, ${realCluster ? "real cluster" : "kwok"}, PULUMI_NODEJS_TRANSPILE_ONLY=${mode}, run ${run + 1}: load ${os.loadavg()[0].toFixed(1)}`);
                        console.log(formatTimeline(timeline));
                    } finally {
                        await disposeStack(stack);
                    }
                }
            }
        }
    } finally {
        cluster.stop();
        env.cleanup();
    }
    console.log("\nmedians (s): program dir, transpile-only, runs, Stack registered, first registration, first custom resource, last engine event, total");
    for (const dir of dirs) {
        for (const mode of modes) {
            const sum = summarizeTimelines(results.filter((r) => r.dir === dir && r.transpileOnly === mode).map((r) => r.timeline));
            console.log(`  ${dir}  ${mode}  ${sum.runs}  ${(sum.stackRegisteredMs / 1000).toFixed(2)}  ${(sum.firstRegistrationMs / 1000).toFixed(2)}  ${(sum.firstCustomMs / 1000).toFixed(2)}  ${(sum.lastEventMs / 1000).toFixed(2)}  ${(sum.totalMs / 1000).toFixed(2)}`);
        }
    }
    const out = path.join(REPO, "bench", "results", realCluster ? "timeline-cluster-latest.json" : "timeline-latest.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ realCluster, loadavg: os.loadavg(), cpus: os.cpus().length, results }, null, 2) + "\n");
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
