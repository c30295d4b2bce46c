// The rendered nginx server config. tests/dataplane.test.ts runs it in a real nginx; these tests pin
// the decisions in it.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NginxConfigOptions, renderNginxConfig, SECURITY_HEADERS, TLS12_CIPHERS, UPSTREAM_DNS_VALID_SECONDS } from "../sdk/nginxConfig";
import { nginxConfigOptions } from "../sdk/workload";
import { DOCUMENT_ROOT, STATUS_PATH, STATUS_PORT } from "../sdk/pod";
import { resolveSettings } from "../sdk/settings";

/** The config of `new NginxService("cfg", args)` with the upstream's FQDN `app.default.svc.cluster.local` when it has one. */
const renderedWithUpstream = (args: NginxServiceArgs = {}) => renderNginxConfig(nginxConfigOptions(resolveSettings("cfg", args), args.upstream ? "app.default.svc.cluster.local" : undefined));
const blocks = (conf: string) => conf.split(/^server \{$/m).slice(1);
/** The HTTP and HTTPS servers, without the stub_status server (metrics). */
const servingBlocks = (conf: string) => blocks(conf).filter((server) => !/stub_status/.test(server));
/** The config of `new NginxService("cfg", args)`. */
const rendered = (args: NginxServiceArgs = {}) => renderNginxConfig(nginxConfigOptions(resolveSettings("cfg", args)));
/** The options the defaults give, with `overrides`. */
const options = (overrides: Partial<NginxConfigOptions>): NginxConfigOptions => ({ ...nginxConfigOptions(resolveSettings("cfg", {})), ...overrides });
/** Each `location` block's body (the config has no nested blocks inside a location). */
const locations = (server: string) => [...server.matchAll(/^\s*location [^{]*\{([^}]*)\}/gm)].map((m) => m[1]);

describe("renderNginxConfig", () => {
    test("the access log: its own format declared at the top, buffered to stdout by every serving server, off for stub_status and /healthz", () => {
        for (const args of [{}, { tls: { enabled: false } }, { redirectHttpToHttps: true }, { upstream: { name: "app", port: 8080 } }] as NginxServiceArgs[]) {
            const conf = renderedWithUpstream(args);
            const label = JSON.stringify(args);
            assert.match(conf.split("\n")[0], /^log_format nginx_service '\$remote_addr - \$remote_user \[\$time_local\] "\$request" \$status \$body_bytes_sent "\$http_referer" "\$http_user_agent" "\$http_x_forwarded_for"';$/, label);
            const serving = servingBlocks(conf);
            assert.equal(serving.length, args.tls?.enabled === false ? 1 : 2, label);
            for (const server of serving) {
                assert.deepEqual([...server.matchAll(/^ {4}access_log (.*);$/gm)].map((m) => m[1]), ["/dev/stdout nginx_service buffer=64k flush=1s"], label);
                assert.ok(locations(server).some((body) => /access_log off;/.test(body)), `${label}: /healthz is not logged`);
            }
        }
    });

    test("the open-file cache where files are served, checked again every 10 s; none in front of an upstream", () => {
        for (const server of servingBlocks(rendered())) {
            assert.match(server, /^ {4}open_file_cache max=1000 inactive=60s;\n {4}open_file_cache_valid 10s;$/m);
        }
        for (const server of servingBlocks(renderedWithUpstream({ upstream: { name: "app", port: 8080 } }))) {
            assert.doesNotMatch(server, /open_file_cache/);
        }
    });

    test("HTTP and HTTPS servers on the container's unprivileged ports, TLS 1.2 and 1.3 only, HTTP/2 on HTTPS", () => {
        const conf = renderNginxConfig(options({ tls: true, redirectHttpToHttps: false, httpsPort: 443 }));
        const [http, https] = blocks(conf);
        assert.match(http, /^\s*listen 8080;$/m);
        assert.match(https, /^\s*listen 8443 ssl http2;$/m);
        assert.match(https, /^\s*ssl_certificate \/etc\/nginx\/ssl\/tls\.crt;$/m);
        assert.match(https, /^\s*ssl_certificate_key \/etc\/nginx\/ssl\/tls\.key;$/m);
        assert.match(https, /^\s*ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
        assert.doesNotMatch(conf, /TLSv1(\.1)?[ ;]/, "no TLS 1.0 or 1.1 anywhere");
    });

    test("tls.http2 false: the HTTPS server listens without http2", () => {
        const [, https] = blocks(rendered({ tls: { http2: false } }));
        assert.deepEqual([...https.matchAll(/^\s*listen .*$/gm)].map((m) => m[0].trim()), ["listen 8443 ssl;"]);
    });

    test("Mozilla intermediate's key-exchange groups and session settings: a day's shared cache, no tickets", () => {
        const [, https] = blocks(rendered());
        assert.match(https, /^\s*ssl_ecdh_curve X25519:prime256v1:secp384r1;$/m);
        assert.match(https, /^\s*ssl_session_cache shared:SSL:10m;$/m);
        assert.match(https, /^\s*ssl_session_timeout 1d;$/m);
        assert.match(https, /^\s*ssl_session_tickets off;$/m);
    });

    test("IPv4 only by default; with IPv6 asked, each server also listens on [::] with the same flags", () => {
        for (const conf of [rendered(), rendered({ ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack" })]) {
            assert.doesNotMatch(conf, /listen \[/, "no IPv6 listen: nginx would not start on nodes with IPv6 disabled");
        }
        const [http, https] = blocks(rendered({ ipFamilies: ["IPv6", "IPv4"], ipFamilyPolicy: "PreferDualStack" }));
        assert.deepEqual([...http.matchAll(/^\s*listen .*$/gm)].map((m) => m[0].trim()), ["listen 8080;", "listen [::]:8080;"]);
        assert.deepEqual([...https.matchAll(/^\s*listen .*$/gm)].map((m) => m[0].trim()), ["listen 8443 ssl http2;", "listen [::]:8443 ssl http2;"]);
        const [plain, status, ...rest] = blocks(rendered({ ipFamilies: ["IPv6"], tls: { enabled: false } }));
        assert.deepEqual(rest, []);
        assert.deepEqual([...plain.matchAll(/^\s*listen .*$/gm)].map((m) => m[0].trim()), ["listen 8080;", "listen [::]:8080;"]);
        assert.deepEqual([...status.matchAll(/^\s*listen .*$/gm)].map((m) => m[0].trim()), ["listen 8081;", "listen [::]:8081;"]);
    });

    test("/healthz answers on both servers", () => {
        const [http, https] = blocks(renderNginxConfig(options({ tls: true, redirectHttpToHttps: true, httpsPort: 443 })));
        for (const server of [http, https]) {
            assert.match(server, /location = \/healthz \{[^}]*return 200/);
        }
    });

    test("the redirect keeps the method (308) and names the HTTPS Service port unless it is 443", () => {
        const [http443] = blocks(renderNginxConfig(options({ tls: true, redirectHttpToHttps: true, httpsPort: 443 })));
        assert.match(http443, /return 308 https:\/\/\$host\$request_uri;/);
        const [http8443] = blocks(renderNginxConfig(options({ tls: true, redirectHttpToHttps: true, httpsPort: 8443 })));
        assert.match(http8443, /return 308 https:\/\/\$host:8443\$request_uri;/);
    });

    test("without TLS there is one plain server and no ssl directive", () => {
        const conf = renderNginxConfig(options({ tls: false, redirectHttpToHttps: false, httpsPort: 443, metrics: false }));
        assert.equal(blocks(conf).length, 1);
        assert.doesNotMatch(conf, /ssl/);
    });
});

describe("headers, server tokens and ciphers", () => {
    test("server_tokens off on both servers, so neither the Server header nor an error page names the version", () => {
        for (const conf of [rendered(), rendered({ tls: { enabled: false } })]) {
            for (const server of blocks(conf)) {
                assert.match(server, /^ {4}server_tokens off;$/m);
            }
        }
    });

    test("TLS 1.2 offers only Mozilla intermediate's suites: ECDHE with AES-GCM or ChaCha20-Poly1305", () => {
        const [, https] = blocks(rendered());
        const line = /^ {4}ssl_ciphers (\S+);$/m.exec(https);
        assert.ok(line, "an explicit ssl_ciphers");
        const suites = line[1].split(":");
        assert.deepEqual(suites, [...TLS12_CIPHERS]);
        for (const suite of suites) {
            assert.match(suite, /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/, suite);
        }
        // Both key types the component generates have suites.
        assert.ok(suites.some((s) => s.startsWith("ECDHE-RSA-")) && suites.some((s) => s.startsWith("ECDHE-ECDSA-")));
    });

    test("security headers on by default, on both servers, with always (error responses too)", () => {
        const expected = Object.entries(SECURITY_HEADERS).map(([name, value]) => `    add_header ${name} "${value}" always;`);
        for (const server of blocks(rendered())) {
            const added = server.split("\n").filter((line) => /^\s*add_header /.test(line) && !line.includes("Strict-Transport-Security"));
            assert.deepEqual(added, expected);
        }
        assert.ok(Object.keys(SECURITY_HEADERS).includes("X-Content-Type-Options") && Object.keys(SECURITY_HEADERS).includes("X-Frame-Options"));
    });

    test("securityHeaders false: no add_header at all (HSTS off)", () => {
        assert.doesNotMatch(rendered({ securityHeaders: false }), /add_header/);
    });

    test("no location declares add_header, which would drop every server-level header there", () => {
        for (const args of [{}, { redirectHttpToHttps: true }, { hsts: {} }, { tls: { enabled: false } }, { upstream: { name: "app", port: 80 } }] as NginxServiceArgs[]) {
            for (const server of blocks(renderedWithUpstream(args))) {
                const bodies = locations(server);
                assert.ok(bodies.length >= 2, `the locations were found: ${server}`);
                for (const body of bodies) {
                    assert.doesNotMatch(body, /add_header/);
                }
            }
        }
    });

    test("HSTS off by default; with hsts, on the HTTPS server only", () => {
        assert.doesNotMatch(rendered(), /Strict-Transport-Security/);
        const [http, https] = blocks(rendered({ hsts: {}, redirectHttpToHttps: true }));
        assert.doesNotMatch(http, /Strict-Transport-Security/);
        assert.match(https, /^ {4}add_header Strict-Transport-Security "max-age=31536000" always;$/m);
        const [, withSubdomains] = blocks(rendered({ hsts: { maxAgeSeconds: 600, includeSubDomains: true } }));
        assert.match(withSubdomains, /^ {4}add_header Strict-Transport-Security "max-age=600; includeSubDomains" always;$/m);
        const [, hstsOnly] = blocks(rendered({ hsts: { maxAgeSeconds: 0 }, securityHeaders: false }));
        assert.deepEqual(hstsOnly.split("\n").filter((l) => l.includes("add_header")), [`    add_header Strict-Transport-Security "max-age=0" always;`]);
    });
});

describe("the ConfigMap", () => {
    test("holds the rendered config under the file name nginx includes, and is auto-named", async () => {
        const { one } = await mocks.deployed(new NginxService("cfg", { redirectHttpToHttps: true, httpsPort: 8443 }));
        const configMap = one(TYPES.configMap);
        assert.equal(configMap.inputs.metadata.name, undefined, "auto-named, so a change creates before it deletes");
        assert.equal(configMap.inputs.immutable, true, "immutable: a change is always a new ConfigMap, even with enableConfigMapMutable");
        assert.deepEqual(configMap.inputs.data, { "default.conf": renderNginxConfig(options({ tls: true, redirectHttpToHttps: true, httpsPort: 8443 })) });
        const volume = one(TYPES.deployment).inputs.spec.template.spec.volumes.find((v: any) => v.name === "config");
        assert.equal(volume.configMap.name, configMap.state.metadata.name);
    });
});

describe("upstream: location / reverse-proxies to the app's Service", () => {
    const proxy = (server: string) => locations(server).find((body) => /proxy_pass/.test(body));
    const directive = (body: string, name: string) => [...body.matchAll(new RegExp(`^\\s*${name} ([^;]*);$`, "gm"))].map((m) => m[1]);

    test("both servers proxy location / to the FQDN through a variable, so nginx resolves it per request", () => {
        const conf = renderedWithUpstream({ upstream: { name: "app", port: 8080 } });
        for (const server of servingBlocks(conf)) {
            const body = proxy(server);
            assert.ok(body, `a proxy location: ${server}`);
            assert.deepEqual(directive(body, "set"), ["$nginx_service_upstream http://app.default.svc.cluster.local:8080"]);
            // A literal URL would be resolved once at start, and nginx would refuse to start without the Service.
            assert.deepEqual(directive(body, "proxy_pass"), ["$nginx_service_upstream"]);
            assert.deepEqual(directive(body, "resolver"), [`kube-dns.kube-system.svc.cluster.local valid=${UPSTREAM_DNS_VALID_SECONDS}s`]);
            assert.deepEqual(directive(body, "proxy_http_version"), ["1.1"]);
            assert.match(server, /location = \/healthz \{[^}]*return 200/, "/healthz is answered by nginx, not the app");
            assert.doesNotMatch(server, /root \/usr\/share\/nginx\/html/, "no document root");
        }
    });

    test("forwarded headers, the WebSocket upgrade, timeouts and the body limit", () => {
        const [, https] = servingBlocks(renderedWithUpstream({ upstream: { name: "app", port: 80, proxyTimeoutSeconds: 300, clientMaxBodySize: "50m" } }));
        const body = proxy(https)!;
        assert.deepEqual(directive(body, "proxy_set_header"), [
            "Host $host",
            "X-Forwarded-For $proxy_add_x_forwarded_for",
            "X-Forwarded-Proto $scheme",
            "X-Forwarded-Host $host",
            "X-Real-IP $remote_addr",
            "Upgrade $http_upgrade",
            "Connection $nginx_service_connection",
        ]);
        for (const name of ["proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"]) {
            assert.deepEqual(directive(body, name), ["300s"], name);
        }
        assert.deepEqual(directive(body, "client_max_body_size"), ["50m"]);
        assert.deepEqual(directive(body, "proxy_request_buffering"), ["off"], "uploads streamed, not spooled to the pod's small /tmp");
        assert.deepEqual(directive(body, "proxy_max_temp_file_size"), ["0"], "nor responses");
    });

    test("the Connection map sits at http level, before the servers, once", () => {
        const conf = renderedWithUpstream({ upstream: { name: "app", port: 80 } });
        assert.equal(conf.match(/^map \$http_upgrade \$nginx_service_connection \{$/gm)?.length, 1);
        assert.ok(conf.indexOf("map $http_upgrade") < conf.indexOf("server {"));
        assert.match(conf, /^\s+default upgrade;\n\s+''\s+close;\n\}$/m);
        assert.doesNotMatch(rendered(), /map |proxy_/, "nothing of it without upstream");
        const plain = renderedWithUpstream({ tls: { enabled: false }, upstream: { name: "app", port: 80 } });
        assert.equal(servingBlocks(plain).length, 1);
        assert.ok(proxy(servingBlocks(plain)[0]), "TLS off: the HTTP server proxies");
    });

    test("with the redirect, plain HTTP redirects and only HTTPS proxies", () => {
        const [http, https] = servingBlocks(renderedWithUpstream({ redirectHttpToHttps: true, upstream: { name: "app", port: 80 } }));
        assert.equal(proxy(http), undefined);
        assert.match(http, /return 308/);
        assert.ok(proxy(https));
    });

    test("namespace, scheme https, resolver and cluster domain as given", () => {
        const settings = resolveSettings("cfg", { clusterDomain: "corp.internal", upstream: { name: "app", port: 443, namespace: "apps", scheme: "https", resolver: "[fd00::a]:53" } });
        const [, https] = servingBlocks(renderNginxConfig(nginxConfigOptions(settings, "app.apps.svc.corp.internal")));
        const body = proxy(https)!;
        assert.deepEqual(directive(body, "set"), ["$nginx_service_upstream https://app.apps.svc.corp.internal:443"]);
        assert.deepEqual(directive(body, "resolver"), [`[fd00::a]:53 valid=${UPSTREAM_DNS_VALID_SECONDS}s`]);
        assert.deepEqual(directive(body, "proxy_ssl_server_name"), ["on"]);
        assert.deepEqual(directive(body, "proxy_ssl_name"), ["app.apps.svc.corp.internal"]);
    });

    test("nginxConfigOptions refuses an upstream without its host", () => {
        assert.throws(() => nginxConfigOptions(resolveSettings("cfg", { upstream: { name: "app", port: 80 } })), /upstream is set but its host was not given/);
    });

    test("the ConfigMap: the FQDN in the component's namespace, and from name and namespace Outputs", async () => {
        mocks.reset();
        const { one } = await mocks.deployed(new NginxService("cfg", { namespace: "web", upstream: { name: "app", port: 8080 } }));
        assert.match(one(TYPES.configMap).inputs.data["default.conf"], /set \$nginx_service_upstream http:\/\/app\.web\.svc\.cluster\.local:8080;/);
        mocks.reset();
        const fromOutputs = await mocks.deployed(new NginxService("cfg", { upstream: { name: pulumi.output("api"), namespace: pulumi.output("backend"), port: 80 } }));
        assert.match(fromOutputs.one(TYPES.configMap).inputs.data["default.conf"], /set \$nginx_service_upstream http:\/\/api\.backend\.svc\.cluster\.local:80;/);
    });

    test("without namespace, the upstream's FQDN is in the provider's namespace, where the objects land", async () => {
        mocks.reset();
        const provider = new k8s.Provider("upstream-provider", { namespace: "team-b" });
        const { one } = await mocks.deployed(new NginxService("cfg", { upstream: { name: "app", port: 8080 } }, { providers: [provider] }));
        assert.match(one(TYPES.configMap).inputs.data["default.conf"], /set \$nginx_service_upstream http:\/\/app\.team-b\.svc\.cluster\.local:8080;/);
    });
});

describe("the stub_status server (metrics)", () => {
    /** The server block listening on `port`. */
    const serverOn = (conf: string, port: number) => blocks(conf).filter((server) => new RegExp(`^\\s*listen ${port}[ ;]`, "m").test(server));

    test("on by default: a server of its own, listening only on the status port, stub_status at its path and 404 elsewhere", () => {
        for (const args of [{}, { tls: { enabled: false } }, { redirectHttpToHttps: true }] as NginxServiceArgs[]) {
            const conf = rendered(args);
            const [status] = serverOn(conf, STATUS_PORT.containerPort);
            assert.ok(status, conf);
            assert.deepEqual([...status.matchAll(/^\s*listen (.*);$/gm)].map((m) => m[1]), [String(STATUS_PORT.containerPort)], "one listen: the status port only");
            assert.match(status, new RegExp(`location = ${STATUS_PATH} \\{\\s*stub_status;\\s*allow 127\\.0\\.0\\.1;\\s*allow ::1;\\s*deny all;\\s*\\}`), "loopback only by default");
            assert.match(status, /location \/ \{\s*return 404;\s*\}/);
            assert.match(status, /^ {4}server_tokens off;$/m);
            assert.match(status, /^ {4}access_log off;$/m);
            assert.doesNotMatch(status, new RegExp(DOCUMENT_ROOT), "serves no file");
            // No other server has stub_status or listens on its port.
            for (const server of blocks(conf).filter((b) => b !== status)) {
                assert.doesNotMatch(server, /stub_status/);
                assert.doesNotMatch(server, new RegExp(`listen ${STATUS_PORT.containerPort}`));
            }
        }
    });

    test("metrics.allowCidrs: each an allow before deny all, loopback always first", () => {
        const [status] = serverOn(rendered({ metrics: { allowCidrs: ["10.244.0.0/16", "fd00::/8", "192.0.2.7"] } }), STATUS_PORT.containerPort);
        const access = status.split("\n").filter((line) => /^\s*(allow|deny) /.test(line)).map((line) => line.trim());
        assert.deepEqual(access, ["allow 127.0.0.1;", "allow ::1;", "allow 10.244.0.0/16;", "allow fd00::/8;", "allow 192.0.2.7;", "deny all;"]);
    });

    test("metrics.enabled false: no status server, no stub_status anywhere", () => {
        const conf = rendered({ metrics: { enabled: false } });
        assert.doesNotMatch(conf, /stub_status/);
        assert.equal(serverOn(conf, STATUS_PORT.containerPort).length, 0);
        assert.equal(blocks(conf).length, 2);
    });

    test("content changes nothing in the config: the files are mounted where the servers' root already is", () => {
        assert.equal(rendered({ content: { files: { "index.html": "x" } } }), rendered());
        assert.equal(rendered({ content: { configMapName: "site" } }), rendered());
        assert.match(rendered(), new RegExp(`root ${DOCUMENT_ROOT};`));
    });
});
