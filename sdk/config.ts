import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_FILE_NAME, DOCUMENT_ROOT, HEALTH_PATH, HTTP_PORT, HTTPS_PORT, TLS_CERTIFICATE_FILE, TLS_PRIVATE_KEY_FILE } from "./pod";
import { Settings } from "./settings";

/** What the server blocks are rendered from; a subset of {@link Settings}, so the renderer is easy to test. */
export interface NginxConfigOptions {
    tls: boolean;
    redirectHttpToHttps: boolean;
    /** The Service's HTTPS port, where redirected clients are sent. */
    httpsPort: number;
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
 * Renders the server configuration. Only TLS 1.2 and 1.3 are offered: 1.0 and 1.1 are deprecated
 * (RFC 8996) and no current client needs them. Plain HTTP keeps answering `/healthz` even with the
 * redirect on, because the kubelet probes it over HTTP.
 */
export function renderNginxConfig(options: NginxConfigOptions): string {
    const httpServer = [
        `server {`,
        `    listen ${HTTP_PORT.containerPort};`,
        `    server_name _;`,
        healthLocation(),
        options.tls && options.redirectHttpToHttps
            ? // 308 keeps the method and body, so a POST is not silently turned into a GET.
              [`    location / {`, `        return 308 https://$host${options.httpsPort === 443 ? "" : `:${options.httpsPort}`}$request_uri;`, `    }`].join("\n")
            : contentLocation(),
        `}`,
    ];
    if (!options.tls) {
        return httpServer.join("\n") + "\n";
    }
    const httpsServer = [
        `server {`,
        `    listen ${HTTPS_PORT.containerPort} ssl;`,
        `    server_name _;`,
        `    ssl_certificate ${TLS_CERTIFICATE_FILE};`,
        `    ssl_certificate_key ${TLS_PRIVATE_KEY_FILE};`,
        `    ssl_protocols TLSv1.2 TLSv1.3;`,
        `    ssl_prefer_server_ciphers off;`,
        `    ssl_session_cache shared:SSL:1m;`,
        `    ssl_session_timeout 1h;`,
        `    ssl_session_tickets off;`,
        healthLocation(),
        contentLocation(),
        `}`,
    ];
    return [...httpServer, "", ...httpsServer].join("\n") + "\n";
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
            data: {
                [CONFIG_FILE_NAME]: renderNginxConfig({
                    tls: settings.tls.enabled,
                    redirectHttpToHttps: settings.redirectHttpToHttps,
                    httpsPort: settings.httpsPort,
                }),
            },
        },
        opts,
    );
}
