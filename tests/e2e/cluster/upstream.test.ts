// nginx in front of an app on a real single-node cluster (examples/app-behind-nginx): the front is
// deployed first, alone, and must run and pass its probes while the app's Service does not exist,
// answering 502; then the app is deployed, and the same nginx pods (not restarted, not rolled) start
// proxying to it by name, with the forwarded headers, over HTTPS verified against caCertificatePem.
// The resolver is the component's default: the cluster DNS Service's name, resolved by nginx at start
// through the pod's /etc/resolv.conf.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { disposeStack, PulumiEnv, REPO, stackFor } from "../harness";
import { RealCluster, stopWithPulumi } from "./cluster";

const NAMESPACE = "upstream";
const FRONT = "web";

let cluster: RealCluster;
let env: PulumiEnv;

before(async () => {
    ({ cluster, env } = await RealCluster.startWithPulumi());
});

after(() => stopWithPulumi(cluster, env));

/** `curl` from the client pod with the front's certificate as the only CA: status line, then the body. */
function curlFront(url: string): { code: string; body: string; stderr: string } {
    const r = cluster.inClient(NAMESPACE, ["curl", "-sS", "--max-time", "5", "--cacert", "/tmp/ca.pem", "-w", "\n%{http_code}", url]);
    const lines = r.stdout.split("\n");
    return { code: lines.pop() ?? "", body: lines.join("\n"), stderr: r.stderr };
}

describe("examples/app-behind-nginx on a real node: 502 before the app exists, then proxied by name", () => {
    let stack: Stack;
    let caCertificatePem = "";
    let frontPods: { name: string; uid: string }[] = [];

    before(async () => {
        cluster.restrictedNamespace(NAMESPACE);
        stack = await stackFor(env, path.join(REPO, "examples", "app-behind-nginx"), `cluster-upstream-${process.pid}`, {
            namespace: NAMESPACE,
            image: cluster.info.NGINX_IMAGE,
            replicas: "1",
            deployApp: "false",
        });
        cluster.startClient(NAMESPACE);
    });

    after(async () => {
        await disposeStack(stack);
    });

    test("the front alone: nginx runs and is Ready without the app's Service, answers 502, /healthz 200", async () => {
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        caCertificatePem = result.outputs.caCertificatePem.value;
        // First, so a failed assertion below does not turn into a missing CA in the next test.
        cluster.writeInPod(NAMESPACE, "/tmp/ca.pem", caCertificatePem);
        const pods = cluster.podsOf(NAMESPACE, FRONT);
        assert.equal(pods.length, 1);
        for (const pod of pods) {
            assert.ok(pod.status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"), `${pod.metadata.name} Ready`);
            const status = pod.status.containerStatuses[0];
            assert.equal(status.restartCount, 0, `nginx restarted; its last state: ${JSON.stringify(status.lastState)}`);
        }
        frontPods = pods.map((p: any) => ({ name: p.metadata.name, uid: p.metadata.uid }));
        assert.equal(cluster.kubectlResult(["-n", NAMESPACE, "get", "service", "app"]).status, 1, "no app Service yet");
        const front = curlFront(`https://${FRONT}/`);
        assert.equal(front.code, "502", `${front.body}${front.stderr}`);
        assert.equal(curlFront(`https://${FRONT}/healthz`).code, "200");
        assert.equal(curlFront(`http://${FRONT}/healthz`).code, "200");
    });

    test("the app deployed after: the same nginx pods proxy to it by name, with the forwarded headers", async () => {
        await stack.setConfig("deployApp", { value: "true" });
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        assert.equal(result.summary.resourceChanges?.update ?? 0, 0, `nothing of the front changes: ${JSON.stringify(result.summary.resourceChanges)}`);

        // As soon as the app's Service has a ready endpoint (nginx keeps no failed lookup); bounded.
        const upDone = Date.now();
        let front = curlFront(`https://${FRONT}/some/path?q=1`);
        for (let attempt = 0; attempt < 30 && front.code !== "200"; attempt++) {
            assert.ok(front.code === "502" || front.code === "200", `only 502 or 200 while the app comes up, got ${front.code}: ${front.stderr}`);
            await new Promise((resolve) => setTimeout(resolve, 1000));
            front = curlFront(`https://${FRONT}/some/path?q=1`);
        }
        assert.equal(front.code, "200", `${front.body}${front.stderr}`);
        // Reported, not asserted (load decides it): how long after `pulumi up` the app answered through nginx.
        console.log(`the app answered through nginx ${((Date.now() - upDone) / 1000).toFixed(1)} s after pulumi up returned`);
        const clientIP = cluster.kubectlJson(["-n", NAMESPACE, "get", "pod", "client"]).status.podIP;
        const seen = Object.fromEntries(
            front.body
                .split("\n")
                .filter((l) => l.includes(": "))
                .map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]),
        );
        assert.equal(seen.app, "GET /some/path?q=1", front.body);
        assert.equal(seen["x-forwarded-proto"], "https");
        assert.equal(seen["x-forwarded-host"], FRONT);
        assert.equal(seen.host, FRONT);
        assert.equal(seen["x-forwarded-for"], clientIP, "the client pod's address, as nginx saw it");

        // No restart and no rollout: the name was resolved at request time by the pods already running.
        const pods = cluster.podsOf(NAMESPACE, FRONT);
        assert.deepEqual(pods.map((p: any) => ({ name: p.metadata.name, uid: p.metadata.uid })), frontPods);
        const status = pods[0].status.containerStatuses[0];
        assert.equal(status.restartCount, 0, `nginx restarted; its last state: ${JSON.stringify(status.lastState)}`);
        assert.equal(curlFront(`http://${FRONT}/x`).code, "308", "plain HTTP redirects (redirectHttpToHttps)");
    });

    test("a second preview shows no change", async () => {
        await stack.preview({ expectNoChanges: true });
    });
});
