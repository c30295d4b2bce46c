import * as k8s from "@pulumi/kubernetes";
import { CONTAINER_SECURITY_CONTEXT, EXPORTER_CONTAINER_NAME, METRICS_PATH, METRICS_PORT, STATUS_PATH, STATUS_PORT } from "./pod";
import type { Settings } from "./settings";

/** Where the exporter reads stub_status: the nginx container, over the pod's shared loopback. */
export const EXPORTER_SCRAPE_URI = `http://127.0.0.1:${STATUS_PORT.containerPort}${STATUS_PATH}`;

/** The nginx container's status port, when `metrics.enabled`. */
export function statusContainerPorts(settings: Settings): k8s.types.input.core.v1.ContainerPort[] {
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
 */
export function exporterContainers(settings: Settings): k8s.types.input.core.v1.Container[] {
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
            resources: {
                requests: { cpu: exporter.resources.cpuRequest, memory: exporter.resources.memoryRequest },
                limits: { cpu: exporter.resources.cpuLimit, memory: exporter.resources.memoryLimit },
            },
            securityContext: CONTAINER_SECURITY_CONTEXT,
        },
    ];
}

/**
 * The pod annotations Prometheus' usual Kubernetes scrape configuration (and many agents) read, pointing
 * at the exporter; none without it, since stub_status is not in Prometheus' text format.
 * @see https://github.com/prometheus/prometheus/blob/main/documentation/examples/prometheus-kubernetes.yml
 */
export function scrapeAnnotations(settings: Settings): { [key: string]: string } | undefined {
    if (settings.metrics.exporter === undefined) {
        return undefined;
    }
    return {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(METRICS_PORT.containerPort),
        "prometheus.io/path": METRICS_PATH,
    };
}
