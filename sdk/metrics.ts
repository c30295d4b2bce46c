import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { at, checkImage, checkInput, cidrListProblems, found, Problem, Resolved, show, withDefaults } from "./checks";
import { containerResources, CONTAINER_SECURITY_CONTEXT, EXPORTER_CONTAINER_NAME, METRICS_PATH, METRICS_PORT, resolveResources, ResourceSettings, Resources, STATUS_PATH, STATUS_PORT } from "./pod";

// nginx's stub_status and the optional Prometheus exporter sidecar.

/**
 * The Prometheus exporter sidecar: nginx-prometheus-exporter reads `stub_status` over the pod's
 * loopback and serves Prometheus metrics on port 9113 (`metrics`) at `/metrics`.
 * @see https://github.com/nginx/nginx-prometheus-exporter
 */
export interface MetricsExporter {
    /**
     * The exporter image; it must take nginx-prometheus-exporter's `--nginx.scrape-uri` and
     * `--web.listen-address` flags.
     * @default "nginx/nginx-prometheus-exporter:1.4.0"
     */
    image?: pulumi.Input<string>;
    /**
     * The exporter container's requests and limits.
     * @default - 10m/16Mi requested, 100m/32Mi limit
     */
    resources?: Resources;
}

/** What {@link MetricsExporter} fields left unset are, as their `@default` says. @internal */
export const METRICS_EXPORTER_DEFAULTS = {
    image: "nginx/nginx-prometheus-exporter:1.4.0",
};
/** The exporter's requests and limits where `metrics.exporter.resources` leaves them unset. @internal */
export const EXPORTER_RESOURCES_DEFAULTS = {
    cpuRequest: "10m",
    memoryRequest: "16Mi",
    cpuLimit: "100m",
    memoryLimit: "32Mi",
};

/**
 * nginx's `stub_status` (active connections, accepted and handled connections, requests) on its own
 * container port, 8081 (`status`), at `/stub_status`; the Service does not expose it. nginx answers it
 * only to the pod's loopback (the exporter, `kubectl port-forward`) and to `allowCidrs`; everyone else
 * gets 403. With `exporter`, a sidecar turns it into Prometheus metrics and the pods carry the
 * `prometheus.io/scrape`, `/port` and `/path` annotations pointing at it; without, no annotation
 * (stub_status is not in Prometheus' format). The NetworkPolicy lets the sources of
 * `networkPolicy.allowFrom` (or any) reach the exporter's port, and the status port when `allowCidrs`
 * is given.
 * @see https://nginx.org/en/docs/http/ngx_http_stub_status_module.html
 */
export interface Metrics {
    /**
     * Serve `stub_status` on the status port. On by default: it is one more server block on a port the
     * Service does not expose, and it shows only counters.
     * @default true
     */
    enabled?: boolean;
    /**
     * Client addresses (IPs or CIDRs, like the pod network's 10.244.0.0/16) that may read `stub_status`
     * at a pod's IP, besides the pod's own loopback, which always may (the exporter, `kubectl
     * port-forward`). Everyone else gets 403 (nginx's `allow`/`deny all`).
     * @default []
     * @see https://nginx.org/en/docs/http/ngx_http_access_module.html
     */
    allowCidrs?: string[];
    /**
     * Run the Prometheus exporter sidecar and annotate the pods for scraping; needs `enabled`.
     * @default - no exporter, no scrape annotations
     */
    exporter?: MetricsExporter;
}

/** What {@link Metrics} fields left unset are, as their `@default` says. @internal */
export const METRICS_DEFAULTS = {
    enabled: true,
    allowCidrs: [] as string[],
};

/** @internal */
export interface MetricsSettings {
    /** `exporter` undefined: no sidecar, no scrape annotations. */
    metrics: {
        enabled: boolean;
        /** Besides loopback, who may read stub_status. */
        allowCidrs: string[];
        exporter: { image: pulumi.Input<string>; resources: ResourceSettings } | undefined;
    };
}

/** `metrics` with its defaults, and its checks: who may read stub_status, and the exporter, which needs the switch on. @internal */
export function resolveMetrics(component: string, given: Metrics | undefined): Resolved<MetricsSettings> {
    const problems: (Problem | undefined)[] = [];
    const givenExporter = given?.exporter;
    const image = givenExporter === undefined ? undefined : checkInput(component, givenExporter.image ?? METRICS_EXPORTER_DEFAULTS.image, (v) => checkImage("metrics.exporter.image", v));
    const resources = givenExporter === undefined ? undefined : resolveResources("metrics.exporter.resources", givenExporter.resources, EXPORTER_RESOURCES_DEFAULTS);
    const metrics = {
        ...withDefaults(given, METRICS_DEFAULTS),
        exporter: image === undefined || resources === undefined ? undefined : { image: image.value, resources: resources.settings },
    };
    if (typeof metrics.enabled !== "boolean") {
        problems.push(at("metrics.enabled", `metrics.enabled must be true or false, got ${show(metrics.enabled)}`));
    }
    if (!Array.isArray(metrics.allowCidrs)) {
        problems.push(at("metrics.allowCidrs", `metrics.allowCidrs must be a list of IPs or CIDRs, got ${show(metrics.allowCidrs)}`));
    } else {
        if (metrics.allowCidrs.length > 0 && metrics.enabled === false) {
            problems.push(at("metrics.allowCidrs", `metrics.allowCidrs (${show(metrics.allowCidrs)}) is set but metrics.enabled is false: there is no stub_status`));
        }
        problems.push(...cidrListProblems("metrics.allowCidrs", metrics.allowCidrs, { allowIp: true, example: "10.244.0.0/16" }));
    }
    if (metrics.exporter !== undefined) {
        if (metrics.enabled === false) {
            problems.push(at("metrics.exporter", "metrics.exporter is set but metrics.enabled is false: the exporter reads stub_status, which is then not served"));
        }
        problems.push(image?.problem, ...(resources?.problems ?? []));
    }
    return { settings: { metrics }, problems: found(problems) };
}

/** Where the exporter reads stub_status: the nginx container, over the pod's shared loopback. @internal */
export const EXPORTER_SCRAPE_URI = `http://127.0.0.1:${STATUS_PORT.containerPort}${STATUS_PATH}`;

/** The nginx container's status port, when `metrics.enabled`. @internal */
export function statusContainerPorts(settings: MetricsSettings): k8s.types.input.core.v1.ContainerPort[] {
    return settings.metrics.enabled ? [{ ...STATUS_PORT, protocol: "TCP" }] : [];
}

/**
 * The exporter sidecar, when `metrics.exporter` is set: nginx-prometheus-exporter reading
 * {@link EXPORTER_SCRAPE_URI}, serving Prometheus metrics on the metrics port. Restricted like nginx
 * (non-root, read-only root filesystem, no capability). A liveness probe on its metrics endpoint
 * restarts a hung exporter (and only it); no readiness probe: the pod's readiness already waits for the
 * container to run, and a probe here would take nginx out of the Service whenever the exporter alone is
 * slow. A pod whose exporter cannot start (an image that cannot be pulled) is not Ready; with
 * maxUnavailable 0 the rollout then stops with the old pods serving.
 * @see https://github.com/nginx/nginx-prometheus-exporter#command-line-arguments
 * @internal
 */
export function exporterContainers(settings: MetricsSettings): k8s.types.input.core.v1.Container[] {
    const exporter = settings.metrics.exporter;
    if (exporter === undefined) {
        return [];
    }
    return [
        {
            name: EXPORTER_CONTAINER_NAME,
            image: exporter.image,
            args: [`--nginx.scrape-uri=${EXPORTER_SCRAPE_URI}`, `--web.listen-address=:${METRICS_PORT.containerPort}`, `--web.telemetry-path=${METRICS_PATH}`],
            ports: [{ ...METRICS_PORT, protocol: "TCP" }],
            livenessProbe: { httpGet: { path: METRICS_PATH, port: METRICS_PORT.name }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
            resources: containerResources(exporter.resources),
            securityContext: CONTAINER_SECURITY_CONTEXT,
        },
    ];
}

/**
 * The pod annotations Prometheus' usual Kubernetes scrape configuration (and many agents) read, pointing
 * at the exporter; none without it, since stub_status is not in Prometheus' text format.
 * @see https://github.com/prometheus/prometheus/blob/main/documentation/examples/prometheus-kubernetes.yml
 * @internal
 */
export function scrapeAnnotations(settings: MetricsSettings): { [key: string]: string } | undefined {
    if (settings.metrics.exporter === undefined) {
        return undefined;
    }
    return {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(METRICS_PORT.containerPort),
        "prometheus.io/path": METRICS_PATH,
    };
}
