// The real Pulumi engine and providers against a real API server (kwok standing in for kubelets and the
// cloud's load-balancer controller): for the root program and every example, `pulumi up`, the outputs
// against what the API server holds, the Service's ready endpoints the moment `up` returns, a clean
// second preview, Pod Security admission, secrets in state, and a `pulumi destroy` that leaves the
// namespace empty. On the root program also: a replica change
// previews as an update of the Deployment alone, and a rotation replaces key, certificate and Secret and
// rolls the Deployment before the old Secret goes.
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { SKIP_AWAIT_ANNOTATION } from "../../sdk/service";
import {
    ControlPlane,
    createRestrictedNamespace,
    disposeStack,
    eventually,
    exists,
    kubectl,
    kubectlJson,
    kubectlResult,
    PulumiEnv,
    readAllFiles,
    REPO,
    stackFor,
    startControlPlaneWithPulumi,
    stopControlPlaneWithPulumi,
} from "./harness";

/** The address tests/e2e/kwok/service-load-balancer.yaml gives every LoadBalancer Service. */
const KWOK_LB_IP = "192.0.2.10";
const LB_FINALIZER = "service.kubernetes.io/load-balancer-cleanup";

let cluster: ControlPlane;
let env: PulumiEnv;
let kubeconfig: string;

before(async () => {
    ({ cluster, env } = await startControlPlaneWithPulumi());
    kubeconfig = cluster.kubeconfig;
});

after(() => stopControlPlaneWithPulumi(cluster, env));

interface Program {
    dir: string;
    serviceName: string;
    type: "ClusterIP" | "NodePort" | "LoadBalancer";
    replicas: number;
}

const programs: Program[] = [
    { dir: ".", serviceName: "my-nginx", type: "NodePort", replicas: 1 },
    { dir: "examples/clusterip", serviceName: "my-nginx", type: "ClusterIP", replicas: 2 },
    { dir: "examples/https-nodeport", serviceName: "my-nginx", type: "NodePort", replicas: 1 },
    { dir: "examples/loadbalancer", serviceName: "my-nginx-lb", type: "LoadBalancer", replicas: 2 },
];

/** Resource steps other than `same`, as "type op", in the order the engine reported them. */
function steps(events: EngineEvent[], kind: "pre" | "outputs"): string[] {
    return events
        .map((e) => (kind === "pre" ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata))
        .filter((m): m is NonNullable<typeof m> => m !== undefined && m.op !== "same" && m.op !== "read")
        .map((m) => `${m.type} ${m.op}`);
}

const CUSTOM = (step: string) => !step.startsWith("nginx-service:") && !step.startsWith("pulumi:");

/** Each of `types` was replaced exactly once (created anew, the old one deleted). */
function assertReplacedOnce(done: string[], types: string[]): void {
    for (const type of types) {
        for (const op of ["create-replacement", "delete-replaced"]) {
            const count = done.filter((step) => step === `${type} ${op}`).length;
            assert.equal(count, 1, `${type} ${op} ${count} times: ${done.join(", ")}`);
        }
    }
}

/** The addresses the Service's EndpointSlices list as ready, sorted. */
function readyEndpointAddresses(namespace: string, serviceName: string): string[] {
    const slices = kubectlJson(kubeconfig, ["-n", namespace, "get", "endpointslices", "-l", `kubernetes.io/service-name=${serviceName}`]);
    return slices.items
        .flatMap((slice: any) => slice.endpoints ?? [])
        .filter((endpoint: any) => endpoint.conditions?.ready === true)
        .flatMap((endpoint: any) => endpoint.addresses)
        .sort();
}

for (const program of programs) {
    describe(`program ${program.dir}`, () => {
        const namespace = `e2e-${path.basename(program.dir === "." ? "root" : program.dir)}`;
        let stack: Stack;
        let outputs: Record<string, any> = {};

        before(async () => {
            createRestrictedNamespace(kubeconfig, namespace);
            // Control: the namespace really enforces the profile, so an admitted pod means a compliant one.
            const plain = kubectlResult(kubeconfig, ["-n", namespace, "run", "psa-control", "--image=nginx", "--restart=Never", "--dry-run=server"]);
            assert.notEqual(plain.status, 0, "a pod without a security context must be rejected");
            assert.match(plain.stderr, /violates PodSecurity "restricted/);
            stack = await stackFor(env, path.join(REPO, program.dir), `e2e-${process.pid}`, { namespace });
        });

        after(async () => {
            // Whatever happened, leave no stack behind (nor its Pulumi.<stack>.yaml in the repository).
            await disposeStack(stack);
        });

        test("pulumi up succeeds in a namespace enforcing Pod Security restricted", async () => {
            const result = await stack.up();
            // First, before anything else can take time: ClusterIP and NodePort Services skip the
            // provider's Service await (its 10 s settle), so this is what proves the Service has its
            // ready endpoints by the time `pulumi up` returns, read once, without retrying.
            const ready = readyEndpointAddresses(namespace, program.serviceName);
            assert.equal(result.summary.result, "succeeded");
            outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
            const podIPs = kubectlJson(kubeconfig, ["-n", namespace, "get", "pods", "-l", `app.kubernetes.io/instance=${program.serviceName}`])
                .items.map((pod: any) => pod.status.podIP)
                .sort();
            assert.equal(ready.length, program.replicas, `ready endpoints when pulumi up returned: ${ready.join(", ")}`);
            assert.deepEqual(ready, podIPs, "the ready endpoints are the instance's pods");
            const deployment = kubectlJson(kubeconfig, ["-n", namespace, "get", "deployment", program.serviceName]);
            assert.equal(deployment.status.readyReplicas, program.replicas, "every pod admitted and Ready");
            const pods = kubectlJson(kubeconfig, ["-n", namespace, "get", "pods", "-l", `app.kubernetes.io/instance=${program.serviceName}`]);
            assert.equal(pods.items.length, program.replicas);
        });

        test("the outputs are what the API server holds", () => {
            const svc = kubectlJson(kubeconfig, ["-n", namespace, "get", "service", program.serviceName]);
            assert.equal(svc.spec.type, program.type);
            // What the preview showed is what the object carries: the provider's wait skipped for
            // ClusterIP and NodePort, kept for a LoadBalancer (whose address is an output).
            assert.equal(svc.metadata.annotations?.[SKIP_AWAIT_ANNOTATION], program.type === "LoadBalancer" ? undefined : "true");
            assert.equal(outputs.clusterIP, svc.spec.clusterIP);
            assert.match(svc.spec.clusterIP, /^10\.96\./);
            if (outputs.clusterDnsName !== undefined) {
                assert.equal(outputs.clusterDnsName, `${program.serviceName}.${namespace}.svc.cluster.local`);
            }
            if (program.type !== "ClusterIP") {
                const allocated = Object.fromEntries(svc.spec.ports.map((p: any) => [p.name, p.nodePort]));
                assert.deepEqual(outputs.nodePorts, { http: allocated.http, https: allocated.https });
                assert.ok(allocated.http >= 30000 && allocated.https >= 30000);
            }
            if (program.type === "LoadBalancer") {
                assert.equal(svc.status.loadBalancer.ingress[0].ip, KWOK_LB_IP);
                assert.equal(outputs.loadBalancerIP, KWOK_LB_IP);
                assert.ok(outputs.urls.includes(`https://${KWOK_LB_IP}`), outputs.urls.join(" "));
                assert.ok(svc.metadata.finalizers.includes(LB_FINALIZER), "the (stand-in) cloud controller holds the Service");
            }
            const secret = kubectlJson(kubeconfig, ["-n", namespace, "get", "secret", outputs.tlsSecretName]);
            assert.equal(secret.type, "kubernetes.io/tls");
            // Every program exports the trust anchor; the root program the serving certificate and its expiry too.
            const served = Buffer.from(secret.data["tls.crt"], "base64").toString();
            assert.equal(Buffer.from(secret.data["ca.crt"], "base64").toString(), outputs.caCertificatePem);
            assert.ok(new X509Certificate(served).checkIssued(new X509Certificate(outputs.caCertificatePem)), "the CA issued the served certificate");
            if (program.dir === ".") {
                assert.equal(served, outputs.certificatePem);
                assert.equal(outputs.certificateNotAfter, new Date(new X509Certificate(served).validTo).toISOString().replace(".000Z", "Z"));
            }
        });

        test("a second preview shows no changes", async () => {
            const result = await stack.preview({ expectNoChanges: true });
            const changed = Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
            assert.deepEqual(changed, []);
        });

        test("the state holds neither the private key nor the Secret's data in plaintext", () => {
            const secret = kubectlJson(kubeconfig, ["-n", namespace, "get", "secret", outputs.tlsSecretName]);
            const keyBase64: string = secret.data["tls.key"];
            const keyPem = Buffer.from(keyBase64, "base64").toString();
            // A line of the key's body: distinctive, and how a plaintext PEM would appear in JSON too.
            const keyLine = keyPem.split("\n").find((l) => l.length > 40 && !l.startsWith("-----"))!;
            assert.ok(keyLine, "the Secret holds a PEM key");
            const files = readAllFiles(env.backendDir);
            assert.ok(files.some((f) => f.file.endsWith(".json") && f.text.includes(program.serviceName)), "the state was found");
            for (const { file, text } of files) {
                assert.ok(!text.includes(keyLine), `private key in plaintext in ${file}`);
                assert.ok(!text.includes(keyBase64.slice(0, 64)), `Secret data in plaintext in ${file}`);
            }
        });

        if (program.dir === ".") {
            test("changing replicas previews as an update of the Deployment alone", async () => {
                await stack.setConfig("replicas", { value: "2" });
                const events: EngineEvent[] = [];
                await stack.preview({ onEvent: (e) => events.push(e) });
                assert.deepEqual(steps(events, "pre").filter(CUSTOM), ["kubernetes:apps/v1:Deployment update"]);
                await stack.removeConfig("replicas");
            });

            test("a new rotationTrigger replaces the serving key, certificate and Secret, not the CA; the old Secret goes after the rollout", async () => {
                const oldSecret = outputs.tlsSecretName;
                const oldCa = outputs.caCertificatePem;
                await stack.setConfig("rotation", { value: "rotation-2" });
                const events: EngineEvent[] = [];
                const result = await stack.up({ onEvent: (e) => events.push(e) });
                const done = steps(events, "outputs").filter(CUSTOM);
                // One of each: the serving certificate's rotation id and key, not the CA's.
                assertReplacedOnce(done, ["random:index/randomId:RandomId", "tls:index/privateKey:PrivateKey", "tls:index/certRequest:CertRequest", "tls:index/locallySignedCert:LocallySignedCert", "kubernetes:core/v1:Secret"]);
                assert.ok(!done.some((step) => step.startsWith("tls:index/selfSignedCert:SelfSignedCert")), `the CA changed: ${done.join(", ")}`);
                assert.equal(result.outputs.caCertificatePem.value, oldCa, "the trust anchor is the same");
                assert.notEqual(result.outputs.certificatePem.value, outputs.certificatePem);
                assert.ok(new X509Certificate(result.outputs.certificatePem.value).checkIssued(new X509Certificate(oldCa)), "the new certificate is issued by the same CA");
                assert.ok(done.includes("kubernetes:apps/v1:Deployment update"), done.join(", "));
                assert.ok(
                    done.indexOf("kubernetes:apps/v1:Deployment update") < done.indexOf("kubernetes:core/v1:Secret delete-replaced"),
                    `the old Secret must be deleted after the Deployment rolled: ${done.join(", ")}`,
                );
                for (const untouched of ["kubernetes:core/v1:Service", "kubernetes:core/v1:ConfigMap"]) {
                    assert.ok(!done.some((s) => s.startsWith(untouched)), `${untouched} changed: ${done.join(", ")}`);
                }
                const newSecret = result.outputs.tlsSecretName.value;
                assert.notEqual(newSecret, oldSecret);
                assert.ok(!exists(kubeconfig, ["-n", namespace, "secret", oldSecret]), "old Secret deleted");
                const deployment = kubectlJson(kubeconfig, ["-n", namespace, "get", "deployment", program.serviceName]);
                const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === "tls");
                assert.equal(volume.secret.secretName, newSecret, "pods roll onto the new Secret");
                outputs.tlsSecretName = newSecret;
            });

            test("a new caRotationTrigger replaces the CA, the certificate it signed and the Secret, not the serving key", async () => {
                await stack.setConfig("caRotation", { value: "ca-rotation-2" });
                const events: EngineEvent[] = [];
                const result = await stack.up({ onEvent: (e) => events.push(e) });
                const done = steps(events, "outputs").filter(CUSTOM);
                assertReplacedOnce(done, ["random:index/randomId:RandomId", "tls:index/privateKey:PrivateKey", "tls:index/selfSignedCert:SelfSignedCert", "tls:index/locallySignedCert:LocallySignedCert", "kubernetes:core/v1:Secret"]);
                assert.ok(!done.some((step) => step.startsWith("tls:index/certRequest:CertRequest")), `the serving key's request changed: ${done.join(", ")}`);
                const ca = new X509Certificate(result.outputs.caCertificatePem.value);
                assert.notEqual(result.outputs.caCertificatePem.value, outputs.caCertificatePem);
                assert.ok(new X509Certificate(result.outputs.certificatePem.value).checkIssued(ca), "the certificate is issued by the new CA");
                const secret = kubectlJson(kubeconfig, ["-n", namespace, "get", "secret", result.outputs.tlsSecretName.value]);
                assert.equal(Buffer.from(secret.data["ca.crt"], "base64").toString(), result.outputs.caCertificatePem.value);
                outputs.tlsSecretName = result.outputs.tlsSecretName.value;
                outputs.caCertificatePem = result.outputs.caCertificatePem.value;
            });
        }

        test("pulumi destroy removes every object and leaves the namespace empty", async () => {
            const result = await stack.destroy();
            assert.equal(result.summary.result, "succeeded");
            assert.ok(!exists(kubeconfig, ["-n", namespace, "service", program.serviceName]), "the Service (and its load balancer) is gone");
            const leftover = () =>
                kubectl(kubeconfig, ["-n", namespace, "get", "deployments,replicasets,pods,services,secrets,configmaps,endpointslices", "-o", "name"])
                    .split("\n")
                    .filter((l) => l !== "" && l !== "configmap/kube-root-ca.crt");
            // Pods and EndpointSlices are removed by controllers after the owners go: give them time.
            assert.ok(await eventually(() => leftover().length === 0, 60_000), `left in ${namespace}: ${leftover().join(", ")}`);
        });
    });
}
