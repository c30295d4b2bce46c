// `content` and `metrics` on the real single-node cluster, with examples/static-site through the real
// Pulumi engine: the given files served through the Service over HTTPS (verified against the
// caCertificatePem output), a changed file rolling the pods onto a new ConfigMap, an existing ConfigMap whose
// data changes reaching the running pods without a rollout, and stub_status answering on each pod's
// status port to the allowed client only, never through the Service. The exporter sidecar is not deployed: its image
// cannot be pulled here (no registry), and faking it would test nothing of it (tests/metrics.test.ts
// checks its wiring).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { eventually, PulumiEnv, REPO, stackFor } from "../harness";
import { RealCluster, stopWithPulumi } from "./cluster";
import { DOCUMENT_ROOT, STATUS_PATH, STATUS_PORT } from "../../../sdk/pod";

const NAMESPACE = "static-site";
const SVC = "static-site";
const CA = "/tmp/ca.pem";

let cluster: RealCluster;
let env: PulumiEnv;
let stack: Stack;
let outputs: Record<string, any> = {};

async function up(config: { [key: string]: string }) {
    for (const [key, value] of Object.entries(config)) {
        await stack.setConfig(key, { value });
    }
    const result = await stack.up();
    assert.equal(result.summary.result, "succeeded");
    outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
    return result;
}

/** `curl` in the client pod: the body (stdout) and curl's exit code. */
function fetchInClient(url: string, extra: string[] = []): { body: string; exit: number | null; stderr: string } {
    const r = cluster.inClient(NAMESPACE, ["curl", "-sS", "--max-time", "5", "--fail", ...extra, url]);
    return { body: r.stdout, exit: r.status, stderr: r.stderr };
}

/** The counters of a stub_status page. */
function stubStatus(body: string): { accepts: number; requests: number } {
    const match = /^Active connections: \d+ \nserver accepts handled requests\n (\d+) \d+ (\d+) \n/.exec(body);
    assert.ok(match, `a stub_status page: ${JSON.stringify(body)}`);
    return { accepts: Number(match[1]), requests: Number(match[2]) };
}

before(async () => {
    ({ cluster, env } = await RealCluster.startWithPulumi());
    cluster.restrictedNamespace(NAMESPACE);
    stack = await stackFor(env, path.join(REPO, "examples/static-site"), `content-${process.pid}`, { namespace: NAMESPACE, image: cluster.info.NGINX_IMAGE });
});

after(() => stopWithPulumi(cluster, env, stack));

describe("content and metrics on a real node: examples/static-site", () => {
    test("the given files through the Service over HTTPS, nested path and content type included", async () => {
        await up({ headline: "First edition" });
        assert.equal(cluster.podsOf(NAMESPACE, SVC).length, 2);
        cluster.startClient(NAMESPACE);
        cluster.writeInPod(NAMESPACE, CA, outputs.caCertificatePem);
        const index = fetchInClient(`https://${SVC}/`, ["--cacert", CA]);
        assert.equal(index.exit, 0, index.stderr);
        assert.match(index.body, /<h1>First edition<\/h1>/);
        assert.doesNotMatch(index.body, /Welcome to nginx/i, "the image's page is hidden by the content");
        const css = fetchInClient(`https://${SVC}.${NAMESPACE}.svc.cluster.local/css/site.css`, ["--cacert", CA]);
        assert.equal(css.exit, 0, css.stderr);
        assert.match(css.body, /^body \{ font-family: sans-serif;/);
        const type = fetchInClient(`https://${SVC}/css/site.css`, ["--cacert", CA, "-o", "/dev/null", "-w", "%{content_type}"]);
        assert.match(type.body, /^text\/css/);
        // The document root is a read-only mount in every nginx container (seen from the node).
        for (const pod of cluster.podsOf(NAMESPACE, SVC)) {
            const mounts = fs.readFileSync(`/proc/${cluster.containerPid(pod)}/mountinfo`, "utf8").split("\n");
            const root = mounts.find((line) => line.split(" ")[4] === DOCUMENT_ROOT);
            assert.ok(root, `${pod.metadata.name}: a mount at ${DOCUMENT_ROOT}`);
            assert.match(root.split(" ")[5], /(^|,)ro(,|$)/, root);
        }
    });

    test("stub_status: closed at a pod IP by default (NetworkPolicy, then nginx's 403); with the client's address in metrics.allowCidrs it answers there and its counters move; never through the Service", async () => {
        const clientIP = cluster.kubectlJson(["-n", NAMESPACE, "get", "pod", "client"]).status.podIP;
        for (const pod of cluster.podsOf(NAMESPACE, SVC)) {
            const url = `http://${pod.status.podIP}:${STATUS_PORT.containerPort}${STATUS_PATH}`;
            // Without allowCidrs the NetworkPolicy does not open the status port (the cluster enforces it):
            // no HTTP answer at all. The node, which the enforcer lets through, gets nginx's own 403.
            const denied = cluster.curlInClient(NAMESPACE, url);
            assert.equal(denied.code, "000", `${pod.status.podIP}: the NetworkPolicy refuses the status port by default (curl exit ${denied.exit}: ${denied.stderr})`);
            const fromNode = cluster.curlFromNode(url);
            assert.equal(fromNode.code, "403", `${pod.status.podIP} from the node: only the pod's loopback by default (${fromNode.stderr})`);
        }
        await stack.setConfig("statusAllowCidrs", { value: JSON.stringify([`${clientIP}/32`]) });
        await up({});
        for (const pod of cluster.podsOf(NAMESPACE, SVC)) {
            const ip = pod.status.podIP;
            const before = fetchInClient(`http://${ip}:${STATUS_PORT.containerPort}${STATUS_PATH}`);
            assert.equal(before.exit, 0, `${ip}: ${before.stderr}`);
            const first = stubStatus(before.body);
            for (let i = 0; i < 3; i++) {
                assert.equal(fetchInClient(`http://${ip}:8080/robots.txt`).exit, 0);
            }
            const second = stubStatus(fetchInClient(`http://${ip}:${STATUS_PORT.containerPort}${STATUS_PATH}`).body);
            // 3 requests, plus this status request; the kubelet's probes may add more in between.
            assert.ok(second.requests - first.requests >= 4, `${ip}: requests ${first.requests} -> ${second.requests}`);
            assert.ok(second.accepts - first.accepts >= 4, `${ip}: accepts ${first.accepts} -> ${second.accepts}`);
            const onHttp = fetchInClient(`http://${ip}:8080${STATUS_PATH}`);
            assert.notEqual(onHttp.exit, 0, "not on the http port (404)");
            // The node reaches the pod from its own address on the pod bridge: not allowed.
            const fromNode = cluster.curlFromNode(`http://${ip}:${STATUS_PORT.containerPort}${STATUS_PATH}`);
            assert.equal(fromNode.code, "403", `${ip} from the node: ${fromNode.stderr}`);
        }
        const service = cluster.kubectlJson(["-n", NAMESPACE, "get", "service", SVC]);
        assert.deepEqual(service.spec.ports.map((p: any) => p.name).sort(), ["http", "https"]);
        const throughService = fetchInClient(`http://${SVC}:${STATUS_PORT.containerPort}${STATUS_PATH}`, ["--max-time", "3"]);
        assert.notEqual(throughService.exit, 0, `the Service does not forward ${STATUS_PORT.containerPort}: ${throughService.body}`);
    });

    test("a changed file: a new ConfigMap, the pods roll onto it and serve the new text", async () => {
        const before = cluster.podsOf(NAMESPACE, SVC).map((p) => p.metadata.name);
        const contentMapOf = () => cluster.podsOf(NAMESPACE, SVC).map((p) => p.spec.volumes.find((v: any) => v.name === "content").configMap.name);
        const [oldMap] = contentMapOf();
        const result = await up({ headline: "Second edition" });
        assert.equal(result.summary.resourceChanges?.replace, 1, `one replacement, the content ConfigMap: ${JSON.stringify(result.summary.resourceChanges)}`);
        // `up` returns once the new pods are available; the controller deletes the last old one a moment
        // later, so the count is waited for (the pods themselves are then checked below).
        assert.ok(await eventually(() => cluster.podsOf(NAMESPACE, SVC).length === 2, 30_000, 500), "two pods once the rollout has removed the old ones");
        const pods = cluster.podsOf(NAMESPACE, SVC);
        assert.equal(pods.length, 2);
        for (const pod of pods) {
            assert.ok(!before.includes(pod.metadata.name), `${pod.metadata.name} is a new pod (before: ${before})`);
        }
        const newMaps = [...new Set(contentMapOf())];
        assert.equal(newMaps.length, 1);
        assert.notEqual(newMaps[0], oldMap, "a new ConfigMap name in the pod template");
        const maps = cluster.kubectlJson(["-n", NAMESPACE, "get", "configmaps"]).items.map((m: any) => m.metadata.name);
        assert.ok(!maps.includes(oldMap), `the old ConfigMap ${oldMap} is deleted: ${maps}`);
        for (const pod of pods) {
            const r = fetchInClient(`http://${pod.status.podIP}:8080/`);
            assert.match(r.body, /<h1>Second edition<\/h1>/, pod.metadata.name);
        }
        const viaService = fetchInClient(`https://${SVC}/`, ["--cacert", CA]);
        assert.match(viaService.body, /<h1>Second edition<\/h1>/);
    });

    test("an existing ConfigMap: served; a change of its data reaches the running pods without a rollout", async () => {
        const configMap = (text: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "team-site", namespace: NAMESPACE }, data: { "index.html": `<h1>${text}</h1>\n` } });
        cluster.kubectl(["apply", "-f", "-"], configMap("Team v1"));
        await up({ contentConfigMap: "team-site" });
        const served = (text: string) => () => cluster.podsOf(NAMESPACE, SVC).every((pod) => fetchInClient(`http://${pod.status.podIP}:8080/`).body.includes(text));
        assert.ok(served("Team v1")(), "every pod serves the existing ConfigMap");
        assert.match(fetchInClient(`https://${SVC}/`, ["--cacert", CA]).body, /Team v1/);
        const pods = cluster.podsOf(NAMESPACE, SVC).map((p) => `${p.metadata.uid}/${p.status.containerStatuses.find((c: any) => c.name === "nginx").restartCount}`).sort();

        const t0 = Date.now();
        cluster.kubectl(["apply", "-f", "-"], configMap("Team v2"));
        // The kubelet's sync period is 1 min and its ConfigMap cache follows a watch: allow two periods.
        assert.ok(await eventually(served("Team v2"), 150_000, 2000), "every pod serves the new data");
        console.log(`existing ConfigMap changed: every pod served the new data after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        const after = cluster.podsOf(NAMESPACE, SVC).map((p) => `${p.metadata.uid}/${p.status.containerStatuses.find((c: any) => c.name === "nginx").restartCount}`).sort();
        assert.deepEqual(after, pods, "the same pods, not restarted: no rollout");
    });
});
