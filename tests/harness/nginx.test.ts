// The nginx harness itself: the one function allowed to touch the generated config, the pod layout it
// reads from the recorded resources, and that a started nginx is really stopped and a broken one
// reported with nginx's own words.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import { describe, it } from "node:test";
import { RecordedResource } from "../mocks";
import { PodLayout, podLayout, rewriteServerConfig, startNginx } from "./nginx";

const ROOT = "/tmp/nginx-pod-XYZ";
const PATHS = ["/etc/nginx/conf.d", "/etc/nginx/ssl", "/tmp", "/usr/share/nginx/html"];

describe("rewriteServerConfig", () => {
    const config = [
        "server {",
        "    listen 8080;",
        "    location / {",
        "        root /usr/share/nginx/html;",
        "    }",
        "}",
        "server {",
        "    listen 8443 ssl;",
        "    ssl_certificate /etc/nginx/ssl/tls.crt;",
        "    ssl_certificate_key \"/etc/nginx/ssl/tls.key\";",
        "    location = /tmp {",
        "        return 308 https://$host/etc/nginx/ssl$request_uri;",
        "    }",
        "}",
        "",
    ].join("\n");

    it("moves container paths under the root and container ports to loopback ports, and changes nothing else", () => {
        const rewritten = rewriteServerConfig(config, ROOT, PATHS, { 8080: 40001, 8443: 40002 });
        assert.equal(
            rewritten,
            [
                "server {",
                "    listen 127.0.0.1:40001;",
                "    location / {",
                "        root /tmp/nginx-pod-XYZ/usr/share/nginx/html;",
                "    }",
                "}",
                "server {",
                "    listen 127.0.0.1:40002 ssl;",
                "    ssl_certificate /tmp/nginx-pod-XYZ/etc/nginx/ssl/tls.crt;",
                "    ssl_certificate_key \"/tmp/nginx-pod-XYZ/etc/nginx/ssl/tls.key\";",
                // A URI is not a file path: `location = /tmp` and the redirect target stay as they are.
                "    location = /tmp {",
                "        return 308 https://$host/etc/nginx/ssl$request_uri;",
                "    }",
                "}",
                "",
            ].join("\n"),
        );
    });

    it("rewrites a path once even when the root is itself under a rewritten path (/tmp)", () => {
        const rewritten = rewriteServerConfig("ssl_certificate /etc/nginx/ssl/tls.crt;\nlisten 8443;\n", "/tmp/r", ["/tmp", "/etc/nginx/ssl", "/etc/nginx"], { 8443: 1 });
        assert.equal(rewritten, "ssl_certificate /tmp/r/etc/nginx/ssl/tls.crt;\nlisten 127.0.0.1:1;\n");
    });

    it("does not rewrite a path that only starts like a mount path", () => {
        assert.equal(rewriteServerConfig("root /tmpfiles;\nlisten 8080;\n", ROOT, ["/tmp"], { 8080: 1 }), "root /tmpfiles;\nlisten 127.0.0.1:1;\n");
    });

    it("keeps the address family of a listen with an address", () => {
        assert.equal(rewriteServerConfig("listen 0.0.0.0:8080;\nlisten [::]:8080 ssl;\n", ROOT, [], { 8080: 5 }), "listen 127.0.0.1:5;\nlisten [::1]:5 ssl;\n");
    });

    it("finds a listen that shares its line with other directives", () => {
        assert.equal(rewriteServerConfig("server { listen 8080; root /tmp; }\n", ROOT, ["/tmp"], { 8080: 5 }), `server { listen 127.0.0.1:5; root ${ROOT}/tmp; }\n`);
    });

    it("refuses a listen on a port that is not a container port", () => {
        assert.throws(() => rewriteServerConfig("listen 80;\n", ROOT, [], { 8080: 5 }), /listens on port 80, which is not a container port/);
    });

    it("refuses a container port the config never listens on", () => {
        assert.throws(() => rewriteServerConfig("listen 8080;\n", ROOT, [], { 8080: 5, 8443: 6 }), /container port 8443 is declared but the config never listens on it/);
    });
});

describe("podLayout", () => {
    const resource = (type: string, state: any): RecordedResource => ({ type, name: state.metadata?.name ?? type, inputs: state, state, id: "" });
    const deployment = resource("kubernetes:apps/v1:Deployment", {
        metadata: { name: "web" },
        spec: {
            template: {
                spec: {
                    securityContext: { runAsUser: 101, fsGroup: 101 },
                    containers: [
                        {
                            name: "nginx",
                            ports: [{ name: "http", containerPort: 8080 }],
                            volumeMounts: [
                                { name: "config", mountPath: "/etc/nginx/conf.d" },
                                { name: "tls", mountPath: "/etc/nginx/ssl" },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "config", configMap: { name: "cm-1" } },
                        { name: "tls", secret: { secretName: "tls-1", defaultMode: 0o440 } },
                        { name: "tmp", emptyDir: {} },
                    ],
                },
            },
        },
    });

    it("takes each ConfigMap and Secret key to the mount path, Secret data base64-decoded with the volume's mode", () => {
        const layout = podLayout([
            deployment,
            resource("kubernetes:core/v1:ConfigMap", { metadata: { name: "cm-other" }, data: { "default.conf": "wrong one" } }),
            resource("kubernetes:core/v1:ConfigMap", { metadata: { name: "cm-1" }, data: { "default.conf": "listen 8080;" } }),
            resource("kubernetes:core/v1:Secret", { metadata: { name: "tls-1" }, data: { "tls.crt": Buffer.from("CERT").toString("base64") } }),
        ]);
        assert.deepEqual(
            layout.files.map((f) => [f.path, f.content.toString(), f.mode.toString(8), f.group]),
            [
                ["/etc/nginx/conf.d/default.conf", "listen 8080;", "644", 101],
                ["/etc/nginx/ssl/tls.crt", "CERT", "440", 101],
            ],
        );
        assert.deepEqual(layout.writableDirs, ["/tmp"]);
        assert.deepEqual(layout.mountPaths, ["/etc/nginx/conf.d", "/etc/nginx/ssl", "/tmp"]);
        assert.deepEqual(layout.containerPorts, { http: 8080 });
        assert.equal(layout.runAsUser, 101);
    });

    it("fails when the Deployment mounts an object that was never registered", () => {
        assert.throws(() => podLayout([deployment]), /mounts kubernetes:core\/v1:ConfigMap "cm-1", found 0/);
    });
});

/** A throwaway pod serving plain HTTP with a hand-written server config. */
function plainLayout(serverConfig: string): PodLayout {
    return {
        files: [{ path: "/etc/nginx/conf.d/default.conf", content: Buffer.from(serverConfig), mode: 0o644 }],
        writableDirs: ["/tmp"],
        mountPaths: ["/etc/nginx/conf.d", "/tmp"],
        containerPorts: { http: 8080 },
        runAsUser: 101,
        runAsGroup: 101,
    };
}

function accepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ port, host: "127.0.0.1" });
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

describe("startNginx", () => {
    it("serves on a free loopback port and, once stopped, leaves no process, port or directory behind", async () => {
        const nginx = await startNginx({
            layout: plainLayout("server {\n    listen 8080;\n    location / { return 200 \"up\\n\"; }\n}\n"),
        });
        let stopped = false;
        try {
            assert.ok(nginx.ports.http > 0);
            assert.ok(await accepts(nginx.ports.http), "accepts connections when startNginx resolves");
            assert.ok(alive(nginx.pid));
            assert.match(nginx.serverConfigs["/etc/nginx/conf.d/default.conf"], new RegExp(`listen 127\\.0\\.0\\.1:${nginx.ports.http};`));
            await nginx.stop();
            stopped = true;
            assert.ok(!alive(nginx.pid), "the master is gone");
            assert.equal(await accepts(nginx.ports.http), false, "nothing listens any more");
            assert.equal(fs.existsSync(nginx.root), false, "the pod directory is removed");
            await nginx.stop(); // a second stop is harmless
        } finally {
            if (!stopped) await nginx.stop();
        }
    });

    const podDirs = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("nginx-pod-")).sort();

    it("refuses a config it cannot map to loopback ports before starting anything, and leaves no directory", async () => {
        const before = podDirs();
        await assert.rejects(
            startNginx({ layout: plainLayout("server {\n    listen 80;\n}\n") }),
            /listens on port 80, which is not a container port/,
        );
        assert.deepEqual(podDirs(), before);
    });

    it("fails with nginx's own error when the config is broken (nginx exited), and leaves no directory", async () => {
        const before = podDirs();
        await assert.rejects(
            startNginx({ layout: plainLayout("server {\n    listen 8080;\n    no_such_directive on;\n}\n") }),
            (error: Error) => {
                assert.match(error.message, /nginx did not start \(exit code 1\)/);
                assert.match(error.message, /\[emerg\].*unknown directive "no_such_directive"/);
                return true;
            },
        );
        assert.deepEqual(podDirs(), before);
    });
});
