import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IpFamily, IpFamilyPolicy, ServiceType } from "./args";
import { INTERNAL_LB_ANNOTATIONS } from "./clouds";
import { HTTP_PORT, HTTPS_PORT } from "./pod";
import { Settings } from "./settings";

/** Tells pulumi-kubernetes not to wait for the Service (endpoints, load-balancer address). */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
/** How long pulumi-kubernetes waits for the Service to become ready, in seconds. */
export const TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds";

/**
 * The Service's annotations: for ClusterIP and NodePort `pulumi.com/skipAwait: "true"`, then the
 * user's, then the internal-LB ones, then loadBalancer.annotations.
 */
export function serviceAnnotations(settings: Settings): { [key: string]: string } {
    const lb = settings.loadBalancer;
    const isLb = settings.serviceType === ServiceType.LoadBalancer;
    return {
        // pulumi-kubernetes' Service await (pkg/await/service.go) sleeps 10 s after every change of the
        // Service's Endpoints before it reports the Service ready, so a Service with pods costs at least
        // 10 s after its last pod became Ready. For ClusterIP and NodePort it guards nothing the component
        // does not: the selector is derived from the pod labels (tests/service.test.ts), the Deployment's
        // own await waits for Ready pods, and the EndpointSlice controller lists a pod as ready straight
        // from the pod's Ready condition, a step before the Deployment's status reports it (checked by
        // the e2e suites when `up` returns; README "The Service wait"). First, so
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
 */
export function servesIpv6(settings: Settings): boolean {
    return (settings.ipFamilies ?? []).includes(IpFamily.IPv6) || (settings.ipFamilyPolicy !== undefined && settings.ipFamilyPolicy !== IpFamilyPolicy.SingleStack);
}

/** `spec.ipFamilies` and `spec.ipFamilyPolicy` as given; nothing when unset, so the cluster's defaults stand. */
export function ipFamilySpec(settings: Settings): { ipFamilies?: IpFamily[]; ipFamilyPolicy?: IpFamilyPolicy } {
    return {
        ...(settings.ipFamilies !== undefined ? { ipFamilies: settings.ipFamilies } : {}),
        ...(settings.ipFamilyPolicy !== undefined ? { ipFamilyPolicy: settings.ipFamilyPolicy } : {}),
    };
}

/** The Service's ports, targeting the container ports by name, so the numbers live only in ./pod. */
export function servicePorts(settings: Settings): k8s.types.input.core.v1.ServicePort[] {
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
 */
export function createService(settings: Settings, opts: pulumi.CustomResourceOptions): k8s.core.v1.Service {
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

/** The first load-balancer ingress: clouds report an IP (GCP, Azure), a hostname (AWS) or both. */
export function loadBalancerIngress(service: k8s.core.v1.Service): pulumi.Output<{ ip?: string; hostname?: string } | undefined> {
    return service.status.apply((status) => {
        const ingress = status?.loadBalancer?.ingress?.[0];
        // The API may report "" for the field a cloud does not use; that is no address.
        const present = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);
        return ingress === undefined ? undefined : { ip: present(ingress.ip), hostname: present(ingress.hostname) };
    });
}

/** Node ports of a NodePort or LoadBalancer Service, as allocated by the API server. */
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

/** `scheme://host[:port]`, leaving out the scheme's default port. */
export function url(scheme: "http" | "https", host: string, port: number): string {
    const isDefault = (scheme === "http" && port === 80) || (scheme === "https" && port === 443);
    const bracketed = host.includes(":") ? `[${host}]` : host;
    return `${scheme}://${bracketed}${isDefault ? "" : `:${port}`}`;
}

/** HTTPS before HTTP, in-cluster before external; external only once the load balancer has an address. */
export function serviceUrls(settings: Settings, clusterDnsName: string, lbAddress: string | undefined): string[] {
    const hosts = [clusterDnsName, ...(lbAddress === undefined ? [] : [lbAddress])];
    return hosts.flatMap((host) => [
        ...(settings.tls.enabled ? [url("https", host, settings.httpsPort)] : []),
        url("http", host, settings.httpPort),
    ]);
}
