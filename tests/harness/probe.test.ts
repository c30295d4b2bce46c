// Controls for the probes, so a passing data-plane test means what it says: the TLS version probe does
// complete TLS 1.0/1.1 against a server that allows them (so "refused" in the data-plane test is the
// server's doing, not OpenSSL 3's client defaults), it does see a server's refusal, and the HTTPS and
// key probes do fail when they should.
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import { PodLayout, RunningNginx, startNginx } from "./nginx";
import { httpGet, httpsGet, keyMatchesCertificate, tlsHandshake } from "./probe";
import { generatePrivateKey, issueSelfSignedCert } from "./realTls";

const key = generatePrivateKey({ algorithm: "RSA", rsaBits: 2048 });
const certificatePem = issueSelfSignedCert({
    privateKeyPem: key.privateKeyPem,
    subject: { commonName: "probe.test" },
    dnsNames: ["probe.test"],
    ipAddresses: ["127.0.0.1"],
    validityPeriodHours: 1,
    allowedUses: ["server_auth", "key_encipherment", "digital_signature"],
}).certPem;

/** A throwaway nginx: one HTTPS server (container port 8443) with the given TLS directives, one HTTP server (8080). */
function startServer(tlsDirectives: string[]): Promise<RunningNginx> {
    const config = [
        "server {",
        "    listen 8080;",
        "    location / { return 308 https://$host/moved$request_uri; }",
        "}",
        "server {",
        "    listen 8443 ssl;",
        "    ssl_certificate /etc/nginx/ssl/tls.crt;",
        "    ssl_certificate_key /etc/nginx/ssl/tls.key;",
        ...tlsDirectives.map((directive) => `    ${directive}`),
        '    location / { default_type text/plain; return 200 "hello\\n"; }',
        "}",
        "",
    ].join("\n");
    const layout: PodLayout = {
        files: [
            { path: "/etc/nginx/conf.d/default.conf", content: Buffer.from(config), mode: 0o644 },
            { path: "/etc/nginx/ssl/tls.crt", content: Buffer.from(certificatePem), mode: 0o440, group: 101 },
            { path: "/etc/nginx/ssl/tls.key", content: Buffer.from(key.privateKeyPem), mode: 0o440, group: 101 },
        ],
        writableDirs: ["/tmp"],
        mountPaths: ["/etc/nginx/conf.d", "/etc/nginx/ssl", "/tmp"],
        containerPorts: { http: 8080, https: 8443 },
        runAsUser: 101,
        runAsGroup: 101,
        fsGroup: 101,
    };
    return startNginx({ layout });
}

describe("tlsHandshake against a server that allows TLS 1.0 to 1.3 (the control)", () => {
    let nginx: RunningNginx;
    before(async () => {
        nginx = await startServer(["ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;", "ssl_ciphers DEFAULT@SECLEVEL=0;"]);
    });
    after(() => nginx?.stop());

    for (const [version, protocol] of [["tls1", "TLSv1"], ["tls1_1", "TLSv1.1"], ["tls1_2", "TLSv1.2"], ["tls1_3", "TLSv1.3"]] as const) {
        it(`completes ${protocol}: the client side never refuses it`, async () => {
            const result = await tlsHandshake(nginx.ports.https, version, "probe.test");
            assert.ok(result.accepted, result.output);
            assert.equal(result.protocol, protocol);
            assert.equal(result.refusedByServer, false);
        });
    }
});

describe("tlsHandshake against a server that allows TLS 1.3 only", () => {
    let nginx: RunningNginx;
    before(async () => {
        nginx = await startServer(["ssl_protocols TLSv1.3;"]);
    });
    after(() => nginx?.stop());

    it("reports TLS 1.2 as refused by the server (its protocol_version alert)", async () => {
        const result = await tlsHandshake(nginx.ports.https, "tls1_2", "probe.test");
        assert.equal(result.accepted, false, result.output);
        assert.equal(result.refusedByServer, true, result.output);
    });

    it("reports TLS 1.3 as accepted", async () => {
        const result = await tlsHandshake(nginx.ports.https, "tls1_3", "probe.test");
        assert.ok(result.accepted, result.output);
    });
});

describe("httpsGet and httpGet", () => {
    let nginx: RunningNginx;
    before(async () => {
        nginx = await startServer([]);
    });
    after(() => nginx?.stop());

    it("succeeds with the certificate as the only CA, for a name and for the IP in it", async () => {
        const byName = await httpsGet({ port: nginx.ports.https, ca: certificatePem, servername: "probe.test" });
        assert.equal(byName.status, 200);
        assert.equal(byName.body, "hello\n");
        assert.equal(byName.peerCertificatePem, new crypto.X509Certificate(certificatePem).toString());
        const byIp = await httpsGet({ port: nginx.ports.https, ca: certificatePem });
        assert.equal(byIp.status, 200);
    });

    it("fails verification for a name not in the certificate", async () => {
        await assert.rejects(httpsGet({ port: nginx.ports.https, ca: certificatePem, servername: "other.test" }), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    });

    it("fails verification with any other CA (the system store is not used)", async () => {
        const other = issueSelfSignedCert({
            privateKeyPem: generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem,
            subject: { commonName: "probe.test" },
            dnsNames: ["probe.test"],
            validityPeriodHours: 1,
        }).certPem;
        await assert.rejects(httpsGet({ port: nginx.ports.https, ca: other, servername: "probe.test" }), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    });

    it("does not follow redirects, so the status and Location are the server's", async () => {
        const response = await httpGet({ port: nginx.ports.http, host: "probe.test", path: "/a?b=c" });
        assert.equal(response.status, 308);
        assert.equal(response.headers.location, "https://probe.test/moved/a?b=c");
    });
});

describe("keyMatchesCertificate", () => {
    it("matches the certificate's own key in every encoding the provider emits", () => {
        assert.equal(keyMatchesCertificate(key.privateKeyPem, certificatePem), true);
        assert.equal(keyMatchesCertificate(key.privateKeyPemPkcs8, certificatePem), true);
    });

    it("does not match another key, of the same or another type", () => {
        assert.equal(keyMatchesCertificate(generatePrivateKey({ algorithm: "RSA", rsaBits: 2048 }).privateKeyPem, certificatePem), false);
        assert.equal(keyMatchesCertificate(generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem, certificatePem), false);
    });
});
