// What the proxy data-plane tests put behind nginx, all on loopback and in this process: a DNS server
// that answers for one name only when told to (the cluster DNS before and after the app's Service
// exists), an app that reports what it received (HTTP and a WebSocket echo), and the client side of a
// WebSocket. Minimal on purpose: RFC 1035 A/AAAA answers and RFC 6455 frames of the sizes the tests send.
import * as crypto from "crypto";
import * as dgram from "dgram";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as tls from "tls";

const TIMEOUT_MS = 5000;

// ---------------------------------------------------------------- DNS

export const DNS_TYPE = { A: 1, AAAA: 28 } as const;
export const DNS_RCODE = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 } as const;

/** The question of a DNS query: name (lower case, no trailing dot), type, and where the question ends. */
export function parseQuestion(message: Buffer): { id: number; name: string; type: number; end: number } {
    let offset = 12;
    const labels: string[] = [];
    while (message[offset] !== 0) {
        const length = message[offset];
        if (length > 63 || offset + 1 + length > message.length) throw new Error("malformed or compressed question name");
        labels.push(message.subarray(offset + 1, offset + 1 + length).toString("latin1"));
        offset += 1 + length;
    }
    offset += 1;
    return { id: message.readUInt16BE(0), name: labels.join(".").toLowerCase(), type: message.readUInt16BE(offset), end: offset + 4 };
}

/** The answer to `query`: the question echoed, then an A record per address (TTL `ttl`), with `rcode`. */
export function dnsResponse(query: Buffer, rcode: number, addresses: string[], ttl: number): Buffer {
    const { end } = parseQuestion(query);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // QR=1, the query's opcode and RD, AA=1, RA=1, rcode.
    const flags = 0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | rcode;
    header.writeUInt16BE(flags, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((address) => {
        const record = Buffer.alloc(16);
        record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
        record.writeUInt16BE(DNS_TYPE.A, 2);
        record.writeUInt16BE(1, 4); // class IN
        record.writeUInt32BE(ttl, 6);
        record.writeUInt16BE(4, 10);
        address.split(".").forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
        return record;
    });
    return Buffer.concat([header, query.subarray(12, end), ...answers]);
}

export interface DnsServer {
    port: number;
    /** The queries received, as `name type`, in order. */
    queries: string[];
    /** Answers `name` with an A record for `address` from now on; undefined makes it NXDOMAIN again. */
    set(name: string, address: string | undefined): void;
    close(): Promise<void>;
}

/**
 * A DNS server on 127.0.0.1 (UDP, a free port) authoritative for the names given with `set`: A queries
 * get the address, AAAA queries an empty NOERROR (the name exists, without an IPv6 address, as CoreDNS
 * answers for an IPv4 Service), and every other name NXDOMAIN, like a cluster DNS for a Service that
 * does not exist. A message it cannot parse is dropped.
 */
export function startDnsServer(ttl = 5): Promise<DnsServer> {
    const records = new Map<string, string>();
    const queries: string[] = [];
    const socket = dgram.createSocket("udp4");
    socket.on("message", (message, remote) => {
        let question;
        try {
            question = parseQuestion(message);
        } catch {
            return;
        }
        queries.push(`${question.name} ${question.type}`);
        const address = records.get(question.name);
        let response: Buffer;
        if (address === undefined) {
            response = dnsResponse(message, DNS_RCODE.NXDOMAIN, [], ttl);
        } else if (question.type === DNS_TYPE.A) {
            response = dnsResponse(message, DNS_RCODE.NOERROR, [address], ttl);
        } else {
            response = dnsResponse(message, DNS_RCODE.NOERROR, [], ttl);
        }
        socket.send(response, remote.port, remote.address);
    });
    return new Promise((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(0, "127.0.0.1", () => {
            resolve({
                port: socket.address().port,
                queries,
                set: (name, address) => (address === undefined ? records.delete(name.toLowerCase()) : records.set(name.toLowerCase(), address)),
                close: () => new Promise<void>((done) => socket.close(() => done())),
            });
        });
    });
}

// ---------------------------------------------------------------- the app behind nginx

/** What the app saw of one HTTP request. */
export interface SeenRequest {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    httpVersion: string;
    bodyLength: number;
    bodySha256: string;
    /** The TLS server name the client sent, when the app serves HTTPS. */
    servername?: string;
}

export interface Upstream {
    port: number;
    /** Every request the app received, in order (WebSocket upgrades included). */
    seen: SeenRequest[];
    close(): Promise<void>;
}

const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 4.2.2). */
export function websocketAccept(key: string): string {
    return crypto.createHash("sha1").update(key + WEBSOCKET_GUID).digest("base64");
}

/** One WebSocket frame, FIN set, payload under 64 KiB; masked as a client must send it, or not as a server. */
export function encodeFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
    const lengthBytes = payload.length < 126 ? Buffer.from([payload.length | (masked ? 0x80 : 0)]) : Buffer.from([126 | (masked ? 0x80 : 0), payload.length >> 8, payload.length & 0xff]);
    if (payload.length > 0xffff) throw new Error("encodeFrame: payloads over 64 KiB are not needed here");
    const mask = masked ? crypto.randomBytes(4) : Buffer.alloc(0);
    const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4])) : payload;
    return Buffer.concat([Buffer.from([0x80 | opcode]), lengthBytes, mask, body]);
}

/** The first complete frame at the start of `data`, or undefined when more bytes are needed. */
export function decodeFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
    if (data.length < 2) return undefined;
    const masked = (data[1] & 0x80) !== 0;
    let length = data[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
        if (data.length < 4) return undefined;
        length = data.readUInt16BE(2);
        offset = 4;
    } else if (length === 127) {
        throw new Error("decodeFrame: 64-bit lengths are not needed here");
    }
    const mask = masked ? data.subarray(offset, offset + 4) : undefined;
    offset += masked ? 4 : 0;
    if (data.length < offset + length) return undefined;
    const raw = data.subarray(offset, offset + length);
    const payload = mask ? Buffer.from(raw.map((byte, i) => byte ^ mask[i % 4])) : Buffer.from(raw);
    return { opcode: data[0] & 0x0f, payload, length: offset + length };
}

/**
 * The app: answers every request with JSON of what it saw ({@link SeenRequest}), the body's length
 * and SHA-256 rather than the body, so a large upload is checked byte for byte without echoing it, and
 * the body itself under `body` when it is under 64 KiB. A WebSocket upgrade is accepted and every text
 * frame echoed back with `echo: ` in front. HTTPS when given a key and certificate.
 */
export function startUpstream(tlsOptions?: { key: string; cert: string }): Promise<Upstream> {
    const seen: SeenRequest[] = [];
    const sockets = new Set<net.Socket>();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
        const hash = crypto.createHash("sha256");
        const small: Buffer[] = [];
        let length = 0;
        req.on("data", (chunk: Buffer) => {
            hash.update(chunk);
            length += chunk.length;
            if (length < 65536) small.push(chunk);
        });
        req.on("end", () => {
            const record: SeenRequest = {
                method: req.method!,
                url: req.url!,
                headers: req.headers,
                httpVersion: req.httpVersion,
                bodyLength: length,
                bodySha256: hash.digest("hex"),
                servername: (req.socket as tls.TLSSocket).servername || undefined,
            };
            seen.push(record);
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ ...record, body: length < 65536 ? Buffer.concat(small).toString("utf8") : undefined }));
        });
    };
    const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
    server.on("connection", (socket: net.Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, httpVersion: req.httpVersion, bodyLength: 0, bodySha256: "" });
        const key = req.headers["sec-websocket-key"];
        if (req.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string") {
            socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
            return;
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${websocketAccept(key)}\r\n\r\n`);
        let buffered = Buffer.alloc(0);
        socket.on("data", (chunk: Buffer) => {
            buffered = Buffer.concat([buffered, chunk]);
            for (let frame = decodeFrame(buffered); frame !== undefined; frame = decodeFrame(buffered)) {
                buffered = buffered.subarray(frame.length);
                if (frame.opcode === 0x1) {
                    socket.write(encodeFrame(0x1, Buffer.concat([Buffer.from("echo: "), frame.payload]), false));
                } else if (frame.opcode === 0x8) {
                    socket.end(encodeFrame(0x8, frame.payload, false));
                }
            }
        });
        socket.on("error", () => socket.destroy());
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            resolve({
                port: (server.address() as net.AddressInfo).port,
                seen,
                close: () =>
                    new Promise<void>((done) => {
                        for (const socket of sockets) socket.destroy();
                        server.close(() => done());
                    }),
            });
        });
    });
}

// ---------------------------------------------------------------- clients

export interface ProxyResponse {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

/**
 * One request to nginx on 127.0.0.1:port, over HTTPS when `ca` is given (verified for `host`, which
 * is also the Host header), with a body from `body` (written in 64 KiB chunks). With `expectContinue`
 * the body is sent only after nginx's `100 Continue`, so a refusal (413) is read cleanly instead of
 * racing the upload.
 */
export function request(options: {
    port: number;
    host: string;
    ca?: string;
    method?: string;
    path?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: Buffer;
    expectContinue?: boolean;
}): Promise<ProxyResponse> {
    const module = options.ca !== undefined ? https : http;
    return new Promise((resolve, reject) => {
        const req = module.request({
            host: "127.0.0.1",
            port: options.port,
            method: options.method ?? "GET",
            path: options.path ?? "/",
            headers: {
                host: options.host,
                ...(options.body !== undefined ? { "content-length": options.body.length } : {}),
                ...(options.expectContinue ? { expect: "100-continue" } : {}),
                ...options.headers,
            },
            agent: false,
            timeout: TIMEOUT_MS * 2,
            ...(options.ca !== undefined ? { ca: options.ca, servername: options.host, rejectUnauthorized: true } : {}),
        });
        req.on("response", (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`${options.method ?? "GET"} ${options.host}${options.path ?? "/"} on port ${options.port} timed out`)));
        req.on("error", reject);
        const send = () => {
            const body = options.body!;
            for (let offset = 0; offset < body.length; offset += 65536) req.write(body.subarray(offset, offset + 65536));
            req.end();
        };
        if (options.body === undefined) {
            req.end();
        } else if (options.expectContinue) {
            req.on("continue", send);
        } else {
            send();
        }
    });
}

/**
 * Opens a WebSocket through nginx (over TLS when `ca` is given), sends `text` as one masked frame and
 * resolves with the first text frame that comes back, then closes. Rejects when the handshake does not
 * answer 101 with the right `Sec-WebSocket-Accept`.
 */
export function websocketEcho(options: { port: number; host: string; ca?: string; path?: string; text: string }): Promise<string> {
    const key = crypto.randomBytes(16).toString("base64");
    const module = options.ca !== undefined ? https : http;
    return new Promise((resolve, reject) => {
        const req = module.request({
            host: "127.0.0.1",
            port: options.port,
            path: options.path ?? "/",
            headers: { host: options.host, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": key },
            agent: false,
            timeout: TIMEOUT_MS,
            ...(options.ca !== undefined ? { ca: options.ca, servername: options.host, rejectUnauthorized: true } : {}),
        });
        req.on("response", (res) => {
            res.resume();
            reject(new Error(`WebSocket handshake answered ${res.statusCode}, not 101`));
        });
        req.on("upgrade", (res, socket, head) => {
            if (res.headers["sec-websocket-accept"] !== websocketAccept(key)) {
                socket.destroy();
                reject(new Error(`Sec-WebSocket-Accept ${res.headers["sec-websocket-accept"]} does not answer the key`));
                return;
            }
            let buffered = Buffer.from(head);
            const timer = setTimeout(() => {
                socket.destroy();
                reject(new Error("no WebSocket frame came back"));
            }, TIMEOUT_MS);
            const onData = (chunk?: Buffer) => {
                if (chunk) buffered = Buffer.concat([buffered, chunk]);
                const frame = decodeFrame(buffered);
                if (frame === undefined) return;
                clearTimeout(timer);
                socket.off("data", onData);
                socket.end(encodeFrame(0x8, Buffer.alloc(0), true));
                resolve(frame.payload.toString("utf8"));
            };
            socket.on("data", onData);
            socket.on("error", reject);
            socket.write(encodeFrame(0x1, Buffer.from(options.text), true));
            onData();
        });
        req.on("timeout", () => req.destroy(new Error("WebSocket handshake timed out")));
        req.on("error", reject);
        req.end();
    });
}
