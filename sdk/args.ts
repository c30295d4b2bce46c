import type { Autoscaling, AvailabilitySettings } from "./availability";
import type { Content, ContentSettings } from "./content";
import type { HeadersArgs, HeadersSettings } from "./headers";
import type { Metrics, MetricsSettings } from "./metrics";
import type { NamingArgs, NamingSettings } from "./names";
import type { NetworkPolicy, NetworkPolicySettings } from "./networkPolicy";
import type { ServiceArgs, ServiceSettings } from "./service";
import type { Tls, TlsSettings } from "./tls";
import type { Upstream, UpstreamSettings } from "./upstream";
import type { WorkloadArgs, WorkloadSettings } from "./workload";

// The component's arguments, composed of each feature's, and the settings they resolve to. Each
// feature's fields, with their documentation and defaults, are in the feature's module.

/** The arguments of {@link NginxService}. Every field is optional. */
export interface NginxServiceArgs extends NamingArgs, WorkloadArgs, ServiceArgs, HeadersArgs {
    /**
     * TLS settings.
     * @default - a generated RSA key and a one-year self-signed certificate
     */
    tls?: Tls;
    /**
     * Scale the Deployment with a HorizontalPodAutoscaler instead of a fixed `replicas` (which must then
     * be unset).
     * @default - no autoscaler; `replicas` pods
     * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
     */
    autoscaling?: Autoscaling;
    /**
     * A NetworkPolicy for the pods: ingress only to nginx's ports (from anywhere, or from `allowFrom`),
     * egress only to DNS. `{ enabled: false }` creates none.
     * @default - created, ingress from any source
     * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
     */
    networkPolicy?: NetworkPolicy;
    /**
     * Reverse-proxy `location /` to your app's Service instead of serving files.
     * @default - nginx serves the image's document root
     * @see https://nginx.org/en/docs/http/ngx_http_proxy_module.html
     */
    upstream?: Upstream;
    /**
     * Files to serve instead of the image's welcome page: `files` from the program or an existing
     * ConfigMap (`configMapName`), mounted read-only at the document root.
     * @default - the image's own document root (its welcome page)
     * @see https://kubernetes.io/docs/concepts/configuration/configmap/
     */
    content?: Content;
    /**
     * `stub_status` on container port 8081 (not in the Service), and optionally a Prometheus exporter
     * sidecar with scrape annotations.
     * @default - stub_status on, no exporter
     * @see https://nginx.org/en/docs/http/ngx_http_stub_status_module.html
     */
    metrics?: Metrics;
}

/**
 * Every argument with its default applied, and the values derived from it: what the feature modules
 * build from, so each default is applied in exactly one place.
 * @internal
 */
export type Settings = NamingSettings &
    WorkloadSettings &
    ServiceSettings &
    HeadersSettings &
    TlsSettings &
    AvailabilitySettings &
    NetworkPolicySettings &
    UpstreamSettings &
    ContentSettings &
    MetricsSettings;
