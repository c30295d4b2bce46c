import * as net from "net";
import * as pulumi from "@pulumi/pulumi";
import { at, checkDns1123Label, checkEnum, checkInput, checkPort, checkPositiveInt, found, isDns1035Label, isDnsName, isPlain, keyValueProblems, Problem, Resolved, show, withDefaults } from "./checks";
import { NamingSettings, serviceFqdn } from "./names";

// Your app behind nginx: the Service nginx proxies `location /` to. The proxy itself is rendered by
// ./nginxConfig; the NetworkPolicy's egress rule to it by ./networkPolicy.

/**
 * The protocol nginx speaks to the upstream.
 * @see https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass
 */
export const UpstreamScheme = {
    /** Plain HTTP/1.1. */
    HTTP: "http",
    /** TLS to the upstream, with the upstream's FQDN as SNI; its certificate is not verified. */
    HTTPS: "https",
} as const;
export type UpstreamScheme = (typeof UpstreamScheme)[keyof typeof UpstreamScheme];

/**
 * Your app behind nginx: a Service that nginx reverse-proxies `location /` to, terminating TLS in front
 * of it. nginx resolves `<name>.<namespace>.svc.<clusterDomain>` when a request comes, not at start, so
 * it starts and stays Ready before the Service exists, answering 502 until the name resolves (at most
 * from the first request after the cluster DNS knows the Service); `/healthz` never depends on the upstream.
 * @see https://nginx.org/en/docs/http/ngx_http_proxy_module.html
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
 */
export interface Upstream {
    /** Name of the upstream's Service (a DNS-1035 label). */
    name: pulumi.Input<string>;
    /** The Service's port, 1-65535. */
    port: number;
    /**
     * Namespace of the upstream's Service.
     * @default - the component's namespace
     */
    namespace?: pulumi.Input<string>;
    /**
     * Protocol to the upstream.
     * @default "http"
     */
    scheme?: UpstreamScheme;
    /**
     * The port the upstream's pods listen on (the Service's `targetPort`), which is what the
     * NetworkPolicy's egress rule must allow: policies see the packet after the Service's address and
     * port are translated to the pod's.
     * @default - `port`
     * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
     */
    targetPort?: number;
    /**
     * Labels of the upstream's pods. With them the NetworkPolicy allows egress on `targetPort` to those
     * pods only (in the upstream's namespace); without them, to any address on that port, because a
     * policy cannot name a Service.
     * @default - egress on `targetPort` to any address
     */
    podLabels?: { [key: string]: string };
    /**
     * The DNS server nginx asks for the upstream's address: an IP address or a DNS name (resolved once,
     * when nginx starts), with an optional port: `10.96.0.10`, `10.96.0.10:53`, `[fd00::a]:53`.
     * @default - the cluster DNS Service, `kube-dns.kube-system.svc.<clusterDomain>`, which nginx resolves
     * once, when it starts, through the pod's /etc/resolv.conf (where the kubelet puts the cluster DNS)
     * @see https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver
     */
    resolver?: string;
    /**
     * How long nginx waits for the upstream to accept a connection, and between two reads or two writes
     * of a request or response (a WebSocket idle for longer is closed), in seconds.
     * @default 60 (nginx's own)
     * @see https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout
     */
    proxyTimeoutSeconds?: number;
    /**
     * Largest request body nginx accepts, as nginx spells a size (`512k`, `10m`, `1g`; `0`: no limit);
     * larger requests get 413. Bodies are streamed to the upstream, not buffered on the pod's disk.
     * @default "1m" (nginx's own)
     * @see https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size
     */
    clientMaxBodySize?: string;
}

/** What {@link Upstream} fields left unset are, as their `@default` says. @internal */
export const UPSTREAM_DEFAULTS = {
    scheme: UpstreamScheme.HTTP as UpstreamScheme,
    proxyTimeoutSeconds: 60,
    clientMaxBodySize: "1m",
};

/**
 * The cluster DNS Service nginx asks when `upstream.resolver` is unset: `kube-dns` in `kube-system` is
 * the name kubeadm, kind, k3s, GKE, EKS and AKS give it (CoreDNS included).
 * @internal
 */
export const CLUSTER_DNS_SERVICE = { name: "kube-dns", namespace: "kube-system" } as const;

/** {@link Upstream} with its defaults applied. @internal */
export interface ResolvedUpstream {
    name: pulumi.Input<string>;
    port: number;
    /** The upstream's namespace as given; undefined: the component's own, `namespaceForNames`. */
    namespace: pulumi.Input<string> | undefined;
    scheme: UpstreamScheme;
    targetPort: number;
    podLabels: { [key: string]: string } | undefined;
    /** What nginx's `resolver` directive gets: the given address, else the cluster DNS Service's name. */
    resolver: string;
    proxyTimeoutSeconds: number;
    clientMaxBodySize: string;
}

/** @internal */
export interface UpstreamSettings {
    /** Undefined when `upstream` is not given: nginx serves files. */
    upstream: ResolvedUpstream | undefined;
}

/** The fields of {@link Upstream}: anything else given (from JavaScript or another language) is refused. */
const UPSTREAM_FIELDS: (keyof Upstream)[] = ["name", "port", "namespace", "scheme", "targetPort", "podLabels", "resolver", "proxyTimeoutSeconds", "clientMaxBodySize"];

/** A size as nginx's `client_max_body_size` reads it: a whole number of bytes, k, m or g. */
const NGINX_SIZE = /^[0-9]+[kKmMgG]?$/;

/** `IP`, `IP:port`, `[IPv6]`, `[IPv6]:port` or a DNS name with an optional port: what nginx's `resolver` takes. @internal */
export function isResolverAddress(value: string): boolean {
    if (typeof value !== "string") return false;
    const bracketed = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(value);
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : /^([^:]+)(?::([0-9]{1,5}))?$/.exec(value)?.slice(1) ?? [undefined, undefined];
    if (host === undefined) return false;
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
    if (bracketed) return net.isIPv6(host);
    return net.isIPv4(host) || isDnsName(host, { wildcard: false });
}

/** `upstream.name`: a Service name, so a DNS-1035 label. */
function checkUpstreamName(value: string): Problem | undefined {
    if (!isDns1035Label(value)) {
        return at("upstream.name", `upstream.name ${show(value)} must be a Service name, a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters)`);
    }
    return undefined;
}

/**
 * `upstream` with its defaults (the resolver is the cluster DNS Service in `naming.clusterDomain`), and
 * its checks: the Service's name and namespace (now, or when they resolve), that it is not this
 * instance's own Service, how nginx reaches it. Its NetworkPolicy-only fields with the policy off are a
 * cross-feature rule.
 * @internal
 */
export function resolveUpstream(component: string, given: Upstream | undefined, naming: NamingSettings): Resolved<UpstreamSettings> {
    if (given === undefined) {
        return { settings: { upstream: undefined }, problems: [] };
    }
    const problems: (Problem | undefined)[] = [];
    const givenFields = given as unknown as Record<string, unknown>;
    for (const key of Object.keys(givenFields).filter((k) => givenFields[k] !== undefined && !(UPSTREAM_FIELDS as string[]).includes(k))) {
        problems.push(at(`upstream.${key}`, `upstream.${key} is not a field of upstream (${UPSTREAM_FIELDS.join(", ")})`));
    }
    const name = given.name === undefined ? undefined : checkInput(component, given.name, checkUpstreamName);
    const namespace = given.namespace === undefined ? undefined : checkInput(component, given.namespace, (ns) => checkDns1123Label("upstream.namespace", ns));
    const upstream: ResolvedUpstream = {
        ...withDefaults(given, UPSTREAM_DEFAULTS),
        name: name?.value as pulumi.Input<string>,
        port: given.port,
        namespace: namespace?.value,
        targetPort: given.targetPort ?? given.port,
        podLabels: given.podLabels,
        resolver: given.resolver ?? serviceFqdn(CLUSTER_DNS_SERVICE.name, CLUSTER_DNS_SERVICE.namespace, naming.clusterDomain),
    };
    problems.push(name === undefined ? at("upstream.name", "upstream.name is required: the name of the Service nginx proxies to") : name.problem);
    problems.push(namespace?.problem);
    // The component's own Service: every request would come back to nginx until the connections run out.
    const sameNamespace = given.namespace === undefined || (isPlain(given.namespace) && given.namespace === (isPlain(naming.namespace) ? naming.namespace : undefined));
    if (given.name === naming.name && sameNamespace) {
        problems.push(at("upstream.name", `upstream.name ${show(given.name)} is this NginxService's own Service: nginx would proxy every request to itself`));
    }
    problems.push(upstream.port === undefined ? at("upstream.port", "upstream.port is required: the Service's port nginx connects to") : checkPort("upstream.port", upstream.port));
    if (given.targetPort !== undefined) problems.push(checkPort("upstream.targetPort", upstream.targetPort));
    problems.push(checkEnum("upstream.scheme", upstream.scheme, UpstreamScheme));
    if (!isResolverAddress(upstream.resolver)) {
        problems.push(at("upstream.resolver", `upstream.resolver ${show(upstream.resolver)} must be an IP address or DNS name with an optional port (10.96.0.10, 10.96.0.10:53, [fd00::a]:53)`));
    }
    problems.push(checkPositiveInt("upstream.proxyTimeoutSeconds", upstream.proxyTimeoutSeconds));
    if (typeof upstream.clientMaxBodySize !== "string" || !NGINX_SIZE.test(upstream.clientMaxBodySize)) {
        problems.push(at("upstream.clientMaxBodySize", `upstream.clientMaxBodySize ${show(upstream.clientMaxBodySize)} must be a size as nginx reads it: a whole number with an optional k, m or g (like "10m"; "0" for no limit)`));
    }
    const labels = upstream.podLabels;
    if (labels !== undefined) {
        if (typeof labels !== "object" || labels === null || Object.keys(labels).length === 0) {
            problems.push(at("upstream.podLabels", `upstream.podLabels must hold at least one label (leave it unset to allow the port to any address), got ${show(labels)}`));
        } else {
            problems.push(...keyValueProblems("upstream.podLabels", labels, { labels: true }));
        }
    }
    return { settings: { upstream }, problems: found(problems) };
}

/**
 * The upstream Service's FQDN, once its name and namespace are known; without `upstream.namespace`, in
 * the namespace the component's objects land in (`namespaceForNames`).
 * @internal
 */
export function upstreamFqdn(settings: NamingSettings & UpstreamSettings): pulumi.Output<string> {
    const upstream = settings.upstream!;
    return pulumi.all([upstream.name, upstream.namespace ?? settings.namespaceForNames]).apply(([name, namespace]) => serviceFqdn(name, namespace, settings.clusterDomain));
}
