// Fault drills on the real single-node cluster: live HTTPS traffic from a client pod through the Service
// while the stack changes (certificate rotation, config change, scaling) and while pods go away, each
// printing its figures: requests sent, requests failed, time to converge.
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { eventually, pulumiEnv, PulumiEnv, REPO, stackFor, toolchainBin } from "../harness";
import { RealCluster } from "./cluster";
import { describeLoad, startLoad } from "./load";

const NAMESPACE = "drills";
const SVC = "my-nginx";
const URL = `https://${SVC}/`;

let cluster: RealCluster;
let env: PulumiEnv;
let pulumiRoot: string;
let stack: Stack;
let outputs: Record<string, any> = {};

async function up(config: { [key: string]: string } = {}): Promise<number> {
    for (const [key, value] of Object.entries(config)) {
        await stack.setConfig(key, { value });
    }
    const t0 = Date.now();
    const result = await stack.up();
    assert.equal(result.summary.result, "succeeded");
    outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
    return (Date.now() - t0) / 1000;
}

/** The Secrets the instance's ready pods mount. */
function mountedSecrets(): string[] {
    return cluster
        .podsOf(NAMESPACE, SVC)
        .flatMap((p) => p.spec.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName))
        .sort();
}

before(async () => {
    const bin = toolchainBin("cluster");
    cluster = RealCluster.start(bin);
    pulumiRoot = cluster.pulumiRoot();
    env = await pulumiEnv(bin, cluster.kubeconfig, pulumiRoot);
    cluster.restrictedNamespace(NAMESPACE);
    stack = await stackFor(env, REPO, `drills-${process.pid}`, { namespace: NAMESPACE, image: cluster.info.NGINX_IMAGE, replicas: "2" });
    await up();
    cluster.startClient(NAMESPACE);
    cluster.writeInPod(NAMESPACE, "/tmp/ca.pem", outputs.certificatePem);
});

after(async () => {
    try {
        await stack?.destroy().catch(() => undefined);
        await stack?.workspace.removeStack(stack.name).catch(() => undefined);
        cluster?.stop();
    } finally {
        env?.cleanup();
        if (pulumiRoot) {
            fs.rmSync(pulumiRoot, { recursive: true, force: true });
        }
    }
});

describe("fault drills under live traffic", () => {
    test("rotation under load: no request fails, then every response presents the new certificate, and the old Secret goes last", async () => {
        const oldPem: string = outputs.certificatePem;
        const oldSecret: string = outputs.tlsSecretName;
        // The client trusts the old certificate; once the new Secret exists (before any pod uses it),
        // the test adds the new one to the client's bundle, as an operator distributing a rotated
        // certificate would.
        cluster.writeInPod(NAMESPACE, "/tmp/bundle.pem", oldPem);
        const load = startLoad(cluster, NAMESPACE, URL, { caFile: "/tmp/bundle.pem" });
        let bundled = false;
        let mountsWhenOldSecretWent: string[] | undefined;
        const watch = setInterval(() => {
            const secrets = cluster.kubectlJson(["-n", NAMESPACE, "get", "secrets", "-l", `app.kubernetes.io/instance=${SVC}`]).items;
            const fresh = secrets.find((s: any) => s.type === "kubernetes.io/tls" && s.metadata.name !== oldSecret);
            if (fresh && !bundled) {
                cluster.writeInPod(NAMESPACE, "/tmp/bundle.pem", oldPem + Buffer.from(fresh.data["tls.crt"], "base64").toString());
                bundled = true;
            }
            if (mountsWhenOldSecretWent === undefined && !secrets.some((s: any) => s.metadata.name === oldSecret)) {
                mountsWhenOldSecretWent = mountedSecrets();
            }
        }, 300);
        let seconds: number;
        try {
            seconds = await up({ rotation: `drill-${Date.now()}` });
        } finally {
            clearInterval(watch);
        }
        const result = await load.stop();
        console.log(describeLoad("rotation", result, seconds));
        assert.ok(bundled, "the new Secret was seen before the rollout ended");
        assert.notEqual(outputs.certificatePem, oldPem);
        assert.ok(result.sent > 50, `enough traffic to mean something (${result.sent})`);
        assert.equal(result.failed, 0, describeLoad("rotation", result));
        // The old Secret went after every running pod had moved to the new one.
        assert.ok(mountsWhenOldSecretWent !== undefined, "the old Secret was deleted");
        assert.ok(!mountsWhenOldSecretWent.includes(oldSecret), `pods still mounted ${oldSecret}: ${mountsWhenOldSecretWent}`);
        // Every response now presents the new certificate: the new one alone verifies, 20 times over,
        // and the certificate the server sends has the new fingerprint.
        cluster.writeInPod(NAMESPACE, "/tmp/ca.pem", outputs.certificatePem);
        const after = startLoad(cluster, NAMESPACE, URL, { maxRequests: 20, pauseSeconds: 0 });
        const check = await new Promise<Awaited<ReturnType<typeof after.stop>>>((resolve) => setTimeout(() => resolve(after.stop()), 3000));
        assert.equal(check.failed, 0, describeLoad("after rotation, new CA only", check));
        const fingerprint = new X509Certificate(outputs.certificatePem).fingerprint256.replace(/:/g, "").toLowerCase();
        for (let i = 0; i < 6; i++) {
            const served = cluster.inClient(NAMESPACE, [
                "sh",
                "-c",
                `openssl s_client -connect ${SVC}:443 -servername ${SVC} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
            ]);
            assert.equal(served.stdout.trim().split("=")[1]?.replace(/:/g, "").toLowerCase(), fingerprint, served.stdout + served.stderr);
        }
    });

    test("config change under load: a new ConfigMap rolls the pods with no request failing", async () => {
        const load = startLoad(cluster, NAMESPACE, URL);
        const seconds = await up({ redirectHttpToHttps: "true" });
        const result = await load.stop();
        console.log(describeLoad("config change (redirectHttpToHttps on)", result, seconds));
        assert.ok(result.sent > 50, `enough traffic (${result.sent})`);
        assert.equal(result.failed, 0, describeLoad("config change", result));
        const redirect = cluster.curlInClient(NAMESPACE, `http://${SVC}:8080/x`);
        assert.equal(redirect.code, "308", "the new config is live");
    });

    test("scale under load: 2 -> 4 -> 1 replicas with no request failing", async () => {
        const load = startLoad(cluster, NAMESPACE, URL);
        const upSeconds = await up({ replicas: "4" });
        assert.ok(await eventually(() => cluster.podsOf(NAMESPACE, SVC).length === 4, 60_000));
        const downSeconds = await up({ replicas: "1" });
        // Scaling down ends when the surplus pods have stopped (their preStop wait included).
        const t0 = Date.now();
        assert.ok(
            await eventually(() => cluster.kubectlJson(["-n", NAMESPACE, "get", "pods", "-l", `app.kubernetes.io/instance=${SVC}`]).items.length === 1, 90_000),
            "three pods stopped",
        );
        const drained = (Date.now() - t0) / 1000;
        const result = await load.stop();
        console.log(describeLoad(`scale 2->4 (${upSeconds.toFixed(1)} s) -> 1 (${downSeconds.toFixed(1)} s, pods gone ${drained.toFixed(1)} s later)`, result));
        assert.ok(result.sent > 50, `enough traffic (${result.sent})`);
        assert.equal(result.failed, 0, describeLoad("scale", result));
    });

    test("a pod deleted under load: no request fails and a replacement becomes Ready", async () => {
        await up({ replicas: "2" });
        const [victim] = cluster.podsOf(NAMESPACE, SVC);
        const load = startLoad(cluster, NAMESPACE, URL);
        await new Promise((r) => setTimeout(r, 2000));
        const t0 = Date.now();
        cluster.kubectl(["-n", NAMESPACE, "delete", "pod", victim.metadata.name, "--wait=true", "--timeout=90s"]);
        const deleted = (Date.now() - t0) / 1000;
        const replaced = await eventually(
            () => cluster.podsOf(NAMESPACE, SVC).filter((p) => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")).length === 2,
            60_000,
        );
        await new Promise((r) => setTimeout(r, 2000));
        const result = await load.stop();
        console.log(describeLoad(`graceful delete (pod gone after ${deleted.toFixed(1)} s)`, result, (Date.now() - t0) / 1000));
        assert.ok(replaced, "a replacement pod is Ready");
        assert.equal(result.failed, 0, describeLoad("graceful delete", result));
    });

    test("a crashed nginx: failures are reported, the endpoints drop the pod, the restarted container becomes Ready", async () => {
        const [victim] = cluster.podsOf(NAMESPACE, SVC);
        const restarts = victim.status.containerStatuses[0].restartCount;
        const load = startLoad(cluster, NAMESPACE, URL);
        await new Promise((r) => setTimeout(r, 2000));
        const t0 = Date.now();
        process.kill(cluster.containerPid(victim), "SIGKILL");
        const readyIPs = () =>
            cluster
                .kubectlJson(["-n", NAMESPACE, "get", "endpointslices", "-l", `kubernetes.io/service-name=${SVC}`])
                .items.flatMap((s: any) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready).flatMap((e: any) => e.addresses));
        const dropped = await eventually(() => !readyIPs().includes(victim.status.podIP), 60_000, 200);
        const droppedAfter = (Date.now() - t0) / 1000;
        const back = await eventually(() => {
            const pod = cluster.kubectlJson(["-n", NAMESPACE, "get", "pod", victim.metadata.name]);
            const status = pod.status.containerStatuses[0];
            return status.restartCount > restarts && status.ready === true;
        }, 90_000);
        const backAfter = (Date.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 1000));
        const result = await load.stop();
        console.log(describeLoad(`crash (endpoint dropped after ${droppedAfter.toFixed(1)} s, container Ready again after ${backAfter.toFixed(1)} s)`, result));
        assert.ok(dropped, "the endpoints dropped the crashed pod");
        assert.ok(back, "the container restarted and is Ready");
        assert.ok(result.sent > 50 && result.failed < result.sent, describeLoad("crash", result));
    });
});
