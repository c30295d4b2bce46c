import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NginxServiceArgs } from "./args";
import { createAutoscaler, createDisruptionBudget } from "./availability";
import { createContent } from "./content";
import { serviceFqdn, withLandingNamespace } from "./names";
import { createNetworkPolicy } from "./networkPolicy";
import { allocatedNodePorts, createService, loadBalancerIngress, ServiceType, serviceUrls } from "./service";
import { resolveSettings } from "./settings";
import { createTls } from "./tls";
import { createConfig, createWorkload } from "./workload";

/** Node ports allocated to the Service. */
export interface NodePortAllocation {
    /** The node port of the HTTP Service port. */
    http: number;
    /** Absent when TLS is disabled. */
    https?: number;
}

/**
 * nginx replicas behind a Kubernetes Service with a stable cluster IP and DNS name, serving HTTPS with a
 * certificate signed by a generated CA (or from an existing kubernetes.io/tls Secret), optionally exposed as
 * NodePort or through a cloud load balancer. One `pulumi up` of the tutorial
 * "Connecting Applications with Services".
 * @see https://kubernetes.io/docs/tutorials/services/connect-applications-service/
 */
export class NginxService extends pulumi.ComponentResource {
    /** The Service's name: the component's name. */
    public readonly serviceName: pulumi.Output<string>;
    /** The namespace every object lives in. */
    public readonly namespace: pulumi.Output<string>;
    /** The Service's stable virtual IP. */
    public readonly clusterIP: pulumi.Output<string>;
    /** `<svc>.<ns>.svc.<clusterDomain>`. */
    public readonly clusterDnsName: pulumi.Output<string>;
    /** The load balancer's IP, where the cloud reports one; undefined unless `serviceType` is LoadBalancer. */
    public readonly loadBalancerIP: pulumi.Output<string | undefined>;
    /** The load balancer's hostname, where the cloud reports one (AWS); undefined unless LoadBalancer. */
    public readonly loadBalancerHostname: pulumi.Output<string | undefined>;
    /** Node ports allocated by the API server; undefined for ClusterIP. */
    public readonly nodePorts: pulumi.Output<NodePortAllocation | undefined>;
    /** In-cluster URLs first, then external ones once the load balancer has an address. */
    public readonly urls: pulumi.Output<string[]>;
    /**
     * The trust anchor (PEM): the CA that signs the serving certificate, what clients pass to
     * `curl --cacert`. It stays the same when the serving certificate rotates. With
     * `tls.existingSecretName`, that Secret's `ca.crt`, undefined when it has none; undefined when TLS
     * is disabled.
     */
    public readonly caCertificatePem: pulumi.Output<string | undefined>;
    /** The serving certificate (PEM), which nginx presents. Undefined when TLS is disabled. */
    public readonly certificatePem: pulumi.Output<string | undefined>;
    /** When the serving certificate expires (RFC 3339, UTC), to alert on. Undefined when TLS is disabled. */
    public readonly certificateNotAfter: pulumi.Output<string | undefined>;
    /** Name of the kubernetes.io/tls Secret the pods mount. Undefined when TLS is disabled. */
    public readonly tlsSecretName: pulumi.Output<string | undefined>;

    constructor(name: string, args: NginxServiceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        // Validation throws before super(), so a bad argument registers nothing, not even the component;
        // every default is applied in this one call.
        const resolved = resolveSettings(name, args);
        super("nginx-service:index:NginxService", name, args, opts);

        // Without `namespace`, the namespace is the provider's (an explicit provider's `namespace`, the
        // `kubernetes:namespace` config or the kubeconfig context's), which the component cannot read:
        // the PodDisruptionBudget is created first and every name takes its namespace. The PDB because it
        // depends on nothing else of the instance, is never replaced by a config or certificate change,
        // and the provider does not wait on it (the Service would wait for endpoints, hence for the
        // pods, hence for the Secret). With `tls.existingSecretName` it is therefore created before the
        // Secret is read: the read needs the namespace.
        const namespaceProbe = resolved.namespace === undefined ? createDisruptionBudget(resolved, { parent: this }) : undefined;
        const settings = withLandingNamespace(resolved, namespaceProbe?.metadata.namespace);
        const tls = createTls(settings, this);
        // An existing Secret is read and checked before anything else is created or changed.
        const childOpts = { parent: this, dependsOn: tls?.dependsOn };
        const config = createConfig(settings, childOpts);
        const content = createContent(settings, childOpts);
        const deployment = createWorkload(settings, config.metadata.name, tls?.secretName, content?.metadata.name, childOpts);
        if (namespaceProbe === undefined) {
            createDisruptionBudget(settings, childOpts);
        }
        createAutoscaler(settings, deployment.metadata.name, childOpts);
        createNetworkPolicy(settings, childOpts);
        const service: k8s.core.v1.Service = createService(settings, childOpts);

        const ingress = loadBalancerIngress(service);
        this.serviceName = service.metadata.name;
        // The namespace the certificate's names were built from: the same fact, so they never disagree.
        this.namespace = pulumi.output(settings.namespaceForNames);
        this.clusterIP = service.spec.clusterIP;
        this.clusterDnsName = pulumi.all([service.metadata.name, this.namespace]).apply(([svc, ns]) => serviceFqdn(svc, ns, settings.clusterDomain));
        const isLb = settings.serviceType === ServiceType.LoadBalancer;
        this.loadBalancerIP = ingress.apply((i) => (isLb ? i?.ip : undefined));
        this.loadBalancerHostname = ingress.apply((i) => (isLb ? i?.hostname : undefined));
        this.nodePorts = allocatedNodePorts(service);
        this.urls = pulumi
            .all([this.clusterDnsName, this.loadBalancerHostname, this.loadBalancerIP])
            .apply(([dns, hostname, ip]) => serviceUrls(settings, dns, hostname ?? ip));
        this.caCertificatePem = tls === undefined ? pulumi.output(undefined) : tls.caCertificatePem;
        this.certificatePem = tls === undefined ? pulumi.output(undefined) : tls.certificatePem;
        this.certificateNotAfter = tls === undefined ? pulumi.output(undefined) : tls.certificateNotAfter;
        this.tlsSecretName = tls === undefined ? pulumi.output(undefined) : tls.secretName;

        this.registerOutputs({
            serviceName: this.serviceName,
            namespace: this.namespace,
            clusterIP: this.clusterIP,
            clusterDnsName: this.clusterDnsName,
            loadBalancerIP: this.loadBalancerIP,
            loadBalancerHostname: this.loadBalancerHostname,
            nodePorts: this.nodePorts,
            urls: this.urls,
            caCertificatePem: this.caCertificatePem,
            certificatePem: this.certificatePem,
            certificateNotAfter: this.certificateNotAfter,
            tlsSecretName: this.tlsSecretName,
        });
    }
}
