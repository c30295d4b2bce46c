// The public API of nginx-service: only what is exported here is a promise. The package's type
// declarations are built with `stripInternal`, so what the other modules mark internal (there for
// the component's own modules and its tests) is not in them.
export type { NginxServiceArgs } from "./args";
export type { Autoscaling } from "./availability";
export type { Content } from "./content";
export type { HeadersArgs, Hsts } from "./headers";
export type { Metrics, MetricsExporter } from "./metrics";
export type { NamingArgs } from "./names";
export type { NetworkPolicy, NetworkPolicyPeer } from "./networkPolicy";
export { NginxService } from "./nginxService";
export type { NodePortAllocation } from "./nginxService";
export { NginxServiceArgsError } from "./checks";
export type { Resources } from "./pod";
export { Cloud, ExternalTrafficPolicy, IpFamily, IpFamilyPolicy, ServiceType } from "./service";
export type { LoadBalancer, NodePorts, ServiceArgs } from "./service";
export { KeyAlgorithm } from "./tls";
export type { Tls } from "./tls";
export { UpstreamScheme } from "./upstream";
export type { Upstream } from "./upstream";
export type { WorkloadArgs } from "./workload";

// The names of 0.1.0. Other languages' SDK generators add `Args` to every input type's name, so the
// interfaces are named without it (`Tls` becomes `TlsArgs` in Python and Go, not `TlsArgsArgs`); these
// aliases keep TypeScript programs written against the old names compiling.
import type { Autoscaling } from "./availability";
import type { Content } from "./content";
import type { Hsts } from "./headers";
import type { Metrics, MetricsExporter } from "./metrics";
import type { NetworkPolicy, NetworkPolicyPeer } from "./networkPolicy";
import type { NodePortAllocation } from "./nginxService";
import type { Resources } from "./pod";
import type { LoadBalancer, NodePorts } from "./service";
import type { Tls } from "./tls";
import type { Upstream } from "./upstream";
/** @deprecated Use {@link Autoscaling}. */
export type AutoscalingArgs = Autoscaling;
/** @deprecated Use {@link Content}. */
export type ContentArgs = Content;
/** @deprecated Use {@link Hsts}. */
export type HstsArgs = Hsts;
/** @deprecated Use {@link LoadBalancer}. */
export type LoadBalancerArgs = LoadBalancer;
/** @deprecated Use {@link Metrics}. */
export type MetricsArgs = Metrics;
/** @deprecated Use {@link MetricsExporter}. */
export type MetricsExporterArgs = MetricsExporter;
/** @deprecated Use {@link NetworkPolicy}. */
export type NetworkPolicyArgs = NetworkPolicy;
/** @deprecated Use {@link NetworkPolicyPeer}. */
export type NetworkPolicyPeerArgs = NetworkPolicyPeer;
/** @deprecated Use {@link NodePorts}. */
export type NodePortsArgs = NodePorts;
/** @deprecated Use {@link NodePortAllocation}. */
export type NodePortsOutput = NodePortAllocation;
/** @deprecated Use {@link Resources}. */
export type ResourcesArgs = Resources;
/** @deprecated Use {@link Tls}. */
export type TlsArgs = Tls;
/** @deprecated Use {@link Upstream}. */
export type UpstreamArgs = Upstream;
