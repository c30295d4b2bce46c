// The manifest scan: every program of this repository (the root program, each directory of
// examples/ with a Pulumi.yaml, found on disk, and tests/e2e/scan/every-kind for the objects no example
// creates) is rendered by the real engine and the toolchain's kubernetes provider, and the rendered
// manifests are scanned with checkov (pinned in scripts/python-tools.txt). Every check must pass except
// those tests/e2e/scan/checkov-exceptions.json lists, each with its reason and the kinds it may fail on;
// an exception no program needs any more fails the suite too, so the list stays true.
//
// Rendering: the provider's `renderYamlToDirectory`, set as the stack's `kubernetes:renderYamlToDirectory`
// config so the default provider the component uses gets it (no program changes): the provider writes
// each object as it would send it to the API server, after its own normalisation, and contacts no cluster.
// No control plane is started; the kubeconfig given is a path that does not exist.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { copyWithPackageAdded, disposeStack, findToolchain, pulumiEnv, PulumiEnv, REPO, run, stackFor, toolchainBin } from "./harness";

const SCAN = path.join(REPO, "tests", "e2e", "scan");
/** The namespace the programs are given: checkov's CKV_K8S_21 rightly fails objects in `default`. */
const NAMESPACE = "scan";
/** Every kind of object the component can create; the programs together must render each. */
const COMPONENT_KINDS = ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Service"];

interface Exception {
    check: string;
    name: string;
    /** The kinds of object it may fail on. */
    kinds: string[];
    reason: string;
}
const exceptions: Exception[] = JSON.parse(fs.readFileSync(path.join(SCAN, "checkov-exceptions.json"), "utf8")).exceptions;

interface Program {
    /** Relative to the repository. */
    dir: string;
    runtime: string;
}

/** The root program, every examples/* with a Pulumi.yaml, and the scan's own every-kind program. */
function discoverPrograms(): Program[] {
    const examples = fs
        .readdirSync(path.join(REPO, "examples"), { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(REPO, "examples", e.name, "Pulumi.yaml")))
        .map((e) => `examples/${e.name}`)
        .sort();
    return [".", ...examples, "tests/e2e/scan/every-kind"].map((dir) => {
        const project = fs.readFileSync(path.join(REPO, dir, "Pulumi.yaml"), "utf8");
        // `runtime: yaml` or `runtime:\n  name: nodejs`
        const m = /^runtime:[ \t]*(\w+)?[ \t]*(?:\r?\n[ \t]+name:[ \t]*(\w+))?/m.exec(project);
        const runtime = m?.[1] ?? m?.[2];
        assert.ok(runtime, `no runtime in ${dir}/Pulumi.yaml`);
        return { dir, runtime };
    });
}

interface CheckResult {
    check_id: string;
    check_name: string;
    /** Kind.namespace.name */
    resource: string;
    file_path: string;
}
interface Scan {
    passed: CheckResult[];
    failed: CheckResult[];
    skipped: CheckResult[];
    parsingErrors: string[];
    version: string;
}

let checkov: string;
let pulumiBin: string;
let env: PulumiEnv;
let tmp: string;
/** Why YAML programs cannot run here, when the languages suite's groups are missing. */
let yamlMissing: string | undefined;

before(async () => {
    const bin = toolchainBin("kwok");
    pulumiBin = path.join(bin, "pulumi");
    const found = run("bash", [path.join(REPO, "scripts", "python-tools.sh"), "bin", "checkov"]);
    assert.equal(found.status, 0, found.stderr);
    checkov = found.stdout.trim();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-e2e-scan-"));
    env = await pulumiEnv(bin, path.join(tmp, "no-cluster-kubeconfig"));
    yamlMissing = findToolchain("languages").reason;
});

after(() => {
    env?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function scan(dir: string): Scan {
    // Only the kubernetes framework: checkov's `secrets` framework would report the TLS key, which the
    // provider writes in plaintext into a rendered Secret and never into a manifest the component applies.
    const result = run(checkov, ["-d", dir, "--framework", "kubernetes", "--skip-download", "--output", "json", "--soft-fail"], { cwd: tmp, timeoutMs: 300_000 });
    assert.equal(result.status, 0, `checkov exited ${result.status}\n${result.stderr}`);
    const report = JSON.parse(result.stdout);
    // An empty directory gives only a summary; a rendered program never should.
    assert.ok(report.results, `checkov found nothing to scan in ${dir}: ${result.stdout.slice(0, 500)}`);
    return {
        passed: report.results.passed_checks,
        failed: report.results.failed_checks,
        skipped: report.results.skipped_checks,
        parsingErrors: report.results.parsing_errors ?? [],
        version: report.summary.checkov_version,
    };
}

const kindOf = (r: CheckResult) => r.resource.split(".")[0];
const describeResult = (r: CheckResult) => `${r.check_id} "${r.check_name}" on ${r.resource} (${r.file_path})`;

/** Kinds of the objects under a rendered directory, from each manifest's `kind:`. */
function renderedKinds(dir: string): string[] {
    const kinds: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) {
                walk(p);
            } else if (entry.name.endsWith(".yaml")) {
                const m = /^kind: (\w+)$/m.exec(fs.readFileSync(p, "utf8"));
                assert.ok(m, `no kind in ${p}`);
                kinds.push(m[1]);
            }
        }
    };
    walk(dir);
    return kinds.sort();
}

const programs = discoverPrograms();
/** Per program: what was rendered and what checkov said. */
const scans = new Map<string, { kinds: string[]; scan: Scan }>();
/** One rendered program kept for the control. */
let kept: string | undefined;

describe("checkov on the rendered manifests of every program", () => {
    test("the programs were found on disk: the root program and examples/*", () => {
        assert.ok(programs.length >= 3, programs.map((p) => p.dir).join(", "));
        assert.ok(programs.some((p) => p.dir === "."));
    });

    for (const program of programs) {
        const needs = program.runtime === "yaml" ? () => yamlMissing : () => undefined;
        test(`${program.dir} (${program.runtime}): rendered by the engine, every check passes but the listed exceptions, CKV2_K8S_6 included`, async (t) => {
            const missing = needs();
            if (missing) {
                // As .ci/run does for a suite: say which groups are missing, do not pretend.
                t.skip(`a Pulumi YAML program needs the languages suite's groups: ${missing}`);
                return;
            }
            const out = path.join(tmp, "rendered", program.dir === "." ? "root" : program.dir.replace(/\//g, "_"));
            let workDir = path.join(REPO, program.dir);
            if (program.runtime !== "nodejs") {
                // Programs in other languages use the package through the SDK `pulumi package add` makes.
                workDir = path.join(tmp, "programs", path.basename(program.dir));
                const added = copyWithPackageAdded(program.dir, workDir, pulumiBin, { ...process.env, ...env.envVars });
                assert.equal(added.status, 0, `pulumi package add: ${added.stdout}\n${added.stderr}`);
            }
            let stack: Stack | undefined;
            try {
                stack = await stackFor(env, workDir, `scan-${process.pid}`, {
                    namespace: NAMESPACE,
                    "kubernetes:namespace": NAMESPACE,
                    "kubernetes:renderYamlToDirectory": out,
                });
                const up = await stack.up();
                assert.equal(up.summary.result, "succeeded");
                const kinds = renderedKinds(out);
                assert.ok(kinds.includes("Deployment") && kinds.includes("Service"), `rendered: ${kinds.join(", ")}`);

                const result = scan(out);
                scans.set(program.dir, { kinds, scan: result });
                assert.deepEqual(result.parsingErrors, [], "checkov parsed every manifest");
                const listed = (r: CheckResult) => exceptions.some((e) => e.check === r.check_id && e.kinds.includes(kindOf(r)));
                const left = result.failed.filter(listed);
                const unlisted = result.failed.filter((r) => !listed(r));
                t.diagnostic(
                    `checkov ${result.version} on ${program.dir}: ${kinds.length} objects (${[...new Set(kinds)].join(", ")}); ` +
                        `${result.passed.length} passed, ${result.failed.length} failed (${left.length} listed exceptions: ${[...new Set(left.map((r) => r.check_id))].join(", ") || "none"}), ` +
                        `${result.skipped.length} skipped`,
                );
                assert.deepEqual(unlisted.map(describeResult), [], "failed checks not in tests/e2e/scan/checkov-exceptions.json");
                // The NetworkPolicy check of the issue, by name: it ran on the Deployment's pods (checkov's
                // graph checks see a Deployment's template as a Pod) and passed.
                const deployments = kinds.filter((k) => k === "Deployment").length;
                const networkPolicy = result.passed.filter((r) => r.check_id === "CKV2_K8S_6" && kindOf(r) === "Pod");
                assert.equal(networkPolicy.length, deployments, `CKV2_K8S_6 passed on every Deployment's pods: ${result.failed.filter((r) => r.check_id === "CKV2_K8S_6").map(describeResult).join("; ")}`);
                if (kept === undefined && kinds.includes("NetworkPolicy")) {
                    kept = path.join(tmp, "kept");
                    fs.cpSync(out, kept, { recursive: true });
                }
            } finally {
                await disposeStack(stack);
            }
        });
    }

    test("every exception in tests/e2e/scan/checkov-exceptions.json is still needed by some program, on the kinds it names", (t) => {
        if (scans.size === 0) {
            t.skip("no program was scanned");
            return;
        }
        const failed = [...scans.values()].flatMap((s) => s.scan.failed);
        for (const e of exceptions) {
            assert.ok(e.reason.length > 20, `${e.check} has no reason`);
            const onKinds = [...new Set(failed.filter((r) => r.check_id === e.check).map(kindOf))].sort();
            assert.deepEqual(onKinds, [...e.kinds].sort(), `${e.check} "${e.name}" fails on ${onKinds.join(", ") || "nothing"}: list exactly those kinds, or drop the exception`);
        }
    });

    test("README's Security scan table is tests/e2e/scan/checkov-exceptions.json, row for row", () => {
        const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
        const start = readme.indexOf("\n### Security scan\n");
        assert.ok(start >= 0, "README has a Security scan section");
        const end = readme.indexOf("\n## ", start);
        const rows = readme
            .slice(start, end < 0 ? undefined : end)
            .split("\n")
            .map((l) => /^\| `(CKV\w+)` (.+?) \| (.+?) \| (.+) \|$/.exec(l))
            .filter((m): m is RegExpExecArray => m !== null)
            .map(([, check, name, kinds, reason]) => ({ check, name, kinds: kinds.split(", "), reason }));
        assert.deepEqual(rows, exceptions.map(({ check, name, kinds, reason }) => ({ check, name, kinds, reason })));
    });

    test("together the programs render every kind of object the component creates", () => {
        const kinds = new Set([...scans.values()].flatMap((s) => s.kinds));
        assert.deepEqual(COMPONENT_KINDS.filter((k) => !kinds.has(k)), [], `rendered: ${[...kinds].sort().join(", ")}`);
    });

    test("control: without its NetworkPolicy the same manifests fail CKV2_K8S_6, so the scan can fail", () => {
        assert.ok(kept, "a rendered program with a NetworkPolicy was kept");
        const policies = fs.readdirSync(path.join(kept, "1-manifest")).filter((f) => /networkpolicy/.test(f));
        assert.equal(policies.length, 1, policies.join(", "));
        fs.rmSync(path.join(kept, "1-manifest", policies[0]));
        const result = scan(kept);
        const failed = result.failed.filter((r) => r.check_id === "CKV2_K8S_6").map(kindOf);
        assert.deepEqual(failed, ["Pod"]);
    });
});
