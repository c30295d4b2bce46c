import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicyPeerArgs } from "./args";
import { HTTP_PORT, HTTPS_PORT } from "./pod";
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
 * The egress rule to the upstream, or undefined without one: TCP to `upstream.targetPort` (the pod's
 * port: policies see connections after the Service's address is translated to a pod's). A policy
 * cannot name a Service, so with `upstream.podLabels` it allows the pods with those labels (in the
 * upstream's namespace when one is given, else in the component's), and without them any address on
 * that port.
 */
export function upstreamEgressRule(settings: Settings): k8s.types.input.networking.v1.NetworkPolicyEgressRule | undefined {
    const upstream = settings.upstream;
    if (upstream === undefined) {
        return undefined;
    }
    const ports = [{ port: upstream.targetPort, protocol: "TCP" }];
    if (upstream.podLabels === undefined) {
        return { ports };
    }
    const namespaceSelector = upstream.namespace !== undefined
        ? { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: upstream.namespace } } }
        : {};
    return { ports, to: [{ ...namespaceSelector, podSelector: { matchLabels: upstream.podLabels } }] };
}

/** The label the API server sets on every namespace, its name: how a policy selects one namespace. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * The NetworkPolicy of the instance's pods, or undefined with `networkPolicy.enabled: false`. Ingress:
 * only nginx's container ports, from anywhere or from `networkPolicy.allowFrom`. Egress: the upstream's
 * port with `upstream` ({@link upstreamEgressRule}), and DNS (port 53, UDP and TCP) to any address: a policy cannot name a Service, and the cluster's DNS may be
 * CoreDNS pods, a node-local cache on a link-local address or the cloud's resolver, so the port is what
 * is narrowed. Kubelet probes come from the node, which NetworkPolicy always lets through.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function createNetworkPolicy(settings: Settings, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy | undefined {
    const policy = settings.networkPolicy;
    if (!policy.enabled) {
        return undefined;
    }
    const upstreamRule = upstreamEgressRule(settings);
    const ports = [HTTP_PORT, ...(settings.tls.enabled ? [HTTPS_PORT] : [])].map((port) => ({ port: port.containerPort, protocol: "TCP" }));
    return new k8s.networking.v1.NetworkPolicy(
        `${settings.name}-network-policy`,
        {
            metadata: { name: settings.name, namespace: settings.namespace, labels: settings.labels },
            spec: {
                podSelector: { matchLabels: settings.selectorLabels },
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ ports, ...(policy.allowFrom === undefined ? {} : { from: policy.allowFrom.map(networkPolicyPeer) }) }],
                egress: [{ ports: [{ port: DNS_PORT, protocol: "UDP" }, { port: DNS_PORT, protocol: "TCP" }] }, ...(upstreamRule === undefined ? [] : [upstreamRule])],
            },
        },
        { ...opts, deleteBeforeReplace: true },
    );
}
