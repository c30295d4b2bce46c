// The component end to end on mocks: each tutorial scenario, the resources it registers with their
// inputs, the outputs, selector uniqueness and secrecy.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { describe, test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { generatePrivateKey, issueSelfSignedCert } from "./harness/realTls";
import { installMocks, isSecretInput, runOnMocks, settle, TYPES as T, unwrapSecrets } from "./mocks";

const mocks = installMocks();

import { NginxService, ServiceType } from "../sdk";

/** A real certificate, as a Secret issued elsewhere would hold: the component parses it for its expiry. */
function certificateFor(commonName: string, validityPeriodHours = 24): string {
    return issueSelfSignedCert({ privateKeyPem: generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem, subject: { commonName }, validityPeriodHours }).certPem;
}

/** A kubernetes.io/tls Secret as the API returns it, with `ca.crt` when given. */
function tlsSecretState(name: string, namespace: string, crt: string, ca?: string) {
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    return {
        metadata: { name, namespace },
        type: "kubernetes.io/tls",
        data: { "tls.crt": b64(crt), "tls.key": b64("k"), ...(ca === undefined ? {} : { "ca.crt": b64(ca) }) },
    };
}

describe("ClusterIP scenario (the tutorial's first Service)", () => {
    test("registers CA, key, certificate, Secret, ConfigMap, Deployment, PodDisruptionBudget, NetworkPolicy and Service, all children of the component", async () => {
        const { outputs: out, resources: recorded, one } = await mocks.deployed(new NginxService("web-a"));
        // Every type the component can register except the autoscaler, which only `autoscaling` adds;
        // keys and rotations twice, the CA's and the serving certificate's.
        const twice = [T.key, T.rotation];
        assert.deepEqual(recorded.map((r) => r.type).sort(), [...Object.values(T).filter((t) => t !== T.autoscaler), ...twice].sort());
        // Logical names derive from the component's, so two instances never collide.
        assert.deepEqual(recorded.map((r) => r.name).sort(), [
            "web-a",
            "web-a-config",
            "web-a-deployment",
            "web-a-network-policy",
            "web-a-pdb",
            "web-a-service",
            "web-a-tls",
            "web-a-tls-ca",
            "web-a-tls-ca-key",
            "web-a-tls-ca-rotation",
            "web-a-tls-cert",
            "web-a-tls-key",
            "web-a-tls-request",
            "web-a-tls-rotation",
        ]);

        const svc = one(T.service).inputs;
        assert.equal(svc.metadata.name, "web-a");
        assert.equal(svc.metadata.namespace, undefined, "namespace left to the provider when not given");
        assert.equal(svc.spec.type, "ClusterIP");
        assert.deepEqual(svc.spec.ports, [
            { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
            { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
        ]);

        assert.equal(out.serviceName, "web-a");
        assert.equal(out.namespace, "default");
        assert.match(out.clusterIP, /^10\.96\.0\.\d+$/);
        assert.equal(out.clusterIP, one(T.service).state.spec.clusterIP);
        assert.equal(out.clusterDnsName, "web-a.default.svc.cluster.local");
        assert.equal(out.loadBalancerIP, undefined);
        assert.equal(out.loadBalancerHostname, undefined);
        assert.equal(out.nodePorts, undefined);
        assert.deepEqual(out.urls, ["https://web-a.default.svc.cluster.local", "http://web-a.default.svc.cluster.local"]);
        assert.equal(out.certificatePem, one(T.cert).state.certPem);
        assert.equal(out.caCertificatePem, one(T.caCert).state.certPem);
        assert.equal(out.certificateNotAfter, one(T.cert).state.validityEndTime);
        assert.equal(out.tlsSecretName, one(T.secret).state.metadata.name);
        assert.match(out.tlsSecretName!, /^web-a-tls-[0-9a-f]{8}$/, "the Secret is auto-named");
    });

    test("an explicit namespace reaches every object, the certificate names and the outputs", async () => {
        const { outputs: out, one } = await mocks.deployed(new NginxService("web-ns", { namespace: "shop" }));
        for (const type of [T.service, T.deployment, T.secret, T.configMap]) {
            assert.equal(one(type).inputs.metadata.namespace, "shop", type);
        }
        assert.deepEqual(one(T.certRequest).inputs.dnsNames, ["web-ns", "web-ns.shop", "web-ns.shop.svc", "web-ns.shop.svc.cluster.local"]);
        assert.equal(out.clusterDnsName, "web-ns.shop.svc.cluster.local");
        assert.equal(out.namespace, "shop");
    });
});

describe("namespace left to the provider", () => {
    const pem = certificateFor("issued-in-team-b");
    const tlsSecret = (namespace: string, crt: string) => tlsSecretState("web-cert", namespace, crt);

    test("an explicit provider's namespace: the certificate's names, clusterDnsName, namespace and urls follow it", async () => {
        const provider = new k8s.Provider("team-b-provider", { namespace: "team-b" });
        const { outputs: out, resources, one } = await mocks.deployed(new NginxService("web-p", {}, { providers: [provider] }));
        for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            assert.equal(r.inputs.metadata.namespace, undefined, `${r.type}: metadata.namespace is left to the provider`);
            assert.equal(r.state.metadata.namespace, "team-b", `${r.type} lands in the provider's namespace`);
        }
        assert.deepEqual(one(T.certRequest).inputs.dnsNames, ["web-p", "web-p.team-b", "web-p.team-b.svc", "web-p.team-b.svc.cluster.local"]);
        assert.equal(out.namespace, "team-b");
        assert.equal(out.clusterDnsName, "web-p.team-b.svc.cluster.local");
        assert.deepEqual(out.urls, ["https://web-p.team-b.svc.cluster.local", "http://web-p.team-b.svc.cluster.local"]);
    });

    test("an explicit provider's namespace: tls.existingSecretName is read there, not from default", async () => {
        // Control: a Secret of the same name in default, with another certificate; the read must not find it.
        mocks.configure({ existing: { [T.secret]: { "team-b/web-cert": tlsSecret("team-b", pem), "default/web-cert": tlsSecret("default", "not this one") } } });
        try {
            const provider = new k8s.Provider("team-b-provider-2", { namespace: "team-b" });
            const { outputs: out, one } = await mocks.deployed(new NginxService("tb-byo", { tls: { existingSecretName: "web-cert" } }, { providers: [provider] }));
            assert.equal(one(T.secret).id, "team-b/web-cert");
            assert.equal(out.certificatePem, pem);
            assert.equal(out.clusterDnsName, "tb-byo.team-b.svc.cluster.local");
        } finally {
            mocks.configure({});
        }
    });

    test("the default provider: names in default, as before", async () => {
        const { outputs: out, one } = await mocks.deployed(new NginxService("web-d"));
        assert.equal(one(T.podDisruptionBudget).state.metadata.namespace, "default");
        assert.deepEqual(one(T.certRequest).inputs.dnsNames, ["web-d", "web-d.default", "web-d.default.svc", "web-d.default.svc.cluster.local"]);
        assert.equal(out.clusterDnsName, "web-d.default.svc.cluster.local");
    });
});

describe("HTTPS + NodePort scenario (the tutorial's YAML: 8080/443, one replica)", () => {
    test("ports, node ports and replicas", async () => {
        const { outputs: out, one } = await mocks.deployed(new NginxService("my-nginx", { serviceType: ServiceType.NodePort, httpPort: 8080, replicas: 1 }));
        const svc = one(T.service);
        assert.equal(svc.inputs.spec.type, "NodePort");
        assert.deepEqual(
            svc.inputs.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.nodePort]),
            [
                ["http", 8080, "http", undefined],
                ["https", 443, "https", undefined],
            ],
        );
        assert.equal(one(T.deployment).inputs.spec.replicas, 1);
        // Allocated by the (emulated) API server, read back from the Service's state.
        const allocated = svc.state.spec.ports.map((p: any) => p.nodePort);
        assert.deepEqual(out.nodePorts, { http: allocated[0], https: allocated[1] });
        assert.deepEqual(out.urls, ["https://my-nginx.default.svc.cluster.local", "http://my-nginx.default.svc.cluster.local:8080"]);
    });

    test("fixed node ports are requested as given", async () => {
        const { outputs: out, one } = await mocks.deployed(new NginxService("np-fixed", { serviceType: "NodePort", nodePorts: { http: 30080, https: 30443 } }));
        const ports = one(T.service).inputs.spec.ports;
        assert.deepEqual(
            ports.map((p: any) => p.nodePort),
            [30080, 30443],
        );
        assert.deepEqual(out.nodePorts, { http: 30080, https: 30443 });
    });
});

describe("LoadBalancer scenario", () => {
    test("exports the IP a cloud reports", async () => {
        mocks.configure({ loadBalancerIngress: { ip: "203.0.113.7" } });
        try {
            const { outputs: out } = await mocks.deployed(new NginxService("lb-ip", { serviceType: "LoadBalancer" }));
            assert.equal(out.loadBalancerIP, "203.0.113.7");
            assert.equal(out.loadBalancerHostname, undefined);
            assert.deepEqual(out.urls, [
                "https://lb-ip.default.svc.cluster.local",
                "http://lb-ip.default.svc.cluster.local",
                "https://203.0.113.7",
                "http://203.0.113.7",
            ]);
            assert.ok(out.nodePorts?.http !== undefined && out.nodePorts.https !== undefined, "a LoadBalancer Service has node ports too");
        } finally {
            mocks.configure({});
        }
    });

    test("exports the hostname a cloud like AWS reports instead of an IP", async () => {
        mocks.configure({ loadBalancerIngress: { hostname: "abc-123.elb.us-east-1.amazonaws.com" } });
        try {
            const { outputs: out, one } = await mocks.deployed(new NginxService("lb-host", { serviceType: "LoadBalancer", loadBalancer: { cloud: "aws", internal: true } }));
            assert.equal(out.loadBalancerIP, undefined);
            assert.equal(out.loadBalancerHostname, "abc-123.elb.us-east-1.amazonaws.com");
            assert.ok(out.urls.includes("https://abc-123.elb.us-east-1.amazonaws.com"));
            const annotations = one(T.service).inputs.metadata.annotations;
            assert.equal(annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        } finally {
            mocks.configure({});
        }
    });

    test("before the cloud reports an address there are no external URLs and no address outputs", async () => {
        const { outputs: out, one } = await mocks.deployed(new NginxService("lb-pending", { serviceType: "LoadBalancer", loadBalancer: { awaitAddress: false } }));
        assert.equal(out.loadBalancerIP, undefined);
        assert.equal(out.loadBalancerHostname, undefined);
        assert.deepEqual(out.urls, ["https://lb-pending.default.svc.cluster.local", "http://lb-pending.default.svc.cluster.local"]);
        assert.equal(one(T.service).inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
    });
});

describe("TLS disabled", () => {
    test("no key, certificate or Secret; HTTP only; TLS outputs undefined", async () => {
        const { outputs: out, one } = await mocks.deployed(new NginxService("plain", { tls: { enabled: false } }));
        const types = mocks.ofComponent("plain").map((r) => r.type);
        for (const absent of [T.key, T.caCert, T.certRequest, T.cert, T.secret, T.rotation]) {
            assert.ok(!types.includes(absent), `${absent} must not be registered`);
        }
        assert.deepEqual(
            one(T.service).inputs.spec.ports.map((p: any) => p.name),
            ["http"],
        );
        const pod = one(T.deployment).inputs.spec.template.spec;
        assert.deepEqual(
            pod.volumes.map((v: any) => v.name),
            ["config", "tmp"],
        );
        assert.equal(out.certificatePem, undefined);
        assert.equal(out.caCertificatePem, undefined);
        assert.equal(out.certificateNotAfter, undefined);
        assert.equal(out.tlsSecretName, undefined);
        assert.deepEqual(out.urls, ["http://plain.default.svc.cluster.local"]);
    });
});

describe("existing TLS Secret", () => {
    test("generates nothing, mounts the Secret and exports its certificate and expiry; no ca.crt, no trust anchor", async () => {
        const pem = certificateFor("issued-by-cert-manager", 48);
        mocks.configure({ existing: { [T.secret]: { "default/web-cert": tlsSecretState("web-cert", "default", pem) } } });
        try {
            const { outputs: out, one } = await mocks.deployed(new NginxService("byo", { tls: { existingSecretName: "web-cert" } }));
            const types = mocks.ofComponent("byo").map((r) => r.type);
            for (const absent of [T.key, T.caCert, T.certRequest, T.cert, T.rotation]) {
                assert.ok(!types.includes(absent), `${absent} must not be registered`);
            }
            assert.equal(mocks.byType(T.secret).filter((r) => r.name.startsWith("byo")).length, 1, "only the read");
            const tlsVolume = one(T.deployment).inputs.spec.template.spec.volumes.find((v: any) => v.name === "tls");
            assert.equal(tlsVolume.secret.secretName, "web-cert");
            assert.equal(out.certificatePem, pem);
            assert.equal(out.caCertificatePem, undefined);
            assert.equal(out.certificateNotAfter, new Date(new crypto.X509Certificate(pem).validTo).toISOString().replace(".000Z", "Z"));
            assert.ok(Math.abs(Date.parse(out.certificateNotAfter!) - Date.now() - 48 * 3600_000) < 120_000, out.certificateNotAfter);
            assert.equal(out.tlsSecretName, "web-cert");
        } finally {
            mocks.configure({});
        }
    });

    test("a Secret with ca.crt (cert-manager's CA issuer): that CA is the trust anchor", async () => {
        const ca = certificateFor("team CA", 1000);
        mocks.configure({ existing: { [T.secret]: { "default/with-ca": tlsSecretState("with-ca", "default", certificateFor("served"), ca) } } });
        try {
            const { outputs: out } = await mocks.deployed(new NginxService("byo-ca", { tls: { existingSecretName: "with-ca" } }));
            assert.equal(out.caCertificatePem, ca);
        } finally {
            mocks.configure({});
        }
    });

    test("a tls.crt that is not a certificate fails the program naming the field and the Secret", () => {
        const result = runOnMocks(`
            mocks.configure({ existing: { "${T.secret}": { "default/junk": { metadata: { name: "junk" }, type: "kubernetes.io/tls", data: { "tls.crt": "bm90IGEgY2VydA==", "tls.key": "aw==" } } } } });
            new NginxService("byo-junk", { namespace: "default", tls: { existingSecretName: "junk" } });
        `);
        assert.equal(result.status, 3, result.stderr);
        assert.match(result.stderr, /tls\.existingSecretName "junk": its tls\.crt is not a PEM certificate/);
    });

    test("a Secret of another type fails the program naming the field and the value", () => {
        const result = runOnMocks(`
            mocks.configure({ existing: { "${T.secret}": { "default/opaque": { metadata: { name: "opaque" }, type: "Opaque", data: { password: "eA==" } } } } });
            new NginxService("byo-bad", { tls: { existingSecretName: "opaque" } });
        `);
        assert.equal(result.status, 3, result.stderr);
        assert.match(result.stderr, /tls\.existingSecretName "opaque" must name a kubernetes.io\/tls Secret with tls.crt and tls.key, found type "Opaque"/);
    });

    test("an unusable existing Secret with namespace given: nothing else of the instance is registered", () => {
        const result = runOnMocks(`
            mocks.configure({ existing: { "${T.secret}": { "shop/opaque": { metadata: { name: "opaque" }, type: "Opaque", data: { password: "eA==" } } } } });
            new NginxService("byo-bad", { namespace: "shop", tls: { existingSecretName: "opaque" } });
            process.on("exit", () => console.log("REGISTERED " + JSON.stringify(mocks.resources.map((r) => r.type))));
        `);
        assert.equal(result.status, 3, result.stderr);
        const registered = JSON.parse(/REGISTERED (.*)/.exec(result.stdout)![1]);
        // The component and the read of the Secret, and nothing the read's failure should have stopped.
        assert.deepEqual(registered.sort(), [T.secret, "nginx-service:index:NginxService"].sort());
    });

    test("an unusable existing Secret without namespace: only the PodDisruptionBudget, which told where to read, is registered", () => {
        const result = runOnMocks(`
            mocks.configure({ existing: { "${T.secret}": { "default/opaque": { metadata: { name: "opaque" }, type: "Opaque", data: { password: "eA==" } } } } });
            new NginxService("byo-bad", { tls: { existingSecretName: "opaque" } });
            process.on("exit", () => console.log("REGISTERED " + JSON.stringify(mocks.resources.map((r) => r.type))));
        `);
        assert.equal(result.status, 3, result.stderr);
        const registered = JSON.parse(/REGISTERED (.*)/.exec(result.stdout)![1]);
        assert.deepEqual(registered.sort(), [T.podDisruptionBudget, T.secret, "nginx-service:index:NginxService"].sort());
    });
});

describe("selectors", () => {
    test("two instances in one namespace never select each other's pods", async () => {
        const a = new NginxService("twin-a", { namespace: "team" });
        const b = new NginxService("twin-b", { namespace: "team" });
        await Promise.all([mocks.deployed(a), mocks.deployed(b)]);
        const selectorOf = (n: string) => mocks.one(T.service, n).inputs.spec.selector;
        const podLabelsOf = (n: string) => mocks.one(T.deployment, n).inputs.spec.template.metadata.labels;
        const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
            Object.entries(selector).every(([k, v]) => labels[k] === v);
        assert.ok(matches(selectorOf("twin-a"), podLabelsOf("twin-a")));
        assert.ok(matches(selectorOf("twin-b"), podLabelsOf("twin-b")));
        assert.ok(!matches(selectorOf("twin-a"), podLabelsOf("twin-b")), "a selects b's pods");
        assert.ok(!matches(selectorOf("twin-b"), podLabelsOf("twin-a")), "b selects a's pods");
        // The Deployment's selector is the Service's: derived once from the pod labels.
        assert.deepEqual(mocks.one(T.deployment, "twin-a").inputs.spec.selector.matchLabels, selectorOf("twin-a"));
    });

    test("user labels reach every object and the pods but stay out of the immutable selector", async () => {
        const { one } = await mocks.deployed(new NginxService("labelled", { labels: { team: "payments" } }));
        for (const type of [T.service, T.deployment, T.secret, T.configMap]) {
            assert.equal(one(type).inputs.metadata.labels.team, "payments", type);
        }
        assert.equal(one(T.deployment).inputs.spec.template.metadata.labels.team, "payments");
        assert.equal(one(T.service).inputs.spec.selector.team, undefined);
    });
});

describe("secrecy", () => {
    test("the Secret's data and every key handed on are secrets; the certificates are not", async () => {
        const c = new NginxService("secretive");
        const { one, child } = await mocks.deployed(c);
        assert.ok(isSecretInput(one(T.secret).inputs.data), "Secret data must reach the engine as a secret");
        assert.ok(isSecretInput(one(T.certRequest).inputs.privateKeyPem), "the serving key must reach the engine as a secret");
        assert.ok(isSecretInput(one(T.caCert).inputs.privateKeyPem), "the CA's key must reach the engine as a secret");
        assert.ok(isSecretInput(one(T.cert).inputs.caPrivateKeyPem), "the CA's key must reach the signer as a secret");
        for (const output of [c.certificatePem, c.caCertificatePem, c.certificateNotAfter]) {
            assert.equal(await pulumi.isSecret(output), false, "certificates are public");
        }
        const data = unwrapSecrets(one(T.secret).inputs.data);
        assert.equal(Buffer.from(data["tls.key"], "base64").toString(), child("tls-key").state.privateKeyPem);
        assert.equal(Buffer.from(data["tls.crt"], "base64").toString(), one(T.cert).state.certPem);
        assert.equal(Buffer.from(data["ca.crt"], "base64").toString(), one(T.caCert).state.certPem);
    });
});

describe("rotation", () => {
    test("rotationTrigger is carried by the serving rotation's keepers only; the CA's keepers stay empty", async () => {
        const rotating = await mocks.deployed(new NginxService("rotating", { tls: { rotationTrigger: "2026-q4" } }));
        assert.deepEqual(rotating.child("tls-rotation").inputs.keepers, { rotationTrigger: "2026-q4" });
        assert.deepEqual(rotating.child("tls-ca-rotation").inputs.keepers, {});
        const unrotated = await mocks.deployed(new NginxService("unrotated"));
        assert.deepEqual(unrotated.child("tls-rotation").inputs.keepers, {});
        assert.deepEqual(unrotated.child("tls-ca-rotation").inputs.keepers, {});
    });

    test("caRotationTrigger is carried by the CA rotation's keepers only", async () => {
        const rotating = await mocks.deployed(new NginxService("ca-rotating", { tls: { caRotationTrigger: "2031" } }));
        assert.deepEqual(rotating.child("tls-ca-rotation").inputs.keepers, { rotationTrigger: "2031" });
        assert.deepEqual(rotating.child("tls-rotation").inputs.keepers, {});
    });
});

describe("validation happens before anything is registered", () => {
    test("a bad argument throws and registers nothing", async () => {
        assert.throws(() => new NginxService("bad-one", { replicas: -1 }), /replicas must be a whole number >= 0, got -1/);
        await settle();
        assert.deepEqual(mocks.ofComponent("bad-one"), []);
    });

    test("an Output that resolves to a bad value fails the program with the same message, and the Deployment is never registered", () => {
        const result = runOnMocks(`
            new NginxService("late-bad", { replicas: pulumi.output(1.5) });
            process.on("exit", () => console.log(JSON.stringify(mocks.ofComponent("late-bad").map((r) => r.type))));
        `);
        assert.equal(result.status, 3, result.stderr);
        assert.match(result.stderr, /replicas must be a whole number >= 0, got 1.5/);
        const registered: string[] = JSON.parse(result.stdout.trim().split("\n").pop()!);
        assert.ok(registered.includes(T.component));
        assert.ok(!registered.includes(T.deployment), registered.join(", "));
    });
});
