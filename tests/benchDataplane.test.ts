// The data-plane benchmark's pieces, on loopback with the real tools: the tutorial's and the best-tuned
// server configs (bench/dataplaneConfigs.ts) served by Debian's nginx through the data-plane harness,
// and what bench/loadTools.ts reads from `openssl s_time`, `h2load` and curl run against them. The
// benchmark itself needs the real cluster (bench/dataplane.ts); this is what can go wrong without it.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { bestTunedServerConfig, tutorialServerConfig } from "../bench/dataplaneConfigs";
import { CURL_HANDSHAKE_FORMAT, cpuTicks, parseCurlHandshakes, parseH2load, parseH2loadLog, parseSTime } from "../bench/loadTools";
import { percentile } from "../bench/stats";
import { CONFIG_FILE_NAME, CONFIG_VOLUME, HTTP_PORT, HTTPS_PORT, TLS_CERTIFICATE_FILE, TLS_PRIVATE_KEY_FILE, TLS_VOLUME, TMP_VOLUME } from "../sdk/pod";
import { RunningNginx, startNginx } from "./harness/nginx";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-dataplane-test-"));
const NAME = "nginx-bench";
let certPem: Buffer;
let keyPem: Buffer;
const servers: { [config: string]: RunningNginx } = {};

function sh(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(command, args, { encoding: "utf8", timeout: 60_000 });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function serve(config: string): Promise<RunningNginx> {
    return startNginx({
        layout: {
            files: [
                { path: `${CONFIG_VOLUME.mountPath}/${CONFIG_FILE_NAME}`, content: Buffer.from(config), mode: 0o644 },
                { path: TLS_CERTIFICATE_FILE, content: certPem, mode: 0o644 },
                { path: TLS_PRIVATE_KEY_FILE, content: keyPem, mode: 0o600 },
            ],
            writableDirs: [TMP_VOLUME.mountPath],
            mountPaths: [CONFIG_VOLUME.mountPath, TLS_VOLUME.mountPath, TMP_VOLUME.mountPath],
            containerPorts: { [HTTP_PORT.name]: HTTP_PORT.containerPort, [HTTPS_PORT.name]: HTTPS_PORT.containerPort },
        },
    });
}

const https = (config: string) => `127.0.0.1:${servers[config].ports[HTTPS_PORT.name]}`;

before(async () => {
    const r = sh("openssl", ["req", "-x509", "-nodes", "-days", "1", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", path.join(work, "k.pem"), "-out", path.join(work, "c.pem"), "-subj", `/CN=${NAME}`, "-addext", `subjectAltName=DNS:${NAME}`]);
    assert.equal(r.status, 0, r.stderr);
    certPem = fs.readFileSync(path.join(work, "c.pem"));
    keyPem = fs.readFileSync(path.join(work, "k.pem"));
    servers.tutorial = await serve(tutorialServerConfig());
    servers.best = await serve(bestTunedServerConfig());
});

after(async () => {
    for (const server of Object.values(servers)) await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
});

describe("the benchmark's configs in Debian's nginx", () => {
    for (const [config, expected] of [["tutorial", "1.1"], ["best", "2"]] as const) {
        test(`${config}: HTTPS answers 200, and ALPN picks HTTP/${expected} when a client offers h2`, () => {
            const r = sh("curl", ["-sS", "--http2", "--cacert", path.join(work, "c.pem"), "--resolve", `${NAME}:${https(config).split(":")[1]}:127.0.0.1`, "-o", "/dev/null", "-w", "%{http_code} %{http_version}", `https://${NAME}:${https(config).split(":")[1]}/`]);
            assert.equal(r.stdout, `200 ${expected}`, r.stderr);
        });
    }
});

describe("what the benchmark reads from the load generators", () => {
    test("openssl s_time: full handshakes are counted, and resumptions marked, with the session cache (best) and with tickets (tutorial)", () => {
        for (const config of ["best", "tutorial"]) {
            const full = parseSTime(sh("openssl", ["s_time", "-connect", https(config), "-new", "-time", "1", "-www", "/"]).stdout);
            assert.ok(full.connections > 10, `${config}: ${full.connections} connections`);
            assert.equal(full.resumed, 0, `${config}: -new resumes nothing`);
            const reused = parseSTime(sh("openssl", ["s_time", "-connect", https(config), "-reuse", "-time", "1", "-www", "/"]).stdout);
            assert.ok(reused.resumed >= reused.connections - 1 && reused.resumed > 10, `${config}: ${reused.resumed} of ${reused.connections} resumed`);
        }
    });

    test("h2load: requests per second, the protocol ALPN chose, and one latency per request in its log", () => {
        const log = path.join(work, "h2load.tsv");
        const run = (config: string) => {
            fs.rmSync(log, { force: true });
            const r = sh("h2load", ["-c", "2", "-m", "2", "-n", "200", "-t", "1", "--log-file", log, `https://${https(config)}/`]);
            return { summary: parseH2load(r.stdout), latencies: parseH2loadLog(fs.readFileSync(log, "utf8")) };
        };
        const best = run("best");
        assert.equal(best.summary.protocol, "h2");
        assert.equal(best.summary.succeeded, 200);
        assert.equal(best.summary.failed + best.summary.errored, 0);
        assert.ok(best.summary.requestsPerSecond > 0 && best.summary.seconds > 0);
        assert.equal(best.latencies.length, 200);
        assert.ok(percentile(best.latencies, 99) >= percentile(best.latencies, 50) && percentile(best.latencies, 50) > 0);
        // No h2 on offer: h2load falls back to HTTP/1.1, which the benchmark reports as "not negotiated".
        assert.equal(run("tutorial").summary.protocol, "http/1.1");
    });

    test("curl: one handshake time per new connection, and a non-200 answer is an error", () => {
        const port = https("best").split(":")[1];
        const args = (pathPart: string) => ["-sS", "--http1.1", "--no-sessionid", "-H", "Connection: close", "--cacert", path.join(work, "c.pem"), "--resolve", `${NAME}:${port}:127.0.0.1`, "-o", "/dev/null", "-w", CURL_HANDSHAKE_FORMAT, `https://${NAME}:${port}${pathPart}?[1-5]`];
        const handshakes = parseCurlHandshakes(sh("curl", args("/")).stderr);
        assert.equal(handshakes.length, 5);
        assert.ok(handshakes.every((ms) => ms > 0 && ms < 1000), handshakes.join(" "));
        assert.throws(() => parseCurlHandshakes(sh("curl", args("/missing")).stderr), /other than 200 \(first: 404\)/);
    });

    test("cpuTicks reads utime + stime, whatever the command name holds", () => {
        const fields = ["S", ...Array.from({ length: 10 }, () => "0"), "7", "5", "0"];
        assert.equal(cpuTicks(`42 (nginx: worker (x) y) ${fields.join(" ")}`), 12);
        assert.ok(cpuTicks(fs.readFileSync("/proc/self/stat", "utf8")) >= 0);
    });
});
