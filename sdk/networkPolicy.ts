import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { at, checkBoolean, found, isCidr, keyValueProblems, Problem, Resolved, show, withDefaults } from "./checks";
import { MetricsSettings } from "./metrics";
import { NamingSettings } from "./names";
import { HTTP_PORT, HTTPS_PORT, METRICS_PORT, STATUS_PORT } from "./pod";
import { TlsSettings } from "./tls";
import { UpstreamSettings } from "./upstream";

/**
 * A source allowed to reach nginx: pods by labels (in the component's namespace, or in the namespaces
 * `namespaceLabels` selects), all pods of the namespaces with `namespaceLabels`, or an IP range. `cidr`
 * cannot be combined with the labels (the API's rule).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
export interface NetworkPolicyPeer {
    /**
     * Labels of the namespaces whose pods may connect (`kubernetes.io/metadata.name` selects one by name).
     * @default - the component's namespace, when `podLabels` is set
     */
    namespaceLabels?: { [key: string]: string };
    /**
     * Labels of the pods that may connect.
     * @default - every pod of the selected namespaces
     */
    podLabels?: { [key: string]: string };
    /**
     * Clients in this IP range (like 203.0.113.0/24), such as a load balancer's or an office's; what
     * nginx sees as the source depends on the Service's `externalTrafficPolicy`.
     * @default - none
     */
    cidr?: string;
}

/**
 * The NetworkPolicy of the nginx pods: ingress only to nginx's ports, egress only to DNS. It takes
 * effect where the cluster's network plugin enforces NetworkPolicy.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface NetworkPolicy {
    /**
     * Create the NetworkPolicy. `false` leaves the pods' traffic unrestricted.
     * @default true
     */
    enabled?: boolean;
    /**
     * Sources allowed to reach nginx's ports; at least one when given.
     * @default - any source, in the cluster or outside it
     */
    allowFrom?: NetworkPolicyPeer[];
}

/** What {@link NetworkPolicy} fields left unset are, as their `@default` says. @internal */
export const NETWORK_POLICY_DEFAULTS = {
    enabled: true,
};

/** @internal */
export interface NetworkPolicySettings {
    networkPolicy: { enabled: boolean; allowFrom: NetworkPolicyPeer[] | undefined };
}

/** `networkPolicy` with its defaults, and its allowed sources, each a valid API peer. @internal */
export function resolveNetworkPolicy(given: NetworkPolicy | undefined): Resolved<NetworkPolicySettings> {
    const policy = { ...withDefaults(given, NETWORK_POLICY_DEFAULTS), allowFrom: given?.allowFrom };
    const settings = { networkPolicy: policy };
    const problems: (Problem | undefined)[] = [checkBoolean("networkPolicy.enabled", policy.enabled)];
    const allowFrom = policy.allowFrom;
    if (allowFrom === undefined) {
        return { settings, problems: found(problems) };
    }
    if (!policy.enabled) {
        problems.push(at("networkPolicy.allowFrom", `networkPolicy.allowFrom (${show(allowFrom)}) is set but networkPolicy.enabled is false: nothing restricts the pods`));
    }
    if (!Array.isArray(allowFrom) || allowFrom.length === 0) {
        // An empty list would read as "nobody" but the API's empty `from` means "everyone".
        problems.push(at("networkPolicy.allowFrom", `networkPolicy.allowFrom must list at least one source (leave it unset to allow any), got ${show(allowFrom)}`));
        return { settings, problems: found(problems) };
    }
    allowFrom.forEach((peer, i) => problems.push(...peerProblems(`networkPolicy.allowFrom[${i}]`, peer)));
    return { settings, problems: found(problems) };
}

function peerProblems(field: string, peer: NetworkPolicyPeer | undefined): Problem[] {
    const problems: Problem[] = [];
    const set = Object.entries(peer ?? {}).filter(([, value]) => value !== undefined).map(([key]) => key);
    if (set.length === 0) {
        problems.push(at(field, `${field} must set namespaceLabels, podLabels or cidr, got ${show(peer)}`));
    }
    if (peer?.cidr !== undefined) {
        if (typeof peer.cidr !== "string" || !isCidr(peer.cidr)) {
            problems.push(at(`${field}.cidr`, `${field}.cidr ${show(peer.cidr)} is not a CIDR (like 203.0.113.0/24)`));
        }
        if (peer.namespaceLabels !== undefined || peer.podLabels !== undefined) {
            problems.push(at(`${field}.cidr`, `${field}.cidr cannot be combined with namespaceLabels or podLabels in one source (the API's rule): list them as separate sources`));
        }
    }
    for (const key of ["namespaceLabels", "podLabels"] as const) {
        const labels = peer?.[key];
        if (labels === undefined) continue;
        if (typeof labels !== "object" || Object.keys(labels).length === 0) {
            // An empty selector selects every namespace (or pod): say so with a field, not by accident.
            problems.push(at(`${field}.${key}`, `${field}.${key} must hold at least one label, got ${show(labels)}`));
        } else {
            problems.push(...keyValueProblems(`${field}.${key}`, labels, { labels: true }));
        }
    }
    return problems;
}

/** DNS, the one destination nginx may reach: UDP, and TCP for answers too large for a datagram. @internal */
export const DNS_PORT = 53;

/** One allowed source, as the API spells it: an IP block alone, or namespace and/or pod selectors. @internal */
export function networkPolicyPeer(peer: NetworkPolicyPeer): k8s.types.input.networking.v1.NetworkPolicyPeer {
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
 * @internal
 */
export function upstreamEgressRule(settings: UpstreamSettings): k8s.types.input.networking.v1.NetworkPolicyEgressRule | undefined {
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

/** The label the API server sets on every namespace, its name: how a policy selects one namespace. @internal */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * The metrics ports a scraper connects to: the exporter's, and stub_status's when `metrics.allowCidrs`
 * lets anyone but the pod's loopback read it. They are in the same rule as nginx's other ports, from
 * the same sources (`allowFrom`, or any): a scraper in another namespace is one more `allowFrom` entry.
 * The exporter's own reads of stub_status go over the pod's loopback, which NetworkPolicy does not filter.
 * @internal
 */
export function metricsPorts(settings: MetricsSettings): { name: string; containerPort: number }[] {
    if (!settings.metrics.enabled) {
        return [];
    }
    return [...(settings.metrics.allowCidrs.length > 0 ? [STATUS_PORT] : []), ...(settings.metrics.exporter !== undefined ? [METRICS_PORT] : [])];
}

/**
 * The NetworkPolicy of the instance's pods, or undefined with `networkPolicy.enabled: false`. Ingress:
 * only nginx's container ports, from anywhere or from `networkPolicy.allowFrom`. Egress: the upstream's
 * port with `upstream` ({@link upstreamEgressRule}), and DNS (port 53, UDP and TCP) to any address: a policy cannot name a Service, and the cluster's DNS may be
 * CoreDNS pods, a node-local cache on a link-local address or the cloud's resolver, so the port is what
 * is narrowed. Kubelet probes come from the node, which NetworkPolicy always lets through.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * @internal
 */
export function createNetworkPolicy(settings: NamingSettings & NetworkPolicySettings & TlsSettings & MetricsSettings & UpstreamSettings, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy | undefined {
    const policy = settings.networkPolicy;
    if (!policy.enabled) {
        return undefined;
    }
    const upstreamRule = upstreamEgressRule(settings);
    const ports = [HTTP_PORT, ...(settings.tls.enabled ? [HTTPS_PORT] : []), ...metricsPorts(settings)].map((port) => ({ port: port.containerPort, protocol: "TCP" }));
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
