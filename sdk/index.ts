// The public API of nginx-service. Everything else in sdk/ is reachable for tests and for readers,
// but only what is exported here is a promise.
export { Cloud, ExternalTrafficPolicy, IpFamily, IpFamilyPolicy, KeyAlgorithm, ServiceType, UpstreamScheme } from "./args";
export type { AutoscalingArgs, HstsArgs, LoadBalancerArgs, NetworkPolicyArgs, NetworkPolicyPeerArgs, NginxServiceArgs, NodePortsArgs, ResourcesArgs, TlsArgs, UpstreamArgs } from "./args";
export { NginxService } from "./nginxService";
export type { NodePortsOutput } from "./nginxService";
export { NginxServiceArgsError } from "./validation";
