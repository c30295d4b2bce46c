// The package as a user installs it from a git URL, deployed for real: a clean clone of this
// repository's HEAD is installed with `npm install git+file://<clone>` (npm runs `prepare` there, with
// the devDependencies, and installs what it packs) into a new Pulumi TypeScript program outside the
// repository, which then goes through `pulumi up`, a clean preview and `pulumi destroy` on the local
// control plane. @pulumi/kubernetes comes from package.json's range (>= 4.29.0), so the engine warns
// that the toolchain's provider (4.25.0-dev) is older than the SDK asks for: expected here, see
// docs/testing.md. Only committed changes are in the clone; tests/package.test.ts packs the working tree.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { installConsumer, installedCopies, linksOutside, REPO_ROOT, run, writeConsumer } from "../packageConsumer";
import {
    ControlPlane,
    createRestrictedNamespace,
    disposeStack,
    eventually,
    exists,
    kubectl,
    kubectlJson,
    PulumiEnv,
    stackFor,
    startControlPlaneWithPulumi,
    stopControlPlaneWithPulumi,
} from "./harness";

const NAMESPACE = "e2e-consumer";
/** The SDK the toolchain's language host is built from (tests/e2e/README.md); also the last on Node 20. */
const CONSUMER_PULUMI = "3.248.0";

describe("the package installed from a git URL into a new program", () => {
    let cluster: ControlPlane | undefined;
    let env: PulumiEnv | undefined;
    let kubeconfig: string;
    let tmp: string;
    let consumer: string;
    let stack: Stack | undefined;
    let outputs: Record<string, any> = {};

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-e2e-package-"));
        const clone = path.join(tmp, "clone");
        run("git", ["clone", "--quiet", REPO_ROOT, clone], tmp);
        consumer = path.join(tmp, "consumer");
        writeConsumer(consumer, `git+file://${clone}`, { "@pulumi/pulumi": CONSUMER_PULUMI });
        installConsumer(consumer);
        ({ cluster, env } = await startControlPlaneWithPulumi());
        kubeconfig = cluster.kubeconfig;
        createRestrictedNamespace(kubeconfig, NAMESPACE);
        stack = await stackFor(env, consumer, `e2e-${process.pid}`, { namespace: NAMESPACE });
    });

    after(async () => {
        try {
            await disposeStack(stack);
        } finally {
            try {
                stopControlPlaneWithPulumi(cluster, env);
            } finally {
                if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
            }
        }
    });

    test("npm built the package from the clone: compiled code and declarations, one @pulumi/pulumi, no links out", () => {
        const installed = path.join(consumer, "node_modules", "nginx-service");
        assert.ok(!fs.lstatSync(installed).isSymbolicLink());
        const modules = fs.readdirSync(path.join(REPO_ROOT, "sdk")).filter((f) => f.endsWith(".ts")).map((f) => f.replace(/\.ts$/, ""));
        assert.deepEqual(fs.readdirSync(path.join(installed, "lib")).sort(), modules.flatMap((m) => [`${m}.d.ts`, `${m}.js`]).sort());
        assert.ok(!fs.existsSync(path.join(installed, "tests")) && !fs.existsSync(path.join(installed, "sdk")), "only what npm pack ships");
        assert.deepEqual(linksOutside(consumer), []);
        assert.deepEqual(installedCopies(consumer, "@pulumi/pulumi").map((c) => c.version), [CONSUMER_PULUMI]);
        const [kubernetes] = installedCopies(consumer, "@pulumi/kubernetes");
        const [major, minor] = kubernetes.version.split(".").map(Number);
        assert.ok(major === 4 && minor >= 29, `@pulumi/kubernetes ${kubernetes.version} is in the range, past pulumi-kubernetes#2926`);
    });

    test("pulumi up deploys it in a namespace enforcing Pod Security restricted", async () => {
        const result = await stack!.up();
        assert.equal(result.summary.result, "succeeded");
        outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
        const deployment = kubectlJson(kubeconfig, ["-n", NAMESPACE, "get", "deployment", "consumer-web"]);
        assert.equal(deployment.status.readyReplicas, 1);
        assert.match(outputs.argsError, /replicas must be a whole number >= 0, got -1/);
    });

    test("the outputs are what the API server holds", () => {
        const svc = kubectlJson(kubeconfig, ["-n", NAMESPACE, "get", "service", "consumer-web"]);
        assert.equal(outputs.serviceName, "consumer-web");
        assert.equal(svc.spec.type, "NodePort");
        assert.equal(outputs.clusterIP, svc.spec.clusterIP);
        const allocated = Object.fromEntries(svc.spec.ports.map((p: any) => [p.name, p.nodePort]));
        assert.deepEqual(outputs.nodePorts, { http: allocated.http, https: allocated.https });
        const secret = kubectlJson(kubeconfig, ["-n", NAMESPACE, "get", "secret", outputs.tlsSecretName]);
        assert.equal(secret.type, "kubernetes.io/tls");
        assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), outputs.certificatePem);
        assert.ok(outputs.urls.includes(`https://consumer-web.${NAMESPACE}.svc.cluster.local`), outputs.urls.join(" "));
    });

    test("a second preview shows no changes", async () => {
        const result = await stack!.preview({ expectNoChanges: true });
        const changed = Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
        assert.deepEqual(changed, []);
    });

    test("pulumi destroy leaves the namespace empty", async () => {
        const result = await stack!.destroy();
        assert.equal(result.summary.result, "succeeded");
        assert.ok(!exists(kubeconfig, ["-n", NAMESPACE, "service", "consumer-web"]));
        const leftover = () =>
            kubectl(kubeconfig, ["-n", NAMESPACE, "get", "deployments,replicasets,pods,services,secrets,configmaps", "-o", "name"])
                .split("\n")
                .filter((l) => l !== "" && l !== "configmap/kube-root-ca.crt");
        assert.ok(await eventually(() => leftover().length === 0, 60_000), `left in ${NAMESPACE}: ${leftover().join(", ")}`);
    });
});
