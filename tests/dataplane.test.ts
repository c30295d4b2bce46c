// The data plane, for real: the component runs under the mocks with a real key and certificate (tests/
// harness/realTls.ts), its ConfigMap and TLS Secret are laid out where the Deployment mounts them, a
// real nginx serves them on loopback ports, and it is probed as the tutorial does by hand
// (`curl --cacert ... https://my-nginx`, `openssl s_client -tls1_1`). nginx must be installed
// (Debian's `nginx` package); a test that cannot start it fails with nginx's own error output.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as os from "node:os";
import { describe, test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { installMocks, MockOptions, TYPES } from "./mocks";
import { generatePrivateKey, issueCertRequest, issueLocallySignedCert, issueSelfSignedCert, realTls } from "./harness/realTls";

const mocks = installMocks({ tls: realTls });

import { NginxService, NginxServiceArgs } from "../sdk";
import { SECURITY_HEADERS, TLS12_CIPHERS } from "../sdk/nginxConfig";
import { CONFIG_FILE_NAME, CONFIG_VOLUME, DOCUMENT_ROOT, HEALTH_PATH, STATUS_PATH, TLS_CERTIFICATE_FILE, TLS_PRIVATE_KEY_FILE } from "../sdk/pod";
import { podLayout, RunningNginx, startNginx } from "./harness/nginx";
import { http2Get, httpGet, httpsGet, keyMatchesCertificate, Response, tlsHandshake, TlsVersion } from "./harness/probe";
import { DnsServer, request, startDnsServer, startUpstream, Upstream, websocketEcho } from "./harness/upstream";

const NAME = "my-nginx";
/** What a client in the cluster may call the Service (namespace default, domain cluster.local). */
const SERVICE_NAMES = [NAME, `${NAME}.default`, `${NAME}.default.svc`, `${NAME}.default.svc.cluster.local`];
/** The server config as the pod sees it. */
const CONFIG_FILE = `${CONFIG_VOLUME.mountPath}/${CONFIG_FILE_NAME}`;
/** A name nobody put in the certificate. */
const FOREIGN_NAME = "not-my-nginx.default.svc.cluster.local";

interface Deployed {
    /** The component's caCertificatePem output, the one certificate clients trust; undefined with TLS disabled. */
    caCertificatePem: string | undefined;
    /** The component's certificatePem output, the serving certificate; undefined with TLS disabled. */
    certificatePem: string | undefined;
    nginx: RunningNginx;
}

/**
 * Registers `new NginxService("my-nginx", args)` under the mocks, waits for every registration, and
 * starts nginx on what the Deployment mounts. Stops nginx when `body` ends, whether it passed or not.
 */
async function withDeployed(
    args: NginxServiceArgs,
    options: Omit<MockOptions, "tls">,
    body: (deployed: Deployed) => Promise<void>,
    /** For control runs only: edits the generated server config before nginx reads it. */
    editConfig?: (config: string) => string,
): Promise<void> {
    mocks.reset();
    mocks.configure({ tls: realTls, ...options });
    const { outputs } = await mocks.deployed(new NginxService(NAME, args));
    const { caCertificatePem, certificatePem } = outputs;
    if (args.tls?.enabled !== false) {
        assert.ok(certificatePem?.startsWith("-----BEGIN CERTIFICATE-----"), `certificatePem is a PEM certificate, got ${certificatePem}`);
        assert.ok(caCertificatePem?.startsWith("-----BEGIN CERTIFICATE-----"), `caCertificatePem is a PEM certificate, got ${caCertificatePem}`);
    }
    const layout = podLayout(mocks.resources);
    if (editConfig) {
        layout.files = layout.files.map((file) => (file.path === CONFIG_FILE ? { ...file, content: Buffer.from(editConfig(file.content.toString("utf8"))) } : file));
    }
    const nginx = await startNginx({ layout });
    try {
        await body({ caCertificatePem, certificatePem, nginx });
    } catch (error) {
        // nginx's view of the failure, next to the assertion.
        (error as Error).message += `\n--- nginx error log ---\n${nginx.errorLog()}`;
        throw error;
    } finally {
        await nginx.stop();
    }
}

async function assertVerificationFails(promise: Promise<unknown>, code: string, what: string): Promise<void> {
    await assert.rejects(promise, (error: any) => {
        assert.equal(error.code, code, `${what}: expected ${code}, got ${error.code}: ${error.message}`);
        return true;
    });
}

/** The probes every TLS scenario must pass; `names` are the names the certificate must verify for. */
async function assertTlsDataPlane({ caCertificatePem, certificatePem, nginx }: Deployed, names: string[], redirect?: { location: (host: string, path: string) => string }): Promise<void> {
    assert.ok(certificatePem !== undefined && caCertificatePem !== undefined, "the component reports a certificate and its CA");
    assert.notEqual(caCertificatePem, certificatePem, "the trust anchor is not the serving certificate");
    assert.equal(new crypto.X509Certificate(certificatePem).checkIssued(new crypto.X509Certificate(caCertificatePem)), true, "the CA issued the serving certificate");
    const https = nginx.ports.https;
    const http = nginx.ports.http;
    assert.ok(https !== undefined && http !== undefined, `the pod has http and https ports: ${JSON.stringify(nginx.ports)}`);

    // The certificate nginx serves is the one in the Secret and the one the component reports.
    assert.equal(nginx.read(TLS_CERTIFICATE_FILE).toString("utf8"), certificatePem, "tls.crt in the Secret is the component's certificatePem");
    assert.ok(
        keyMatchesCertificate(nginx.read(TLS_PRIVATE_KEY_FILE).toString("utf8"), certificatePem),
        "the private key in the Secret belongs to the certificate",
    );

    // curl --cacert <caCertificatePem> https://<name>/ for every name, the CA as the only trust anchor.
    for (const servername of names) {
        const response = await httpsGet({ port: https, ca: caCertificatePem, servername });
        assert.equal(response.status, 200, `GET https://${servername}/`);
        assert.match(response.body, /Welcome to nginx!/, `GET https://${servername}/ serves the document root`);
        assert.equal(new crypto.X509Certificate(response.peerCertificatePem).fingerprint256, new crypto.X509Certificate(certificatePem).fingerprint256, "the served certificate");
        const health = await httpsGet({ port: https, ca: caCertificatePem, servername, path: HEALTH_PATH });
        assert.equal(health.status, 200, `GET https://${servername}${HEALTH_PATH}`);
        assert.equal(health.body, "ok\n");
    }
    await assertVerificationFails(httpsGet({ port: https, ca: caCertificatePem, servername: FOREIGN_NAME }), "ERR_TLS_CERT_ALTNAME_INVALID", `a name not in the certificate (${FOREIGN_NAME})`);
    // Control: the 200s above come from trusting caCertificatePem, not from any other trust store: another
    // CA, of the same subject, is refused.
    const stranger = issueSelfSignedCert({
        privateKeyPem: generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem,
        subject: { commonName: new crypto.X509Certificate(caCertificatePem).subject.replace(/^CN=/, "") },
        isCaCertificate: true,
        validityPeriodHours: 1,
        allowedUses: ["cert_signing"],
    }).certPem;
    await assertVerificationFails(httpsGet({ port: https, ca: stranger, servername: NAME }), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "another CA as the trust anchor");

    // Plain HTTP: the content, or a permanent redirect that keeps the path and query; /healthz always.
    for (const host of [NAME, `${NAME}.default.svc.cluster.local`]) {
        const response = await httpGet({ port: http, host, path: "/some/page?x=1" });
        if (redirect) {
            assert.equal(response.status, 308, `GET http://${host}/some/page?x=1 redirects`);
            assert.equal(response.headers.location, redirect.location(host, "/some/page?x=1"));
        } else {
            const root = await httpGet({ port: http, host, path: "/" });
            assert.equal(root.status, 200, `GET http://${host}/`);
            assert.match(root.body, /Welcome to nginx!/);
            assert.equal(response.status, 404, "a missing page is a 404 (no redirect)");
        }
        const health = await httpGet({ port: http, host, path: HEALTH_PATH });
        assert.equal(health.status, 200, `GET http://${host}${HEALTH_PATH} (the kubelet's probe)`);
        assert.equal(health.body, "ok\n");
    }

    // Only TLS 1.2 and 1.3: the server itself refuses 1.0 and 1.1 (see probe.test.ts for the control
    // showing the same client does complete 1.0/1.1 with a server that allows them).
    const expected: [TlsVersion, boolean][] = [["tls1", false], ["tls1_1", false], ["tls1_2", true], ["tls1_3", true]];
    for (const [version, accepted] of expected) {
        const result = await tlsHandshake(https, version, NAME);
        if (accepted) {
            assert.ok(result.accepted, `${version} is accepted:\n${result.output}`);
        } else {
            assert.ok(!result.accepted && result.refusedByServer, `${version} is refused by the server:\n${result.output}`);
        }
    }
}

/** What a response must carry: the security headers (or none of them), and HSTS exactly as given. */
interface ExpectedHeaders {
    security: boolean;
    /** The Strict-Transport-Security value; undefined: no such header. */
    hsts?: string;
}

function assertHeaders(response: Response, expected: ExpectedHeaders, what: string): void {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        assert.equal(response.headers[name.toLowerCase()], expected.security ? value : undefined, `${what}: ${name}`);
    }
    assert.equal(response.headers["strict-transport-security"], expected.hsts, `${what}: Strict-Transport-Security`);
    // server_tokens off: "nginx", without the version, in the header and in nginx's own error pages.
    assert.equal(response.headers.server, "nginx", `${what}: Server header`);
    assert.doesNotMatch(response.body, /nginx\/\d/, `${what}: the body names no nginx version`);
}

/**
 * Every kind of answer on each server: content (200, or the redirect's 308), `/healthz` (its own
 * location), and a 404 error page (`always` is what puts headers on it). HSTS on HTTPS answers only.
 */
async function assertResponseHeaders({ caCertificatePem, nginx }: Deployed, expected: ExpectedHeaders): Promise<void> {
    const http = { ...expected, hsts: undefined };
    const root = await httpGet({ port: nginx.ports.http, host: NAME, path: "/" });
    assert.ok([200, 308].includes(root.status), `GET http://${NAME}/ is content or the redirect, got ${root.status}`);
    assertHeaders(root, http, `GET http://${NAME}/ (${root.status})`);
    const health = await httpGet({ port: nginx.ports.http, host: NAME, path: HEALTH_PATH });
    assert.equal(health.status, 200);
    assertHeaders(health, http, `GET http://${NAME}${HEALTH_PATH}`);
    if (root.status === 200) {
        const missing = await httpGet({ port: nginx.ports.http, host: NAME, path: "/no/such/page" });
        assert.equal(missing.status, 404);
        assert.match(missing.body, /<center>nginx<\/center>/, "nginx's own error page");
        assertHeaders(missing, http, `GET http://${NAME}/no/such/page (404)`);
    }
    if (caCertificatePem === undefined) {
        return;
    }
    for (const [path, status] of [["/", 200], [HEALTH_PATH, 200], ["/no/such/page", 404]] as const) {
        const response = await httpsGet({ port: nginx.ports.https, ca: caCertificatePem, servername: NAME, path });
        assert.equal(response.status, status, `GET https://${NAME}${path}`);
        assertHeaders(response, expected, `GET https://${NAME}${path} (${status})`);
    }
}

describe("data plane: the generated config and certificate in a real nginx", () => {
    test("TLS on (default): HTTPS for every Service name, HTTP alongside, ECDSA P-256, trusted through the CA alone", async () => {
        await withDeployed({}, {}, async (deployed) => {
            await assertTlsDataPlane(deployed, SERVICE_NAMES);
            const key = new crypto.X509Certificate(deployed.certificatePem!).publicKey;
            assert.equal(key.asymmetricKeyType, "ec");
            assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
            // The serving certificate is not a trust anchor: a client given it alone refuses the server.
            await assertVerificationFails(httpsGet({ port: deployed.nginx.ports.https, ca: deployed.certificatePem!, servername: NAME }), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "the serving certificate as the only CA");
            await assertVerificationFails(httpsGet({ port: deployed.nginx.ports.https, ca: deployed.caCertificatePem! }), "ERR_TLS_CERT_ALTNAME_INVALID", "127.0.0.1 is not in the certificate unless asked for");
            await assertResponseHeaders(deployed, { security: true });
        });
    });

    test("redirectHttpToHttps: plain HTTP answers 308 to https://<host>/..., /healthz still 200", async () => {
        await withDeployed({ redirectHttpToHttps: true }, {}, async (deployed) => {
            await assertTlsDataPlane(deployed, SERVICE_NAMES, { location: (host, path) => `https://${host}${path}` });
            await assertResponseHeaders(deployed, { security: true });
        });
    });

    test("redirectHttpToHttps with httpsPort 8443: the redirect names the Service's HTTPS port", async () => {
        await withDeployed({ redirectHttpToHttps: true, httpsPort: 8443 }, {}, async (deployed) => {
            await assertTlsDataPlane(deployed, SERVICE_NAMES, { location: (host, path) => `https://${host}:8443${path}` });
        });
    });

    test("HTTP/2 by default: ALPN picks h2 and the page is served over it; an HTTP/1.1 client is still served", async () => {
        await withDeployed({}, {}, async ({ caCertificatePem, nginx }) => {
            const h2 = await http2Get({ port: nginx.ports.https, ca: caCertificatePem!, servername: NAME });
            assert.deepEqual([h2.alpnProtocol, h2.status], ["h2", 200]);
            assert.match(h2.body, /Welcome to nginx!/);
            const health = await http2Get({ port: nginx.ports.https, ca: caCertificatePem!, servername: NAME, path: HEALTH_PATH });
            assert.deepEqual([health.status, health.body], [200, "ok\n"]);
            const h1 = await httpsGet({ port: nginx.ports.https, ca: caCertificatePem!, servername: NAME });
            assert.equal(h1.status, 200, "a client that offers no ALPN gets HTTP/1.1");
        });
    });

    test("tls.http2 false: a client offering h2 and http/1.1 gets HTTP/1.1", async () => {
        await withDeployed({ tls: { http2: false } }, {}, async ({ caCertificatePem, nginx }) => {
            const h2 = await http2Get({ port: nginx.ports.https, ca: caCertificatePem!, servername: NAME });
            assert.notEqual(h2.alpnProtocol, "h2");
            assert.equal((await httpsGet({ port: nginx.ports.https, ca: caCertificatePem!, servername: NAME })).status, 200);
        });
    });

    test("the access log: each request to the content on stdout in the nginx_service format within the flush second, /healthz never", async () => {
        await withDeployed({}, {}, async ({ caCertificatePem, nginx }) => {
            const before = Date.now();
            assert.equal((await httpsGet({ port: nginx.ports.https, ca: caCertificatePem!, servername: NAME, path: "/?via=https" })).status, 200);
            assert.equal((await httpGet({ port: nginx.ports.http, host: NAME, path: "/?via=http" })).status, 200);
            assert.equal((await httpGet({ port: nginx.ports.http, host: NAME, path: HEALTH_PATH })).status, 200);
            // Buffered: written when the buffer fills or a second after the first line; polled for at most 5 s.
            let lines: string[] = [];
            while (Date.now() - before < 5000) {
                lines = nginx.stdout().split("\n").filter((line) => line !== "");
                if (lines.length >= 2) break;
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            assert.equal(lines.length, 2, `two requests logged, /healthz not:\n${lines.join("\n")}`);
            assert.match(lines[0], /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/\?via=https HTTP\/1\.1" 200 \d+ "-" "[^"]*" "-"$/);
            assert.match(lines[1], /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/\?via=http HTTP\/1\.1" 200 \d+ "-" "[^"]*" "-"$/);
        });
    });

    test("keyAlgorithm RSA: a 2048-bit key under an RSA CA, served and verified like the ECDSA one", async () => {
        await withDeployed({ tls: { keyAlgorithm: "RSA" } }, {}, async (deployed) => {
            await assertTlsDataPlane(deployed, SERVICE_NAMES);
            for (const pem of [deployed.certificatePem!, deployed.caCertificatePem!]) {
                const key = new crypto.X509Certificate(pem).publicKey;
                assert.equal(key.asymmetricKeyType, "rsa");
                assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
            }
        });
    });

    test("user dnsNames and ipAddresses: verified for the added names and for 127.0.0.1", async () => {
        const dnsNames = ["nginx.example.com", "www.example.com"];
        await withDeployed({ tls: { dnsNames, ipAddresses: ["127.0.0.1", "::1"] } }, {}, async (deployed) => {
            await assertTlsDataPlane(deployed, [...SERVICE_NAMES, ...dnsNames]);
            // A client that connects to the IP verifies the certificate for the IP (no SNI, no name).
            const byIp = await httpsGet({ port: deployed.nginx.ports.https, ca: deployed.caCertificatePem! });
            assert.equal(byIp.status, 200, "GET https://127.0.0.1/ verified against the IP SAN");
            assert.match(byIp.body, /Welcome to nginx!/);
        });
    });

    test("TLS disabled: one plain HTTP server (and stub_status), content and /healthz, nothing else listening", async () => {
        await withDeployed({ tls: { enabled: false } }, {}, async ({ caCertificatePem, nginx }) => {
            assert.equal(caCertificatePem, undefined, "no certificate");
            assert.deepEqual(Object.keys(nginx.ports), ["http", "status"], "the pod declares the HTTP port, and stub_status's");
            assert.doesNotMatch(Object.values(nginx.serverConfigs).join("\n"), /\bssl\b/);
            const root = await httpGet({ port: nginx.ports.http, host: NAME, path: "/" });
            assert.equal(root.status, 200);
            assert.match(root.body, /Welcome to nginx!/);
            const health = await httpGet({ port: nginx.ports.http, host: NAME, path: HEALTH_PATH });
            assert.equal(health.status, 200);
            assert.equal(health.body, "ok\n");
            await assertResponseHeaders({ caCertificatePem, certificatePem: undefined, nginx }, { security: true });
        });
    });

    test("existingSecretName: nginx serves the Secret read from the cluster; certificatePem is its tls.crt, caCertificatePem its ca.crt", async () => {
        // As cert-manager's CA issuer writes it: a CA of its own, and a certificate it signed.
        const caKey = generatePrivateKey({ algorithm: "RSA", rsaBits: 2048 }).privateKeyPem;
        const ca = issueSelfSignedCert({ privateKeyPem: caKey, subject: { commonName: "issuer elsewhere" }, isCaCertificate: true, validityPeriodHours: 48, allowedUses: ["cert_signing"] }).certPem;
        const key = generatePrivateKey({ algorithm: "RSA", rsaBits: 2048 });
        const cert = issueLocallySignedCert({
            certRequestPem: issueCertRequest({ privateKeyPem: key.privateKeyPem, subject: { commonName: "issued-elsewhere" }, dnsNames: SERVICE_NAMES }).certRequestPem,
            caPrivateKeyPem: caKey,
            caCertPem: ca,
            validityPeriodHours: 24,
            allowedUses: ["server_auth", "key_encipherment", "digital_signature"],
        }).certPem;
        const existing = {
            [TYPES.secret]: {
                "default/my-nginx-cert": {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "my-nginx-cert", namespace: "default" },
                    type: "kubernetes.io/tls",
                    data: {
                        "tls.crt": Buffer.from(cert).toString("base64"),
                        "tls.key": Buffer.from(key.privateKeyPem).toString("base64"),
                        "ca.crt": Buffer.from(ca).toString("base64"),
                    },
                },
            },
        };
        await withDeployed({ tls: { existingSecretName: "my-nginx-cert" } }, { existing }, async (deployed) => {
            assert.equal(deployed.certificatePem, cert, "certificatePem is the Secret's certificate");
            assert.equal(deployed.caCertificatePem, ca, "caCertificatePem is the Secret's CA");
            for (const type of [TYPES.key, TYPES.caCert, TYPES.certRequest, TYPES.cert]) {
                assert.equal(mocks.byType(type).length, 0, `nothing is generated: ${type}`);
            }
            await assertTlsDataPlane(deployed, SERVICE_NAMES);
        });
    });

    /** IPv6 loopback must exist here, or the two tests below would prove nothing about nginx. */
    const assertIpv6Loopback = () =>
        assert.ok(
            Object.values(os.networkInterfaces()).some((addresses) => addresses?.some((a) => a.family === "IPv6" && a.address === "::1")),
            "this machine has no ::1 (ip -6 addr show lo): the IPv6 data-plane tests need it",
        );

    test("ipFamilies with IPv6: HTTPS verified for every Service name and HTTP answer over [::1], and IPv4 still", async () => {
        assertIpv6Loopback();
        await withDeployed({ ipFamilies: ["IPv6", "IPv4"], ipFamilyPolicy: "PreferDualStack" }, {}, async ({ caCertificatePem, nginx }) => {
            const { http, https } = nginx.ports;
            assert.ok(caCertificatePem !== undefined && http !== undefined && https !== undefined);
            for (const servername of SERVICE_NAMES) {
                const response = await httpsGet({ port: https, ca: caCertificatePem, servername, address: "::1" });
                assert.equal(response.status, 200, `GET https://${servername}/ over [::1]`);
                assert.match(response.body, /Welcome to nginx!/);
            }
            const health = await httpGet({ port: http, host: NAME, path: HEALTH_PATH, address: "::1" });
            assert.equal(health.status, 200, "the kubelet's probe over IPv6");
            const root = await httpGet({ port: http, host: NAME, path: "/", address: "::1" });
            assert.match(root.body, /Welcome to nginx!/);
            assert.equal((await httpsGet({ port: https, ca: caCertificatePem, servername: NAME })).status, 200, "IPv4 keeps answering");
        });
    });

    test("IPv4 only (the default): a connection to [::1] is refused on both ports", async () => {
        assertIpv6Loopback();
        await withDeployed({}, {}, async ({ caCertificatePem, nginx }) => {
            const { http, https } = nginx.ports;
            assert.ok(caCertificatePem !== undefined && http !== undefined && https !== undefined);
            const refused = (error: any) => {
                assert.equal(error.code, "ECONNREFUSED", `refused, got ${error.code}: ${error.message}`);
                return true;
            };
            await assert.rejects(httpsGet({ port: https, ca: caCertificatePem, servername: NAME, address: "::1" }), refused);
            await assert.rejects(httpGet({ port: http, host: NAME, address: "::1" }), refused);
            // The same ports answer on IPv4: the refusals are about the address family, not a dead nginx.
            assert.equal((await httpsGet({ port: https, ca: caCertificatePem, servername: NAME })).status, 200);
            assert.equal((await httpGet({ port: http, host: NAME, path: HEALTH_PATH })).status, 200);
        });
    });
});

describe("data plane: headers, server tokens and TLS 1.2 ciphers in a real nginx", () => {
    test("hsts with includeSubDomains: on every HTTPS answer (200, /healthz, 404), on no HTTP one", async () => {
        await withDeployed({ hsts: { maxAgeSeconds: 600, includeSubDomains: true }, redirectHttpToHttps: true }, {}, async (deployed) => {
            await assertResponseHeaders(deployed, { security: true, hsts: "max-age=600; includeSubDomains" });
        });
    });

    test("securityHeaders false with hsts: only HSTS is added", async () => {
        await withDeployed({ securityHeaders: false, hsts: {} }, {}, async (deployed) => {
            await assertResponseHeaders(deployed, { security: false, hsts: "max-age=31536000" });
        });
    });

    test("control: without the generated server_tokens off, this nginx names its version (so the checks above can fail)", async () => {
        await withDeployed(
            {},
            {},
            async ({ nginx }) => {
                const missing = await httpGet({ port: nginx.ports.http, host: NAME, path: "/no/such/page" });
                assert.match(String(missing.headers.server), /^nginx\/\d/);
                assert.match(missing.body, /nginx\/\d/);
            },
            (config) => {
                assert.match(config, /server_tokens off;/);
                return config.replace(/^\s*server_tokens off;\n/gm, "");
            },
        );
    });

    test("TLS 1.2 negotiates only the listed suites: CBC, static-RSA and non-ECDHE suites are refused", async () => {
        for (const keyAlgorithm of ["RSA", "ECDSA"] as const) {
            await withDeployed({ tls: { keyAlgorithm } }, {}, async ({ nginx }) => {
                const port = nginx.ports.https;
                const usable = TLS12_CIPHERS.filter((suite) => suite.startsWith(keyAlgorithm === "RSA" ? "ECDHE-RSA-" : "ECDHE-ECDSA-"));
                assert.equal(usable.length, 3);
                for (const suite of usable) {
                    const result = await tlsHandshake(port, "tls1_2", NAME, suite);
                    assert.ok(result.accepted && result.cipher === suite, `${keyAlgorithm}: ${suite} is negotiated:\n${result.output}`);
                }
                const refused = keyAlgorithm === "RSA" ? ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384"] : ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"];
                for (const suite of refused) {
                    const result = await tlsHandshake(port, "tls1_2", NAME, suite);
                    assert.ok(!result.accepted && result.alert === "handshake failure", `${keyAlgorithm}: ${suite} is refused:\n${result.output}`);
                }
            });
        }
    });

    test("control: without the generated ssl_ciphers, this nginx negotiates a CBC suite (so the refusals above can fail)", async () => {
        await withDeployed(
            { tls: { keyAlgorithm: "RSA" } },
            {},
            async ({ nginx }) => {
                const result = await tlsHandshake(nginx.ports.https, "tls1_2", NAME, "ECDHE-RSA-AES128-SHA");
                assert.ok(result.accepted && result.cipher === "ECDHE-RSA-AES128-SHA", result.output);
            },
            (config) => {
                assert.match(config, /ssl_ciphers /);
                return config.replace(/^\s*ssl_ciphers [^;]*;\n/gm, "");
            },
        );
    });
});

/** The upstream's name as nginx must ask for it: `app` in the component's namespace, fully qualified. */
const APP_FQDN = "app.default.svc.cluster.local";

/** A DNS server and an app on loopback for the duration of `body`; both stopped whatever happens. */
async function withApp(body: (dns: DnsServer, app: Upstream) => Promise<void>, tlsOptions?: { key: string; cert: string }): Promise<void> {
    const dns = await startDnsServer();
    const app = await startUpstream(tlsOptions).catch(async (error) => {
        await dns.close();
        throw error;
    });
    try {
        await body(dns, app);
    } finally {
        await app.close();
        await dns.close();
    }
}

describe("data plane: upstream, a real nginx in front of an app it reaches by name", () => {
    test("502 while the name does not resolve, 200 once the DNS answers; /healthz 200 throughout", async () => {
        await withApp(async (dns, app) => {
            await withDeployed({ upstream: { name: "app", port: app.port, resolver: `127.0.0.1:${dns.port}` } }, {}, async ({ caCertificatePem, nginx }) => {
                const https = { port: nginx.ports.https, host: NAME, ca: caCertificatePem };
                const http = { port: nginx.ports.http, host: NAME };
                // nginx started (startNginx waited for its ports) although the name does not resolve.
                for (const client of [https, http]) {
                    const response = await request(client);
                    assert.equal(response.status, 502, `the app's name does not resolve yet: ${response.status} ${response.body}`);
                    assert.equal((await request({ ...client, path: HEALTH_PATH })).status, 200, "/healthz does not depend on the upstream");
                }
                assert.ok(dns.queries.includes(`${APP_FQDN} 1`), `nginx asked the DNS server for the FQDN: ${dns.queries.join(", ")}`);
                assert.equal(app.seen.length, 0);

                // The Service appears: nginx keeps no failed lookup, so the next request may already reach the app.
                dns.set(APP_FQDN, "127.0.0.1");
                const answering = Date.now();
                let status = 0;
                for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
                    await new Promise((resolve) => setTimeout(resolve, 250));
                    status = (await request(https)).status;
                    assert.ok(status === 200 || status === 502, `only 502 or 200 while the name starts resolving, got ${status}`);
                    assert.equal((await request({ ...https, path: HEALTH_PATH })).status, 200, "/healthz stays 200");
                }
                assert.equal(status, 200, "the app answers through nginx once its name resolves");
                // Reported, not asserted: how soon the first request after the change is proxied.
                console.log(`the app answered through nginx ${((Date.now() - answering) / 1000).toFixed(1)} s after the DNS server started answering`);
                assert.equal((await request(http)).status, 200, "plain HTTP proxies too");
                assert.ok(app.seen.length >= 2);
            });
        });
    });

    test("forwarded headers, the body both ways, HTTP/1.1, the security headers on proxied answers", async () => {
        await withApp(async (dns, app) => {
            dns.set(APP_FQDN, "127.0.0.1");
            await withDeployed({ upstream: { name: "app", port: app.port, resolver: `127.0.0.1:${dns.port}` } }, {}, async ({ caCertificatePem, nginx }) => {
                for (const [scheme, client] of [
                    ["https", { port: nginx.ports.https, host: `${NAME}.default.svc.cluster.local`, ca: caCertificatePem }],
                    ["http", { port: nginx.ports.http, host: `${NAME}.default.svc.cluster.local` }],
                ] as const) {
                    const body = Buffer.from(`{"hello":"${scheme}"}`);
                    const response = await request({ ...client, method: "POST", path: "/api/items?x=1", body, headers: { "x-forwarded-for": "203.0.113.7", "content-type": "application/json" } });
                    assert.equal(response.status, 200, response.body);
                    const seen = JSON.parse(response.body);
                    assert.equal(seen.method, "POST");
                    assert.equal(seen.url, "/api/items?x=1", "path and query reach the app unchanged");
                    assert.equal(seen.body, body.toString(), "the body reaches the app");
                    assert.equal(seen.httpVersion, "1.1");
                    assert.equal(seen.headers["x-forwarded-for"], "203.0.113.7, 127.0.0.1", "the client's address appended to what it sent");
                    assert.equal(seen.headers["x-real-ip"], "127.0.0.1");
                    assert.equal(seen.headers["x-forwarded-proto"], scheme);
                    assert.equal(seen.headers["x-forwarded-host"], `${NAME}.default.svc.cluster.local`);
                    assert.equal(seen.headers.host, `${NAME}.default.svc.cluster.local`);
                    assert.equal(seen.headers["content-type"], "application/json");
                    // The app's answer comes back as the app sent it, with nginx's headers added.
                    assert.equal(response.headers["content-type"], "application/json");
                    for (const [header, value] of Object.entries(SECURITY_HEADERS)) {
                        assert.equal(response.headers[header.toLowerCase()], value, `${header} on a proxied answer`);
                    }
                    assert.equal(response.headers.server, "nginx");
                }
            });
        });
    });

    test("a WebSocket echo through nginx, over HTTPS and HTTP", async () => {
        await withApp(async (dns, app) => {
            dns.set(APP_FQDN, "127.0.0.1");
            await withDeployed({ upstream: { name: "app", port: app.port, resolver: `127.0.0.1:${dns.port}` } }, {}, async ({ caCertificatePem, nginx }) => {
                assert.equal(await websocketEcho({ port: nginx.ports.https, host: NAME, ca: caCertificatePem, path: "/ws", text: "hello over wss" }), "echo: hello over wss");
                assert.equal(await websocketEcho({ port: nginx.ports.http, host: NAME, path: "/ws", text: "hello over ws" }), "echo: hello over ws");
                const upgrades = app.seen.filter((r) => r.headers.upgrade !== undefined);
                assert.equal(upgrades.length, 2);
                for (const upgrade of upgrades) {
                    assert.equal(upgrade.headers.upgrade, "websocket");
                    assert.match(String(upgrade.headers.connection), /upgrade/i);
                }
            });
        });
    });

    test("uploads: above nginx's default 1m but within clientMaxBodySize reach the app intact; above it, 413 and the app sees nothing", async () => {
        await withApp(async (dns, app) => {
            dns.set(APP_FQDN, "127.0.0.1");
            await withDeployed({ upstream: { name: "app", port: app.port, resolver: `127.0.0.1:${dns.port}`, clientMaxBodySize: "4m" } }, {}, async ({ caCertificatePem, nginx }) => {
                const client = { port: nginx.ports.https, host: NAME, ca: caCertificatePem, method: "PUT", path: "/upload" };
                const body = crypto.randomBytes(3 * 1024 * 1024);
                const response = await request({ ...client, body });
                assert.equal(response.status, 200, response.body);
                const seen = JSON.parse(response.body);
                assert.equal(seen.bodyLength, body.length);
                assert.equal(seen.bodySha256, crypto.createHash("sha256").update(body).digest("hex"), "the app received the upload byte for byte");

                const before = app.seen.length;
                const tooLarge = await request({ ...client, body: crypto.randomBytes(4 * 1024 * 1024 + 1), expectContinue: true });
                assert.equal(tooLarge.status, 413, "one byte over clientMaxBodySize");
                assert.equal(app.seen.length, before, "the refused upload never reached the app");
            });
            // Control: nginx's own default (1m) refuses the 3 MiB the test above sends.
            await withDeployed({ upstream: { name: "app", port: app.port, resolver: `127.0.0.1:${dns.port}` } }, {}, async ({ caCertificatePem, nginx }) => {
                const response = await request({ port: nginx.ports.https, host: NAME, ca: caCertificatePem, method: "PUT", body: crypto.randomBytes(3 * 1024 * 1024), expectContinue: true });
                assert.equal(response.status, 413, "3 MiB is over the default clientMaxBodySize");
            });
        });
    });

    test("scheme https: TLS to the app, with the app's FQDN as the server name", async () => {
        const key = generatePrivateKey({ algorithm: "ECDSA", ecdsaCurve: "P256" }).privateKeyPem;
        const cert = issueSelfSignedCert({ privateKeyPem: key, subject: { commonName: "app" }, dnsNames: [APP_FQDN], validityPeriodHours: 1, allowedUses: ["server_auth", "digital_signature"] }).certPem;
        await withApp(async (dns, app) => {
            dns.set(APP_FQDN, "127.0.0.1");
            await withDeployed({ upstream: { name: "app", port: app.port, scheme: "https", resolver: `127.0.0.1:${dns.port}` } }, {}, async ({ caCertificatePem, nginx }) => {
                const response = await request({ port: nginx.ports.https, host: NAME, ca: caCertificatePem });
                assert.equal(response.status, 200, response.body);
                assert.equal(JSON.parse(response.body).servername, APP_FQDN);
                assert.equal(JSON.parse(response.body).headers["x-forwarded-proto"], "https");
            });
        }, { key, cert });
    });
});

/** stub_status's page: the format nginx documents, with the three counters read out. */
function parseStubStatus(body: string): { active: number; accepts: number; handled: number; requests: number } {
    const match = /^Active connections: (\d+) \nserver accepts handled requests\n (\d+) (\d+) (\d+) \nReading: \d+ Writing: \d+ Waiting: \d+ \n$/.exec(body);
    assert.ok(match, `a stub_status page: ${JSON.stringify(body)}`);
    const [active, accepts, handled, requests] = match.slice(1).map(Number);
    return { active, accepts, handled, requests };
}

describe("data plane: content and stub_status in a real nginx", () => {
    /** Like withDeployed, with `before` registering other objects (an existing ConfigMap) first. */
    async function withPod(args: NginxServiceArgs, before: () => void, body: (deployed: Deployed) => Promise<void>): Promise<void> {
        mocks.reset();
        mocks.configure({ tls: realTls });
        before();
        const { outputs } = await mocks.deployed(new NginxService(NAME, args));
        const nginx = await startNginx({ layout: podLayout(mocks.resources) });
        try {
            await body({ caCertificatePem: outputs.caCertificatePem, certificatePem: outputs.certificatePem, nginx });
        } catch (error) {
            (error as Error).message += `\n--- nginx error log ---\n${nginx.errorLog()}`;
            throw error;
        } finally {
            await nginx.stop();
        }
    }
    const get = (deployed: Deployed, path: string) => httpsGet({ port: deployed.nginx.ports.https, ca: deployed.caCertificatePem!, servername: NAME, path });

    test("content.files: each file at its path over HTTPS and HTTP, with its content type; the image's page gone", async () => {
        const files = {
            "index.html": "<!DOCTYPE html><title>our site</title>\n",
            "css/site.css": "body { color: teal; }\n",
            "js/app/main_v2.js": "console.log('hi');\n",
            "robots.txt": "User-agent: *\n",
        };
        await withDeployed({ content: { files } }, {}, async (deployed) => {
            const root = await get(deployed, "/");
            assert.equal(root.status, 200);
            assert.equal(root.body, files["index.html"]);
            assert.match(String(root.headers["content-type"]), /^text\/html/);
            const expected: [string, RegExp][] = [
                ["css/site.css", /^text\/css/],
                ["js/app/main_v2.js", /^(application|text)\/javascript/],
                ["robots.txt", /^text\/plain/],
            ];
            for (const [path, type] of expected) {
                const response = await get(deployed, `/${path}`);
                assert.equal(response.status, 200, path);
                assert.equal(response.body, files[path as keyof typeof files], path);
                assert.match(String(response.headers["content-type"]), type, path);
                const plain = await httpGet({ port: deployed.nginx.ports.http, host: NAME, path: `/${path}` });
                assert.equal(plain.body, files[path as keyof typeof files], `${path} over HTTP`);
            }
            assert.equal((await get(deployed, "/css/missing.css")).status, 404);
            assert.doesNotMatch((await get(deployed, "/index.html")).body, /Welcome to nginx!/);
            // The file on disk is the ConfigMap value, byte for byte.
            assert.equal(deployed.nginx.read(`${DOCUMENT_ROOT}/css/site.css`).toString(), files["css/site.css"]);
        });
    });

    test("content.files without index.html: '/' is 403 (no listing), the files are served", async () => {
        await withDeployed({ content: { files: { "data/a.json": '{"a":1}\n' } } }, {}, async (deployed) => {
            assert.equal((await get(deployed, "/")).status, 403);
            assert.equal((await get(deployed, "/data/")).status, 403);
            const a = await get(deployed, "/data/a.json");
            assert.equal(a.status, 200);
            assert.match(String(a.headers["content-type"]), /^application\/json/);
        });
    });

    test("content.configMapName: the existing ConfigMap's keys served as files at the top", async () => {
        const data = { "index.html": "<p>from the team's ConfigMap</p>\n", "status.txt": "green\n" };
        await withPod(
            { content: { configMapName: "site-v1" } },
            () => new k8s.core.v1.ConfigMap("site-v1", { metadata: { name: "site-v1" }, data }),
            async (deployed) => {
                assert.equal((await get(deployed, "/")).body, data["index.html"]);
                const status = await get(deployed, "/status.txt");
                assert.equal(status.body, data["status.txt"]);
                assert.match(String(status.headers["content-type"]), /^text\/plain/);
            },
        );
    });

    test("stub_status answers on the status port, its counters move with requests to http and https", async () => {
        await withDeployed({}, {}, async (deployed) => {
            const { nginx } = deployed;
            assert.ok(nginx.ports.status !== undefined, `the pod declares the status port: ${JSON.stringify(nginx.ports)}`);
            const status = async () => {
                const response = await httpGet({ port: nginx.ports.status, host: "10.0.0.1", path: STATUS_PATH });
                assert.equal(response.status, 200);
                assert.match(String(response.headers["content-type"]), /^text\/plain/);
                return parseStubStatus(response.body);
            };
            const before = await status();
            const N = 5;
            for (let i = 0; i < N; i++) {
                assert.equal((await httpGet({ port: nginx.ports.http, host: NAME, path: "/" })).status, 200);
                assert.equal((await get(deployed, "/")).status, 200);
            }
            const after = await status();
            // 2N requests on new connections (no keep-alive agent), plus the status request itself.
            assert.equal(after.requests - before.requests, 2 * N + 1, `requests ${before.requests} -> ${after.requests}`);
            assert.equal(after.accepts - before.accepts, 2 * N + 1, `accepts ${before.accepts} -> ${after.accepts}`);
            assert.equal(after.handled, after.accepts, "every connection handled (none dropped for lack of workers)");
            assert.ok(after.active >= 1, "the status request's own connection is active");
        });
    });

    test("stub_status is not on the http or https ports, and the status port serves nothing else", async () => {
        await withDeployed({}, {}, async (deployed) => {
            const { nginx } = deployed;
            for (const response of [await httpGet({ port: nginx.ports.http, host: NAME, path: STATUS_PATH }), await get(deployed, STATUS_PATH)]) {
                assert.equal(response.status, 404);
                assert.doesNotMatch(response.body, /Active connections/);
            }
            for (const path of ["/", "/index.html", HEALTH_PATH, `${STATUS_PATH}/x`]) {
                const response = await httpGet({ port: nginx.ports.status, host: NAME, path });
                assert.equal(response.status, 404, path);
                assert.doesNotMatch(response.body, /Welcome to nginx!|nginx\//, `${path}: no file, no version`);
            }
        });
    });

    test("stub_status answers loopback only by default (403 to any other source) and metrics.allowCidrs too", async () => {
        /** GET stub_status from the source address `from` (another loopback address is another client). */
        const statusFrom = (port: number, from: string) =>
            new Promise<number>((resolve, reject) => {
                const req = http.request({ host: "127.0.0.1", port, path: STATUS_PATH, localAddress: from, agent: false, timeout: 5000 }, (res) => {
                    res.resume();
                    res.on("end", () => resolve(res.statusCode!));
                });
                req.on("timeout", () => req.destroy(new Error(`GET ${STATUS_PATH} from ${from} timed out`)));
                req.on("error", reject);
                req.end();
            });
        await withDeployed({}, {}, async ({ nginx }) => {
            assert.equal(await statusFrom(nginx.ports.status, "127.0.0.1"), 200, "the pod's loopback: the exporter");
            assert.equal(await statusFrom(nginx.ports.status, "127.0.0.2"), 403, "any other source");
        });
        await withDeployed({ metrics: { allowCidrs: ["127.0.0.2/32"] } }, {}, async ({ nginx }) => {
            assert.equal(await statusFrom(nginx.ports.status, "127.0.0.2"), 200, "an allowed range");
            assert.equal(await statusFrom(nginx.ports.status, "127.0.0.3"), 403, "outside it");
            assert.equal(await statusFrom(nginx.ports.status, "127.0.0.1"), 200, "loopback still");
        });
    });

    test("metrics.enabled false: no status port, no stub_status anywhere", async () => {
        await withDeployed({ metrics: { enabled: false } }, {}, async ({ nginx }) => {
            assert.deepEqual(Object.keys(nginx.ports), ["http", "https"]);
            assert.doesNotMatch(Object.values(nginx.serverConfigs).join("\n"), /stub_status/);
            assert.equal((await httpGet({ port: nginx.ports.http, host: NAME, path: STATUS_PATH })).status, 404);
        });
    });
});
