// The generated key and certificate: what is asked of @pulumi/tls, and how the Secret is built.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, resolve, settle } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { CERTIFICATE_ALLOWED_USES, tlsSecretData } from "../sdk/tls";

async function tlsOf(name: string, args: NginxServiceArgs = {}) {
    const c = new NginxService(name, args);
    await resolve(c.urls);
    await settle();
    return {
        key: mocks.one("tls:index/privateKey:PrivateKey", name).inputs,
        cert: mocks.one("tls:index/selfSignedCert:SelfSignedCert", name).inputs,
        secret: mocks.one("kubernetes:core/v1:Secret", name).inputs,
    };
}

describe("the key", () => {
    test("RSA 2048 by default", async () => {
        const { key } = await tlsOf("rsa");
        assert.deepEqual(key, { algorithm: "RSA", rsaBits: 2048 });
    });

    test("ECDSA on P-256, never the provider's default P-224 that TLS clients reject", async () => {
        const { key } = await tlsOf("ec", { tls: { keyAlgorithm: "ECDSA" } });
        assert.deepEqual(key, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    });
});

describe("the certificate", () => {
    test("covers the Service's names plus the user's, without repeats", async () => {
        const { cert } = await tlsOf("names", {
            namespace: "web",
            tls: { dnsNames: ["www.example.com", "names.web.svc"], ipAddresses: ["192.0.2.10"], commonName: "www.example.com" },
        });
        assert.deepEqual(cert.dnsNames, ["names", "names.web", "names.web.svc", "names.web.svc.cluster.local", "www.example.com"]);
        assert.deepEqual(cert.ipAddresses, ["192.0.2.10"]);
        assert.deepEqual(cert.subject, { commonName: "www.example.com" });
    });

    test("server-auth uses spelled the way @pulumi/tls understands (snake_case)", async () => {
        const { cert } = await tlsOf("uses");
        assert.deepEqual(cert.allowedUses, ["server_auth", "key_encipherment", "digital_signature"]);
        assert.deepEqual(CERTIFICATE_ALLOWED_USES, cert.allowedUses);
        for (const use of cert.allowedUses) {
            assert.match(use, /^[a-z_]+$/);
        }
    });

    test("validity and early renewal as given, defaulting to a year and 30 days", async () => {
        const defaults = (await tlsOf("validity-default")).cert;
        assert.equal(defaults.validityPeriodHours, 8760);
        assert.equal(defaults.earlyRenewalHours, 720);
        const given = (await tlsOf("validity-given", { tls: { validityHours: 48, earlyRenewalHours: 12 } })).cert;
        assert.equal(given.validityPeriodHours, 48);
        assert.equal(given.earlyRenewalHours, 12);
    });

    test("the Service's names follow a custom cluster domain", async () => {
        const { cert } = await tlsOf("domain", { clusterDomain: "corp.internal" });
        assert.ok(cert.dnsNames.includes("domain.default.svc.corp.internal"));
    });
});

describe("the Secret", () => {
    test("is kubernetes.io/tls, auto-named, labelled", async () => {
        const { secret } = await tlsOf("sec", { labels: { team: "web" } });
        assert.equal(secret.type, "kubernetes.io/tls");
        assert.equal(secret.metadata.name, undefined);
        assert.equal(secret.metadata.labels.team, "web");
    });

    test("tlsSecretData base64-encodes both files and is a Pulumi secret", async () => {
        const data = tlsSecretData("CERT", pulumi.output("KEY"));
        assert.equal(await pulumi.isSecret(data), true);
        assert.deepEqual(await resolve(data), { "tls.crt": Buffer.from("CERT").toString("base64"), "tls.key": Buffer.from("KEY").toString("base64") });
    });
});
