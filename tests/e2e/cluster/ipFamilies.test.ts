// ipFamilyPolicy on the real single-node cluster, which is IPv4 only (one service CIDR, one pod CIDR):
// with PreferDualStack the Service falls back to IPv4 while nginx, whose config now also has
// `listen [::]`, starts in a real pod and serves HTTPS there on IPv4 through the Service and on the
// pod's own IPv6 loopback; RequireDualStack is refused by the API server, and `pulumi up` says so.
// Dual stack itself would need dual service and pod CIDRs on this cluster (README, Known limitations; docs/testing.md, "IP families").
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { disposeStack, PulumiEnv, REPO, stackFor } from "../harness";
import { RealCluster, stopWithPulumi } from "./cluster";

const NAMESPACE = "ipfam";
/** nginx's HTTPS container port (sdk/pod.ts), reached from inside the pod, where no Service maps it. */
const HTTPS_CONTAINER_PORT = 8443;

let cluster: RealCluster;
let env: PulumiEnv;

before(async () => {
    ({ cluster, env } = await RealCluster.startWithPulumi());
});

after(() => stopWithPulumi(cluster, env));

describe("ipFamilyPolicy on an IPv4-only cluster", () => {
    let stack: Stack;
    let caCertificatePem: string;
    const caFile = path.join(os.tmpdir(), `nginx-service-ipfam-ca-${process.pid}.pem`);

    before(async () => {
        cluster.restrictedNamespace(NAMESPACE);
        cluster.startClient(NAMESPACE);
        stack = await stackFor(env, path.join(REPO, "tests", "e2e", "programs", "ip-families"), `ipfam-${process.pid}`, {
            namespace: NAMESPACE,
            image: cluster.info.NGINX_IMAGE,
            ipFamilyPolicy: "PreferDualStack",
        });
    });

    after(async () => {
        await disposeStack(stack);
        fs.rmSync(caFile, { force: true });
    });

    test("PreferDualStack: the Service gets IPv4 only, and nginx, listening on [::] too, starts and serves HTTPS through it", async () => {
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        caCertificatePem = result.outputs.caCertificatePem.value;
        const svc = cluster.kubectlJson(["-n", NAMESPACE, "get", "service", "my-nginx"]);
        assert.deepEqual(svc.spec.ipFamilies, ["IPv4"], "a single-stack cluster gives one family");
        assert.equal(svc.spec.ipFamilyPolicy, "PreferDualStack");
        const deployment = cluster.kubectlJson(["-n", NAMESPACE, "get", "deployment", "my-nginx"]);
        const configMap = deployment.spec.template.spec.volumes.find((v: any) => v.name === "config").configMap.name;
        const conf: string = Object.values(cluster.kubectlJson(["-n", NAMESPACE, "get", "configmap", configMap]).data).join("\n");
        assert.match(conf, /^\s*listen \[::\]:8443 ssl http2;$/m, "the pods run the config with the IPv6 listen");
        assert.equal(deployment.status.readyReplicas, 1, "nginx started and passes its readiness probe");
        cluster.writeInPod(NAMESPACE, "/tmp/ca.pem", caCertificatePem);
        const viaService = cluster.curlInClient(NAMESPACE, "https://my-nginx/", ["--cacert", "/tmp/ca.pem"]);
        assert.equal(viaService.code, "200", `HTTPS by the Service name: ${viaService.stderr}`);
    });

    test("inside the nginx pod, HTTPS verified against caCertificatePem answers on [::1]; a port nothing listens on is refused", () => {
        fs.writeFileSync(caFile, caCertificatePem);
        const [pod] = cluster.podsOf(NAMESPACE, "my-nginx");
        // The image has no curl: the node's curl, in the pod's network namespace (the mount namespace stays the node's).
        const curlInPod = (port: number) =>
            cluster.exec("nsenter", [`--net=/proc/${cluster.containerPid(pod)}/ns/net`, "curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", caFile, "--resolve", `my-nginx:${port}:[::1]`, `https://my-nginx:${port}/`]);
        const served = curlInPod(HTTPS_CONTAINER_PORT);
        assert.equal(served.stdout.trim(), "200", `https://my-nginx:${HTTPS_CONTAINER_PORT}/ over [::1] in the pod: ${served.stderr}`);
        // Control: the same command fails where nothing listens, so the 200 is nginx on IPv6.
        const refused = curlInPod(9);
        assert.equal(refused.status, 7, `connection refused on [::1]:9: ${refused.stderr}`);
    });

    test("RequireDualStack: the API server refuses it on this single-stack cluster, and pulumi up fails naming the field", async () => {
        await stack.setConfig("ipFamilyPolicy", { value: "RequireDualStack" });
        try {
            await assert.rejects(stack.up(), (error: unknown) => {
                assert.match(String(error), /ipFamilyPolicy/);
                assert.match(String(error), /dual-stack/);
                return true;
            });
        } finally {
            await stack.setConfig("ipFamilyPolicy", { value: "PreferDualStack" });
        }
    });
});
