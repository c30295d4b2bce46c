// One measured run, in its own process: `node dist/bench/program.js <component|baseline> <N> [--dump FILE] [--count-promises]`.
// Installs the recording mocks, builds N instances of the scenario, waits until every output has
// resolved and every registration has reached the mocks, and prints one JSON line:
//   { variant, n, wallMs, cpuMs, constructMs, processMs, peakRssBytes, resources: { total, custom, components, byType } }
// wallMs runs from just before the first resource is constructed to all outputs resolved and settled;
// processMs runs from process start (node's time origin) to the same point, module loading included.
// With --count-promises, every promise created in the measured window is counted (async_hooks; this
// slows the run, so the driver does it in runs of its own): a measure of the runtime work an instance
// costs that load from other processes cannot disturb.
// With --dump, the recorded inputs of every resource are written to FILE as well, for the driver's
// check that both variants send the same specs.
import { createHook } from "async_hooks";
import * as fs from "fs";
import { performance } from "perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, resolve, settle } from "../tests/mocks";
import { Builder, instanceName, Variant, VARIANTS } from "./scenario";

export interface RunResult {
    variant: Variant;
    n: number;
    wallMs: number;
    /** User + system CPU time of the process over the same window (all threads, GC included). */
    cpuMs: number;
    constructMs: number;
    processMs: number;
    peakRssBytes: number;
    resources: { total: number; custom: number; components: number; byType: { [type: string]: number } };
    /** Promises created in the measured window; only with --count-promises. */
    promises?: number;
}

async function main(): Promise<void> {
    const [variant, nArg, ...rest] = process.argv.slice(2);
    const n = Number(nArg);
    if (!VARIANTS.includes(variant as Variant) || !Number.isInteger(n) || n < 1) {
        throw new Error(`usage: program.js <${VARIANTS.join("|")}> <N >= 1> [--dump FILE], got ${process.argv.slice(2).join(" ")}`);
    }
    const dumpIndex = rest.indexOf("--dump");
    const dumpFile = dumpIndex >= 0 ? rest[dumpIndex + 1] : undefined;

    const mocks = installMocks();
    // Loaded after the mocks are installed, and only the variant measured: the other's modules stay out
    // of this process's memory.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const build: Builder = require(variant === "component" ? "./component" : "./baseline").build;
    let promises = 0;
    const promiseCounter = rest.includes("--count-promises")
        ? createHook({
              init(_id, type) {
                  if (type === "PROMISE") promises++;
              },
          }).enable()
        : undefined;

    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const outputs: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
        outputs.push(resolve(pulumi.all(build(instanceName(i)))));
    }
    const constructed = performance.now();
    await Promise.all(outputs);
    await settle();
    const end = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    promiseCounter?.disable();

    const byType: { [type: string]: number } = {};
    for (const r of mocks.resources) {
        byType[r.type] = (byType[r.type] ?? 0) + 1;
    }
    // The mocks record a component with an empty id, a custom resource with the id they gave it.
    const custom = mocks.resources.filter((r) => r.id !== "").length;
    const result: RunResult = {
        variant: variant as Variant,
        n,
        wallMs: end - start,
        cpuMs: (cpu.user + cpu.system) / 1000,
        constructMs: constructed - start,
        processMs: end,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        resources: { total: mocks.resources.length, custom, components: mocks.resources.length - custom, byType },
        ...(promiseCounter ? { promises } : {}),
    };
    if (dumpFile !== undefined) {
        fs.writeFileSync(dumpFile, JSON.stringify(mocks.resources.map(({ type, name, inputs, id }) => ({ type, name, inputs, custom: id !== "" }))));
    }
    process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
