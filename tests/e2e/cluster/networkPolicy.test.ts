// The component's NetworkPolicy enforced on the real single-node cluster, whose enforcer is
// kube-router's network policy firewall (controlplane.sh: iptables rules and ipsets in the cluster's
// network namespace). Two instances of tests/e2e/programs/network-policy: `guarded` admits only pods
// labelled role=frontend and lets its pods reach DNS only; `open` has no policy. Two client pods, one
// with the label and one without. The control turns the guarded instance's policy off and shows the
// same client served by the same pod, so the refusal came from the policy.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { disposeStack, eventually, PulumiEnv, REPO, stackFor } from "../harness";
import { CommandResult, RealCluster, stopWithPulumi } from "./cluster";

const NAMESPACE = "netpol";
const ALLOWED = "frontend";
const STRANGER = "stranger";
/** curl's exit codes for a connection that never opens: refused (kube-router REJECTs) or timed out. */
const NOT_CONNECTED = [7, 28];

let cluster: RealCluster;
let env: PulumiEnv;

before(async () => {
    ({ cluster, env } = await RealCluster.startWithPulumi());
});

after(() => stopWithPulumi(cluster, env));

/** The filter table of the cluster's namespace, where kube-router writes its rules. */
function filterRules(): string {
    const r = cluster.exec("iptables-save", ["-t", "filter"]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
}

/** kube-router sends a pod's traffic through a policy's chain with this comment once it has synced it. */
const policyApplied = (name: string) => filterRules().includes(`run through nw policy ${name}"`);

/** A UDP DNS query (type A) from inside a network namespace; prints the answer's addresses, one a line. */
const DNS_QUERY = `
const dgram = require("node:dgram");
const [server, name] = process.argv.slice(1);
const labels = name.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
const query = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
const socket = dgram.createSocket("udp4");
const timer = setTimeout(() => { console.error("no answer within 5 s"); process.exit(2); }, 5000);
socket.on("message", (m) => {
    clearTimeout(timer);
    const rcode = m[3] & 0xf, answers = m.readUInt16BE(6);
    let at = query.length;
    for (let i = 0; i < answers; i++) {
        // The owner name: labels up to the root, or up to a compression pointer.
        while (m[at] !== 0 && (m[at] & 0xc0) === 0) at += m[at] + 1;
        at += m[at] === 0 ? 1 : 2;
        const type = m.readUInt16BE(at), length = m.readUInt16BE(at + 8);
        if (type === 1) console.log([...m.subarray(at + 10, at + 14)].join("."));
        at += 10 + length;
    }
    process.exit(rcode === 0 ? 0 : 3);
});
socket.send(query, 53, server);
`;

describe("NetworkPolicy enforced by kube-router on the real cluster", () => {
    let stack: Stack;
    let guardedPem: string;
    let openPem: string;
    let guardedPod: string;
    let openClusterIp: string;
    const openCaFile = path.join(os.tmpdir(), `nginx-service-netpol-open-ca-${process.pid}.pem`);

    /** HTTPS to a Service by its name from a client pod, verified against the instance's certificate. */
    const curlFromClient = (pod: string, service: string, caFile: string) => {
        const r = cluster.inClient(NAMESPACE, ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", caFile, `https://${service}/`], undefined, pod);
        return { code: r.stdout.trim(), exit: r.status, stderr: r.stderr };
    };

    /** A command of the node run in the guarded nginx pod's network namespace (the image has no shell or curl). */
    const inGuardedPod = (command: string, args: string[]): CommandResult => {
        const [pod] = cluster.podsOf(NAMESPACE, "guarded");
        return cluster.exec("nsenter", [`--net=/proc/${cluster.containerPid(pod)}/ns/net`, command, ...args]);
    };

    /** HTTPS from the guarded pod to the open instance's Service (its clusterIP, so no DNS is involved). */
    const guardedToOpen = () =>
        inGuardedPod("curl", ["-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", openCaFile, "--resolve", `open:443:${openClusterIp}`, "https://open/"]);

    before(async () => {
        cluster.restrictedNamespace(NAMESPACE);
        cluster.startClient(NAMESPACE, ALLOWED, { role: "frontend" });
        cluster.startClient(NAMESPACE, STRANGER);
        stack = await stackFor(env, path.join(REPO, "tests", "e2e", "programs", "network-policy"), `netpol-${process.pid}`, {
            namespace: NAMESPACE,
            image: cluster.info.NGINX_IMAGE,
        });
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        guardedPem = result.outputs.guardedCaCertificatePem.value;
        openPem = result.outputs.openCaCertificatePem.value;
        fs.writeFileSync(openCaFile, openPem);
        for (const pod of [ALLOWED, STRANGER]) {
            cluster.writeInPod(NAMESPACE, "/tmp/guarded.pem", guardedPem, pod);
            cluster.writeInPod(NAMESPACE, "/tmp/open.pem", openPem, pod);
        }
        guardedPod = cluster.podsOf(NAMESPACE, "guarded")[0].metadata.name;
        openClusterIp = cluster.kubectlJson(["-n", NAMESPACE, "get", "service", "open"]).spec.clusterIP;
    });

    after(async () => {
        await disposeStack(stack);
        fs.rmSync(openCaFile, { force: true });
    });

    test("the guarded instance's NetworkPolicy is in the API and kube-router has synced it into the namespace's rules", async () => {
        const policy = cluster.kubectlJson(["-n", NAMESPACE, "get", "networkpolicy", "guarded"]);
        assert.deepEqual(policy.spec.ingress[0].from, [{ podSelector: { matchLabels: { role: "frontend" } } }]);
        assert.deepEqual(policy.spec.policyTypes.sort(), ["Egress", "Ingress"]);
        assert.ok(await eventually(() => policyApplied("guarded"), 60_000), `kube-router never synced the policy:\n${filterRules()}`);
        const sets = cluster.exec("ipset", ["list", "-n"]);
        assert.equal(sets.status, 0, sets.stderr);
        assert.match(sets.stdout, /^KUBE-/m, "kube-router's ipsets are in the cluster's namespace");
    });

    test("a client pod with the allowed labels is served over HTTPS through the Service", () => {
        const served = curlFromClient(ALLOWED, "guarded", "/tmp/guarded.pem");
        assert.equal(served.code, "200", `${ALLOWED} -> https://guarded/: ${served.stderr}`);
    });

    test("a client pod without them is refused, though it is served by the instance without a policy", () => {
        const refused = curlFromClient(STRANGER, "guarded", "/tmp/guarded.pem");
        assert.equal(refused.code, "000", `${STRANGER} -> https://guarded/ must not be answered`);
        assert.ok(NOT_CONNECTED.includes(refused.exit as number), `curl exit ${refused.exit} (${refused.stderr}): the connection must not open`);
        console.log(`${STRANGER} -> guarded: curl exit ${refused.exit}: ${refused.stderr.trim()}`);
        // Control: the stranger's network, DNS and CA file work; only the guarded instance turns it away.
        const open = curlFromClient(STRANGER, "open", "/tmp/open.pem");
        assert.equal(open.code, "200", `${STRANGER} -> https://open/: ${open.stderr}`);
    });

    test("egress from the nginx pod: DNS answers, HTTPS to another Service is blocked", () => {
        const dns = inGuardedPod(process.execPath, ["-e", DNS_QUERY, cluster.info.DNS_IP, `open.${NAMESPACE}.svc.${cluster.info.CLUSTER_DOMAIN}`]);
        assert.equal(dns.status, 0, `DNS from the guarded pod: ${dns.stderr}`);
        assert.equal(dns.stdout.trim(), openClusterIp, "the cluster DNS answers with the open Service's clusterIP");
        const blocked = guardedToOpen();
        assert.equal(blocked.stdout.trim(), "000", "the open instance must not answer the guarded pod");
        assert.ok(NOT_CONNECTED.includes(blocked.status as number), `curl exit ${blocked.status} (${blocked.stderr}): the connection must not open`);
        console.log(`guarded pod -> open: curl exit ${blocked.status}: ${blocked.stderr.trim()}`);
    });

    test("with networkPolicy.enabled: false the same client is served by the same pod, and that pod reaches the other Service", async () => {
        await stack.setConfig("guardedPolicy", { value: "false" });
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        assert.equal(cluster.kubectlResult(["-n", NAMESPACE, "get", "networkpolicy", "guarded"]).status, 1, "the NetworkPolicy is gone");
        assert.ok(await eventually(() => !policyApplied("guarded"), 60_000), "kube-router never removed the policy's rules");
        assert.deepEqual(cluster.podsOf(NAMESPACE, "guarded").map((p) => p.metadata.name), [guardedPod], "the policy change rolls no pod");
        const served = curlFromClient(STRANGER, "guarded", "/tmp/guarded.pem");
        assert.equal(served.code, "200", `${STRANGER} -> https://guarded/ without the policy: ${served.stderr}`);
        const reached = guardedToOpen();
        assert.equal(reached.stdout.trim(), "200", `guarded pod -> https://open/ without the policy: ${reached.stderr}`);
    });
});
