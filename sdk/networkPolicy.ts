import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicyPeerArgs } from "./args";
import { HTTP_PORT, HTTPS_PORT, METRICS_PORT, STATUS_PORT } from "./pod";
import { Settings } from "./settings";

/** DNS, the one destination nginx may reach: UDP, and TCP for answers too large for a datagram. */
export const DNS_PORT = 53;

/** One allowed source, as the API spells it: an IP block alone, or namespace and/or pod selectors. */
export function networkPolicyPeer(peer: NetworkPolicyPeerArgs): k8s.types.input.networking.v1.NetworkPolicyPeer {
    if (peer.cidr !== undefined) {
        return { ipBlock: { cidr: peer.cidr } };
    }
    return {
        ...(peer.namespaceLabels !== undefined ? { namespaceSelector: { matchLabels: peer.namespaceLabels } } : {}),
        ...(peer.podLabels !== undefined ? { podSelector: { matchLabels: peer.podLabels } } : {}),
    };
}

/**
 * The metrics ports a scraper connects to: the exporter's, and stub_status's when `metrics.allowCidrs`
 * lets anyone but the pod's loopback read it. They are in the same rule as nginx's other ports, from
 * the same sources (`allowFrom`, or any): a scraper in another namespace is one more `allowFrom` entry.
 * The exporter's own reads of stub_status go over the pod's loopback, which NetworkPolicy does not filter.
 */
export function metricsPorts(settings: Settings): { name: string; containerPort: number }[] {
    if (!settings.metrics.enabled) {
        return [];
    }
    return [...(settings.metrics.allowCidrs.length > 0 ? [STATUS_PORT] : []), ...(settings.metrics.exporter !== undefined ? [METRICS_PORT] : [])];
}

/**
 * The NetworkPolicy of the instance's pods, or undefined with `networkPolicy.enabled: false`. Ingress:
 * only nginx's container ports, from anywhere or from `networkPolicy.allowFrom`. Egress: only DNS (port
 * 53, UDP and TCP) to any address: a policy cannot name a Service, and the cluster's DNS may be
 * CoreDNS pods, a node-local cache on a link-local address or the cloud's resolver, so the port is what
 * is narrowed. Kubelet probes come from the node, which NetworkPolicy always lets through.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function createNetworkPolicy(settings: Settings, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy | undefined {
    const policy = settings.networkPolicy;
    if (!policy.enabled) {
        return undefined;
    }
    const ports = [HTTP_PORT, ...(settings.tls.enabled ? [HTTPS_PORT] : []), ...metricsPorts(settings)].map((port) => ({ port: port.containerPort, protocol: "TCP" }));
    return new k8s.networking.v1.NetworkPolicy(
        `${settings.name}-network-policy`,
        {
            metadata: { name: settings.name, namespace: settings.namespace, labels: settings.labels },
            spec: {
                podSelector: { matchLabels: settings.selectorLabels },
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ ports, ...(policy.allowFrom === undefined ? {} : { from: policy.allowFrom.map(networkPolicyPeer) }) }],
                egress: [{ ports: [{ port: DNS_PORT, protocol: "UDP" }, { port: DNS_PORT, protocol: "TCP" }] }],
            },
        },
        { ...opts, deleteBeforeReplace: true },
    );
}
