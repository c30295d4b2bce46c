// The pieces the proxy data-plane tests put behind nginx, checked against independent clients: Node's
// own DNS resolver (c-ares) for the DNS server, and the app's answers and WebSocket echo directly, so
// a failure through nginx is nginx's and not the harness's.
import * as assert from "node:assert/strict";
import { promises as dns } from "node:dns";
import { test } from "node:test";
import { decodeFrame, encodeFrame, request, startDnsServer, startUpstream, websocketAccept, websocketEcho } from "./upstream";

test("the DNS server answers A for a name once it is set, NXDOMAIN before and for every other name", async () => {
    const server = await startDnsServer();
    try {
        const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([`127.0.0.1:${server.port}`]);
        await assert.rejects(resolver.resolve4("app.default.svc.cluster.local"), (e: any) => e.code === "ENOTFOUND");
        server.set("app.default.svc.cluster.local", "127.0.0.9");
        assert.deepEqual(await resolver.resolve4("app.default.svc.cluster.local"), ["127.0.0.9"]);
        assert.deepEqual(await resolver.resolve4("APP.default.svc.cluster.local"), ["127.0.0.9"], "names are case-insensitive");
        // AAAA: the name exists without an IPv6 address (NOERROR, no answer), as CoreDNS says for an IPv4 Service.
        await assert.rejects(resolver.resolve6("app.default.svc.cluster.local"), (e: any) => e.code === "ENODATA");
        await assert.rejects(resolver.resolve4("other.default.svc.cluster.local"), (e: any) => e.code === "ENOTFOUND");
        server.set("app.default.svc.cluster.local", undefined);
        await assert.rejects(resolver.resolve4("app.default.svc.cluster.local"), (e: any) => e.code === "ENOTFOUND");
        assert.ok(server.queries.includes("app.default.svc.cluster.local 1"), `queries recorded: ${server.queries.join(", ")}`);
    } finally {
        await server.close();
    }
});

test("WebSocket frames: the RFC 6455 example accept key, masked and unmasked round trips", () => {
    // RFC 6455 1.3's example.
    assert.equal(websocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    for (const masked of [true, false]) {
        for (const size of [0, 5, 125, 126, 4000]) {
            const payload = Buffer.alloc(size, "x");
            const frame = encodeFrame(0x1, payload, masked);
            assert.deepEqual(decodeFrame(frame), { opcode: 0x1, payload, length: frame.length });
            assert.equal(decodeFrame(frame.subarray(0, frame.length - 1)), undefined, "an incomplete frame waits for more bytes");
        }
    }
});

test("the app reports what it received and echoes WebSocket text frames", async () => {
    const app = await startUpstream();
    try {
        const body = Buffer.from("hello body");
        const response = await request({ port: app.port, host: "app", method: "POST", path: "/p?q=1", body, headers: { "x-forwarded-for": "203.0.113.7" } });
        assert.equal(response.status, 200);
        const seen = JSON.parse(response.body);
        assert.equal(seen.method, "POST");
        assert.equal(seen.url, "/p?q=1");
        assert.equal(seen.body, "hello body");
        assert.equal(seen.bodyLength, body.length);
        assert.equal(seen.headers["x-forwarded-for"], "203.0.113.7");
        assert.equal(await websocketEcho({ port: app.port, host: "app", text: "ping" }), "echo: ping");
        assert.equal(app.seen.length, 2);
    } finally {
        await app.close();
    }
});
