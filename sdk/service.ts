import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { at, checkEnum, checkPort, checkPositiveInt, cidrListProblems, found, givenFields, keyValueProblems, Problem, Resolved, show, withDefaults } from "./checks";
import { NamingSettings } from "./names";
import { HTTP_PORT, HTTPS_PORT } from "./pod";
import { TlsSettings } from "./tls";

// The Service and its exposure: ports, node ports, IP families, and the cloud load balancer.

/**
 * How the Service is exposed.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
 */
export const ServiceType = {
    /** Reachable only inside the cluster, at a stable virtual IP and DNS name. */
    ClusterIP: "ClusterIP",
    /** Also reachable on a port of every node (30000-32767). */
    NodePort: "NodePort",
    /** Also reachable through a load balancer provisioned by the cloud. */
    LoadBalancer: "LoadBalancer",
} as const;
export type ServiceType = (typeof ServiceType)[keyof typeof ServiceType];

/**
 * An IP family of the Service's cluster IPs.
 * @see https://kubernetes.io/docs/concepts/services-networking/dual-stack/#services
 */
export const IpFamily = {
    /** IPv4. */
    IPv4: "IPv4",
    /** IPv6. */
    IPv6: "IPv6",
} as const;
export type IpFamily = (typeof IpFamily)[keyof typeof IpFamily];

/**
 * How many IP families the Service gets.
 * @see https://kubernetes.io/docs/concepts/services-networking/dual-stack/#services
 */
export const IpFamilyPolicy = {
    /** One family: the first of `ipFamilies`, or the cluster's primary one. */
    SingleStack: "SingleStack",
    /** Two families on a dual-stack cluster, one elsewhere. */
    PreferDualStack: "PreferDualStack",
    /** Two families; the API server refuses the Service on a cluster that is not dual-stack. */
    RequireDualStack: "RequireDualStack",
} as const;
export type IpFamilyPolicy = (typeof IpFamilyPolicy)[keyof typeof IpFamilyPolicy];

/**
 * The cloud whose load-balancer controller serves the Service; it decides which annotation makes
 * the load balancer internal.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer
 */
export const Cloud = {
    /** Amazon Web Services: `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`. */
    AWS: "aws",
    /** Google Cloud: `networking.gke.io/load-balancer-type: Internal`. */
    GCP: "gcp",
    /** Microsoft Azure: `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`. */
    Azure: "azure",
    /** Tencent Cloud: needs its subnet annotation in `loadBalancer.annotations`. */
    Tencent: "tencent",
} as const;
export type Cloud = (typeof Cloud)[keyof typeof Cloud];

/**
 * Where external traffic may be routed.
 * @see https://kubernetes.io/docs/reference/networking/virtual-ips/#external-traffic-policy
 */
export const ExternalTrafficPolicy = {
    /** Any ready pod on any node (may hide the client's source IP). */
    Cluster: "Cluster",
    /** Only pods on the receiving node; keeps the client's source IP. */
    Local: "Local",
} as const;
export type ExternalTrafficPolicy = (typeof ExternalTrafficPolicy)[keyof typeof ExternalTrafficPolicy];

/**
 * Fixed node ports for the Service; the API server allocates free ones where unset.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
 */
export interface NodePorts {
    /**
     * Node port for plain HTTP, 30000-32767.
     * @default - allocated by the API server
     */
    http?: number;
    /**
     * Node port for HTTPS, 30000-32767.
     * @default - allocated by the API server
     */
    https?: number;
}

/**
 * Options for `serviceType: LoadBalancer`.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
 */
export interface LoadBalancer {
    /**
     * Ask the cloud for an internal (VPC-only) load balancer; needs `cloud` to pick the annotation.
     * @default false
     */
    internal?: boolean;
    /**
     * The cloud that provisions the load balancer; used with `internal`.
     * @default - none; no cloud-specific annotation is set
     */
    cloud?: Cloud;
    /**
     * Client CIDRs allowed through the load balancer (`spec.loadBalancerSourceRanges`).
     * @default - all sources
     */
    sourceRanges?: string[];
    /**
     * `spec.externalTrafficPolicy`.
     * @default "Cluster" (the Kubernetes default)
     */
    externalTrafficPolicy?: ExternalTrafficPolicy;
    /**
     * `spec.loadBalancerClass`: which load-balancer implementation handles the Service.
     * @default - the cloud's default implementation
     * @see https://kubernetes.io/docs/concepts/services-networking/service/#load-balancer-class
     */
    loadBalancerClass?: string;
    /**
     * Extra annotations for the load-balancer controller; they win over the ones set for `internal`.
     * @default {}
     */
    annotations?: { [key: string]: string };
    /**
     * Wait in `pulumi up` until the load balancer reports an address. Set `false` on clusters without a
     * load-balancer implementation (kind, minikube), where the address never comes.
     * @default true
     */
    awaitAddress?: boolean;
    /**
     * How long `pulumi up` waits for the address, in seconds.
     * @default 600
     */
    timeoutSeconds?: number;
}

/** What {@link LoadBalancer} fields left unset are, as their `@default` says. @internal */
export const LOAD_BALANCER_DEFAULTS = {
    internal: false,
    annotations: {} as { [key: string]: string },
    awaitAddress: true,
    timeoutSeconds: 600,
};

/** The arguments of the Service and how it is exposed. */
export interface ServiceArgs {
    /**
     * How the Service is exposed.
     * @default "ClusterIP"
     */
    serviceType?: ServiceType;
    /**
     * Service port for plain HTTP (the container listens on 8080 behind it).
     * @default 80
     */
    httpPort?: number;
    /**
     * Service port for HTTPS (the container listens on 8443 behind it).
     * @default 443
     */
    httpsPort?: number;
    /**
     * Fixed node ports; only with `NodePort` or `LoadBalancer`.
     * @default - allocated by the API server
     */
    nodePorts?: NodePorts;
    /**
     * The Service's IP families (`spec.ipFamilies`), primary first: one, or IPv4 and IPv6 in either order
     * with a dual-stack `ipFamilyPolicy`. With IPv6 among them nginx also listens on IPv6.
     * @default - the cluster's primary family
     * @see https://kubernetes.io/docs/concepts/services-networking/dual-stack/#services
     */
    ipFamilies?: IpFamily[];
    /**
     * `spec.ipFamilyPolicy`. `PreferDualStack` and `RequireDualStack` make nginx listen on IPv6 too, since
     * the Service may get an IPv6 address: nginx does not start in pods whose kernel has IPv6 disabled.
     * @default "SingleStack" (the Kubernetes default): nginx listens on IPv4 only
     * @see https://kubernetes.io/docs/concepts/services-networking/dual-stack/#services
     */
    ipFamilyPolicy?: IpFamilyPolicy;
    /**
     * Options for `serviceType: LoadBalancer`; an error with any other type.
     * @default - a public load balancer, waited for up to 600 s
     */
    loadBalancer?: LoadBalancer;
    /**
     * Annotations of the Service (load-balancer annotations are merged in).
     * @default {}
     */
    serviceAnnotations?: { [key: string]: string };
}

/** What {@link ServiceArgs} fields left unset are, as their `@default` says. @internal */
export const SERVICE_DEFAULTS = {
    serviceType: ServiceType.ClusterIP as ServiceType,
    httpPort: 80,
    httpsPort: 443,
    serviceAnnotations: {} as { [key: string]: string },
};

/** The range the API server allocates node ports from (its default `--service-node-port-range`). @internal */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/**
 * The annotation each cloud's controller reads to make a load balancer internal.
 * AWS gets both the in-tree key and the AWS Load Balancer Controller's scheme, since either may run.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer
 * @internal
 */
export const INTERNAL_LB_ANNOTATIONS: { [cloud in Cloud]: { [key: string]: string } } = {
    aws: {
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    },
    gcp: { "networking.gke.io/load-balancer-type": "Internal" },
    azure: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" },
    // TKE makes a load balancer internal by the subnet it lives in; only the user knows it, so
    // resolveService requires it in loadBalancer.annotations (TENCENT_INTERNAL_SUBNET) and nothing is added here.
    tencent: {},
};

/** The annotation that makes a TKE load balancer internal, with the subnet ID as its value. @internal */
export const TENCENT_INTERNAL_SUBNET = "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid";

/** @internal */
export interface ServiceSettings {
    serviceType: ServiceType;
    httpPort: number;
    httpsPort: number;
    nodePorts: { http?: number; https?: number };
    /** Undefined when not given: the cluster decides, and the Service spec leaves the field out. */
    ipFamilies: IpFamily[] | undefined;
    /** Undefined when not given: the cluster decides (SingleStack), and the Service spec leaves the field out. */
    ipFamilyPolicy: IpFamilyPolicy | undefined;
    serviceAnnotations: { [key: string]: string };
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
}

/**
 * The Service's arguments with their defaults, and their checks. The HTTPS port's checks that depend on
 * whether TLS is on are cross-feature rules (./rules).
 * @internal
 */
export function resolveService(given: ServiceArgs): Resolved<ServiceSettings> {
    const lb = given.loadBalancer ?? {};
    const settings: ServiceSettings = {
        ...withDefaults(given, SERVICE_DEFAULTS),
        nodePorts: { http: given.nodePorts?.http, https: given.nodePorts?.https },
        ipFamilies: given.ipFamilies,
        ipFamilyPolicy: given.ipFamilyPolicy,
        loadBalancer: {
            ...withDefaults(lb, LOAD_BALANCER_DEFAULTS),
            cloud: lb.cloud,
            sourceRanges: lb.sourceRanges,
            externalTrafficPolicy: lb.externalTrafficPolicy,
            loadBalancerClass: lb.loadBalancerClass,
        },
    };
    const problems = [
        checkEnum("serviceType", settings.serviceType, ServiceType),
        checkPort("httpPort", settings.httpPort),
        checkPort("httpsPort", settings.httpsPort),
        ...nodePortProblems(settings, given),
        ...ipFamilyProblems(settings),
        ...loadBalancerProblems(settings, given),
        ...keyValueProblems("serviceAnnotations", settings.serviceAnnotations, { labels: false }),
    ];
    return { settings, problems: found(problems) };
}

function nodePortProblems(settings: ServiceSettings, given: ServiceArgs): Problem[] {
    const problems: (Problem | undefined)[] = [];
    if (given.nodePorts !== undefined && settings.serviceType === ServiceType.ClusterIP) {
        problems.push(at("nodePorts", `nodePorts (${show(given.nodePorts)}) needs serviceType NodePort or LoadBalancer, got serviceType ${show(settings.serviceType)}`));
    }
    const { http, https } = settings.nodePorts;
    if (http !== undefined) problems.push(checkPort("nodePorts.http", http, NODE_PORT_RANGE.min, NODE_PORT_RANGE.max));
    if (https !== undefined) problems.push(checkPort("nodePorts.https", https, NODE_PORT_RANGE.min, NODE_PORT_RANGE.max));
    if (http !== undefined && http === https) {
        problems.push(at("nodePorts.https", `nodePorts.http and nodePorts.https must differ, both are ${show(http)}`));
    }
    return found(problems);
}

/**
 * The Service's IP families, as the API server checks them, so a bad pair fails before anything is
 * registered: one or two known families, no repeat, and two only with a dual-stack policy (the API
 * defaults an unset policy to SingleStack, which allows one).
 */
function ipFamilyProblems(settings: ServiceSettings): Problem[] {
    const problems: (Problem | undefined)[] = [checkEnum("ipFamilyPolicy", settings.ipFamilyPolicy, IpFamilyPolicy)];
    const families = settings.ipFamilies;
    if (families === undefined) {
        return found(problems);
    }
    if (!Array.isArray(families) || families.length === 0 || families.length > 2) {
        problems.push(at("ipFamilies", `ipFamilies must list one or two IP families (leave it unset for the cluster's), got ${show(families)}`));
        return found(problems);
    }
    families.forEach((family, i) => problems.push(checkEnum(`ipFamilies[${i}]`, family, IpFamily)));
    if (families.length === 2 && families[0] === families[1]) {
        problems.push(at("ipFamilies[1]", `ipFamilies must not repeat a family, got ${show(families)}`));
    } else if (families.length === 2 && settings.ipFamilyPolicy !== IpFamilyPolicy.PreferDualStack && settings.ipFamilyPolicy !== IpFamilyPolicy.RequireDualStack) {
        problems.push(
            at("ipFamilyPolicy", `ipFamilies ${show(families)} lists two families, so ipFamilyPolicy must be "PreferDualStack" or "RequireDualStack", got ${show(settings.ipFamilyPolicy ?? "SingleStack (unset)")}`),
        );
    }
    return found(problems);
}

/** Options of a LoadBalancer Service, which mean nothing with another type. */
function loadBalancerProblems(settings: ServiceSettings, given: ServiceArgs): Problem[] {
    const problems: (Problem | undefined)[] = [];
    const lb = settings.loadBalancer;
    if (given.loadBalancer !== undefined && settings.serviceType !== ServiceType.LoadBalancer) {
        const set = givenFields("loadBalancer", given.loadBalancer);
        problems.push(at("loadBalancer", `${set.length > 0 ? set.join(", ") : "loadBalancer"} needs serviceType LoadBalancer, got serviceType ${show(settings.serviceType)}`));
    }
    problems.push(checkEnum("loadBalancer.cloud", lb.cloud, Cloud));
    problems.push(checkEnum("loadBalancer.externalTrafficPolicy", lb.externalTrafficPolicy, ExternalTrafficPolicy));
    problems.push(...cidrListProblems("loadBalancer.sourceRanges", lb.sourceRanges ?? [], { allowIp: false, example: "203.0.113.0/24" }));
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
    return [...found(problems), ...keyValueProblems("loadBalancer.annotations", lb.annotations, { labels: false })];
}

/** Tells pulumi-kubernetes not to wait for the Service (endpoints, load-balancer address). @internal */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
/** How long pulumi-kubernetes waits for the Service to become ready, in seconds. @internal */
export const TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds";

/**
 * The Service's annotations: for ClusterIP and NodePort `pulumi.com/skipAwait: "true"`, then the
 * user's, then the internal-LB ones, then loadBalancer.annotations.
 * @internal
 */
export function serviceAnnotations(settings: ServiceSettings): { [key: string]: string } {
    const lb = settings.loadBalancer;
    const isLb = settings.serviceType === ServiceType.LoadBalancer;
    return {
        // pulumi-kubernetes' Service await (pkg/await/service.go) sleeps 10 s after every change of the
        // Service's Endpoints before it reports the Service ready, so a Service with pods costs at least
        // 10 s after its last pod became Ready. For ClusterIP and NodePort it guards nothing the component
        // does not: the selector is derived from the pod labels (tests/service.test.ts), the Deployment's
        // own await waits for Ready pods, and the EndpointSlice controller lists a pod as ready straight
        // from the pod's Ready condition, a step before the Deployment's status reports it (checked by
        // the e2e suites when `up` returns; docs/benchmarks.md, "The Service wait"). First, so
        // serviceAnnotations can set it back to "false". A LoadBalancer keeps the await: the address is
        // an output.
        ...(isLb ? {} : { [SKIP_AWAIT_ANNOTATION]: "true" }),
        ...settings.serviceAnnotations,
        ...(isLb && lb.internal && lb.cloud !== undefined ? INTERNAL_LB_ANNOTATIONS[lb.cloud] : {}),
        ...(isLb ? lb.annotations : {}),
        // Without a load-balancer implementation (kind, minikube) the address never comes, and
        // pulumi-kubernetes would wait timeoutSeconds for it. Annotations rather than customTimeouts:
        // they are visible in the preview diff and on the object, where a reviewer looks.
        ...(isLb && !lb.awaitAddress ? { [SKIP_AWAIT_ANNOTATION]: "true" } : {}),
        ...(isLb && lb.awaitAddress ? { [TIMEOUT_ANNOTATION]: String(lb.timeoutSeconds) } : {}),
    };
}

/**
 * Whether the Service may get an IPv6 address, so nginx must listen on IPv6 too: IPv6 among
 * `ipFamilies`, or a dual-stack policy (which adds the cluster's other family). Only then: an IPv6 listen
 * stops nginx from starting on nodes with IPv6 disabled.
 * @internal
 */
export function servesIpv6(settings: ServiceSettings): boolean {
    return (settings.ipFamilies ?? []).includes(IpFamily.IPv6) || (settings.ipFamilyPolicy !== undefined && settings.ipFamilyPolicy !== IpFamilyPolicy.SingleStack);
}

/** `spec.ipFamilies` and `spec.ipFamilyPolicy` as given; nothing when unset, so the cluster's defaults stand. @internal */
export function ipFamilySpec(settings: ServiceSettings): { ipFamilies?: IpFamily[]; ipFamilyPolicy?: IpFamilyPolicy } {
    return {
        ...(settings.ipFamilies !== undefined ? { ipFamilies: settings.ipFamilies } : {}),
        ...(settings.ipFamilyPolicy !== undefined ? { ipFamilyPolicy: settings.ipFamilyPolicy } : {}),
    };
}

/** The Service's ports, targeting the container ports by name, so the numbers live only in ./pod. @internal */
export function servicePorts(settings: ServiceSettings & TlsSettings): k8s.types.input.core.v1.ServicePort[] {
    const exposed = settings.serviceType !== ServiceType.ClusterIP;
    const ports: k8s.types.input.core.v1.ServicePort[] = [
        {
            name: HTTP_PORT.name,
            port: settings.httpPort,
            targetPort: HTTP_PORT.name,
            protocol: "TCP",
            ...(exposed && settings.nodePorts.http !== undefined ? { nodePort: settings.nodePorts.http } : {}),
        },
    ];
    if (settings.tls.enabled) {
        ports.push({
            name: HTTPS_PORT.name,
            port: settings.httpsPort,
            targetPort: HTTPS_PORT.name,
            protocol: "TCP",
            ...(exposed && settings.nodePorts.https !== undefined ? { nodePort: settings.nodePorts.https } : {}),
        });
    }
    return ports;
}

/**
 * The Service. Its name is the component's, so its DNS name is predictable
 * (`<name>.<namespace>.svc.cluster.local`, as in the tutorial). Deleting a LoadBalancer Service is what
 * removes the cloud load balancer: the provider waits until the cloud controller has released it and
 * dropped its cleanup finalizer.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/
 * @internal
 */
export function createService(settings: NamingSettings & ServiceSettings & TlsSettings, opts: pulumi.CustomResourceOptions): k8s.core.v1.Service {
    const lb = settings.loadBalancer;
    const isLb = settings.serviceType === ServiceType.LoadBalancer;
    return new k8s.core.v1.Service(
        `${settings.name}-service`,
        {
            metadata: {
                name: settings.name,
                namespace: settings.namespace,
                labels: settings.labels,
                annotations: serviceAnnotations(settings),
            },
            spec: {
                type: settings.serviceType,
                selector: settings.selectorLabels,
                ports: servicePorts(settings),
                ...ipFamilySpec(settings),
                ...(isLb && lb.sourceRanges !== undefined ? { loadBalancerSourceRanges: lb.sourceRanges } : {}),
                ...(isLb && lb.externalTrafficPolicy !== undefined ? { externalTrafficPolicy: lb.externalTrafficPolicy } : {}),
                ...(isLb && lb.loadBalancerClass !== undefined ? { loadBalancerClass: lb.loadBalancerClass } : {}),
            },
        },
        {
            ...opts,
            // The name is fixed, so a replacement (say, of an immutable loadBalancerClass) must delete first.
            deleteBeforeReplace: true,
        },
    );
}

/** The first load-balancer ingress: clouds report an IP (GCP, Azure), a hostname (AWS) or both. @internal */
export function loadBalancerIngress(service: k8s.core.v1.Service): pulumi.Output<{ ip?: string; hostname?: string } | undefined> {
    return service.status.apply((status) => {
        const ingress = status?.loadBalancer?.ingress?.[0];
        // The API may report "" for the field a cloud does not use; that is no address.
        const present = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);
        return ingress === undefined ? undefined : { ip: present(ingress.ip), hostname: present(ingress.hostname) };
    });
}

/** Node ports of a NodePort or LoadBalancer Service, as allocated by the API server. @internal */
export function allocatedNodePorts(service: k8s.core.v1.Service): pulumi.Output<{ http: number; https?: number } | undefined> {
    return service.spec.apply((spec) => {
        if (spec.type === ServiceType.ClusterIP) {
            return undefined;
        }
        const byName = (name: string) => spec.ports.find((port) => port.name === name)?.nodePort;
        const http = byName(HTTP_PORT.name);
        return http === undefined ? undefined : { http, https: byName(HTTPS_PORT.name) };
    });
}

/** `scheme://host[:port]`, leaving out the scheme's default port. @internal */
export function url(scheme: "http" | "https", host: string, port: number): string {
    const isDefault = (scheme === "http" && port === 80) || (scheme === "https" && port === 443);
    const bracketed = host.includes(":") ? `[${host}]` : host;
    return `${scheme}://${bracketed}${isDefault ? "" : `:${port}`}`;
}

/** HTTPS before HTTP, in-cluster before external; external only once the load balancer has an address. @internal */
export function serviceUrls(settings: ServiceSettings & TlsSettings, clusterDnsName: string, lbAddress: string | undefined): string[] {
    const hosts = [clusterDnsName, ...(lbAddress === undefined ? [] : [lbAddress])];
    return hosts.flatMap((host) => [
        ...(settings.tls.enabled ? [url("https", host, settings.httpsPort)] : []),
        url("http", host, settings.httpPort),
    ]);
}
