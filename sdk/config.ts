import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_FILE_NAME, DOCUMENT_ROOT, HEALTH_PATH, HTTP_PORT, HTTPS_PORT, STATUS_PATH, STATUS_PORT, TLS_CERTIFICATE_FILE, TLS_PRIVATE_KEY_FILE } from "./pod";
import { Settings } from "./settings";

/** What the server blocks are rendered from; a subset of {@link Settings}, so the renderer is easy to test. */
export interface NginxConfigOptions {
    tls: boolean;
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
}

/**
 * The security headers `securityHeaders` turns on, by name. X-Frame-Options rather than CSP
 * `frame-ancestors`: a CSP header here would sit next to (and be intersected with) any CSP of the
 * content or an app behind nginx, which the component cannot know; X-Frame-Options says only this.
 * @see https://owasp.org/www-project-secure-headers/
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
 */
export const TLS12_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
] as const;

/** The `Strict-Transport-Security` value. */
export function hstsValue(hsts: { maxAgeSeconds: number; includeSubDomains: boolean }): string {
    return `max-age=${hsts.maxAgeSeconds}${hsts.includeSubDomains ? "; includeSubDomains" : ""}`;
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

/**
 * The `stub_status` server: its own block, listening only on the status port (which the Service does
 * not expose), so no request to http or https ever reaches it and it shares none of their locations.
 * Not logged: a scraper every few seconds would drown the access log. Everything but the status path
 * is 404. The same server-level directives as the others (no version, the security headers). Only the
 * pod's loopback (the exporter sidecar, `kubectl port-forward`) and `metrics.allowCidrs` may read it:
 * counters help reconnaissance, and the NetworkPolicy alone is not enforced on every cluster.
 * @see https://nginx.org/en/docs/http/ngx_http_stub_status_module.html
 */
export function statusServer(options: NginxConfigOptions): string[] {
    return [
        `server {`,
        `    listen ${STATUS_PORT.containerPort};`,
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
 */
export function renderNginxConfig(options: NginxConfigOptions): string {
    const httpServer = [
        `server {`,
        `    listen ${HTTP_PORT.containerPort};`,
        `    server_name _;`,
        ...serverCommon(options, {}),
        healthLocation(),
        options.tls && options.redirectHttpToHttps
            ? // 308 keeps the method and body, so a POST is not silently turned into a GET.
              [`    location / {`, `        return 308 https://$host${options.httpsPort === 443 ? "" : `:${options.httpsPort}`}$request_uri;`, `    }`].join("\n")
            : contentLocation(),
        `}`,
    ];
    const status = options.metrics ? ["", ...statusServer(options)] : [];
    if (!options.tls) {
        return [...httpServer, ...status].join("\n") + "\n";
    }
    const httpsServer = [
        `server {`,
        `    listen ${HTTPS_PORT.containerPort} ssl;`,
        `    server_name _;`,
        `    ssl_certificate ${TLS_CERTIFICATE_FILE};`,
        `    ssl_certificate_key ${TLS_PRIVATE_KEY_FILE};`,
        `    ssl_protocols TLSv1.2 TLSv1.3;`,
        `    ssl_ciphers ${TLS12_CIPHERS.join(":")};`,
        // As Mozilla's guideline says: every suite left is strong, so the client picks the one its
        // hardware is fastest at (ChaCha20 without AES instructions).
        `    ssl_prefer_server_ciphers off;`,
        `    ssl_session_cache shared:SSL:1m;`,
        `    ssl_session_timeout 1h;`,
        `    ssl_session_tickets off;`,
        // HSTS only here: RFC 6797 8.1 has browsers ignore it over plain HTTP.
        ...serverCommon(options, options.hsts === undefined ? {} : { "Strict-Transport-Security": hstsValue(options.hsts) }),
        healthLocation(),
        contentLocation(),
        `}`,
    ];
    return [...httpServer, "", ...httpsServer, ...status].join("\n") + "\n";
}

/** What the config is rendered from, picked out of the settings. */
export function nginxConfigOptions(settings: Settings): NginxConfigOptions {
    return {
        tls: settings.tls.enabled,
        redirectHttpToHttps: settings.redirectHttpToHttps,
        httpsPort: settings.httpsPort,
        securityHeaders: settings.securityHeaders,
        hsts: settings.hsts,
        metrics: settings.metrics.enabled,
        statusAllowCidrs: settings.metrics.allowCidrs,
    };
}

/**
 * The ConfigMap holding the server config. Auto-named like the TLS Secret: a config change creates a new
 * ConfigMap, the Deployment rolls onto it, and the old one goes last.
 */
export function createConfig(settings: Settings, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        `${settings.name}-config`,
        {
            metadata: { namespace: settings.namespace, labels: settings.labels },
            // Immutable: even a provider with enableConfigMapMutable replaces it rather than editing it
            // in place, so a change always reaches the pods through a new name and a rollout (running
            // pods would otherwise pick up a half-applied config at the kubelet's next sync, unreloaded).
            immutable: true,
            data: {
                [CONFIG_FILE_NAME]: renderNginxConfig(nginxConfigOptions(settings)),
            },
        },
        opts,
    );
}
