// What the nginx pod expects, stated once: the config renderer, the Deployment, the Service, the TLS
// Secret and the data-plane test harness all read these, so they cannot disagree. The values follow
// the default image, nginxinc/nginx-unprivileged, whose nginx.conf includes `conf.d/*.conf` in its
// http block and keeps its pid and temp files in /tmp; an `image` given instead must behave the same.

import { quantityProblems, Resolved, withDefaults } from "./checks";

/** The nginx container's name. @internal */
export const CONTAINER_NAME = "nginx";

/**
 * The ports nginx listens on, by the name the Service targets. Unprivileged, so the container needs
 * no capability; the Service maps them to `httpPort`/`httpsPort`.
 * @internal
 */
export const HTTP_PORT = { name: "http", containerPort: 8080 } as const;
/** @internal */
export const HTTPS_PORT = { name: "https", containerPort: 8443 } as const;

/**
 * nginx's `stub_status`, in a server of its own that listens only here; the Service does not expose
 * it (its ports stay http and https). nginx answers it over the pod's loopback (the exporter, `kubectl
 * port-forward`) and, at the pod's IP, to the sources of `metrics.allowCidrs` only.
 * @see https://nginx.org/en/docs/http/ngx_http_stub_status_module.html
 * @internal
 */
export const STATUS_PORT = { name: "status", containerPort: 8081 } as const;
/** The path of `stub_status` on {@link STATUS_PORT}; every other path there is 404. @internal */
export const STATUS_PATH = "/stub_status";

/** The optional Prometheus exporter sidecar: its container name, port (the exporter's default) and path. @internal */
export const EXPORTER_CONTAINER_NAME = "exporter";
/** @internal */
export const METRICS_PORT = { name: "metrics", containerPort: 9113 } as const;
/** @internal */
export const METRICS_PATH = "/metrics";

/** The user id of nginx in the unprivileged image; the pod runs as it. @internal */
export const NGINX_UID = 101;

/**
 * Every container's security context, nginx's and the exporter's: Pod Security "restricted" (no
 * privilege escalation, no capability, non-root, RuntimeDefault seccomp) and a read-only root filesystem.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 * @internal
 */
export const CONTAINER_SECURITY_CONTEXT = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: NGINX_UID,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The ConfigMap's volume: the server config, where the image's nginx.conf includes it. @internal */
export const CONFIG_VOLUME = { name: "config", mountPath: "/etc/nginx/conf.d" } as const;
/** The ConfigMap key, and so the file name under the config mount. @internal */
export const CONFIG_FILE_NAME = "default.conf";

/** The TLS Secret's volume, mounted where the tutorial mounts it. @internal */
export const TLS_VOLUME = { name: "tls", mountPath: "/etc/nginx/ssl" } as const;
/**
 * The keys of a kubernetes.io/tls Secret, and so the file names under the TLS mount: the serving
 * certificate and key, and the CA that issued the certificate (`ca.crt`, as cert-manager and the
 * Bitnami chart write it; optional in a Secret the component did not create).
 * @internal
 */
export const TLS_SECRET_KEYS = { certificate: "tls.crt", privateKey: "tls.key", ca: "ca.crt" } as const;

/** The writable emptyDir for the image's pid file and request buffers (the root filesystem is read-only). @internal */
export const TMP_VOLUME = { name: "tmp", mountPath: "/tmp" } as const;

/** Answered by nginx itself, so the probes test the server and not a file on disk. @internal */
export const HEALTH_PATH = "/healthz";

/** The image's document root; `content` mounts its files here, read-only, hiding the image's own. @internal */
export const DOCUMENT_ROOT = "/usr/share/nginx/html";
/** The volume of `content` (generated or existing ConfigMap), mounted at {@link DOCUMENT_ROOT}. @internal */
export const CONTENT_VOLUME = { name: "content", mountPath: DOCUMENT_ROOT } as const;

/** Where nginx finds the certificate and key: the Secret's keys under its mount. @internal */
export const TLS_CERTIFICATE_FILE = `${TLS_VOLUME.mountPath}/${TLS_SECRET_KEYS.certificate}`;
/** @internal */
export const TLS_PRIVATE_KEY_FILE = `${TLS_VOLUME.mountPath}/${TLS_SECRET_KEYS.privateKey}`;

/**
 * How a pod stops without dropping a request. On deletion the kubelet first runs the preStop hook,
 * a plain wait: meanwhile the pod is removed from the Service's EndpointSlices and every proxy on the
 * way (kube-proxy's rules, a cloud load balancer's target list) stops sending it new connections,
 * which takes about a second here and a few seconds on cloud load balancers. Only then does the
 * kubelet send the image's stop signal; nginx's images declare SIGQUIT, nginx's graceful stop, which
 * finishes the requests in flight. The grace period bounds the whole: the wait plus time for the
 * slowest request, after which the kubelet kills the container.
 * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
 * @see https://nginx.org/en/docs/control.html
 * @internal
 */
export const TERMINATION = { preStopSleepSeconds: 5, gracePeriodSeconds: 30 } as const;

/**
 * Requests and limits of a container, as Kubernetes quantities.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface Resources {
    /** CPU the scheduler reserves for the container. @default "50m" */
    cpuRequest?: string;
    /** Memory the scheduler reserves for the container. @default "64Mi" */
    memoryRequest?: string;
    /** CPU the container may use at most. @default "500m" */
    cpuLimit?: string;
    /** Memory the container may use at most; above it, it is killed. @default "128Mi" */
    memoryLimit?: string;
}

/** {@link Resources} with every field set. @internal */
export type ResourceSettings = Required<Pick<Resources, "cpuRequest" | "memoryRequest" | "cpuLimit" | "memoryLimit">>;

/**
 * A container's requests and limits: `given`'s fields over `defaults`; fields the API does not have are
 * dropped from the settings but reported by the quantity check.
 * @internal
 */
export function resolveResources(path: string, given: Resources | undefined, defaults: ResourceSettings): Resolved<ResourceSettings> {
    return { settings: withDefaults(given, defaults), problems: quantityProblems(path, given as { [key: string]: unknown } | undefined) };
}

/** The container spec's `resources`. @internal */
export function containerResources(resources: ResourceSettings): { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } } {
    return {
        requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
        limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
    };
}
