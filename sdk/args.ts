import * as pulumi from "@pulumi/pulumi";

// Enums are declared as a const object plus a type of the same name: Pulumi's
// component analyzer turns exactly this shape into a schema enum, so Python,
// Go, C# and YAML programs get real enum types instead of free strings.

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
 * The algorithm of the generated private key.
 * @see https://www.pulumi.com/registry/packages/tls/api-docs/privatekey/
 */
export const KeyAlgorithm = {
    /** RSA, 2048 bits. */
    RSA: "RSA",
    /** ECDSA on curve P-256 (the provider's default P-224 is rejected by common TLS clients). */
    ECDSA: "ECDSA",
} as const;
export type KeyAlgorithm = (typeof KeyAlgorithm)[keyof typeof KeyAlgorithm];

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
 * Fixed node ports for the Service; the API server allocates free ones where unset.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
 */
export interface NodePortsArgs {
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
 * TLS for the HTTPS server: a generated key and self-signed certificate stored in a
 * kubernetes.io/tls Secret, or a Secret that already exists.
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#tls-secrets
 */
export interface TlsArgs {
    /**
     * Serve HTTPS. With `false`, nginx serves plain HTTP only and no key, certificate or Secret is created.
     * @default true
     */
    enabled?: boolean;
    /**
     * Subject common name of the generated certificate.
     * @default - the Service name, as in the tutorial (`CN=my-nginx`)
     */
    commonName?: string;
    /**
     * DNS names added to the certificate. It always covers `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`
     * and `<svc>.<ns>.svc.<clusterDomain>`.
     * @default []
     */
    dnsNames?: string[];
    /**
     * IP addresses added to the certificate.
     * @default []
     */
    ipAddresses?: string[];
    /**
     * Validity of the generated certificate, in hours.
     * @default 8760
     */
    validityHours?: number;
    /**
     * How many hours before expiry `pulumi up` replaces the certificate. Must be less than `validityHours`.
     * @default 720
     */
    earlyRenewalHours?: number;
    /**
     * Algorithm of the generated key.
     * @default "RSA" (2048 bits)
     */
    keyAlgorithm?: KeyAlgorithm;
    /**
     * Any value; changing it generates a new key and certificate and rolls the pods onto them.
     * @default - no rotation
     */
    rotationTrigger?: pulumi.Input<string>;
    /**
     * Name of an existing kubernetes.io/tls Secret in the same namespace (for example one issued by
     * cert-manager). Nothing is generated; the certificate is read from it.
     * @default - a key and certificate are generated
     */
    existingSecretName?: pulumi.Input<string>;
}

/** What {@link TlsArgs} fields left unset are, as their `@default` says (tests/settings.test.ts compares the two). */
export const TLS_DEFAULTS = {
    enabled: true,
    dnsNames: [] as string[],
    ipAddresses: [] as string[],
    validityHours: 8760,
    earlyRenewalHours: 720,
    keyAlgorithm: KeyAlgorithm.RSA as KeyAlgorithm,
};

/**
 * Options for `serviceType: LoadBalancer`.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
 */
export interface LoadBalancerArgs {
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

/** What {@link LoadBalancerArgs} fields left unset are, as their `@default` says. */
export const LOAD_BALANCER_DEFAULTS = {
    internal: false,
    annotations: {} as { [key: string]: string },
    awaitAddress: true,
    timeoutSeconds: 600,
};

/**
 * Requests and limits of the nginx container, as Kubernetes quantities.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface ResourcesArgs {
    /** CPU the scheduler reserves for the container. @default "50m" */
    cpuRequest?: string;
    /** Memory the scheduler reserves for the container. @default "64Mi" */
    memoryRequest?: string;
    /** CPU the container may use at most. @default "500m" */
    cpuLimit?: string;
    /** Memory the container may use at most; above it, it is killed. @default "128Mi" */
    memoryLimit?: string;
}

/** What {@link ResourcesArgs} fields left unset are, as their `@default` says. */
export const RESOURCES_DEFAULTS = {
    cpuRequest: "50m",
    memoryRequest: "64Mi",
    cpuLimit: "500m",
    memoryLimit: "128Mi",
};

/**
 * HTTP Strict Transport Security: browsers that have seen the header over HTTPS refuse plain HTTP (and
 * certificate errors they could otherwise click through) for the host until it expires. Sent on HTTPS
 * responses only: RFC 6797 8.1 has browsers ignore it over HTTP.
 * @see https://datatracker.ietf.org/doc/html/rfc6797
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security
 */
export interface HstsArgs {
    /**
     * How long browsers remember to use HTTPS only (`max-age`), in seconds; 0 tells them to forget it.
     * @default 31536000
     */
    maxAgeSeconds?: number;
    /**
     * Also applies to every subdomain of the host (`includeSubDomains`).
     * @default false
     */
    includeSubDomains?: boolean;
}

/** What {@link HstsArgs} fields left unset are, as their `@default` says. */
export const HSTS_DEFAULTS = {
    maxAgeSeconds: 31536000,
    includeSubDomains: false,
};

/**
 * Autoscaling with a HorizontalPodAutoscaler (autoscaling/v2) on CPU utilization. With it the
 * Deployment's replica count belongs to the autoscaler: the component leaves `spec.replicas` out.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export interface AutoscalingArgs {
    /**
     * Fewest pods the autoscaler keeps, at least 1.
     * @default 2
     */
    minReplicas?: number;
    /**
     * Most pods the autoscaler starts; at least `minReplicas`.
     * @default 10
     */
    maxReplicas?: number;
    /**
     * Average CPU use the autoscaler aims for, in percent of the CPU request (`resources.cpuRequest`).
     * @default 80 (the autoscaling/v1 API's own default)
     * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v1/
     */
    targetCPUUtilizationPercentage?: number;
}

/** What {@link AutoscalingArgs} fields left unset are, as their `@default` says. */
export const AUTOSCALING_DEFAULTS = {
    minReplicas: 2,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 80,
};

/**
 * A source allowed to reach nginx: pods by labels (in the component's namespace, or in the namespaces
 * `namespaceLabels` selects), all pods of the namespaces with `namespaceLabels`, or an IP range. `cidr`
 * cannot be combined with the labels (the API's rule).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
export interface NetworkPolicyPeerArgs {
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
export interface NetworkPolicyArgs {
    /**
     * Create the NetworkPolicy. `false` leaves the pods' traffic unrestricted.
     * @default true
     */
    enabled?: boolean;
    /**
     * Sources allowed to reach nginx's ports; at least one when given.
     * @default - any source, in the cluster or outside it
     */
    allowFrom?: NetworkPolicyPeerArgs[];
}

/** What {@link NetworkPolicyArgs} fields left unset are, as their `@default` says. */
export const NETWORK_POLICY_DEFAULTS = {
    enabled: true,
};

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
export interface UpstreamArgs {
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

/** What {@link UpstreamArgs} fields left unset are, as their `@default` says. */
export const UPSTREAM_DEFAULTS = {
    scheme: UpstreamScheme.HTTP as UpstreamScheme,
    proxyTimeoutSeconds: 60,
    clientMaxBodySize: "1m",
};

/**
 * The cluster DNS Service nginx asks when `upstream.resolver` is unset: `kube-dns` in `kube-system` is
 * the name kubeadm, kind, k3s, GKE, EKS and AKS give it (CoreDNS included).
 */
export const CLUSTER_DNS_SERVICE = { name: "kube-dns", namespace: "kube-system" } as const;

/** The arguments of {@link NginxService}. Every field is optional. */
export interface NginxServiceArgs {
    /**
     * Namespace of every object. Unset, the objects go where the Kubernetes provider puts them (its
     * `namespace`, else its kubeconfig context's, else `default`), and the certificate's names,
     * `clusterDnsName` and the `tls.existingSecretName` read follow that namespace.
     * @default - the provider's namespace
     * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
     * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/provider/#namespace_nodejs
     */
    namespace?: pulumi.Input<string>;
    /**
     * nginx image. The default runs as a non-root user on unprivileged ports, so the pods pass the
     * Pod Security Standards `restricted` profile.
     * @default "nginxinc/nginx-unprivileged:1.28.0-alpine"
     * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
     */
    image?: pulumi.Input<string>;
    /**
     * Number of nginx pods. Leave it unset with `autoscaling`: the autoscaler owns the count then.
     * @default 2
     * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
     */
    replicas?: pulumi.Input<number>;
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
    nodePorts?: NodePortsArgs;
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
     * TLS settings.
     * @default - a generated RSA key and a one-year self-signed certificate
     */
    tls?: TlsArgs;
    /**
     * Answer plain HTTP with a permanent redirect (308) to HTTPS; `/healthz` keeps answering on HTTP.
     * @default false (like the tutorial, port 80 serves too)
     */
    redirectHttpToHttps?: boolean;
    /**
     * Send `Strict-Transport-Security` on every HTTPS response (errors too); never on plain HTTP. Off by
     * default because the default certificate is self-signed: a browser that has seen HSTS for a host
     * will not let its user past a certificate it does not trust. Needs `tls.enabled`.
     * @default - no HSTS header
     * @see https://datatracker.ietf.org/doc/html/rfc6797
     */
    hsts?: HstsArgs;
    /**
     * Send `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
     * `Referrer-Policy: strict-origin-when-cross-origin` on every response, HTTP and HTTPS, errors and
     * `/healthz` included. `false` sends none of them (for content that must be framed by other sites,
     * say).
     * @default true
     * @see https://owasp.org/www-project-secure-headers/
     */
    securityHeaders?: boolean;
    /**
     * Options for `serviceType: LoadBalancer`; an error with any other type.
     * @default - a public load balancer, waited for up to 600 s
     */
    loadBalancer?: LoadBalancerArgs;
    /**
     * Scale the Deployment with a HorizontalPodAutoscaler instead of a fixed `replicas` (which must then
     * be unset).
     * @default - no autoscaler; `replicas` pods
     * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
     */
    autoscaling?: AutoscalingArgs;
    /**
     * A NetworkPolicy for the pods: ingress only to nginx's ports (from anywhere, or from `allowFrom`),
     * egress only to DNS. `{ enabled: false }` creates none.
     * @default - created, ingress from any source
     * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
     */
    networkPolicy?: NetworkPolicyArgs;
    /**
     * Reverse-proxy `location /` to your app's Service instead of serving files.
     * @default - nginx serves the image's document root
     * @see https://nginx.org/en/docs/http/ngx_http_proxy_module.html
     */
    upstream?: UpstreamArgs;
    /**
     * Inject the `<SVC>_SERVICE_HOST`/`_PORT` environment variables of the namespace's Services into the pods.
     * @default true (the Kubernetes default)
     * @see https://kubernetes.io/docs/tutorials/services/connect-applications-service/#environment-variables
     */
    enableServiceLinks?: boolean;
    /**
     * Container requests and limits.
     * @default - 50m/64Mi requested, 500m/128Mi limit
     */
    resources?: ResourcesArgs;
    /**
     * Labels added to every object and to the pods. They cannot override the selector labels
     * `app.kubernetes.io/name` and `app.kubernetes.io/instance`.
     * @default {}
     * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
     */
    labels?: { [key: string]: string };
    /**
     * Annotations of the Service (load-balancer annotations are merged in).
     * @default {}
     */
    serviceAnnotations?: { [key: string]: string };
    /**
     * The cluster's DNS domain, used for `clusterDnsName` and the certificate's names.
     * @default "cluster.local"
     * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
     */
    clusterDomain?: string;
}

/** What {@link NginxServiceArgs} fields left unset are, as their `@default` says. */
export const DEFAULTS = {
    image: "nginxinc/nginx-unprivileged:1.28.0-alpine",
    replicas: 2,
    serviceType: ServiceType.ClusterIP as ServiceType,
    httpPort: 80,
    httpsPort: 443,
    redirectHttpToHttps: false,
    securityHeaders: true,
    enableServiceLinks: true,
    labels: {} as { [key: string]: string },
    serviceAnnotations: {} as { [key: string]: string },
    clusterDomain: "cluster.local",
};

/**
 * The namespace pulumi-kubernetes itself uses for a namespaced object whose `metadata.namespace` is
 * empty (its `canonicalNamespace` and `clients.NamespaceOrDefault`): where such an object lands when the
 * provider has no namespace of its own, and what an object's namespace output is taken to be when a
 * preview without a cluster connection leaves it empty. `metadata.namespace` itself stays unset.
 */
export const ASSUMED_NAMESPACE = "default";
