import * as net from "net";
import * as pulumi from "@pulumi/pulumi";
import { Cloud, ExternalTrafficPolicy, IpFamily, IpFamilyPolicy, KeyAlgorithm, NginxServiceArgs, ServiceType, UpstreamArgs, UpstreamScheme } from "./args";
import { TENCENT_INTERNAL_SUBNET } from "./clouds";
import type { Settings } from "./settings";

/**
 * One problem with the arguments: the Pulumi property path of the input it is about (`tls.dnsNames[1]`,
 * `labels["team"]`; `name` for the component's name) and a message that names the field and the value.
 */
export interface Problem {
    path: string;
    message: string;
}

/** A {@link Problem} about the input at `path`. */
export const at = (path: string, message: string): Problem => ({ path, message });

/**
 * Thrown for arguments Kubernetes or nginx would reject (or silently misread). Raised in the
 * constructor before any child resource is registered, so a bad `pulumi up` changes nothing.
 *
 * It is the SDK's own {@link pulumi.InputPropertiesError}: when the component runs as a provider for
 * another language, the engine lists each problem under its property path (`errors`), as it does for
 * other packages. In a TypeScript program, which throws it in-process, `message` is what is printed, so
 * it still names every field and value; `problems` holds the same messages one by one.
 */
export class NginxServiceArgsError extends pulumi.InputPropertiesError {
    /** Each problem's message, in the order they were found. */
    readonly problems: string[];

    constructor(
        readonly component: string,
        problems: Problem[],
    ) {
        super({
            message: `NginxService "${component}" has invalid arguments:\n  - ${problems.map((p) => p.message).join("\n  - ")}`,
            errors: problems.map((p) => ({ propertyPath: p.path, reason: p.message })),
        });
        this.problems = problems.map((p) => p.message);
        this.name = "NginxServiceArgsError";
    }
}

/** Labels the component owns: letting users set them would break the selector. */
export const SELECTOR_LABEL_KEYS = ["app.kubernetes.io/name", "app.kubernetes.io/instance"] as const;

export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kubernetes resource quantities: a signed decimal with an optional binary or decimal suffix.
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const show = (value: unknown): string => JSON.stringify(value);

/** A Service name must be an RFC 1035 label: the API server rejects names that start with a digit. */
export function checkServiceName(value: string): Problem | undefined {
    if (value.length > 63 || !DNS1035_LABEL.test(value)) {
        return at("name", `name ${show(value)} must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters): it becomes the Service's name and DNS name`);
    }
    return undefined;
}

export function checkNamespace(value: string): Problem | undefined {
    if (typeof value !== "string" || value.length > 63 || !DNS1123_LABEL.test(value)) {
        return at("namespace", `namespace ${show(value)} must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)`);
    }
    return undefined;
}

export function checkReplicas(value: number): Problem | undefined {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        return at("replicas", `replicas must be a whole number >= 0, got ${show(value)}`);
    }
    return undefined;
}

export function checkImage(value: string): Problem | undefined {
    if (typeof value !== "string" || value.trim() === "" || /\s/.test(value)) {
        return at("image", `image must be a non-empty image reference without spaces, got ${show(value)}`);
    }
    return undefined;
}

export function checkPort(field: string, value: number, min = 1, max = 65535): Problem | undefined {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        return at(field, `${field} must be a whole number in ${min}-${max}, got ${show(value)}`);
    }
    return undefined;
}

export function checkEnum(field: string, value: string | undefined, allowed: Record<string, string>): Problem | undefined {
    if (value !== undefined && !Object.values(allowed).includes(value)) {
        return at(field, `${field} must be one of ${Object.values(allowed).map(show).join(", ")}, got ${show(value)}`);
    }
    return undefined;
}

export function checkPositiveInt(field: string, value: number | undefined): Problem | undefined {
    if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value <= 0)) {
        return at(field, `${field} must be a whole number > 0, got ${show(value)}`);
    }
    return undefined;
}

/** Parses `a.b.c.d/n` or `x::y/n` strictly; `net.isIP` alone would accept a CIDR without its prefix. */
export function isCidr(value: string): boolean {
    const slash = value.indexOf("/");
    if (slash < 0) {
        return false;
    }
    const ip = value.slice(0, slash);
    const prefix = value.slice(slash + 1);
    const family = net.isIP(ip);
    if (family === 0 || !/^[0-9]{1,3}$/.test(prefix)) {
        return false;
    }
    return Number(prefix) <= (family === 4 ? 32 : 128);
}

function mapProblems(field: string, map: { [key: string]: string } | undefined, valuesAreLabels: boolean): Problem[] {
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(map ?? {})) {
        const slash = key.lastIndexOf("/");
        const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
        const local = slash >= 0 ? key.slice(slash + 1) : key;
        const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_NAME.test(prefix) && !prefix.startsWith("*"));
        if (!prefixOk || local.length > 63 || !QUALIFIED_NAME.test(local)) {
            problems.push(at(`${field}[${show(key)}]`, `${field} key ${show(key)} is not a valid Kubernetes key ([prefix/]name, name at most 63 characters)`));
        }
        if (typeof value !== "string") {
            problems.push(at(`${field}[${show(key)}]`, `${field}[${show(key)}] must be a string, got ${show(value)}`));
        } else if (valuesAreLabels && (value.length > 63 || !LABEL_VALUE.test(value))) {
            problems.push(at(`${field}[${show(key)}]`, `${field}[${show(key)}] value ${show(value)} is not a valid label value (at most 63 characters of letters, digits, '-', '_', '.')`));
        }
    }
    return problems;
}

/**
 * Checks the resolved settings, plus the given args where resolution hides a problem: a field given
 * where it means nothing (a default would be indistinguishable from it), the user's own labels
 * (resolution merges them with the selector's) and resources (resolution drops unknown fields). Problems are collected, not thrown one by one, so a
 * user fixes a whole stack in one round. Values that are unknown Outputs are checked with
 * {@link checkWhenKnown} as they resolve.
 */
export function validateSettings(settings: Settings, given: NginxServiceArgs): void {
    const problems = [
        ...metadataProblems(settings, given),
        ...portProblems(settings, given),
        ...ipFamilyProblems(settings),
        ...tlsProblems(settings, given),
        ...loadBalancerProblems(settings, given),
        ...headerProblems(settings, given),
        ...autoscalingProblems(settings, given),
        ...networkPolicyProblems(settings, given),
        ...upstreamProblems(settings, given),
        ...resourceProblems(given),
        ...labelProblems(settings, given),
    ];
    if (problems.length > 0) {
        throw new NginxServiceArgsError(settings.name, problems);
    }
}

/** The name, and the workload's fields that may be Outputs (checked here when plain). */
export function metadataProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const problems: (Problem | undefined)[] = [checkServiceName(settings.name)];
    if (isPlain(settings.namespace)) problems.push(checkNamespace(settings.namespace));
    if (isPlain(settings.replicas)) problems.push(checkReplicas(settings.replicas));
    if (isPlain(settings.image)) problems.push(checkImage(settings.image));
    problems.push(checkEnum("serviceType", settings.serviceType, ServiceType));
    if (given.tls?.enabled !== undefined && typeof given.tls.enabled !== "boolean") {
        problems.push(at("tls.enabled", `tls.enabled must be true or false, got ${show(given.tls.enabled)}`));
    }
    return problems.filter((p): p is Problem => p !== undefined);
}

/** Service ports and node ports. */
export function portProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const problems: (Problem | undefined)[] = [];
    const tlsEnabled = settings.tls.enabled;
    problems.push(checkPort("httpPort", settings.httpPort));
    if (given.httpsPort !== undefined && !tlsEnabled) {
        problems.push(at("httpsPort", `httpsPort (${show(given.httpsPort)}) is set but tls.enabled is false: there is no HTTPS port`));
    }
    problems.push(checkPort("httpsPort", settings.httpsPort));
    if (tlsEnabled && settings.httpPort === settings.httpsPort) {
        problems.push(at("httpsPort", `httpPort and httpsPort must differ, both are ${show(settings.httpPort)}`));
    }

    if (given.nodePorts !== undefined && settings.serviceType === ServiceType.ClusterIP) {
        problems.push(at("nodePorts", `nodePorts (${show(given.nodePorts)}) needs serviceType NodePort or LoadBalancer, got serviceType ${show(settings.serviceType)}`));
    }
    const { http, https } = settings.nodePorts;
    if (http !== undefined) problems.push(checkPort("nodePorts.http", http, NODE_PORT_MIN, NODE_PORT_MAX));
    if (https !== undefined) {
        problems.push(checkPort("nodePorts.https", https, NODE_PORT_MIN, NODE_PORT_MAX));
        if (!tlsEnabled) {
            problems.push(at("nodePorts.https", `nodePorts.https (${show(https)}) is set but tls.enabled is false: there is no HTTPS port`));
        }
    }
    if (http !== undefined && http === https) {
        problems.push(at("nodePorts.https", `nodePorts.http and nodePorts.https must differ, both are ${show(http)}`));
    }
    return problems.filter((p): p is Problem => p !== undefined);
}

/**
 * The Service's IP families, as the API server checks them, so a bad pair fails before anything is
 * registered: one or two known families, no repeat, and two only with a dual-stack policy (the API
 * defaults an unset policy to SingleStack, which allows one).
 */
export function ipFamilyProblems(settings: Settings): Problem[] {
    const problems: (Problem | undefined)[] = [checkEnum("ipFamilyPolicy", settings.ipFamilyPolicy, IpFamilyPolicy)];
    const families = settings.ipFamilies;
    if (families === undefined) {
        return problems.filter((p): p is Problem => p !== undefined);
    }
    if (!Array.isArray(families) || families.length === 0 || families.length > 2) {
        problems.push(at("ipFamilies", `ipFamilies must list one or two IP families (leave it unset for the cluster's), got ${show(families)}`));
        return problems.filter((p): p is Problem => p !== undefined);
    }
    families.forEach((family, i) => problems.push(checkEnum(`ipFamilies[${i}]`, family, IpFamily)));
    if (families.length === 2 && families[0] === families[1]) {
        problems.push(at("ipFamilies[1]", `ipFamilies must not repeat a family, got ${show(families)}`));
    } else if (families.length === 2 && settings.ipFamilyPolicy !== IpFamilyPolicy.PreferDualStack && settings.ipFamilyPolicy !== IpFamilyPolicy.RequireDualStack) {
        problems.push(
            at("ipFamilyPolicy", `ipFamilies ${show(families)} lists two families, so ipFamilyPolicy must be "PreferDualStack" or "RequireDualStack", got ${show(settings.ipFamilyPolicy ?? "SingleStack (unset)")}`),
        );
    }
    return problems.filter((p): p is Problem => p !== undefined);
}

/** TLS: fields that mean nothing without it or with an existing Secret, and the generated certificate's fields. */
export function tlsProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const problems: (Problem | undefined)[] = [];
    const tls = settings.tls;
    const givenTls = given.tls ?? {};
    const setFields = (keys: string[]) => keys.filter((key) => (givenTls as Record<string, unknown>)[key] !== undefined).map((key) => `tls.${key}`);
    if (!tls.enabled) {
        const others = setFields(Object.keys(givenTls).filter((key) => key !== "enabled"));
        if (others.length > 0) {
            problems.push(at("tls.enabled", `tls.enabled is false but ${others.join(", ")} ${others.length === 1 ? "is" : "are"} set`));
        }
        if (settings.redirectHttpToHttps) {
            problems.push(at("redirectHttpToHttps", "redirectHttpToHttps is true but tls.enabled is false: there is no HTTPS to redirect to"));
        }
        return problems.filter((p): p is Problem => p !== undefined);
    }
    problems.push(checkEnum("tls.keyAlgorithm", tls.keyAlgorithm, KeyAlgorithm));
    problems.push(checkPositiveInt("tls.validityHours", tls.validityHours));
    if (!Number.isInteger(tls.earlyRenewalHours) || tls.earlyRenewalHours < 0) {
        problems.push(at("tls.earlyRenewalHours", `tls.earlyRenewalHours must be a whole number >= 0, got ${show(tls.earlyRenewalHours)}`));
    }
    if (tls.earlyRenewalHours >= tls.validityHours) {
        problems.push(at("tls.earlyRenewalHours", `tls.earlyRenewalHours (${show(tls.earlyRenewalHours)}) must be less than tls.validityHours (${show(tls.validityHours)})`));
    }
    // Checked as given: the default, the component's name, is checked as the name.
    const commonName = givenTls.commonName;
    if (commonName !== undefined && (typeof commonName !== "string" || commonName.length === 0 || commonName.length > 64)) {
        problems.push(at("tls.commonName", `tls.commonName must be 1-64 characters, got ${show(commonName)}`));
    }
    for (const [i, dnsName] of tls.dnsNames.entries()) {
        if (typeof dnsName !== "string" || dnsName.length > 253 || !DNS_NAME.test(dnsName)) {
            problems.push(at(`tls.dnsNames[${i}]`, `tls.dnsNames entry ${show(dnsName)} is not a valid DNS name`));
        }
    }
    for (const [i, ip] of tls.ipAddresses.entries()) {
        if (typeof ip !== "string" || net.isIP(ip) === 0) {
            problems.push(at(`tls.ipAddresses[${i}]`, `tls.ipAddresses entry ${show(ip)} is not an IP address`));
        }
    }
    if (tls.existingSecretName !== undefined) {
        const generatorFields = setFields(["commonName", "dnsNames", "ipAddresses", "validityHours", "earlyRenewalHours", "keyAlgorithm", "rotationTrigger"]);
        if (generatorFields.length > 0) {
            problems.push(at("tls.existingSecretName", `tls.existingSecretName is set, so nothing is generated, but ${generatorFields.join(", ")} ${generatorFields.length === 1 ? "is" : "are"} set too`));
        }
        if (typeof tls.existingSecretName === "string") {
            problems.push(checkSecretName(tls.existingSecretName));
        }
    }
    return problems.filter((p): p is Problem => p !== undefined);
}

/** Options of a LoadBalancer Service. */
export function loadBalancerProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const problems: (Problem | undefined)[] = [];
    const lb = settings.loadBalancer;
    if (given.loadBalancer !== undefined && settings.serviceType !== ServiceType.LoadBalancer) {
        const givenLb = given.loadBalancer as Record<string, unknown>;
        const set = Object.keys(givenLb).filter((key) => givenLb[key] !== undefined).map((key) => `loadBalancer.${key}`);
        problems.push(at("loadBalancer", `${set.length > 0 ? set.join(", ") : "loadBalancer"} needs serviceType LoadBalancer, got serviceType ${show(settings.serviceType)}`));
    }
    problems.push(checkEnum("loadBalancer.cloud", lb.cloud, Cloud));
    problems.push(checkEnum("loadBalancer.externalTrafficPolicy", lb.externalTrafficPolicy, ExternalTrafficPolicy));
    for (const [i, range] of (lb.sourceRanges ?? []).entries()) {
        if (typeof range !== "string" || !isCidr(range)) {
            problems.push(at(`loadBalancer.sourceRanges[${i}]`, `loadBalancer.sourceRanges entry ${show(range)} is not a CIDR (like 203.0.113.0/24)`));
        }
    }
    if (lb.internal && lb.cloud === undefined) {
        problems.push(at("loadBalancer.cloud", `loadBalancer.internal is true but loadBalancer.cloud is not set: the annotation that makes a load balancer internal differs per cloud (${Object.values(Cloud).join(", ")})`));
    }
    if (lb.internal && lb.cloud === Cloud.Tencent && lb.annotations[TENCENT_INTERNAL_SUBNET] === undefined) {
        problems.push(at(`loadBalancer.annotations[${show(TENCENT_INTERNAL_SUBNET)}]`, `loadBalancer.internal with cloud "tencent" needs the subnet: set loadBalancer.annotations[${show(TENCENT_INTERNAL_SUBNET)}] to the subnet ID`));
    }
    problems.push(checkPositiveInt("loadBalancer.timeoutSeconds", lb.timeoutSeconds));
    if (lb.loadBalancerClass !== undefined && (typeof lb.loadBalancerClass !== "string" || lb.loadBalancerClass.length === 0)) {
        problems.push(at("loadBalancer.loadBalancerClass", `loadBalancer.loadBalancerClass must be a non-empty string, got ${show(lb.loadBalancerClass)}`));
    }
    return [...problems.filter((p): p is Problem => p !== undefined), ...mapProblems("loadBalancer.annotations", lb.annotations, false)];
}

/** HSTS and the security headers. */
export function headerProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const problems: (Problem | undefined)[] = [];
    if (typeof settings.securityHeaders !== "boolean") {
        problems.push(at("securityHeaders", `securityHeaders must be true or false, got ${show(settings.securityHeaders)}`));
    }
    const hsts = settings.hsts;
    if (hsts === undefined) {
        return problems.filter((p): p is Problem => p !== undefined);
    }
    if (!settings.tls.enabled) {
        problems.push(at("hsts", `hsts (${show(given.hsts)}) is set but tls.enabled is false: HSTS is sent on HTTPS responses only, and there is no HTTPS`));
    }
    if (!Number.isInteger(hsts.maxAgeSeconds) || hsts.maxAgeSeconds < 0) {
        problems.push(at("hsts.maxAgeSeconds", `hsts.maxAgeSeconds must be a whole number >= 0, got ${show(hsts.maxAgeSeconds)}`));
    }
    if (typeof hsts.includeSubDomains !== "boolean") {
        problems.push(at("hsts.includeSubDomains", `hsts.includeSubDomains must be true or false, got ${show(hsts.includeSubDomains)}`));
    }
    return problems.filter((p): p is Problem => p !== undefined);
}

/** The autoscaler's bounds, and a fixed replica count next to it. */
export function autoscalingProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const autoscaling = settings.autoscaling;
    if (autoscaling === undefined) {
        return [];
    }
    const problems: (Problem | undefined)[] = [];
    if (given.replicas !== undefined) {
        // Checked as given: replicas may be an Output, and any value would fight the autoscaler.
        problems.push(at("replicas", `replicas (${isPlain(given.replicas) ? show(given.replicas) : "an Output"}) is set but autoscaling is set too: the autoscaler owns the replica count, leave replicas unset`));
    }
    problems.push(checkPositiveInt("autoscaling.minReplicas", autoscaling.minReplicas));
    problems.push(checkPositiveInt("autoscaling.maxReplicas", autoscaling.maxReplicas));
    if (autoscaling.maxReplicas < autoscaling.minReplicas) {
        problems.push(at("autoscaling.maxReplicas", `autoscaling.maxReplicas (${show(autoscaling.maxReplicas)}) must be at least autoscaling.minReplicas (${show(autoscaling.minReplicas)})`));
    }
    problems.push(checkPositiveInt("autoscaling.targetCPUUtilizationPercentage", autoscaling.targetCPUUtilizationPercentage));
    return problems.filter((p): p is Problem => p !== undefined);
}

/** The NetworkPolicy's switch and its allowed sources, each a valid API peer. */
export function networkPolicyProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const policy = settings.networkPolicy;
    const problems: Problem[] = [];
    if (typeof policy.enabled !== "boolean") {
        problems.push(at("networkPolicy.enabled", `networkPolicy.enabled must be true or false, got ${show(policy.enabled)}`));
    }
    const allowFrom = policy.allowFrom;
    if (allowFrom === undefined) {
        return problems;
    }
    if (!policy.enabled) {
        problems.push(at("networkPolicy.allowFrom", `networkPolicy.allowFrom (${show(given.networkPolicy?.allowFrom)}) is set but networkPolicy.enabled is false: nothing restricts the pods`));
    }
    if (!Array.isArray(allowFrom) || allowFrom.length === 0) {
        // An empty list would read as "nobody" but the API's empty `from` means "everyone".
        problems.push(at("networkPolicy.allowFrom", `networkPolicy.allowFrom must list at least one source (leave it unset to allow any), got ${show(allowFrom)}`));
        return problems;
    }
    allowFrom.forEach((peer, i) => {
        const field = `networkPolicy.allowFrom[${i}]`;
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
                problems.push(...mapProblems(`${field}.${key}`, labels, true));
            }
        }
    });
    return problems;
}

/** `upstream.name`: a Service name, so a DNS-1035 label. */
export function checkUpstreamName(value: string): Problem | undefined {
    if (typeof value !== "string" || value.length > 63 || !DNS1035_LABEL.test(value)) {
        return at("upstream.name", `upstream.name ${show(value)} must be a Service name, a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters)`);
    }
    return undefined;
}

/** `upstream.namespace`: a namespace name, so a DNS-1123 label. */
export function checkUpstreamNamespace(value: string): Problem | undefined {
    if (typeof value !== "string" || value.length > 63 || !DNS1123_LABEL.test(value)) {
        return at("upstream.namespace", `upstream.namespace ${show(value)} must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)`);
    }
    return undefined;
}

/** A size as nginx's `client_max_body_size` reads it: a whole number of bytes, k, m or g. */
const NGINX_SIZE = /^[0-9]+[kKmMgG]?$/;

/** `IP`, `IP:port`, `[IPv6]`, `[IPv6]:port` or a DNS name with an optional port: what nginx's `resolver` takes. */
export function isResolverAddress(value: string): boolean {
    if (typeof value !== "string") return false;
    const bracketed = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(value);
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : /^([^:]+)(?::([0-9]{1,5}))?$/.exec(value)?.slice(1) ?? [undefined, undefined];
    if (host === undefined) return false;
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
    if (bracketed) return net.isIPv6(host);
    return net.isIPv4(host) || (host.length <= 253 && DNS_NAME.test(host) && !host.startsWith("*"));
}

const UPSTREAM_FIELDS: (keyof UpstreamArgs)[] = ["name", "port", "namespace", "scheme", "targetPort", "podLabels", "resolver", "proxyTimeoutSeconds", "clientMaxBodySize"];

/** The upstream Service, how nginx reaches it, and the fields that only shape the NetworkPolicy. */
export function upstreamProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const upstream = settings.upstream;
    if (upstream === undefined) {
        return [];
    }
    const problems: (Problem | undefined)[] = [];
    const givenUpstream = (given.upstream ?? {}) as unknown as Record<string, unknown>;
    for (const key of Object.keys(givenUpstream).filter((k) => givenUpstream[k] !== undefined && !(UPSTREAM_FIELDS as string[]).includes(k))) {
        problems.push(at(`upstream.${key}`, `upstream.${key} is not a field of upstream (${UPSTREAM_FIELDS.join(", ")})`));
    }
    if (upstream.name === undefined) {
        problems.push(at("upstream.name", "upstream.name is required: the name of the Service nginx proxies to"));
    } else if (isPlain(upstream.name)) {
        problems.push(checkUpstreamName(upstream.name));
    }
    if (upstream.namespace !== undefined && isPlain(upstream.namespace)) {
        problems.push(checkUpstreamNamespace(upstream.namespace));
    }
    // The component's own Service: every request would come back to nginx until the connections run out.
    const sameNamespace = upstream.namespace === undefined || (isPlain(upstream.namespace) && upstream.namespace === (isPlain(settings.namespace) ? settings.namespace : undefined));
    if (upstream.name === settings.name && sameNamespace) {
        problems.push(at("upstream.name", `upstream.name ${show(upstream.name)} is this NginxService's own Service: nginx would proxy every request to itself`));
    }
    problems.push(upstream.port === undefined ? at("upstream.port", "upstream.port is required: the Service's port nginx connects to") : checkPort("upstream.port", upstream.port));
    if (upstream.targetPort !== undefined) problems.push(checkPort("upstream.targetPort", upstream.targetPort));
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
            problems.push(...mapProblems("upstream.podLabels", labels, true));
        }
    }
    if (!settings.networkPolicy.enabled) {
        const policyOnly = (["podLabels", "targetPort"] as const).filter((key) => given.upstream?.[key] !== undefined).map((key) => `upstream.${key}`);
        if (policyOnly.length > 0) {
            problems.push(at(`upstream.${policyOnly[0].slice("upstream.".length)}`, `${policyOnly.join(", ")} ${policyOnly.length === 1 ? "is" : "are"} set but networkPolicy.enabled is false: ${policyOnly.length === 1 ? "it only shapes" : "they only shape"} the NetworkPolicy`));
        }
    }
    return problems.filter((p): p is Problem => p !== undefined);
}

/**
 * Container requests and limits, as given: the defaults are valid quantities, and a field the API
 * does not have (from JavaScript or another language) is reported too rather than silently dropped.
 */
export function resourceProblems(given: NginxServiceArgs): Problem[] {
    return Object.entries(given.resources ?? {})
        .filter(([, value]) => value !== undefined && (typeof value !== "string" || !QUANTITY.test(value)))
        .map(([key, value]) => at(`resources.${key}`, `resources.${key} ${show(value)} is not a Kubernetes quantity (like "100m" or "128Mi")`));
}

/** Labels (the user's, before the selector's are merged in), annotations and the cluster domain. */
export function labelProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    const problems = mapProblems("labels", given.labels, true);
    for (const key of SELECTOR_LABEL_KEYS) {
        if (given.labels?.[key] !== undefined) {
            problems.push(at(`labels[${show(key)}]`, `labels[${show(key)}] (${show(given.labels[key])}) is set by the component for the selector and cannot be overridden`));
        }
    }
    problems.push(...mapProblems("serviceAnnotations", settings.serviceAnnotations, false));
    if (typeof settings.clusterDomain !== "string" || !DNS_NAME.test(settings.clusterDomain) || settings.clusterDomain.startsWith("*")) {
        problems.push(at("clusterDomain", `clusterDomain ${show(settings.clusterDomain)} is not a valid DNS domain`));
    }
    return problems;
}

export function checkSecretName(value: string): Problem | undefined {
    if (value.length > 253 || !DNS_NAME.test(value) || value.startsWith("*")) {
        return at("tls.existingSecretName", `tls.existingSecretName ${show(value)} is not a valid Secret name (a DNS-1123 subdomain)`);
    }
    return undefined;
}

/** A value given directly, not as an Output or Promise: it can be checked before anything is registered. */
export function isPlain<T>(value: pulumi.Input<T> | undefined): value is T {
    return value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/** What a message shows instead of a value that is a Pulumi secret. */
export const REDACTED = "[secret]";

/**
 * Checks a value that may be an unknown Output at construction: plain values are checked now (by
 * {@link validateSettings}), Outputs as they resolve, failing the deployment with the same message.
 * A secret Output's value is never printed: the message shows {@link REDACTED} in its place (a
 * plain value cannot be a secret; secrets are always Outputs).
 */
export function checkWhenKnown<T>(component: string, value: pulumi.Input<T>, check: (v: T) => Problem | undefined): pulumi.Input<T> {
    if (isPlain(value)) {
        return value;
    }
    const output = pulumi.output(value);
    return pulumi.all([output, pulumi.isSecret(output)]).apply(([resolved, secret]) => {
        const problem = check(resolved as T);
        if (problem) {
            // Every check shows the value as JSON: that text, wherever it appears, is what is hidden.
            const message = secret ? problem.message.split(show(resolved)).join(REDACTED) : problem.message;
            throw new NginxServiceArgsError(component, [at(problem.path, message)]);
        }
        return resolved as T;
    }) as pulumi.Output<T>;
}
