// Probes a running nginx the way the tutorial does by hand (`curl --cacert`, `openssl s_client`), but
// from the test: every connection goes to 127.0.0.1, the name being verified is given separately.
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as http from "http";
import * as http2 from "http2";
import * as https from "https";
import * as tls from "tls";
import { OPENSSL } from "./realTls";

export interface Response {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

export interface HttpsResponse extends Response {
    /** The negotiated protocol, such as TLSv1.3. */
    protocol: string | null;
    /** The certificate the server presented (PEM). */
    peerCertificatePem: string;
}

const TIMEOUT_MS = 5000;

/** Where a probe connects: IPv4 loopback (the default) or IPv6 loopback, for nginx's `listen [::]` lines. */
export type LoopbackAddress = "127.0.0.1" | "::1";

function collect(res: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve(body));
        res.on("error", reject);
    });
}

/**
 * `curl --cacert <ca> --resolve <servername>:<port>:127.0.0.1 https://<servername>:<port><path>`:
 * connects to 127.0.0.1, sends `servername` as SNI and Host, and verifies the certificate against `ca`
 * only (not the system store) for `servername`. Without `servername` it verifies for 127.0.0.1 (an IP
 * SAN), sending no SNI, as a client of an IP address does. Rejects with Node's TLS error (its `code`
 * tells why) when verification fails.
 */
export function httpsGet(options: { port: number; ca: string; servername?: string; path?: string; address?: LoopbackAddress }): Promise<HttpsResponse> {
    const host = options.servername ?? "127.0.0.1";
    return new Promise((resolve, reject) => {
        const req = https.request(
            {
                host: options.address ?? "127.0.0.1",
                port: options.port,
                path: options.path ?? "/",
                method: "GET",
                ca: options.ca,
                ...(options.servername !== undefined ? { servername: options.servername } : {}),
                headers: { host: `${host}:${options.port}` },
                agent: false,
                rejectUnauthorized: true,
                timeout: TIMEOUT_MS,
            },
            (res) => {
                const socket = res.socket as tls.TLSSocket;
                const peer = socket.getPeerX509Certificate();
                const protocol = socket.getProtocol();
                collect(res).then(
                    (body) => resolve({ status: res.statusCode!, headers: res.headers, body, protocol, peerCertificatePem: peer?.toString() ?? "" }),
                    reject,
                );
            },
        );
        req.on("timeout", () => req.destroy(new Error(`https GET ${host}:${options.port} timed out`)));
        req.on("error", reject);
        req.end();
    });
}

/** Plain HTTP GET to 127.0.0.1 (or `address`) with the given Host header; redirects are not followed. */
export function httpGet(options: { port: number; host: string; path?: string; address?: LoopbackAddress }): Promise<Response> {
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: options.address ?? "127.0.0.1", port: options.port, path: options.path ?? "/", method: "GET", headers: { host: options.host }, agent: false, timeout: TIMEOUT_MS },
            (res) => collect(res).then((body) => resolve({ status: res.statusCode!, headers: res.headers, body }), reject),
        );
        req.on("timeout", () => req.destroy(new Error(`http GET ${options.host} on port ${options.port} timed out`)));
        req.on("error", reject);
        req.end();
    });
}

export type TlsVersion = "tls1" | "tls1_1" | "tls1_2" | "tls1_3";
export const PROTOCOL_NAMES: { [version in TlsVersion]: string } = { tls1: "TLSv1", tls1_1: "TLSv1.1", tls1_2: "TLSv1.2", tls1_3: "TLSv1.3" };

export interface HandshakeResult {
    /** The handshake completed with the requested version. */
    accepted: boolean;
    /** The server answered with a protocol_version alert (RFC 8446 6.2): it refused the version. */
    refusedByServer: boolean;
    protocol?: string;
    /** The TLS 1.2 cipher suite negotiated, as OpenSSL names it. */
    cipher?: string;
    /** The alert the handshake ended with, such as "handshake failure" (no shared cipher). */
    alert?: string;
    output: string;
}

/**
 * `openssl s_client -<version>` against 127.0.0.1:port. The client is opened up to every cipher and
 * security level 0, so that OpenSSL 3's own refusal of TLS 1.0/1.1 at its default level cannot pass for
 * the server's: a refusal reported here is the server's protocol_version alert.
 */
export function tlsHandshake(port: number, version: TlsVersion, servername: string, cipher?: string): Promise<HandshakeResult> {
    // With `cipher`, the client offers that TLS 1.2 suite alone (at security level 0, so OpenSSL's
    // own defaults cannot refuse it first): a handshake failure is then the server's refusal of it.
    const args = ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", servername, `-${version}`, "-cipher", `${cipher ?? "DEFAULT"}:@SECLEVEL=0`, "-brief"];
    return new Promise((resolve, reject) => {
        const child = execFile(OPENSSL, args, { timeout: TIMEOUT_MS, encoding: "utf8" }, (error, stdout, stderr) => {
            if (error && (error as any).killed) {
                reject(new Error(`openssl ${args.join(" ")} timed out:\n${stdout}${stderr}`));
                return;
            }
            const output = `${stdout}${stderr}`;
            const protocol = /^Protocol version: (\S+)$/m.exec(output)?.[1];
            resolve({
                accepted: error === null && protocol === PROTOCOL_NAMES[version],
                refusedByServer: /alert protocol version/.test(output),
                protocol,
                cipher: /^Ciphersuite: (\S+)$/m.exec(output)?.[1],
                alert: /alert ([a-z ]+?)(?::|$)/m.exec(output)?.[1],
                output: `$ openssl ${args.join(" ")}\n${output}`,
            });
        });
        // EOF on stdin: s_client closes right after the handshake.
        child.stdin?.end();
    });
}

/** True when the private key (PEM, any encoding) is the one whose public half the certificate carries. */
export function keyMatchesCertificate(privateKeyPem: string, certificatePem: string): boolean {
    const fromKey = crypto.createPublicKey(crypto.createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
    const fromCert = new crypto.X509Certificate(certificatePem).publicKey.export({ type: "spki", format: "der" });
    return fromKey.equals(fromCert);
}

/** What an HTTP/2 GET saw: the protocol ALPN settled on, and the answer. */
export interface Http2Response {
    alpnProtocol: string | false | null;
    status: number;
    body: string;
}

/**
 * A GET over HTTP/2 as a browser makes it: TLS to 127.0.0.1:port offering `h2` and `http/1.1` by ALPN,
 * verified against `ca` for `servername`. When the server picks HTTP/2 the request is sent over it;
 * otherwise the answer is `status` 0 with the protocol the server chose (false: none).
 */
export function http2Get(options: { port: number; ca: string; servername: string; path?: string }): Promise<Http2Response> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port: options.port, ca: options.ca, servername: options.servername, ALPNProtocols: ["h2", "http/1.1"], timeout: TIMEOUT_MS }, () => {
            if (socket.alpnProtocol !== "h2") {
                socket.end();
                resolve({ alpnProtocol: socket.alpnProtocol, status: 0, body: "" });
                return;
            }
            const session = http2.connect(`https://${options.servername}:${options.port}`, { createConnection: () => socket });
            session.on("error", reject);
            const request = session.request({ ":path": options.path ?? "/" });
            let status = 0;
            let body = "";
            request.setEncoding("utf8");
            request.on("response", (headers) => (status = Number(headers[":status"])));
            request.on("data", (chunk: string) => (body += chunk));
            request.on("end", () => {
                session.close();
                resolve({ alpnProtocol: "h2", status, body });
            });
            request.on("error", reject);
            request.end();
        });
        socket.on("timeout", () => socket.destroy(new Error(`h2 GET 127.0.0.1:${options.port} timed out`)));
        socket.on("error", reject);
    });
}
