// The tutorial "Connecting Applications with Services" replayed on a real single-node cluster: the
// pods the component defines really run (uid 101, read-only root filesystem, Pod Security restricted),
// and real requests reach them by pod IP, cluster IP, DNS name, node port and a cloud load balancer,
// with HTTPS verified against the component's own caCertificatePem output. Every program runs through the
// real Pulumi engine, inside the cluster's network namespace; the machine's own network is compared
// before and after.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { disposeStack, eventually, PulumiEnv, REPO, stackFor } from "../harness";
import { RealCluster, stopWithPulumi, rootNetworkState } from "./cluster";

const LB_FINALIZER = "service.kubernetes.io/load-balancer-cleanup";
/** curl's exit code for a certificate that does not verify (CURLE_PEER_FAILED_VERIFICATION). */
const CURL_CERT_FAILED = 60;

let cluster: RealCluster;
let env: PulumiEnv;
let networkBefore: string;

before(async () => {
    networkBefore = rootNetworkState();
    ({ cluster, env } = await RealCluster.startWithPulumi());
});

after(() => stopWithPulumi(cluster, env));


interface Program {
    dir: string;
    serviceName: string;
    type: "ClusterIP" | "NodePort" | "LoadBalancer";
    replicas: number;
    config: { [key: string]: string };
    /** The Service's HTTP and HTTPS ports. */
    ports: { http: number; https: number };
    redirect: boolean;
}

const programs: Program[] = [
    { dir: ".", serviceName: "my-nginx", type: "NodePort", replicas: 2, config: { replicas: "2" }, ports: { http: 8080, https: 443 }, redirect: false },
    { dir: "examples/clusterip", serviceName: "my-nginx", type: "ClusterIP", replicas: 2, config: {}, ports: { http: 80, https: 443 }, redirect: false },
    { dir: "examples/loadbalancer", serviceName: "my-nginx-lb", type: "LoadBalancer", replicas: 2, config: {}, ports: { http: 80, https: 443 }, redirect: true },
];

for (const program of programs) {
    describe(`tutorial on a real node: ${program.dir}`, () => {
        const namespace = `tut-${path.basename(program.dir === "." ? "root" : program.dir)}`;
        const svc = program.serviceName;
        const fqdn = `${svc}.${namespace}.svc.cluster.local`;
        let stack: Stack;
        let outputs: Record<string, any> = {};

        before(async () => {
            cluster.restrictedNamespace(namespace);
            stack = await stackFor(env, path.join(REPO, program.dir), `cluster-${process.pid}`, {
                namespace,
                image: cluster.info.NGINX_IMAGE,
                ...program.config,
            });
        });

        after(async () => {
            await disposeStack(stack);
        });

        test("pulumi up: the pods run and pass the component's readiness probe under Pod Security restricted", async () => {
            const result = await stack.up();
            // Read once, first: ClusterIP and NodePort Services skip the provider's Service await, so
            // this proves the endpoints are ready when `pulumi up` returns, on real pods.
            const readyWhenUpReturned = cluster.endpointAddresses(namespace, svc);
            assert.equal(result.summary.result, "succeeded");
            outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
            const pods = cluster.podsOf(namespace, svc);
            assert.equal(pods.length, program.replicas);
            assert.deepEqual(readyWhenUpReturned, pods.map((p) => p.status.podIP).sort(), "ready endpoints when pulumi up returned");
            for (const pod of pods) {
                assert.equal(pod.status.phase, "Running");
                assert.ok(pod.status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"), `${pod.metadata.name} Ready`);
                assert.equal(pod.status.containerStatuses[0].restartCount, 0, `${pod.metadata.name} never restarted`);
            }
        });

        test("nginx really runs as uid 101 on a read-only root filesystem, with no capabilities", () => {
            for (const pod of cluster.podsOf(namespace, svc)) {
                const pid = cluster.containerPid(pod);
                const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
                assert.match(status, /^Uid:\s+101\s+101\s+101\s+101$/m, `nginx master of ${pod.metadata.name}`);
                assert.match(status, /^CapEff:\s+0+$/m);
                assert.match(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"), /^nginx/);
                const root = fs
                    .readFileSync(`/proc/${pid}/mountinfo`, "utf8")
                    .split("\n")
                    .find((l) => l.split(" ")[4] === "/");
                assert.ok(root, "a root mount");
                assert.match(root.split(" ")[5], /(^|,)ro(,|$)/, `root filesystem mounted read-only: ${root}`);
            }
        });

        test("from the node, each pod IP answers with nginx's page (the tutorial's POD_IP step)", () => {
            for (const pod of cluster.podsOf(namespace, svc)) {
                const r = cluster.curlFromNode(`http://${pod.status.podIP}:8080/`);
                if (program.redirect) {
                    assert.equal(r.code, "308", `${pod.status.podIP}: ${r.stderr}`);
                    // The pod's HTTPS port, verified against the certificate for the Service's name.
                    const ca = path.join(env.backendDir, `${namespace}-ca.pem`);
                    fs.writeFileSync(ca, outputs.caCertificatePem);
                    const https = cluster.curlFromNode(`https://${svc}:8443/`, ["--cacert", ca, "--resolve", `${svc}:8443:${pod.status.podIP}`]);
                    assert.equal(https.code, "200", https.stderr);
                    assert.match(https.body, /nginx/i);
                } else {
                    assert.equal(r.code, "200", `${pod.status.podIP}: ${r.stderr}`);
                    assert.match(r.body, /nginx/i);
                }
            }
        });

        test("the Service's endpoints are exactly the pod IPs, and the outputs are what the API server holds", async () => {
            const podIPs = cluster.podsOf(namespace, svc)
                .map((p) => p.status.podIP)
                .sort();
            const endpointIPs = () => cluster.endpointAddresses(namespace, svc);
            assert.ok(await eventually(() => JSON.stringify(endpointIPs()) === JSON.stringify(podIPs), 30_000), `endpoints ${endpointIPs()} vs pods ${podIPs}`);
            const service = cluster.kubectlJson(["-n", namespace, "get", "service", svc]);
            assert.equal(outputs.clusterIP, service.spec.clusterIP);
            if (program.type !== "ClusterIP") {
                const allocated = Object.fromEntries(service.spec.ports.map((p: any) => [p.name, p.nodePort]));
                assert.deepEqual(outputs.nodePorts, { http: allocated.http, https: allocated.https });
            }
        });

        test("from a client pod: DNS gives the cluster IP, HTTPS verifies for every Service name, a foreign name fails verification", () => {
            cluster.startClient(namespace);
            const lookup = cluster.inClient(namespace, ["getent", "hosts", svc]);
            assert.equal(lookup.status, 0, lookup.stderr);
            assert.equal(lookup.stdout.trim().split(/\s+/)[0], outputs.clusterIP, lookup.stdout);
            // The cluster's DNS has no upstream: names outside cluster.local do not resolve.
            const outside = cluster.inClient(namespace, ["getent", "hosts", "example.com"]);
            assert.notEqual(outside.status, 0, `example.com resolved: ${outside.stdout}`);
            cluster.writeInPod(namespace, "/tmp/ca.pem", outputs.caCertificatePem);
            const port = program.ports.https === 443 ? "" : `:${program.ports.https}`;
            for (const name of [svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, fqdn]) {
                const r = cluster.curlInClient(namespace, `https://${name}${port}/`, ["--cacert", "/tmp/ca.pem"]);
                assert.equal(r.code, "200", `https://${name}${port}: ${r.stderr}`);
            }
            // --resolve: the name resolves, so only the certificate can fail.
            const foreign = cluster.curlInClient(namespace, `https://not-${svc}.example${port}/`, [
                "--cacert",
                "/tmp/ca.pem",
                "--resolve",
                `not-${svc}.example:${program.ports.https}:${outputs.clusterIP}`,
            ]);
            assert.equal(foreign.exit, CURL_CERT_FAILED, `curl exit ${foreign.exit}: ${foreign.stderr}`);
            const plain = cluster.curlInClient(namespace, `http://${svc}:${program.ports.http}/`);
            assert.equal(plain.code, program.redirect ? "308" : "200", plain.stderr);
        });

        test("service links: a pod created after the Service sees MY_NGINX_SERVICE_HOST", () => {
            const prefix = svc.toUpperCase().replace(/-/g, "_");
            const r = cluster.inClient(namespace, ["env"]);
            assert.equal(r.status, 0, r.stderr);
            const vars = Object.fromEntries(r.stdout.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
            assert.equal(vars[`${prefix}_SERVICE_HOST`], outputs.clusterIP);
            // The first port of the Service (http), then one variable per named port.
            assert.equal(vars[`${prefix}_SERVICE_PORT`], String(program.ports.http));
            assert.equal(vars[`${prefix}_SERVICE_PORT_HTTP`], String(program.ports.http));
            assert.equal(vars[`${prefix}_SERVICE_PORT_HTTPS`], String(program.ports.https));
        });

        if (program.type !== "ClusterIP") {
            test("node port: HTTPS through the node's address and the nodePorts.https output verifies", () => {
                const ca = path.join(env.backendDir, `${namespace}-ca.pem`);
                fs.writeFileSync(ca, outputs.caCertificatePem);
                const url = `https://${svc}:${outputs.nodePorts.https}/`;
                const r = cluster.curlFromNode(url, ["--cacert", ca, "--resolve", `${svc}:${outputs.nodePorts.https}:${cluster.info.NODE_IP}`]);
                assert.equal(r.code, "200", r.stderr);
            });
        }

        if (program.type === "LoadBalancer") {
            test("load balancer: the cloud controller's address serves HTTPS, holds the Service with its finalizer", () => {
                const service = cluster.kubectlJson(["-n", namespace, "get", "service", svc]);
                const ingress = service.status.loadBalancer.ingress[0];
                assert.equal(outputs.loadBalancerIP, ingress.ip);
                assert.equal(ingress.ipMode, "Proxy", "traffic really crosses the load balancer");
                assert.ok(service.metadata.finalizers.includes(LB_FINALIZER));
                const [net, bits] = cluster.info.LB_POOL.split("/");
                assert.equal(bits, "24");
                assert.ok(ingress.ip.startsWith(net.split(".").slice(0, 3).join(".") + "."), `${ingress.ip} in ${cluster.info.LB_POOL}`);
                const ca = path.join(env.backendDir, `${namespace}-ca.pem`);
                fs.writeFileSync(ca, outputs.caCertificatePem);
                const r = cluster.curlFromNode(`https://${svc}/`, ["--cacert", ca, "--resolve", `${svc}:443:${ingress.ip}`]);
                assert.equal(r.code, "200", r.stderr);
                const http = cluster.curlFromNode(`http://${ingress.ip}/some/path`);
                assert.equal(http.code, "308", http.stderr);
            });
        }

        test("a second preview shows no changes", async () => {
            const result = await stack.preview({ expectNoChanges: true });
            const changed = Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
            assert.deepEqual(changed, []);
            // The summary comes from the engine's events, streamed out of the cluster's namespace
            // (pulumiInNetns.ts); without them it is empty and the line above would hold vacuously.
            assert.ok((result.changeSummary.same ?? 0) >= 8, `the preview's summary counts the unchanged resources: ${JSON.stringify(result.changeSummary)}`);
        });

        if (program.dir === ".") {
            test("enableServiceLinks false: restarted nginx pods have no service variables but Kubernetes' own", async () => {
                // With links on, a pod started after the Service carries its variables...
                cluster.kubectl(["-n", namespace, "rollout", "restart", `deployment/${svc}`]);
                cluster.kubectl(["-n", namespace, "rollout", "status", `deployment/${svc}`, "--timeout=120s"]);
                const hostVars = (pod: any) => cluster.containerEnv(pod).filter((e) => /_SERVICE_HOST=/.test(e));
                assert.ok(await eventually(() => cluster.podsOf(namespace, svc).length === program.replicas, 60_000));
                for (const pod of cluster.podsOf(namespace, svc)) {
                    assert.ok(hostVars(pod).includes(`MY_NGINX_SERVICE_HOST=${outputs.clusterIP}`), hostVars(pod).join(" "));
                }
                // ...and with links off, the rolled pods have only KUBERNETES_SERVICE_HOST.
                await stack.setConfig("enableServiceLinks", { value: "false" });
                const result = await stack.up();
                assert.equal(result.summary.result, "succeeded");
                assert.ok(await eventually(() => cluster.podsOf(namespace, svc).length === program.replicas, 60_000));
                for (const pod of cluster.podsOf(namespace, svc)) {
                    assert.equal(pod.spec.enableServiceLinks, false);
                    assert.deepEqual(
                        hostVars(pod).map((e) => e.split("=")[0]),
                        ["KUBERNETES_SERVICE_HOST"],
                    );
                }
            });
        }

        test("pulumi destroy removes every object and leaves the namespace empty", async () => {
            const lbIP = outputs.loadBalancerIP;
            const result = await stack.destroy();
            assert.equal(result.summary.result, "succeeded");
            // Everything but the client pod and Kubernetes' own CA bundle; pods and EndpointSlices go
            // once controllers catch up with their owners' deletion.
            const leftover = () =>
                cluster
                    .kubectl(["-n", namespace, "get", "deployments,replicasets,pods,services,secrets,configmaps,endpointslices", "-o", "name"])
                    .split("\n")
                    .filter((l) => l !== "" && l !== "configmap/kube-root-ca.crt" && l !== "pod/client");
            assert.ok(await eventually(() => leftover().length === 0, 60_000), `left in ${namespace}: ${leftover().join(", ")}`);
            if (program.type === "LoadBalancer") {
                // The cloud controller released the address: it is gone from the load balancers'
                // interface and nothing answers there any more.
                const addrs = cluster.exec("ip", ["-o", "addr", "show", "dev", "lb0"]).stdout;
                assert.ok(!addrs.includes(`${lbIP}/`), addrs);
                const r = cluster.curlFromNode(`http://${lbIP}/`, ["--connect-timeout", "2"]);
                assert.notEqual(r.exit, 0, "the released address does not answer");
                assert.equal(r.code, "000");
            }
        });
    });
}

describe("teardown", () => {
    test("stopping the cluster leaves the machine's network as it was: addresses, routes, rules, namespaces", () => {
        const dir = cluster.dir;
        cluster.stop();
        assert.equal(rootNetworkState(), networkBefore);
        assert.ok(!fs.existsSync(dir), `${dir} removed`);
        const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(dir));
        assert.deepEqual(mounts, []);
    });
});
