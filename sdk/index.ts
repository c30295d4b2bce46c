// The public API of nginx-service: only what is exported here is a promise. The package's type
// declarations are built with `stripInternal`, so what the other modules mark internal (there for
// the component's own modules and its tests) is not in them.
export type { NginxServiceArgs } from "./args";
export type { AutoscalingArgs } from "./availability";
export type { ContentArgs } from "./content";
export type { HeadersArgs, HstsArgs } from "./headers";
export type { MetricsArgs, MetricsExporterArgs } from "./metrics";
export type { NamingArgs } from "./names";
export type { NetworkPolicyArgs, NetworkPolicyPeerArgs } from "./networkPolicy";
export { NginxService } from "./nginxService";
export type { NodePortsOutput } from "./nginxService";
export { NginxServiceArgsError } from "./checks";
export type { ResourcesArgs } from "./pod";
export { Cloud, ExternalTrafficPolicy, IpFamily, IpFamilyPolicy, ServiceType } from "./service";
export type { LoadBalancerArgs, NodePortsArgs, ServiceArgs } from "./service";
export { KeyAlgorithm } from "./tls";
export type { TlsArgs } from "./tls";
export { UpstreamScheme } from "./upstream";
export type { UpstreamArgs } from "./upstream";
export type { WorkloadArgs } from "./workload";
