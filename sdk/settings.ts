import * as pulumi from "@pulumi/pulumi";
import { Cloud, ExternalTrafficPolicy, KeyAlgorithm, NginxServiceArgs, ServiceType } from "./args";
import { checkImage, checkNamespace, checkReplicas, checkSecretName, checkWhenKnown, SELECTOR_LABEL_KEYS, validateArgs } from "./validation";

/** The image the component runs unless told otherwise: non-root, ports 8080/8443, pid and temp files in /tmp. */
export const DEFAULT_IMAGE = "nginxinc/nginx-unprivileged:1.28.0-alpine";

/** Ports nginx listens on inside the pod; unprivileged so the container needs no capability. */
export const CONTAINER_HTTP_PORT = 8080;
export const CONTAINER_HTTPS_PORT = 8443;

/** The user id of nginx in the unprivileged image; the pod runs as it. */
export const NGINX_UID = 101;

/**
 * Every argument with its default applied, checked, and with the values derived from it. Helpers take
 * this, never the raw args, so each default is decided in exactly one place.
 */
export interface Settings {
    name: string;
    /** What goes into `metadata.namespace`: unset lets the provider choose. */
    namespace: pulumi.Input<string> | undefined;
    /** The namespace the certificate's names and outputs assume when none is given. */
    namespaceForNames: pulumi.Input<string>;
    image: pulumi.Input<string>;
    replicas: pulumi.Input<number>;
    serviceType: ServiceType;
    httpPort: number;
    httpsPort: number;
    nodePorts: { http?: number; https?: number };
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
}

/**
 * Validates the args (throwing {@link NginxServiceArgsError} before anything is registered) and applies
 * every default, once.
 */
export function resolveSettings(name: string, args: NginxServiceArgs): Settings {
    validateArgs(name, args);
    const tls = args.tls ?? {};
    const lb = args.loadBalancer ?? {};
    const resources = args.resources ?? {};
    // The Service name is the component name and is unique in its namespace, so name+instance labels
    // never select another instance's pods; user labels stay out of the immutable selector.
    const selectorLabels: { [key: string]: string } = {
        [SELECTOR_LABEL_KEYS[0]]: "nginx",
        [SELECTOR_LABEL_KEYS[1]]: name,
    };
    const namespace = args.namespace === undefined ? undefined : checkWhenKnown(name, args.namespace, checkNamespace);
    return {
        name,
        namespace,
        namespaceForNames: namespace ?? "default",
        image: checkWhenKnown(name, args.image ?? DEFAULT_IMAGE, checkImage),
        replicas: checkWhenKnown(name, args.replicas ?? 2, checkReplicas),
        serviceType: args.serviceType ?? ServiceType.ClusterIP,
        httpPort: args.httpPort ?? 80,
        httpsPort: args.httpsPort ?? 443,
        nodePorts: { http: args.nodePorts?.http, https: args.nodePorts?.https },
        tls: {
            enabled: tls.enabled ?? true,
            commonName: tls.commonName ?? name,
            dnsNames: tls.dnsNames ?? [],
            ipAddresses: tls.ipAddresses ?? [],
            validityHours: tls.validityHours ?? 8760,
            earlyRenewalHours: tls.earlyRenewalHours ?? 720,
            keyAlgorithm: tls.keyAlgorithm ?? KeyAlgorithm.RSA,
            rotationTrigger: tls.rotationTrigger,
            existingSecretName: tls.existingSecretName === undefined ? undefined : checkWhenKnown(name, tls.existingSecretName, checkSecretName),
        },
        redirectHttpToHttps: args.redirectHttpToHttps ?? false,
        loadBalancer: {
            internal: lb.internal ?? false,
            cloud: lb.cloud,
            sourceRanges: lb.sourceRanges,
            externalTrafficPolicy: lb.externalTrafficPolicy,
            loadBalancerClass: lb.loadBalancerClass,
            annotations: lb.annotations ?? {},
            awaitAddress: lb.awaitAddress ?? true,
            timeoutSeconds: lb.timeoutSeconds ?? 600,
        },
        enableServiceLinks: args.enableServiceLinks ?? true,
        resources: {
            cpuRequest: resources.cpuRequest ?? "50m",
            memoryRequest: resources.memoryRequest ?? "64Mi",
            cpuLimit: resources.cpuLimit ?? "500m",
            memoryLimit: resources.memoryLimit ?? "128Mi",
        },
        selectorLabels,
        labels: { "app.kubernetes.io/managed-by": "pulumi", ...args.labels, ...selectorLabels },
        serviceAnnotations: args.serviceAnnotations ?? {},
        clusterDomain: args.clusterDomain ?? "cluster.local",
    };
}
