import type { UpstreamScheme } from "./upstream";
import { DOCUMENT_ROOT, HEALTH_PATH, HTTP_PORT, HTTPS_PORT, STATUS_PATH, STATUS_PORT, TLS_CERTIFICATE_FILE, TLS_PRIVATE_KEY_FILE } from "./pod";

// nginx's server configuration, rendered from plain options: no Pulumi, no Kubernetes, so it is tested
// against a real nginx directly (tests/dataplane.test.ts).

/** What the server blocks are rendered from: what ./workload picks out of the settings. @internal */
export interface NginxConfigOptions {
    tls: boolean;
    /** Offer HTTP/2 by ALPN on the HTTPS server (HTTP/1.1 stays served). */
    http2?: boolean;
    redirectHttpToHttps: boolean;
    /** The Service's HTTPS port, where redirected clients are sent. */
    httpsPort: number;
    /** Send {@link SECURITY_HEADERS} on both servers. */
    securityHeaders: boolean;
    /** Send Strict-Transport-Security on the HTTPS server; undefined sends none. */
    hsts: { maxAgeSeconds: number; includeSubDomains: boolean } | undefined;
    /** Add the `stub_status` server ({@link statusServer}). */
    metrics: boolean;
    /** Who may read stub_status besides the pod's loopback. */
    statusAllowCidrs: string[];
    /** Listen on IPv6 too (see servesIpv6 in ./service). */
    ipv6?: boolean;
    /** Proxy `location /` to this upstream instead of serving files; undefined serves files. */
    upstream?: UpstreamConfig;
}

/** What the proxy location is rendered from. @internal */
export interface UpstreamConfig {
    scheme: UpstreamScheme;
    /** The Service's fully qualified name (see `serviceFqdn`): nginx's resolver has no search domains. */
    host: string;
    port: number;
    /** The `resolver` address: an IP or a name resolved once at start, with an optional port. */
    resolver: string;
    proxyTimeoutSeconds: number;
    clientMaxBodySize: string;
}

/**
 * How long nginx keeps a DNS answer about the upstream: CoreDNS's own TTL for Service records (its
 * `kubernetes` plugin's default), so a changed Service address is seen as soon as CoreDNS would tell
 * anyone. A failed lookup is not kept at all (nginx's resolver caches no error): while the Service does
 * not exist every request asks again, and the first after it appears is proxied.
 * @see https://coredns.io/plugins/kubernetes/
 * @internal
 */
export const UPSTREAM_DNS_VALID_SECONDS = 5;

/** The variable the upstream's URL is set in; a variable in `proxy_pass` is what makes nginx resolve per request. */
const UPSTREAM_URL_VARIABLE = "$nginx_service_upstream";
/** The `Connection` header sent upstream, from {@link upstreamPreamble}'s map. */
const CONNECTION_VARIABLE = "$nginx_service_connection";

/**
 * http-level directives the proxy needs, rendered at the top of the file: the image's nginx.conf
 * includes conf.d inside its `http` block, where `map` belongs. The map forwards a client's WebSocket
 * upgrade (`Connection: upgrade`) and otherwise closes the upstream connection, which nginx does after
 * every request anyway without an `upstream` block (see {@link proxyLocation}). Prefixed variable names,
 * so an image whose nginx.conf already maps `$connection_upgrade` still loads this file.
 * @see https://nginx.org/en/docs/http/websocket.html
 * @internal
 */
export function upstreamPreamble(): string {
    return [`map $http_upgrade ${CONNECTION_VARIABLE} {`, `    default upgrade;`, `    ''      close;`, `}`].join("\n");
}

/**
 * `location /` reverse-proxying to the upstream. The URL is in a variable, so nginx resolves the name
 * with `resolver` when a request comes (an answer kept {@link UPSTREAM_DNS_VALID_SECONDS}) instead of once at
 * start: nginx starts and passes its probes before the Service exists, and answers 502 until the name
 * resolves. The cost: without an `upstream` block nginx cannot keep idle connections to the app open
 * between requests (nginx 1.27.3+ can re-resolve names inside an `upstream` block; Debian's 1.22, which
 * the data-plane tests and the local cluster image run, cannot). Requests go upstream as HTTP/1.1,
 * which WebSocket and chunked uploads need. Bodies are streamed, not buffered on the pod's /tmp
 * (a small emptyDir), and a response larger than nginx's memory buffers is passed at the client's pace
 * rather than spooled to disk. Client-supplied X-Forwarded-For entries are kept, with the client's
 * address appended last (the one entry nginx vouches for).
 * @see https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass
 * @internal
 */
export function proxyLocation(upstream: UpstreamConfig): string {
    const timeout = `${upstream.proxyTimeoutSeconds}s`;
    return [
        `    location / {`,
        `        resolver ${upstream.resolver} valid=${UPSTREAM_DNS_VALID_SECONDS}s;`,
        // A DNS server that does not answer costs a request 5 s and a 502, not nginx's default 30 s.
        `        resolver_timeout 5s;`,
        `        set ${UPSTREAM_URL_VARIABLE} ${upstream.scheme}://${upstream.host}:${upstream.port};`,
        `        proxy_pass ${UPSTREAM_URL_VARIABLE};`,
        `        proxy_http_version 1.1;`,
        // $host, not $http_host: never empty, and not the client's raw header (gixy's host_spoofing).
        `        proxy_set_header Host $host;`,
        `        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`,
        `        proxy_set_header X-Forwarded-Proto $scheme;`,
        `        proxy_set_header X-Forwarded-Host $host;`,
        `        proxy_set_header X-Real-IP $remote_addr;`,
        `        proxy_set_header Upgrade $http_upgrade;`,
        `        proxy_set_header Connection ${CONNECTION_VARIABLE};`,
        `        proxy_connect_timeout ${timeout};`,
        `        proxy_send_timeout ${timeout};`,
        `        proxy_read_timeout ${timeout};`,
        `        client_max_body_size ${upstream.clientMaxBodySize};`,
        `        proxy_request_buffering off;`,
        `        proxy_max_temp_file_size 0;`,
        ...(upstream.scheme === "https" ? [`        proxy_ssl_server_name on;`, `        proxy_ssl_name ${upstream.host};`, `        proxy_ssl_protocols TLSv1.2 TLSv1.3;`] : []),
        `    }`,
    ].join("\n");
}

/**
 * The `listen` lines of a server: IPv4 always, IPv6 (`[::]`) only when asked, since nginx fails to start
 * when it cannot open an IPv6 socket (nodes with IPv6 disabled). Two lines, not `ipv6only=off`: nginx's
 * `[::]` is IPv6-only by default on Linux, and a separate IPv4 socket works whatever the node's
 * `bindv6only`.
 * @see https://nginx.org/en/docs/http/ngx_http_core_module.html#listen
 * @internal
 */
export function listenLines(port: number, ipv6: boolean, flags = ""): string[] {
    const suffix = flags === "" ? "" : ` ${flags}`;
    return [`    listen ${port}${suffix};`, ...(ipv6 ? [`    listen [::]:${port}${suffix};`] : [])];
}

/**
 * The security headers `securityHeaders` turns on, by name. X-Frame-Options rather than CSP
 * `frame-ancestors`: a CSP header here would sit next to (and be intersected with) any CSP of the
 * content or an app behind nginx, which the component cannot know; X-Frame-Options says only this.
 * @see https://owasp.org/www-project-secure-headers/
 * @internal
 */
export const SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    // The browsers' own default since 2021, stated so older browsers do not send full URLs elsewhere.
    "Referrer-Policy": "strict-origin-when-cross-origin",
} as const;

/**
 * The TLS 1.2 cipher suites, Mozilla's "intermediate" configuration, guideline 6.0: ECDHE key exchange
 * (forward secrecy) with AES-GCM or ChaCha20-Poly1305 only, ECDSA and RSA certificates both covered.
 * TLS 1.3 suites are not set by `ssl_ciphers`; OpenSSL's defaults are all AEAD.
 * @see https://ssl-config.mozilla.org/#server=nginx&config=intermediate
 * @see https://wiki.mozilla.org/Security/Server_Side_TLS
 * @internal
 */
export const TLS12_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
] as const;

/**
 * The key-exchange groups offered, Mozilla's "intermediate" list: without it OpenSSL 3 also offers X448
 * and secp521r1, which the profile has a server reject (slower, and no client needs them).
 * @see https://ssl-config.mozilla.org/#server=nginx&config=intermediate
 * @internal
 */
export const TLS_CURVES = ["X25519", "prime256v1", "secp384r1"] as const;

/** The `Strict-Transport-Security` value. @internal */
export function hstsValue(hsts: { maxAgeSeconds: number; includeSubDomains: boolean }): string {
    return `max-age=${hsts.maxAgeSeconds}${hsts.includeSubDomains ? "; includeSubDomains" : ""}`;
}

/**
 * The access log's format, declared at the top of the file (conf.d is included inside `http`, where
 * `log_format` belongs) under a name of our own, so the file loads on any image whatever formats its
 * nginx.conf defines. The fields of the official images' `main` format.
 * @internal
 */
export const ACCESS_LOG_FORMAT = {
    name: "nginx_service",
    fields: `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"'`,
} as const;

/**
 * Where and how requests are logged: to the container's stdout, in 64 KiB blocks written at most a second
 * late (and when nginx stops gracefully), not one write per request. The image's nginx.conf logs
 * unbuffered; on the data-plane benchmark that write cost each keep-alive request about a third of its
 * server CPU.
 * @internal
 */
export const ACCESS_LOG = { path: "/dev/stdout", buffer: "64k", flush: "1s" } as const;

/**
 * How long nginx keeps open file descriptors and metadata of served files, and how often it checks them
 * again. The check bounds how late a changed file of an existing content ConfigMap (which the kubelet
 * swaps in under the same path) is served.
 * @internal
 */
export const OPEN_FILE_CACHE = { max: 1000, inactiveSeconds: 60, validSeconds: 10 } as const;

/** The http-level lines at the top of the file. */
function preamble(options: NginxConfigOptions): string[] {
    return [`log_format ${ACCESS_LOG_FORMAT.name} ${ACCESS_LOG_FORMAT.fields};`, ...(options.upstream === undefined ? [] : [upstreamPreamble()]), ""];
}

/**
 * What the servers that answer clients share beyond {@link serverCommon}: the buffered access log and,
 * when files are served, the open-file cache.
 */
function servingCommon(options: NginxConfigOptions): string[] {
    return [
        `    access_log ${ACCESS_LOG.path} ${ACCESS_LOG_FORMAT.name} buffer=${ACCESS_LOG.buffer} flush=${ACCESS_LOG.flush};`,
        ...(options.upstream === undefined
            ? [`    open_file_cache max=${OPEN_FILE_CACHE.max} inactive=${OPEN_FILE_CACHE.inactiveSeconds}s;`, `    open_file_cache_valid ${OPEN_FILE_CACHE.validSeconds}s;`]
            : []),
    ];
}

/**
 * Server-level directives both servers share. `server_tokens off` keeps nginx's version out of the
 * Server header and its error pages. Headers are added at the server level with `always` (so 4xx/5xx
 * answers carry them too) and no `location` has an `add_header` of its own: nginx inherits
 * `add_header` into a location only when that location declares none, so one there would silently
 * drop all of these (tests/config.test.ts refuses such a location).
 */
function serverCommon(options: NginxConfigOptions, extraHeaders: { [name: string]: string }): string[] {
    const headers = { ...(options.securityHeaders ? SECURITY_HEADERS : {}), ...extraHeaders };
    return [`    server_tokens off;`, ...Object.entries(headers).map(([name, value]) => `    add_header ${name} "${value}" always;`)];
}

function healthLocation(): string {
    return [
        `    location = ${HEALTH_PATH} {`,
        `        access_log off;`,
        `        default_type text/plain;`,
        `        return 200 "ok\\n";`,
        `    }`,
    ].join("\n");
}

function contentLocation(): string {
    return [`    location / {`, `        root ${DOCUMENT_ROOT};`, `        index index.html index.htm;`, `    }`].join("\n");
}

/** `location /`: the upstream when there is one, else the document root. */
function rootLocation(options: NginxConfigOptions): string {
    return options.upstream === undefined ? contentLocation() : proxyLocation(options.upstream);
}

/**
 * The `stub_status` server: its own block, listening only on the status port (which the Service does
 * not expose), so no request to http or https ever reaches it and it shares none of their locations.
 * Not logged: a scraper every few seconds would drown the access log. Everything but the status path
 * is 404. The same server-level directives as the others (no version, the security headers). Only the
 * pod's loopback (the exporter sidecar, `kubectl port-forward`) and `metrics.allowCidrs` may read it:
 * counters help reconnaissance, and the NetworkPolicy alone is not enforced on every cluster.
 * @see https://nginx.org/en/docs/http/ngx_http_stub_status_module.html
 * @internal
 */
export function statusServer(options: NginxConfigOptions): string[] {
    return [
        `server {`,
        // On IPv6 too where the other servers are: an agent in `allowCidrs` may read it at the pod's IPv6 address.
        ...listenLines(STATUS_PORT.containerPort, options.ipv6 === true),
        `    server_name _;`,
        ...serverCommon(options, {}),
        `    access_log off;`,
        `    location = ${STATUS_PATH} {`,
        `        stub_status;`,
        ...["127.0.0.1", "::1", ...options.statusAllowCidrs].map((source) => `        allow ${source};`),
        `        deny all;`,
        `    }`,
        `    location / {`,
        `        return 404;`,
        `    }`,
        `}`,
    ];
}

/**
 * Renders the server configuration. Only TLS 1.2 and 1.3 are offered: 1.0 and 1.1 are deprecated
 * (RFC 8996) and no current client needs them; TLS 1.2 only with {@link TLS12_CIPHERS}. Plain HTTP keeps answering `/healthz` even with the
 * redirect on, because the kubelet probes it over HTTP.
 * @internal
 */
export function renderNginxConfig(options: NginxConfigOptions): string {
    const httpServer = [
        `server {`,
        ...listenLines(HTTP_PORT.containerPort, options.ipv6 === true),
        `    server_name _;`,
        ...serverCommon(options, {}),
        ...servingCommon(options),
        healthLocation(),
        options.tls && options.redirectHttpToHttps
            ? // 308 keeps the method and body, so a POST is not silently turned into a GET.
              [`    location / {`, `        return 308 https://$host${options.httpsPort === 443 ? "" : `:${options.httpsPort}`}$request_uri;`, `    }`].join("\n")
            : rootLocation(options),
        `}`,
    ];
    const top = preamble(options);
    const status = options.metrics ? ["", ...statusServer(options)] : [];
    if (!options.tls) {
        return [...top, ...httpServer, ...status].join("\n") + "\n";
    }
    const httpsServer = [
        `server {`,
        // The `listen ... http2` flag, not nginx 1.25.1's `http2 on;`: Debian's nginx 1.22 (the test image)
        // knows only the flag, and current nginx (the default image) still takes it, with a deprecation
        // notice in its log.
        ...listenLines(HTTPS_PORT.containerPort, options.ipv6 === true, options.http2 === true ? "ssl http2" : "ssl"),
        `    server_name _;`,
        `    ssl_certificate ${TLS_CERTIFICATE_FILE};`,
        `    ssl_certificate_key ${TLS_PRIVATE_KEY_FILE};`,
        `    ssl_protocols TLSv1.2 TLSv1.3;`,
        `    ssl_ciphers ${TLS12_CIPHERS.join(":")};`,
        `    ssl_ecdh_curve ${TLS_CURVES.join(":")};`,
        // As Mozilla's guideline says: every suite left is strong, so the client picks the one its
        // hardware is fastest at (ChaCha20 without AES instructions).
        `    ssl_prefer_server_ciphers off;`,
        // Mozilla's session settings: a day's resumption from a cache shared by the workers (10 MiB, about
        // 40000 sessions), and no tickets, whose key nginx would never rotate and which would defeat
        // forward secrecy.
        `    ssl_session_cache shared:SSL:10m;`,
        `    ssl_session_timeout 1d;`,
        `    ssl_session_tickets off;`,
        // HSTS only here: RFC 6797 8.1 has browsers ignore it over plain HTTP.
        ...serverCommon(options, options.hsts === undefined ? {} : { "Strict-Transport-Security": hstsValue(options.hsts) }),
        ...servingCommon(options),
        healthLocation(),
        rootLocation(options),
        `}`,
    ];
    return [...top, ...httpServer, "", ...httpsServer, ...status].join("\n") + "\n";
}

