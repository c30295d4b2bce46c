// The real key/certificate generator the data-plane tests rely on: if it ignored an input, those tests
// would prove less than they claim, so each input is read back from the certificate openssl issued.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import { describe, it } from "node:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { keyMatchesCertificate as keyMatches } from "./probe";
import { certificateExtensions, generatePrivateKey, issueCertRequest, issueLocallySignedCert, issueSelfSignedCert, OPENSSL } from "./realTls";

/** openssl's own reading of some extensions, so the test does not trust Node's parser alone. */
function opensslExtensions(certPem: string, names: string): string {
    return execFileSync(OPENSSL, ["x509", "-noout", "-ext", names], { input: certPem, encoding: "utf8" });
}

const SERVER_USES = ["server_auth", "key_encipherment", "digital_signature"];

describe("generatePrivateKey", () => {
    it("makes an RSA 2048 key, PKCS#1 like the provider, with matching PKCS#8 and public PEMs", () => {
        const state = generatePrivateKey({ algorithm: "RSA", rsaBits: 2048 });
        assert.match(state.privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.match(state.privateKeyPemPkcs8, /^-----BEGIN PRIVATE KEY-----\n/);
        const key = crypto.createPrivateKey(state.privateKeyPem);
        assert.equal(key.asymmetricKeyType, "rsa");
        assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
        assert.equal(key.asymmetricKeyDetails?.publicExponent, 65537n);
        const fromPkcs8 = crypto.createPublicKey(state.privateKeyPemPkcs8).export({ type: "spki", format: "pem" });
        assert.equal(fromPkcs8, state.publicKeyPem);
        assert.equal(crypto.createPublicKey(key).export({ type: "spki", format: "pem" }), state.publicKeyPem);
    });

    it("makes an ECDSA P-256 key, SEC 1 like the provider", () => {
        const p256 = generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.match(p256.privateKeyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
        assert.equal(crypto.createPrivateKey(p256.privateKeyPem).asymmetricKeyDetails?.namedCurve, "prime256v1");
        assert.equal(p256.ecdsaCurve, "P256");
    });

    it("makes a new key every time", () => {
        assert.notEqual(generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).publicKeyPem, generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).publicKeyPem);
    });

    it("refuses any key the component must not ask for, the provider's default curve P-224 among them", () => {
        assert.throws(() => generatePrivateKey({ algorithm: "DSA" }), /not a key the component asks for/);
        assert.throws(() => generatePrivateKey({ algorithm: "ECDSA" }), /not a key the component asks for/);
        assert.throws(() => generatePrivateKey({ algorithm: "RSA", rsaBits: 1024 }), /not a key the component asks for/);
    });
});

describe("issueSelfSignedCert", () => {
    for (const keyInputs of [{ algorithm: "RSA", rsaBits: 2048 }, { algorithm: "ECDSA", ecdsaCurve: "P256" }]) {
        it(`issues a ${keyInputs.algorithm} certificate with the subject, SANs, validity and uses it was given`, () => {
            const key = generatePrivateKey(keyInputs);
            const now = new Date("2030-01-02T03:04:05.678Z");
            const state = issueSelfSignedCert(
                {
                    privateKeyPem: key.privateKeyPem,
                    subject: { commonName: "my-nginx/web" },
                    dnsNames: ["my-nginx", "my-nginx.default.svc.cluster.local"],
                    ipAddresses: ["10.0.0.7", "::1"],
                    validityPeriodHours: 30,
                    earlyRenewalHours: 2,
                    allowedUses: SERVER_USES,
                },
                now,
            );
            const cert = new crypto.X509Certificate(state.certPem);
            assert.equal(cert.subject, "CN=my-nginx/web");
            assert.equal(cert.issuer, cert.subject, "self-signed: issuer is the subject");
            assert.equal(cert.subjectAltName, "DNS:my-nginx, DNS:my-nginx.default.svc.cluster.local, IP Address:10.0.0.7, IP Address:0:0:0:0:0:0:0:1");
            assert.equal(cert.checkHost("my-nginx.default.svc.cluster.local"), "my-nginx.default.svc.cluster.local");
            assert.equal(cert.checkHost("other"), undefined);
            assert.equal(cert.checkIP("10.0.0.7"), "10.0.0.7");
            assert.equal(cert.checkIP("10.0.0.8"), undefined);
            // Start truncated to the second, end exactly validityPeriodHours later, as the provider does.
            assert.equal(new Date(cert.validFrom).toISOString(), "2030-01-02T03:04:05.000Z");
            assert.equal(new Date(cert.validTo).toISOString(), "2030-01-03T09:04:05.000Z");
            assert.equal(state.validityStartTime, "2030-01-02T03:04:05Z");
            assert.equal(state.validityEndTime, "2030-01-03T09:04:05Z");
            assert.equal(state.readyForRenewal, false);
            assert.equal(state.keyAlgorithm, keyInputs.algorithm);
            assert.equal(cert.ca, false);
            assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(key.privateKeyPem)), "the certificate carries the key's public half");
            assert.ok(cert.verify(crypto.createPublicKey(key.publicKeyPem)), "signed by its own key");
            assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"], "extended key usage: serverAuth only");
            const extensions = opensslExtensions(state.certPem, "keyUsage,extendedKeyUsage,basicConstraints");
            assert.match(extensions, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
            assert.match(extensions, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
            assert.match(extensions, /X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
        });
    }

    it("signs with SHA-256, as Go's crypto/x509 does for both keys", () => {
        const signature = (algorithm: string, ecdsaCurve?: string) => {
            const privateKeyPem = generatePrivateKey({ algorithm, rsaBits: algorithm === "RSA" ? 2048 : undefined, ecdsaCurve }).privateKeyPem;
            const certPem = issueSelfSignedCert({ privateKeyPem, subject: { commonName: "x" }, validityPeriodHours: 1 }).certPem;
            return /Signature Algorithm: (\S+)/.exec(execFileSync(OPENSSL, ["x509", "-noout", "-text"], { input: certPem, encoding: "utf8" }))?.[1];
        };
        assert.equal(signature("RSA"), "sha256WithRSAEncryption");
        assert.equal(signature("ECDSA", "P256"), "ecdsa-with-SHA256");
    });

    it("gives each certificate a random positive serial", () => {
        const key = generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem;
        const issue = () => new crypto.X509Certificate(issueSelfSignedCert({ privateKeyPem: key, subject: { commonName: "x" }, validityPeriodHours: 1 }).certPem);
        const [a, b] = [issue(), issue()];
        assert.notEqual(a.serialNumber, b.serialNumber);
        assert.match(a.serialNumber, /^01[0-9A-F]{30}$/);
    });

    it("reports readyForRenewal once inside earlyRenewalHours of the end", () => {
        const key = generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem;
        const state = issueSelfSignedCert({ privateKeyPem: key, subject: { commonName: "x" }, validityPeriodHours: 5, earlyRenewalHours: 5 });
        assert.equal(state.readyForRenewal, true);
    });

    it("refuses a use the provider does not know instead of issuing a certificate without it", () => {
        assert.throws(() => certificateExtensions({ allowedUses: ["serverAuth"] }), /allowedUses entry "serverAuth"/);
    });

    it("fails without a usable private key", () => {
        assert.throws(() => issueSelfSignedCert({ privateKeyPem: "not a key", validityPeriodHours: 1 }));
        assert.throws(() => issueSelfSignedCert({ validityPeriodHours: 1 }), /needs privateKeyPem/);
    });
});

describe("a CA and a certificate it signs (issueSelfSignedCert with isCaCertificate, issueCertRequest, issueLocallySignedCert)", () => {
    const caKey = generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem;
    const caPem = issueSelfSignedCert({ privateKeyPem: caKey, subject: { commonName: "web CA" }, isCaCertificate: true, validityPeriodHours: 100_000, allowedUses: ["cert_signing"] }).certPem;

    it("issues a CA: basic constraints CA:TRUE, certificate signing only, a subject key id", () => {
        const ca = new crypto.X509Certificate(caPem);
        assert.equal(ca.ca, true);
        assert.equal(ca.subject, "CN=web CA");
        const extensions = opensslExtensions(caPem, "basicConstraints,keyUsage,subjectKeyIdentifier");
        assert.match(extensions, /X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
        assert.match(extensions, /X509v3 Key Usage: critical\n\s+Certificate Sign\n/);
        assert.match(extensions, /X509v3 Subject Key Identifier: \n\s+[0-9A-F:]+\n/);
    });

    for (const keyInputs of [{ algorithm: "RSA", rsaBits: 2048 }, { algorithm: "ECDSA", ecdsaCurve: "P256" }]) {
        it(`signs a ${keyInputs.algorithm} request: the request's subject and SANs, the CA as issuer, the validity and uses given`, () => {
            const key = generatePrivateKey(keyInputs);
            const request = issueCertRequest({ privateKeyPem: key.privateKeyPem, subject: { commonName: "my-nginx" }, dnsNames: ["my-nginx", "my-nginx.default.svc"], ipAddresses: ["10.0.0.7"] });
            assert.match(request.certRequestPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
            assert.equal(request.keyAlgorithm, keyInputs.algorithm);
            const now = new Date("2030-01-02T03:04:05.678Z");
            const state = issueLocallySignedCert(
                { certRequestPem: request.certRequestPem, caPrivateKeyPem: caKey, caCertPem: caPem, validityPeriodHours: 30, earlyRenewalHours: 2, allowedUses: SERVER_USES },
                now,
            );
            const cert = new crypto.X509Certificate(state.certPem);
            const ca = new crypto.X509Certificate(caPem);
            assert.equal(cert.subject, "CN=my-nginx");
            assert.equal(cert.issuer, ca.subject);
            assert.equal(cert.checkIssued(ca), true);
            assert.equal(cert.verify(ca.publicKey), true, "signed by the CA's key");
            assert.equal(cert.subjectAltName, "DNS:my-nginx, DNS:my-nginx.default.svc, IP Address:10.0.0.7");
            assert.equal(cert.ca, false);
            assert.equal(keyMatches(key.privateKeyPem, state.certPem), true, "the request's key, not the CA's");
            assert.equal(state.validityStartTime, "2030-01-02T03:04:05Z");
            assert.equal(state.validityEndTime, "2030-01-03T09:04:05Z");
            assert.equal(new Date(cert.validTo).toISOString(), "2030-01-03T09:04:05.000Z");
            const extensions = opensslExtensions(state.certPem, "keyUsage,extendedKeyUsage,basicConstraints,authorityKeyIdentifier");
            assert.match(extensions, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
            assert.match(extensions, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
            assert.match(extensions, /X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
            assert.match(extensions, /X509v3 Authority Key Identifier: \n/);
            // openssl's own verdict: the chain verifies against the CA alone.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "realtls-test-"));
            try {
                fs.writeFileSync(path.join(dir, "ca.pem"), caPem);
                fs.writeFileSync(path.join(dir, "cert.pem"), state.certPem);
                const verified = execFileSync(OPENSSL, ["verify", "-attime", String(Math.floor(now.getTime() / 1000) + 60), "-CAfile", "ca.pem", "cert.pem"], { cwd: dir, encoding: "utf8" });
                assert.equal(verified.trim(), "cert.pem: OK");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }

    it("refuses a CA key that is not the CA certificate's", () => {
        const request = issueCertRequest({ privateKeyPem: generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem, subject: { commonName: "x" } });
        const otherKey = generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem;
        assert.throws(() => issueLocallySignedCert({ certRequestPem: request.certRequestPem, caPrivateKeyPem: otherKey, caCertPem: caPem, validityPeriodHours: 1 }), /not the key of caCertPem/);
        assert.throws(() => issueLocallySignedCert({ certRequestPem: request.certRequestPem, caCertPem: caPem, validityPeriodHours: 1 }), /needs certRequestPem, caPrivateKeyPem and caCertPem/);
    });
});
