// The two nginx configurations the data-plane benchmark (bench/dataplane.ts) sets beside the component's
// default: the tutorial's own `default.conf` and a best-tuned reference written by hand. Both are ours,
// written for the image the benchmark runs (Debian's nginx 1.22 under the contract of
// nginxinc/nginx-unprivileged: uid 101, so no port below 1024; conf.d included inside `http`; the TLS
// Secret at /etc/nginx/ssl). The component's own config is never written here: the benchmark renders it
// with sdk/'s renderer, so it measures whatever the component generates at the time.
import { DOCUMENT_ROOT, HEALTH_PATH, HTTP_PORT, HTTPS_PORT, TLS_CERTIFICATE_FILE, TLS_PRIVATE_KEY_FILE } from "../sdk/pod";
import { TLS12_CIPHERS } from "../sdk/nginxConfig";

/**
 * The directives of the tutorial's `default.conf` ("Connecting Applications with Services", the nginx
 * https example): one server for HTTP and HTTPS, the Secret's files, the document root, `try_files`, and
 * nothing else, so every TLS setting is nginx's default (TLS 1.0-1.3, no session cache, session tickets
 * on, no HTTP/2). Two changes, both forced by the image: the ports are the unprivileged image's 8080
 * and 8443 instead of 80 and 443, and the `[::]:80` line is left out (the cluster's pods are IPv4 only).
 */
export function tutorialServerConfig(): string {
    return [
        `server {`,
        `    listen ${HTTP_PORT.containerPort} default_server;`,
        `    listen ${HTTPS_PORT.containerPort} ssl;`,
        `    root ${DOCUMENT_ROOT};`,
        `    index index.html;`,
        `    server_name localhost;`,
        `    ssl_certificate ${TLS_CERTIFICATE_FILE};`,
        `    ssl_certificate_key ${TLS_PRIVATE_KEY_FILE};`,
        `    location / {`,
        `        try_files $uri $uri/ =404;`,
        `    }`,
        `}`,
        ``,
    ].join("\n");
}

/** The best-tuned reference's worker count: one, as the pod is given one core (bench/dataplane.ts pins it there). */
const BEST_WORKERS = 1;

/**
 * The best-tuned reference's nginx.conf, replacing the image's (mounted over it): the image's paths and
 * log format, with the worker settings tuned for a pod given one core: one worker (the image's `auto`
 * starts one per core of the machine, which then share the pod's one core), more connections per worker,
 * `accept_mutex` off (one worker has no one to share with), buffered access logging (every request still
 * logged, written in 64 KiB blocks at most a second late), `tcp_nopush` with `sendfile`, and an open-file
 * cache for the static files.
 */
export function bestTunedMainConfig(): string {
    return [
        `daemon off;`,
        `worker_processes ${BEST_WORKERS};`,
        `worker_rlimit_nofile 8192;`,
        `error_log /dev/stderr notice;`,
        `pid /tmp/nginx.pid;`,
        `events {`,
        `    worker_connections 4096;`,
        `    accept_mutex off;`,
        `}`,
        `http {`,
        `    client_body_temp_path /tmp/client_temp;`,
        `    proxy_temp_path /tmp/proxy_temp;`,
        `    fastcgi_temp_path /tmp/fastcgi_temp;`,
        `    uwsgi_temp_path /tmp/uwsgi_temp;`,
        `    scgi_temp_path /tmp/scgi_temp;`,
        `    include /etc/nginx/mime.types;`,
        `    default_type application/octet-stream;`,
        `    log_format main '$remote_addr - $remote_user [$time_local] "$request" '`,
        `                    '$status $body_bytes_sent "$http_referer" '`,
        `                    '"$http_user_agent" "$http_x_forwarded_for"';`,
        `    access_log /dev/stdout main buffer=64k flush=1s;`,
        `    sendfile on;`,
        `    tcp_nopush on;`,
        `    keepalive_timeout 65;`,
        `    keepalive_requests 10000;`,
        `    open_file_cache max=1000 inactive=60s;`,
        `    open_file_cache_valid 60s;`,
        `    include /etc/nginx/conf.d/*.conf;`,
        `}`,
        ``,
    ].join("\n");
}

/**
 * The best-tuned reference's server: Mozilla's intermediate TLS settings (the component's TLS 1.2
 * suites), HTTP/2 by ALPN in the `listen` form nginx 1.22 knows, the key exchange groups stated
 * (X25519 first, as every current client offers it), a 10 MiB session cache (about 40000 sessions) kept
 * a day, tickets off as Mozilla advises (a ticket key that never rotates undoes forward secrecy; the
 * shared cache serves one worker or many), and a health location like the component's so the same
 * probes apply.
 */
export function bestTunedServerConfig(): string {
    return [
        `server {`,
        `    listen ${HTTP_PORT.containerPort};`,
        `    listen ${HTTPS_PORT.containerPort} ssl http2;`,
        `    server_name _;`,
        `    server_tokens off;`,
        `    ssl_certificate ${TLS_CERTIFICATE_FILE};`,
        `    ssl_certificate_key ${TLS_PRIVATE_KEY_FILE};`,
        `    ssl_protocols TLSv1.2 TLSv1.3;`,
        `    ssl_ciphers ${TLS12_CIPHERS.join(":")};`,
        `    ssl_prefer_server_ciphers off;`,
        `    ssl_ecdh_curve X25519:prime256v1:secp384r1;`,
        `    ssl_session_cache shared:SSL:10m;`,
        `    ssl_session_timeout 1d;`,
        `    ssl_session_tickets off;`,
        `    location = ${HEALTH_PATH} {`,
        `        access_log off;`,
        `        default_type text/plain;`,
        `        return 200 "ok\\n";`,
        `    }`,
        `    location / {`,
        `        root ${DOCUMENT_ROOT};`,
        `        index index.html;`,
        `    }`,
        `}`,
        ``,
    ].join("\n");
}
