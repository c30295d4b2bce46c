// The generated key and certificate: what is asked of @pulumi/tls, and how the Secret is built.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { realTls } from "./harness/realTls";
import { installMocks, resolve, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { tlsSecretData } from "../sdk/tls";

/** The inputs the component gave the key, the certificate and the Secret. */
async function tlsOf(name: string, args: NginxServiceArgs = {}) {
    const { one } = await mocks.deployed(new NginxService(name, args));
    return { key: one(TYPES.key).inputs, cert: one(TYPES.cert).inputs, secret: one(TYPES.secret).inputs };
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
    });

    test("the issued certificate is one TLS clients accept for a server: extended key usage serverAuth", async () => {
        // The real issuer refuses uses the provider does not know, as a misspelt one would be dropped.
        mocks.configure({ tls: realTls });
        try {
            const { outputs } = await mocks.deployed(new NginxService("uses-issued"));
            const cert = new crypto.X509Certificate(outputs.certificatePem!);
            assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"], "extended key usage: TLS Web Server Authentication");
            assert.equal(cert.ca, false);
        } finally {
            mocks.configure({});
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
        assert.equal(secret.immutable, true, "immutable: a new key pair is always a new Secret");
    });

    test("tlsSecretData base64-encodes both files and is a Pulumi secret", async () => {
        const data = tlsSecretData("CERT", pulumi.output("KEY"));
        assert.equal(await pulumi.isSecret(data), true);
        assert.deepEqual(await resolve(data), { "tls.crt": Buffer.from("CERT").toString("base64"), "tls.key": Buffer.from("KEY").toString("base64") });
    });
});
