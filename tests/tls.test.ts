// The generated CA, key and serving certificate: what is asked of @pulumi/tls, and how the Secret is built.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { OPENSSL, realTls } from "./harness/realTls";
import { installMocks, resolve, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { tlsSecretData, toWholeSeconds } from "../sdk/tls";

/** The inputs the component gave the keys, the CA, the request, the certificate and the Secret. */
async function tlsOf(name: string, args: NginxServiceArgs = {}) {
    const { one, child } = await mocks.deployed(new NginxService(name, args));
    return {
        key: child("tls-key").inputs,
        caKey: child("tls-ca-key").inputs,
        ca: one(TYPES.caCert).inputs,
        request: one(TYPES.certRequest).inputs,
        cert: one(TYPES.cert).inputs,
        secret: one(TYPES.secret).inputs,
    };
}

/** openssl's text of a certificate, to read the extensions Node does not parse. */
function opensslText(pem: string): string {
    return execFileSync(OPENSSL, ["x509", "-noout", "-text"], { input: pem, encoding: "utf8" });
}

/** Runs `body` with the mocks issuing real keys and certificates (tests/harness/realTls.ts). */
async function withRealTls<T>(body: () => Promise<T>): Promise<T> {
    mocks.configure({ tls: realTls });
    try {
        return await body();
    } finally {
        mocks.configure({});
    }
}

describe("the keys", () => {
    test("ECDSA on P-256 by default, for the CA and the serving certificate; never the provider's default P-224 that TLS clients reject", async () => {
        const { key, caKey } = await tlsOf("ec");
        assert.deepEqual(key, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.deepEqual(caKey, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    });

    test("RSA 2048 when asked", async () => {
        const { key, caKey } = await tlsOf("rsa", { tls: { keyAlgorithm: "RSA" } });
        assert.deepEqual(key, { algorithm: "RSA", rsaBits: 2048 });
        assert.deepEqual(caKey, { algorithm: "RSA", rsaBits: 2048 });
    });
});

describe("the CA", () => {
    test("is a CA for signing certificates only, valid ten years, never renewed early, named after the instance", async () => {
        const { ca } = await tlsOf("ca-inputs");
        assert.equal(ca.isCaCertificate, true);
        assert.deepEqual(ca.allowedUses, ["cert_signing"]);
        assert.equal(ca.validityPeriodHours, 87600);
        assert.equal(ca.earlyRenewalHours, 0);
        assert.deepEqual(ca.subject, { commonName: "ca-inputs CA" });
        assert.equal(ca.dnsNames, undefined, "a CA names no server");
    });

    test("its name is cut to the 64 characters X.509 allows", async () => {
        const name = "n".repeat(63);
        const { ca } = await tlsOf(name);
        assert.equal(ca.subject.commonName, `${"n".repeat(61)} CA`);
    });

    test("caValidityHours is its validity", async () => {
        const { ca } = await tlsOf("ca-validity", { tls: { caValidityHours: 20000 } });
        assert.equal(ca.validityPeriodHours, 20000);
    });

    test("issued for real: basic constraints CA, key usage certificate signing only, and it signed the serving certificate", async () => {
        await withRealTls(async () => {
            const { outputs } = await mocks.deployed(new NginxService("ca-issued"));
            const ca = new crypto.X509Certificate(outputs.caCertificatePem!);
            const served = new crypto.X509Certificate(outputs.certificatePem!);
            assert.equal(ca.ca, true);
            assert.match(opensslText(outputs.caCertificatePem!), /X509v3 Key Usage: critical\s+Certificate Sign\n/);
            assert.equal(served.ca, false);
            assert.equal(served.issuer, ca.subject);
            assert.equal(served.checkIssued(ca), true);
            assert.equal(served.verify(ca.publicKey), true, "the serving certificate is signed by the CA's key");
            assert.equal(ca.verify(ca.publicKey), true, "the CA is self-signed");
            assert.equal(served.publicKey.asymmetricKeyType, "ec");
        });
    });
});

describe("the certificate", () => {
    test("covers the Service's names plus the user's, without repeats", async () => {
        const { request } = await tlsOf("names", {
            namespace: "web",
            tls: { dnsNames: ["www.example.com", "names.web.svc"], ipAddresses: ["192.0.2.10"], commonName: "www.example.com" },
        });
        assert.deepEqual(request.dnsNames, ["names", "names.web", "names.web.svc", "names.web.svc.cluster.local", "www.example.com"]);
        assert.deepEqual(request.ipAddresses, ["192.0.2.10"]);
        assert.deepEqual(request.subject, { commonName: "www.example.com" });
    });

    test("server-auth uses spelled the way @pulumi/tls understands (snake_case)", async () => {
        const { cert } = await tlsOf("uses");
        assert.deepEqual(cert.allowedUses, ["server_auth", "key_encipherment", "digital_signature"]);
    });

    test("the issued certificate is one TLS clients accept for a server: extended key usage serverAuth", async () => {
        // The real issuer refuses uses the provider does not know, as a misspelt one would be dropped.
        await withRealTls(async () => {
            const { outputs } = await mocks.deployed(new NginxService("uses-issued", { tls: { ipAddresses: ["192.0.2.10"] } }));
            const cert = new crypto.X509Certificate(outputs.certificatePem!);
            assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"], "extended key usage: TLS Web Server Authentication");
            assert.equal(cert.ca, false);
            assert.equal(cert.subject, "CN=uses-issued");
            assert.equal(cert.checkHost("uses-issued.default.svc.cluster.local"), "uses-issued.default.svc.cluster.local", "the request's names reach the certificate");
            assert.equal(cert.checkIP("192.0.2.10"), "192.0.2.10");
            assert.equal(outputs.certificateNotAfter, new Date(cert.validTo).toISOString().replace(".000Z", "Z"));
        });
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
        const { request, cert } = await tlsOf("domain", { clusterDomain: "corp.internal" });
        assert.ok(request.dnsNames.includes("domain.default.svc.corp.internal"));
        assert.equal(cert.dnsNames, undefined, "the names are the request's, not given twice");
    });
});

describe("certificateNotAfter", () => {
    test("to the second, as the certificate holds it, whatever fraction the provider reports", () => {
        assert.equal(toWholeSeconds("2027-12-03T03:59:50.923125887Z"), "2027-12-03T03:59:50Z");
        assert.equal(toWholeSeconds("2027-12-03T03:59:50Z"), "2027-12-03T03:59:50Z");
        assert.equal(toWholeSeconds("2027-12-03T03:59:50.5+02:00"), "2027-12-03T03:59:50+02:00");
    });

    test("the output is the provider's validityEndTime cut to the second", async () => {
        mocks.configure({ tls: { ...realTls, locallySignedCert: (inputs: any) => ({ ...realTls.locallySignedCert(inputs), validityEndTime: "2027-12-03T03:59:50.923125887Z" }) } });
        try {
            const { outputs } = await mocks.deployed(new NginxService("not-after"));
            assert.equal(outputs.certificateNotAfter, "2027-12-03T03:59:50Z");
        } finally {
            mocks.configure({});
        }
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

    test("tlsSecretData base64-encodes the three files and is a Pulumi secret", async () => {
        const data = tlsSecretData("CERT", pulumi.output("KEY"), "CA");
        assert.equal(await pulumi.isSecret(data), true);
        const b64 = (text: string) => Buffer.from(text).toString("base64");
        assert.deepEqual(await resolve(data), { "tls.crt": b64("CERT"), "tls.key": b64("KEY"), "ca.crt": b64("CA") });
    });
});
