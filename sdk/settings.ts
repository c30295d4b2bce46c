import * as pulumi from "@pulumi/pulumi";
import { ASSUMED_NAMESPACE, AUTOSCALING_DEFAULTS, CLUSTER_DNS_SERVICE, Cloud, DEFAULTS, ExternalTrafficPolicy, HSTS_DEFAULTS, IpFamily, IpFamilyPolicy, KeyAlgorithm, LOAD_BALANCER_DEFAULTS, NETWORK_POLICY_DEFAULTS, NetworkPolicyPeerArgs, NginxServiceArgs, RESOURCES_DEFAULTS, ServiceType, TLS_DEFAULTS, UPSTREAM_DEFAULTS, UpstreamScheme } from "./args";
import { checkImage, checkNamespace, checkReplicas, checkSecretName, checkUpstreamName, checkUpstreamNamespace, checkWhenKnown, SELECTOR_LABEL_KEYS, validateSettings } from "./validation";

/**
 * Every argument with its default applied, and the values derived from it. Helpers take this, never
 * the raw args, so each default is applied in exactly one place.
 */
export interface Settings {
    name: string;
    /** What goes into `metadata.namespace`: unset lets the provider choose. */
    namespace: pulumi.Input<string> | undefined;
    /**
     * The namespace the objects land in, for every name built from it (the certificate's names,
     * `clusterDnsName`, the existing Secret's read): `namespace` when given; otherwise the namespace the
     * provider put the component's first object in, once {@link withLandingNamespace} has been applied
     * (until then, in the pure settings, ASSUMED_NAMESPACE).
     */
    namespaceForNames: pulumi.Input<string>;
    image: pulumi.Input<string>;
    replicas: pulumi.Input<number>;
    serviceType: ServiceType;
    httpPort: number;
    httpsPort: number;
    nodePorts: { http?: number; https?: number };
    /** Undefined when not given: the cluster decides, and the Service spec leaves the field out. */
    ipFamilies: IpFamily[] | undefined;
    /** Undefined when not given: the cluster decides (SingleStack), and the Service spec leaves the field out. */
    ipFamilyPolicy: IpFamilyPolicy | undefined;
    tls: {
        enabled: boolean;
        commonName: string;
        dnsNames: string[];
        ipAddresses: string[];
        validityHours: number;
        earlyRenewalHours: number;
        keyAlgorithm: KeyAlgorithm;
        rotationTrigger: pulumi.Input<string> | undefined;
        existingSecretName: pulumi.Input<string> | undefined;
    };
    redirectHttpToHttps: boolean;
    /** Undefined when `hsts` is not given: no header. */
    hsts: { maxAgeSeconds: number; includeSubDomains: boolean } | undefined;
    securityHeaders: boolean;
    /** Undefined when `autoscaling` is not given: `replicas` pods, no autoscaler. */
    autoscaling: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number } | undefined;
    networkPolicy: { enabled: boolean; allowFrom: NetworkPolicyPeerArgs[] | undefined };
    loadBalancer: {
        internal: boolean;
        cloud: Cloud | undefined;
        sourceRanges: string[] | undefined;
        externalTrafficPolicy: ExternalTrafficPolicy | undefined;
        loadBalancerClass: string | undefined;
        annotations: { [key: string]: string };
        awaitAddress: boolean;
        timeoutSeconds: number;
    };
    enableServiceLinks: boolean;
    resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
    /** Labels on the pods and in the selector: unique per instance within a namespace. */
    selectorLabels: { [key: string]: string };
    /** Selector labels plus the user's, on every object. */
    labels: { [key: string]: string };
    serviceAnnotations: { [key: string]: string };
    clusterDomain: string;
    /** Undefined when `upstream` is not given: nginx serves files. */
    upstream: UpstreamSettings | undefined;
}

/** `upstream` with its defaults applied. */
export interface UpstreamSettings {
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

/**
 * The fully qualified name nginx resolves for a Service. nginx's resolver does not use the search
 * domains of /etc/resolv.conf, so the short names a pod could use (`app`, `app.ns`) would not resolve.
 */
export function serviceFqdn(name: string, namespace: string, clusterDomain: string): string {
    return `${name}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The upstream Service's FQDN, once its name and namespace are known; without `upstream.namespace`, in
 * the namespace the component's objects land in (`namespaceForNames`).
 */
export function upstreamFqdn(settings: Settings): pulumi.Output<string> {
    const upstream = settings.upstream!;
    return pulumi.all([upstream.name, upstream.namespace ?? settings.namespaceForNames]).apply(([name, namespace]) => serviceFqdn(name, namespace, settings.clusterDomain));
}

function upstreamSettings(args: NginxServiceArgs, clusterDomain: string): UpstreamSettings | undefined {
    const given = args.upstream;
    if (given === undefined) {
        return undefined;
    }
    return {
        ...withDefaults(given, UPSTREAM_DEFAULTS),
        name: given.name,
        port: given.port,
        namespace: given.namespace,
        targetPort: given.targetPort ?? given.port,
        podLabels: given.podLabels,
        resolver: given.resolver ?? serviceFqdn(CLUSTER_DNS_SERVICE.name, CLUSTER_DNS_SERVICE.namespace, clusterDomain),
    };
}

/** The given value of each field of `defaults`, or the default where it is unset; other given fields are dropped. */
export function withDefaults<G extends object, D extends object>(given: G | undefined, defaults: D): { [K in keyof D]: K extends keyof G ? Exclude<G[K], undefined> | D[K] : D[K] } {
    const values = (given ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, values[key] ?? value])) as any;
}

/**
 * Every default applied, once, from the constants next to each field's `@default` in ./args. Pure: no
 * Output is created, so validation can throw before anything exists.
 */
export function applyDefaults(name: string, args: NginxServiceArgs): Settings {
    const tls = args.tls ?? {};
    const lb = args.loadBalancer ?? {};
    // The Service name is the component name and is unique in its namespace, so name+instance labels
    // never select another instance's pods; user labels stay out of the immutable selector.
    const selectorLabels: { [key: string]: string } = {
        [SELECTOR_LABEL_KEYS[0]]: "nginx",
        [SELECTOR_LABEL_KEYS[1]]: name,
    };
    const topLevel = withDefaults(args, DEFAULTS);
    return {
        ...topLevel,
        name,
        namespace: args.namespace,
        namespaceForNames: args.namespace ?? ASSUMED_NAMESPACE,
        nodePorts: { http: args.nodePorts?.http, https: args.nodePorts?.https },
        ipFamilies: args.ipFamilies,
        ipFamilyPolicy: args.ipFamilyPolicy,
        tls: {
            ...withDefaults(tls, TLS_DEFAULTS),
            commonName: tls.commonName ?? name,
            rotationTrigger: tls.rotationTrigger,
            existingSecretName: tls.existingSecretName,
        },
        loadBalancer: {
            ...withDefaults(lb, LOAD_BALANCER_DEFAULTS),
            cloud: lb.cloud,
            sourceRanges: lb.sourceRanges,
            externalTrafficPolicy: lb.externalTrafficPolicy,
            loadBalancerClass: lb.loadBalancerClass,
        },
        hsts: args.hsts === undefined ? undefined : withDefaults(args.hsts, HSTS_DEFAULTS),
        autoscaling: args.autoscaling === undefined ? undefined : withDefaults(args.autoscaling, AUTOSCALING_DEFAULTS),
        networkPolicy: { ...withDefaults(args.networkPolicy, NETWORK_POLICY_DEFAULTS), allowFrom: args.networkPolicy?.allowFrom },
        resources: withDefaults(args.resources, RESOURCES_DEFAULTS),
        upstream: upstreamSettings(args, topLevel.clusterDomain),
        selectorLabels,
        labels: { "app.kubernetes.io/managed-by": "pulumi", ...topLevel.labels, ...selectorLabels },
    };
}

/**
 * The settings the component builds from: defaults applied, then checked (throwing
 * {@link NginxServiceArgsError} before anything is registered), then the values that are still unknown
 * Outputs wrapped so they are checked, with the same messages, when they resolve.
 */
export function resolveSettings(name: string, args: NginxServiceArgs): Settings {
    const settings = applyDefaults(name, args);
    validateSettings(settings, args);
    const namespace = settings.namespace === undefined ? undefined : checkWhenKnown(name, settings.namespace, checkNamespace);
    const existingSecretName = settings.tls.existingSecretName;
    const upstream = settings.upstream;
    return {
        ...settings,
        namespace,
        namespaceForNames: namespace ?? ASSUMED_NAMESPACE,
        upstream:
            upstream === undefined
                ? undefined
                : {
                      ...upstream,
                      name: checkWhenKnown(name, upstream.name, checkUpstreamName),
                      namespace: upstream.namespace === undefined ? undefined : checkWhenKnown(name, upstream.namespace, checkUpstreamNamespace),
                  },
        image: checkWhenKnown(name, settings.image, checkImage),
        replicas: checkWhenKnown(name, settings.replicas, checkReplicas),
        tls: { ...settings.tls, existingSecretName: existingSecretName === undefined ? undefined : checkWhenKnown(name, existingSecretName, checkSecretName) },
    };
}

/**
 * The settings once the component knows where its objects land. With `namespace` given, unchanged.
 * Without it, `namespaceForNames` becomes `landed`, the `metadata.namespace` output of an object the
 * component created without a namespace: pulumi-kubernetes fills that field with the provider's
 * namespace in its Check step (so a preview knows it too), and the API server reports it after the
 * create. An empty value (a preview whose provider could load no kubeconfig) is what the provider then
 * uses itself, ASSUMED_NAMESPACE. No ID-only read can stand in: `Secret.get` without a namespace reads
 * `default`, whatever the provider's namespace.
 */
export function withLandingNamespace(settings: Settings, landed: pulumi.Output<string | undefined> | undefined): Settings {
    if (settings.namespace !== undefined || landed === undefined) {
        return settings;
    }
    return { ...settings, namespaceForNames: landed.apply((ns) => (ns === undefined || ns === "" ? ASSUMED_NAMESPACE : ns)) };
}
