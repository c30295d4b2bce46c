// Fault drills on the real single-node cluster: live HTTPS traffic from a client pod through the Service
// while the stack changes (certificate rotation, config change, scaling) and while pods go away, each
// printing its figures: requests sent, requests failed, time to converge.
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { disposeStack, eventually, PulumiEnv, REPO, run, stackFor } from "../harness";
import { RealCluster, stopWithPulumi, upWith } from "./cluster";
import { assertFailuresWithin, describeLoad, startLoad } from "./load";

const NAMESPACE = "drills";
const SVC = "my-nginx";
const URL = `https://${SVC}/`;

let cluster: RealCluster;
let env: PulumiEnv;
let stack: Stack;
let outputs: Record<string, any> = {};

async function up(config: { [key: string]: string } = {}): Promise<number> {
    const result = await upWith(stack, config);
    outputs = result.outputs;
    return result.seconds;
}

/** A certificate's SHA-256 fingerprint, lower-case hex without colons. */
function fingerprint(pem: string): string {
    return new X509Certificate(pem).fingerprint256.replace(/:/g, "").toLowerCase();
}

/** The fingerprint of the certificate the Service presents to the client pod, in the same form. */
function servedFingerprint(): string | undefined {
    const served = cluster.inClient(NAMESPACE, ["sh", "-c", `openssl s_client -connect ${SVC}:443 -servername ${SVC} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`]);
    return served.stdout.trim().split("=")[1]?.replace(/:/g, "").toLowerCase();
}

/** The Secrets the instance's ready pods mount. */
function mountedSecrets(): string[] {
    return cluster
        .podsOf(NAMESPACE, SVC)
        .flatMap((p) => p.spec.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName))
        .sort();
}

before(async () => {
    ({ cluster, env } = await RealCluster.startWithPulumi());
    cluster.restrictedNamespace(NAMESPACE);
    stack = await stackFor(env, REPO, `drills-${process.pid}`, { namespace: NAMESPACE, image: cluster.info.NGINX_IMAGE, replicas: "2" });
    await up();
    cluster.startClient(NAMESPACE);
    cluster.writeInPod(NAMESPACE, "/tmp/ca.pem", outputs.caCertificatePem);
});

after(() => stopWithPulumi(cluster, env, stack));

describe("fault drills under live traffic", () => {
    test("rotation under load, the client trusting only the CA taken before: no request fails, then every response presents the new certificate, and every pod ends on the new Secret", async () => {
        const oldPem: string = outputs.certificatePem;
        const oldSecret: string = outputs.tlsSecretName;
        // The client's only trust anchor is caCertificatePem as it was before the rotation (written in
        // before()); nobody hands it anything during or after the rotation.
        const ca: string = outputs.caCertificatePem;
        const load = startLoad(cluster, NAMESPACE, URL, { caFile: "/tmp/ca.pem" });
        let mountsWhenOldSecretWent: string[] | undefined;
        const watch = setInterval(() => {
            const secrets = cluster.kubectlJson(["-n", NAMESPACE, "get", "secrets", "-l", `app.kubernetes.io/instance=${SVC}`]).items;
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
        console.log(describeLoad("rotation (client trusts the CA only)", result, seconds));
        assert.notEqual(outputs.certificatePem, oldPem, "a new serving certificate");
        assert.equal(outputs.caCertificatePem, ca, "the same trust anchor");
        assert.ok(result.sent > 50, `enough traffic to mean something (${result.sent})`);
        assert.equal(result.failed, 0, describeLoad("rotation", result));
        // The old Secret is deleted at the end of `up`, after the Deployment's update. The provider may
        // report the rollout done before the last old pod is replaced (seen on this cluster): those pods
        // keep serving from the files they mounted, which the traffic above shows; printed, not asserted.
        assert.ok(mountsWhenOldSecretWent !== undefined, "the old Secret was deleted");
        console.log(`rotation: pods' Secrets when the old one was deleted: ${mountsWhenOldSecretWent.join(", ")} (old ${oldSecret})`);
        // The rollout ends with every pod on the new Secret.
        assert.ok(
            await eventually(() => mountedSecrets().every((name) => name === outputs.tlsSecretName), 60_000, 500),
            `every running pod mounts ${outputs.tlsSecretName}: ${mountedSecrets().join(", ")}`,
        );
        // Every response now presents the new certificate: the same CA-only client, 20 times over, and
        // the certificate the server sends has the new fingerprint, not the old one.
        const after = startLoad(cluster, NAMESPACE, URL, { caFile: "/tmp/ca.pem", maxRequests: 20, pauseSeconds: 0 });
        const check = await new Promise<Awaited<ReturnType<typeof after.stop>>>((resolve) => setTimeout(() => resolve(after.stop()), 3000));
        assert.equal(check.failed, 0, describeLoad("after rotation, the same CA", check));
        assert.notEqual(fingerprint(outputs.certificatePem), fingerprint(oldPem));
        for (let i = 0; i < 6; i++) {
            assert.equal(servedFingerprint(), fingerprint(outputs.certificatePem));
        }
    });

    test("CA rotation in two steps under load: the new CA first, given to the client beside the old, then the certificate it signs; no request fails", async () => {
        const oldCa: string = outputs.caCertificatePem;
        const oldPem: string = outputs.certificatePem;

        // Step 1: a new CA, and nothing that serves changes. `--exclude <serving certificate>
        // --exclude-dependents` holds back the certificate, the Secret and the pods.
        await stack.setConfig("caRotation", { value: `drill-${Date.now()}` });
        const certificateUrn = (await stack.exportStack()).deployment.resources.find((r: any) => r.type === "tls:index/locallySignedCert:LocallySignedCert").urn;
        const firstLoad = startLoad(cluster, NAMESPACE, URL, { caFile: "/tmp/ca.pem" });
        const t0 = Date.now();
        const first = await stack.up({ exclude: [certificateUrn], excludeDependents: true });
        const firstSeconds = (Date.now() - t0) / 1000;
        const firstResult = await firstLoad.stop();
        console.log(describeLoad("CA rotation step 1 (new CA only; client trusts the old CA)", firstResult, firstSeconds));
        assert.equal(first.summary.result, "succeeded");
        const newCa: string = first.outputs.caCertificatePem.value;
        assert.notEqual(newCa, oldCa, "caCertificatePem is the new CA after step 1");
        assert.equal(firstResult.failed, 0, describeLoad("CA rotation step 1", firstResult));
        assert.equal(servedFingerprint(), fingerprint(oldPem), "the pods still serve the certificate the old CA signed");

        // Step 2: the client trusts both; the certificate is re-signed by the new CA and the pods roll.
        cluster.writeInPod(NAMESPACE, "/tmp/both.pem", oldCa + newCa);
        const load = startLoad(cluster, NAMESPACE, URL, { caFile: "/tmp/both.pem" });
        const seconds = await up();
        const result = await load.stop();
        console.log(describeLoad("CA rotation step 2 (certificate re-signed; client trusts both CAs)", result, seconds));
        assert.equal(outputs.caCertificatePem, newCa);
        assert.ok(new X509Certificate(outputs.certificatePem).checkIssued(new X509Certificate(newCa)), "the new certificate is the new CA's");
        assert.ok(result.sent > 50, `enough traffic (${result.sent})`);
        assert.equal(result.failed, 0, describeLoad("CA rotation step 2", result));

        // Step 3: the old CA dropped, every response verifies against the new CA alone.
        cluster.writeInPod(NAMESPACE, "/tmp/ca.pem", newCa);
        const after = startLoad(cluster, NAMESPACE, URL, { caFile: "/tmp/ca.pem", maxRequests: 20, pauseSeconds: 0 });
        const check = await new Promise<Awaited<ReturnType<typeof after.stop>>>((resolve) => setTimeout(() => resolve(after.stop()), 3000));
        assert.equal(check.failed, 0, describeLoad("after CA rotation, the new CA only", check));
        for (let i = 0; i < 3; i++) {
            assert.equal(servedFingerprint(), fingerprint(outputs.certificatePem));
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

    test("a crashed nginx: failures only until kube-proxy drops the pod, then the restarted container becomes Ready", async () => {
        const [victim] = cluster.podsOf(NAMESPACE, SVC);
        const restarts = victim.status.containerStatuses[0].restartCount;
        const load = startLoad(cluster, NAMESPACE, URL);
        await new Promise((r) => setTimeout(r, 2000));
        const t0 = Date.now();
        process.kill(cluster.containerPid(victim), "SIGKILL");
        // Dropped when the client's proxy (kube-proxy's rules in the node's namespace) no longer sends to it.
        const dropped = await eventually(() => !cluster.proxiesTo(cluster.info.NETNS, victim.status.podIP), 60_000, 100);
        const droppedAt = Date.now();
        const droppedAfter = (droppedAt - t0) / 1000;
        const back = await eventually(() => {
            const pod = cluster.kubectlJson(["-n", NAMESPACE, "get", "pod", victim.metadata.name]);
            const status = pod.status.containerStatuses[0];
            return status.restartCount > restarts && status.ready === true;
        }, 90_000);
        const backAfter = (Date.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 1000));
        const result = await load.stop();
        assert.ok(dropped, "kube-proxy dropped the crashed pod");
        assert.ok(back, "the container restarted and is Ready");
        assert.ok(result.sent > 50, `enough traffic (${result.sent})`);
        const window = assertFailuresWithin("crash", result, t0, droppedAt);
        console.log(
            `${describeLoad(`crash (dropped from kube-proxy's rules after ${droppedAfter.toFixed(1)} s, container Ready again after ${backAfter.toFixed(1)} s)`, result)}; ${window} requests sent from ${result.timeoutSeconds} s before the kill to the drop`,
        );
    });
});

describe("failures that end clearly, nothing lost or orphaned", () => {
    const objectsOf = (namespace: string, instance: string) =>
        cluster
            .kubectl([
                "-n",
                namespace,
                "get",
                "deployments,services,configmaps,secrets,poddisruptionbudgets,networkpolicies,horizontalpodautoscalers",
                "-l",
                `app.kubernetes.io/instance=${instance}`,
                "-o",
                "name",
            ])
            .split("\n")
            .filter((l) => l !== "");
    /** The stacks of these tests not disposed yet: whatever a test left (a failed assertion, a locked stack), `after` disposes. */
    const undisposed: Stack[] = [];
    const newStack = async (dir: string, name: string, namespace: string, config: { [key: string]: string }) => {
        if (cluster.kubectlResult(["get", "namespace", namespace]).status !== 0) {
            cluster.restrictedNamespace(namespace);
        }
        const s = await stackFor(env, path.join(REPO, dir), `${name}-${process.pid}`, { namespace, image: cluster.info.NGINX_IMAGE, ...config });
        undisposed.push(s);
        return s;
    };
    /** Destroys and removes a stack, its Pulumi.<stack>.yaml in the repository included (see disposeStack). */
    const dispose = async (s: Stack) => {
        undisposed.splice(undisposed.indexOf(s), 1);
        await disposeStack(s);
    };
    after(async () => {
        for (const s of [...undisposed]) {
            await dispose(s);
        }
    });
    const upError = async (s: Stack): Promise<{ seconds: number; message: string }> => {
        const t0 = Date.now();
        try {
            await s.up();
        } catch (e) {
            return { seconds: (Date.now() - t0) / 1000, message: String((e as Error).message) };
        }
        assert.fail("pulumi up succeeded but should have failed");
    };

    test("two instances in one namespace: each Service's live endpoints are only its own pods", async () => {
        const a = await newStack(".", "twin-a", "twins", { replicas: "2" });
        const b = await newStack("examples/loadbalancer", "twin-b", "twins", {});
        try {
            await a.up();
            await b.up();
            for (const svc of ["my-nginx", "my-nginx-lb"]) {
                const own = cluster
                    .podsOf("twins", svc)
                    .map((p) => p.status.podIP)
                    .sort();
                assert.equal(own.length, 2);
                const endpoints = cluster.endpointAddresses("twins", svc, true);
                assert.deepEqual(endpoints, own, `${svc}'s endpoints`);
            }
        } finally {
            await dispose(a);
            await dispose(b);
        }
    });

    test("a missing or unusable existing Secret fails pulumi up naming it, and nothing else of the instance is created", async () => {
        const s = await newStack(".", "byo", "byo", { existingSecretName: "no-such-cert" });
        try {
            const missing = await upError(s);
            console.log(`existingSecretName missing: pulumi up failed after ${missing.seconds.toFixed(1)} s`);
            assert.match(missing.message, /no-such-cert/);
            assert.deepEqual(objectsOf("byo", SVC), []);
            cluster.kubectl(["-n", "byo", "create", "secret", "generic", "opaque-cert", "--from-literal=password=x"]);
            await s.setConfig("existingSecretName", { value: "opaque-cert" });
            const opaque = await upError(s);
            console.log(`existingSecretName of an Opaque Secret: pulumi up failed after ${opaque.seconds.toFixed(1)} s`);
            assert.match(opaque.message, /tls\.existingSecretName "opaque-cert" must name a kubernetes.io\/tls Secret/);
            assert.deepEqual(objectsOf("byo", SVC), []);
        } finally {
            await dispose(s);
        }
    });

    test("an interrupted pulumi up (API server gone, then pulumi killed) recovers to the same objects, none twice, none unknown to the state", async () => {
        const s = await newStack(".", "interrupt", "interrupt", { replicas: "2" });
        const deploymentExists = () => cluster.kubectlResult(["-n", "interrupt", "get", "deployment", SVC]).status === 0;
        // What the state knows against what the cluster holds, by kind/name.
        const known = async () =>
            ((await s.exportStack()).deployment.resources ?? [])
                .filter((r: any) => r.type.startsWith("kubernetes:") && r.outputs?.metadata?.name)
                .map((r: any) => `${r.outputs.kind.toLowerCase()}/${r.outputs.metadata.name}`)
                .sort();
        const inCluster = () =>
            objectsOf("interrupt", SVC)
                // kind.group/name as the state has it: kind/name
                .map((o) => o.replace(/^([a-z]+)\.[^/]+\//, "$1/"))
                .sort();
        try {
            // (a) The API server goes away after some objects exist: up fails, the API server comes back,
            // the next up converges.
            const upA = s.up().then(
                () => "succeeded",
                (e) => String(e.message),
            );
            assert.ok(await eventually(deploymentExists, 90_000, 100), "the Deployment was created");
            cluster.stopProcess("kube-apiserver");
            const t0 = Date.now();
            // The provider keeps retrying while the API server is away; it comes back 15 s later.
            await new Promise((r) => setTimeout(r, 15_000));
            cluster.startProcess("kube-apiserver");
            assert.ok(await eventually(() => cluster.kubectlResult(["get", "--raw", "/readyz"]).status === 0, 90_000), "the API server is back");
            const a = await upA;
            const aSeconds = (Date.now() - t0) / 1000;
            const recoveredA = await s.up();
            console.log(
                `API server gone for 15 s mid-up: that up ${a === "succeeded" ? "succeeded" : `failed (${a.split("\n").find((l) => /error/i.test(l))?.trim()})`} ${aSeconds.toFixed(1)} s after the API server went; the next up: ${JSON.stringify(recoveredA.summary.resourceChanges)}`,
            );
            assert.equal(recoveredA.summary.result, "succeeded");
            assert.deepEqual(inCluster(), await known());

            // (b) pulumi itself is killed (SIGKILL) during an update that replaces objects: the file
            // backend keeps its lock and the pending operations.
            await s.setConfig("rotation", { value: "interrupted" });
            const upB = s.up().then(
                () => "succeeded",
                (e) => String(e.message),
            );
            const oldSecret = cluster.kubectlJson(["-n", "interrupt", "get", "deployment", SVC]).spec.template.spec.volumes.find((v: any) => v.secret).secret.secretName;
            assert.ok(
                await eventually(() => cluster.kubectl(["-n", "interrupt", "get", "secrets", "-o", "name"]).split("\n").filter((l) => l.includes(`${SVC}-tls`)).length > 1, 90_000, 100),
                "the new Secret was created",
            );
            const pids = run("pgrep", ["-f", `pulumi.* up .*--stack interrupt-${process.pid}`]).stdout.trim().split("\n").filter((p) => p !== "");
            assert.ok(pids.length > 0, "found the pulumi process");
            // Its plugins live on as orphans until the suite's Pulumi environment is removed, which stops them.
            for (const pid of pids) {
                process.kill(Number(pid), "SIGKILL");
            }
            const b = await upB;
            const locked = await s.up().then(
                () => "succeeded",
                (e) => String(e.message),
            );
            console.log(`pulumi killed mid-up (old Secret ${oldSecret}): the next up says: ${locked.split("\n").find((l) => /lock/i.test(l))?.trim()}`);
            assert.match(locked, /locked/i, "the stack stays locked after a killed pulumi");
            await s.cancel();
            // The documented recovery: refresh, clearing the creates the killed run left pending, then up.
            const refreshed = await s.refresh({ clearPendingCreates: true });
            assert.equal(refreshed.summary.result, "succeeded");
            const recoveredB = await s.up();
            assert.equal(recoveredB.summary.result, "succeeded");
            console.log(`after cancel, refresh --clear-pending-creates and up: ${JSON.stringify(recoveredB.summary.resourceChanges)} (killed run: ${b.split("\n")[0].slice(0, 100)})`);
            const state = await known();
            const live = inCluster();
            const orphans = live.filter((o) => !state.includes(o));
            console.log(`objects in the cluster the state does not know: ${orphans.length ? orphans.join(", ") : "none"}`);
            assert.deepEqual(orphans, [], "nothing in the cluster that the state does not know");
            assert.equal(live.filter((o) => o.startsWith("deployment/")).length, 1);
            assert.equal(live.filter((o) => o.startsWith("service/")).length, 1);
        } finally {
            // Unlocks the stack if the killed pulumi's lock is still there, then destroys and removes it.
            await dispose(s);
        }
    });

    test("no load balancer comes: pulumi up fails after timeoutSeconds naming the Service; awaitAddress false succeeds at once; the controller back, up exports the address", async () => {
        const s = await newStack("examples/loadbalancer", "nolb", "nolb", { timeoutSeconds: "20" });
        cluster.stopProcess("cloud-controller");
        let controllerDown = true;
        try {
            const failed = await upError(s);
            // The provider's own words: the numbered reasons under "N errors occurred".
            const reasons = [...new Set(failed.message.split("\n").filter((l) => /^\s*\* |errors occurred/.test(l)).map((l) => l.trim()))];
            console.log(`no cloud controller: pulumi up failed after ${failed.seconds.toFixed(1)} s (timeoutSeconds 20): ${reasons.slice(0, 3).join(" | ")}`);
            assert.match(failed.message, /my-nginx-lb/);
            assert.ok(failed.seconds >= 20, `waited the timeout (${failed.seconds} s)`);
            await s.setConfig("awaitAddress", { value: "false" });
            const t0 = Date.now();
            const skipped = await s.up();
            const skippedSeconds = (Date.now() - t0) / 1000;
            assert.equal(skipped.summary.result, "succeeded");
            assert.equal(skipped.outputs.loadBalancerIP?.value, undefined);
            cluster.startProcess("cloud-controller");
            controllerDown = false;
            await s.setConfig("awaitAddress", { value: "true" });
            const t1 = Date.now();
            const back = await s.up();
            const backSeconds = (Date.now() - t1) / 1000;
            const ip = back.outputs.loadBalancerIP?.value;
            console.log(`awaitAddress false: up in ${skippedSeconds.toFixed(1)} s without an address; controller back: up in ${backSeconds.toFixed(1)} s, address ${ip}`);
            assert.match(String(ip), /^198\.18\.200\./);
        } finally {
            if (controllerDown) {
                cluster.startProcess("cloud-controller");
            }
        }

        // Destroy while the controller is down: the cleanup finalizer holds the Service, so destroy
        // does not report success while the load balancer exists; it completes once the controller is
        // back, and the address is released.
        await s.removeConfig("timeoutSeconds");
        const lbIP = (await s.up()).outputs.loadBalancerIP.value;
        cluster.stopProcess("cloud-controller");
        const t0 = Date.now();
        let finished = false;
        const destroying = s.destroy().finally(() => (finished = true));
        await new Promise((r) => setTimeout(r, 30_000));
        const service = cluster.kubectlJson(["-n", "nolb", "get", "service", "my-nginx-lb"]);
        assert.equal(finished, false, "destroy still waits after 30 s");
        assert.ok(service.metadata.deletionTimestamp, "the Service is being deleted");
        assert.ok(service.metadata.finalizers.includes("service.kubernetes.io/load-balancer-cleanup"), "held by the cleanup finalizer");
        cluster.startProcess("cloud-controller");
        const t1 = Date.now();
        const result = await destroying;
        console.log(
            `destroy with the controller down: still waiting after ${((t1 - t0) / 1000).toFixed(1)} s; ${((Date.now() - t1) / 1000).toFixed(1)} s after the controller came back it succeeded`,
        );
        assert.equal(result.summary.result, "succeeded");
        const lb0 = cluster.exec("ip", ["-o", "addr", "show", "dev", "lb0"]).stdout;
        if (lb0.includes(`${lbIP}/`)) {
            // What the controller did, for whoever reads a failed run's log: the cluster is gone after it.
            const log = fs.readFileSync(path.join(cluster.dir, "logs", "cloud-controller.log"), "utf8").split("\n");
            assert.fail(`the address ${lbIP} is not released:\n${lb0}\ncloud-controller.log, last lines:\n${log.slice(-40).join("\n")}`);
        }
    });
});
