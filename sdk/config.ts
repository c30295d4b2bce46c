import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_HTTP_PORT, CONTAINER_HTTPS_PORT, Settings } from "./settings";

/** Where the pod mounts the ConfigMap; the image's nginx.conf includes `conf.d/*.conf` in its http block. */
export const CONFIG_MOUNT_PATH = "/etc/nginx/conf.d";
/** The ConfigMap key, and so the file name under {@link CONFIG_MOUNT_PATH}. */
export const CONFIG_FILE_NAME = "default.conf";
/** Where the pod mounts the TLS Secret (`tls.crt`, `tls.key`), as in the tutorial. */
export const TLS_MOUNT_PATH = "/etc/nginx/ssl";
/** The image's document root. */
export const HTML_ROOT = "/usr/share/nginx/html";
/** Answered by nginx itself, so the probes test the server and not a file on disk. */
export const HEALTH_PATH = "/healthz";

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
    return [`    location / {`, `        root ${HTML_ROOT};`, `        index index.html index.htm;`, `    }`].join("\n");
}

/**
 * Renders the server configuration. Only TLS 1.2 and 1.3 are offered: 1.0 and 1.1 are deprecated
 * (RFC 8996) and no current client needs them. Plain HTTP keeps answering `/healthz` even with the
 * redirect on, because the kubelet probes it over HTTP.
 */
export function renderNginxConfig(options: NginxConfigOptions): string {
    const httpServer = [
        `server {`,
        `    listen ${CONTAINER_HTTP_PORT};`,
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
        `    listen ${CONTAINER_HTTPS_PORT} ssl;`,
        `    server_name _;`,
        `    ssl_certificate ${TLS_MOUNT_PATH}/tls.crt;`,
        `    ssl_certificate_key ${TLS_MOUNT_PATH}/tls.key;`,
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
export function createConfig(settings: Settings, parent: pulumi.Resource): k8s.core.v1.ConfigMap {
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
        { parent },
    );
}
