// A refactor must not change what the component deploys. This check deploys every program (the root
// program in two configurations, every TypeScript example and every test program) from the code at BASE, then previews the same
// stacks with the code at HEAD, on the e2e control plane with the e2e toolchain, and fails unless
// every preview shows no change. Each stack is destroyed afterwards.
//
//   npm run build && node dist/tests/e2e/previewUnchanged.js [BASE [HEAD]]
//
// BASE defaults to the merge base of HEAD and main, HEAD to HEAD: both are committed trees, exported
// with `git archive` into temp dirs (node_modules linked to the repository's), so the check neither
// reads uncommitted work nor writes stack files into the repository.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { ControlPlane, createRestrictedNamespace, createTlsSecret, PulumiEnv, REPO, stackFor, startControlPlaneWithPulumi, stopControlPlaneWithPulumi } from "./harness";

interface Case {
    dir: string;
    config: { [key: string]: string };
    /** A namespace to create first (enforcing Pod Security restricted, as in the e2e suite). */
    namespace?: string;
    /** A kubernetes.io/tls Secret to create first in `namespace`, for a program that reads one. */
    tlsSecret?: string;
}

const CASES: Case[] = [
    { dir: ".", config: {} },
    { dir: ".", config: { namespace: "preview-lb", serviceType: "LoadBalancer" }, namespace: "preview-lb" },
    { dir: "examples/clusterip", config: {} },
    { dir: "examples/https-nodeport", config: {} },
    { dir: "examples/loadbalancer", config: {} },
    { dir: "examples/app-behind-nginx", config: {} },
    { dir: "examples/static-site", config: {} },
    { dir: "examples/hardened", config: {} },
    { dir: "examples/hardened", config: { namespace: "preview-dual", dualStack: "true" }, namespace: "preview-dual" },
    { dir: "tests/e2e/programs/network-policy", config: {} },
    { dir: "tests/e2e/programs/ip-families", config: { namespace: "preview-families", ipFamilyPolicy: "PreferDualStack" }, namespace: "preview-families" },
    {
        dir: "tests/e2e/programs/provider-namespace",
        config: { providerNamespace: "preview-provider", existingSecretName: "byo-cert" },
        namespace: "preview-provider",
        tlsSecret: "byo-cert",
    },
];
// examples/yaml is the YAML language host's (npm run test:languages), not the TypeScript code's.

const git = (...args: string[]) => execFileSync("git", ["-C", REPO, ...args], { encoding: "utf8" }).trim();

/** The tree at `ref`, exported into a temp dir with the repository's node_modules linked in. */
function exportTree(ref: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nginx-service-preview-${ref.slice(0, 12).replace(/[^A-Za-z0-9]/g, "_")}-`));
    const tar = execFileSync("git", ["-C", REPO, "archive", "--format=tar", ref], { maxBuffer: 256 * 1024 * 1024 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

async function checkCase(env: PulumiEnv, kubeconfig: string, c: Case, index: number, base: string, head: string): Promise<string[]> {
    if (c.namespace !== undefined) {
        createRestrictedNamespace(kubeconfig, c.namespace);
        if (c.tlsSecret !== undefined) {
            createTlsSecret(kubeconfig, c.namespace, c.tlsSecret, "byo.preview.example");
        }
    }
    const stackName = `preview-${process.pid}-${index}`;
    const label = `${c.dir} ${JSON.stringify(c.config)}`;
    const before = await stackFor(env, path.join(base, c.dir), stackName, c.config);
    try {
        const up = await before.up();
        if (up.summary.result !== "succeeded") {
            return [`${label}: pulumi up with the old code: ${up.summary.result}`];
        }
        // The stack's config file (config and the passphrase's salt) goes with the stack to the new tree.
        const configFile = `Pulumi.${stackName}.yaml`;
        fs.copyFileSync(path.join(base, c.dir, configFile), path.join(head, c.dir, configFile));
        const after = await LocalWorkspace.selectStack({ stackName, workDir: path.join(head, c.dir) }, { envVars: env.envVars, pulumiCommand: env.command });
        const preview = await after.preview({ diff: true });
        // A read (an existing object the program reads, `tls.existingSecretName`) happens on every
        // preview, with any code: it is not a change.
        const changed = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && op !== "read" && n > 0);
        const same = preview.changeSummary.same ?? 0;
        console.log(`${label}: ${same} resources unchanged${changed.length > 0 ? `, CHANGES ${JSON.stringify(Object.fromEntries(changed))}` : ""}`);
        return changed.length === 0 ? [] : [`${label}: the new code's preview changes ${JSON.stringify(Object.fromEntries(changed))}:\n${preview.stdout.slice(-4000)}`];
    } finally {
        await before.destroy().catch((error) => console.error(`${label}: destroy failed: ${error}`));
        await before.workspace.removeStack(stackName).catch(() => undefined);
    }
}

async function main(): Promise<void> {
    const baseRef = process.argv[2] ?? git("merge-base", "HEAD", "main");
    const headRef = process.argv[3] ?? "HEAD";
    console.log(`deploy with ${baseRef} (${git("rev-parse", "--short", baseRef)}), preview with ${headRef} (${git("rev-parse", "--short", headRef)})`);
    const base = exportTree(baseRef);
    const head = exportTree(headRef);
    let cluster: ControlPlane | undefined;
    let env: PulumiEnv | undefined;
    const problems: string[] = [];
    try {
        ({ cluster, env } = await startControlPlaneWithPulumi());
        for (const [index, c] of CASES.entries()) {
            problems.push(...(await checkCase(env, cluster.kubeconfig, c, index, base, head)));
        }
    } finally {
        try {
            stopControlPlaneWithPulumi(cluster, env);
        } finally {
            fs.rmSync(base, { recursive: true, force: true });
            fs.rmSync(head, { recursive: true, force: true });
        }
    }
    if (problems.length > 0) {
        console.error(`\n${problems.length} of ${CASES.length} programs preview changes:\n${problems.join("\n\n")}`);
        process.exit(1);
    }
    console.log(`\nno changes: all ${CASES.length} programs deployed with the old code preview as unchanged with the new code`);
}

main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
});
