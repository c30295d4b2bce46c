// No `namespace` argument, on an explicit kubernetes provider whose namespace is not `default` (the
// program tests/e2e/programs/provider-namespace): with the real engine and provider against a real API
// server, the objects land in the provider's namespace and every name follows them there: the
// certificate's SANs (already in a new stack's preview), clusterDnsName, the namespace output, and the
// read of tls.existingSecretName, with a control Secret of the same name in `default` that must not be
// the one read.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import {
    ControlPlane,
    createRestrictedNamespace,
    createTlsSecret,
    disposeStack,
    eventually,
    exists,
    kubectl,
    kubectlJson,
    PulumiEnv,
    REPO,
    stackFor,
    startControlPlaneWithPulumi,
    stopControlPlaneWithPulumi,
} from "./harness";

const NAMESPACE = "team-b";
const SECRET = "byo-cert";
const NAMES = ["my-nginx", `my-nginx.${NAMESPACE}`, `my-nginx.${NAMESPACE}.svc`, `my-nginx.${NAMESPACE}.svc.cluster.local`];

let cluster: ControlPlane;
let env: PulumiEnv;
let kubeconfig: string;

before(async () => {
    ({ cluster, env } = await startControlPlaneWithPulumi());
    kubeconfig = cluster.kubeconfig;
});

after(() => stopControlPlaneWithPulumi(cluster, env));

/** The DNS names of a PEM certificate's subjectAltName. */
const sans = (pem: string) =>
    new crypto.X509Certificate(pem).subjectAltName!.split(", ").filter((e) => e.startsWith("DNS:")).map((e) => e.slice(4));

describe("no namespace, an explicit provider whose namespace is team-b", () => {
    let stack: Stack;
    let outputs: Record<string, any> = {};
    let teamBCert: string;
    let defaultCert: string;

    before(async () => {
        createRestrictedNamespace(kubeconfig, NAMESPACE);
        teamBCert = createTlsSecret(kubeconfig, NAMESPACE, SECRET, "byo.team-b.example");
        // Control: the same name in default, another certificate. A read that ignores the provider's namespace finds this one.
        defaultCert = createTlsSecret(kubeconfig, "default", SECRET, "byo.default.example");
        stack = await stackFor(env, path.join(REPO, "tests", "e2e", "programs", "provider-namespace"), `ns-${process.pid}`, {
            providerNamespace: NAMESPACE,
            existingSecretName: SECRET,
        });
    });

    after(async () => {
        await disposeStack(stack);
    });

    test("a new stack's preview already shows the certificate's names in team-b", async () => {
        const events: EngineEvent[] = [];
        await stack.preview({ onEvent: (e) => events.push(e) });
        // The names are the certificate request's; the certificate signed from it takes them.
        const request = events.map((e) => e.resourcePreEvent?.metadata).find((m) => m?.type === "tls:index/certRequest:CertRequest");
        assert.ok(request, "the preview plans the certificate request");
        assert.equal(request.op, "create");
        assert.deepEqual(request.new?.inputs.dnsNames, NAMES, "known in the preview, and in the provider's namespace");
    });

    test("pulumi up: every object in team-b, none in default", async () => {
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
        for (const name of ["my-nginx", "byo-nginx"]) {
            for (const kind of ["service", "deployment", "poddisruptionbudget", "networkpolicy"]) {
                assert.ok(exists(kubeconfig, ["-n", NAMESPACE, kind, name]), `${kind} ${name} in ${NAMESPACE}`);
                assert.ok(!exists(kubeconfig, ["-n", "default", kind, name]), `no ${kind} ${name} in default`);
            }
        }
        assert.ok(exists(kubeconfig, ["-n", NAMESPACE, "secret", outputs.tlsSecretName]), "the generated Secret is in team-b");
    });

    test("the certificate's SANs, clusterDnsName and namespace are team-b's", () => {
        assert.deepEqual(sans(outputs.certificatePem), NAMES);
        assert.equal(outputs.namespace, NAMESPACE);
        assert.equal(outputs.clusterDnsName, `my-nginx.${NAMESPACE}.svc.cluster.local`);
        assert.equal(outputs.urls[0], `https://my-nginx.${NAMESPACE}.svc.cluster.local`);
        const secret = kubectlJson(kubeconfig, ["-n", NAMESPACE, "get", "secret", outputs.tlsSecretName]);
        assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), outputs.certificatePem);
    });

    test("tls.existingSecretName is read in team-b, not in default", () => {
        assert.notEqual(teamBCert, defaultCert);
        assert.equal(outputs.byoCertificatePem, teamBCert);
        assert.equal(outputs.byoNamespace, NAMESPACE);
        assert.equal(outputs.byoClusterDnsName, `byo-nginx.${NAMESPACE}.svc.cluster.local`);
        const deployment = kubectlJson(kubeconfig, ["-n", NAMESPACE, "get", "deployment", "byo-nginx"]);
        assert.equal(deployment.spec.template.spec.volumes.find((v: any) => v.name === "tls").secret.secretName, SECRET);
    });

    test("a second preview shows no changes (the existing Secret is read again, which changes nothing)", async () => {
        const result = await stack.preview({ expectNoChanges: true });
        assert.deepEqual(Object.entries(result.changeSummary).filter(([op, n]) => op !== "same" && op !== "read" && n > 0), []);
    });

    test("pulumi destroy leaves team-b with only the Secret the test made", async () => {
        const result = await stack.destroy();
        assert.equal(result.summary.result, "succeeded");
        const leftover = () =>
            kubectl(kubeconfig, ["-n", NAMESPACE, "get", "deployments,replicasets,pods,services,secrets,configmaps,poddisruptionbudgets,networkpolicies", "-o", "name"])
                .split("\n")
                .filter((l) => l !== "" && l !== "configmap/kube-root-ca.crt" && l !== `secret/${SECRET}`);
        assert.ok(await eventually(() => leftover().length === 0, 60_000), `left in ${NAMESPACE}: ${leftover().join(", ")}`);
    });
});
