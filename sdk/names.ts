import * as pulumi from "@pulumi/pulumi";
import { at, checkDns1123Label, checkInput, found, isDns1035Label, isDnsName, keyValueProblems, Resolved, show } from "./checks";

// Where the instance lives and what it is called: its namespace, its labels, the Service's DNS names.
// The certificate, the upstream's name, the outputs and the Service itself all read these, so a name is
// built in one place.

/** The arguments that place and name every object of the instance. */
export interface NamingArgs {
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
     * Labels added to every object and to the pods. They cannot override the selector labels
     * `app.kubernetes.io/name` and `app.kubernetes.io/instance`.
     * @default {}
     * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
     */
    labels?: { [key: string]: string };
    /**
     * The cluster's DNS domain, used for `clusterDnsName` and the certificate's names.
     * @default "cluster.local"
     * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
     */
    clusterDomain?: string;
}

/** What {@link NamingArgs} fields left unset are, as their `@default` says. @internal */
export const NAMING_DEFAULTS = {
    labels: {} as { [key: string]: string },
    clusterDomain: "cluster.local",
};

/**
 * The namespace pulumi-kubernetes itself uses for a namespaced object whose `metadata.namespace` is
 * empty (its `canonicalNamespace` and `clients.NamespaceOrDefault`): where such an object lands when the
 * provider has no namespace of its own, and what an object's namespace output is taken to be when a
 * preview without a cluster connection leaves it empty. `metadata.namespace` itself stays unset.
 * @internal
 */
export const ASSUMED_NAMESPACE = "default";

/** Labels the component owns: letting users set them would break the selector. @internal */
export const SELECTOR_LABEL_KEYS = ["app.kubernetes.io/name", "app.kubernetes.io/instance"] as const;

/** @internal */
export interface NamingSettings {
    /** The component's name: the Service's, the Deployment's and every fixed object name. */
    name: string;
    /** What goes into `metadata.namespace`: unset lets the provider choose. */
    namespace: pulumi.Input<string> | undefined;
    /**
     * The namespace the objects land in, for every name built from it (the certificate's names,
     * `clusterDnsName`, the existing Secret's read): `namespace` when given; otherwise the namespace the
     * provider put the component's first object in, once {@link withLandingNamespace} has been applied
     * (until then ASSUMED_NAMESPACE).
     */
    namespaceForNames: pulumi.Input<string>;
    clusterDomain: string;
    /** Labels on the pods and in the selector: unique per instance within a namespace. */
    selectorLabels: { [key: string]: string };
    /** Selector labels plus the user's, on every object. */
    labels: { [key: string]: string };
}

/**
 * The component's name (a DNS-1035 label: it becomes the Service's name), namespace, labels and
 * cluster domain. The Service name is the component name and is unique in its namespace, so
 * name+instance labels never select another instance's pods; user labels stay out of the immutable
 * selector.
 * @internal
 */
export function resolveNaming(name: string, args: NamingArgs): Resolved<NamingSettings> {
    const problems = [];
    if (!isDns1035Label(name)) {
        problems.push(at("name", `name ${show(name)} must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, at most 63 characters): it becomes the Service's name and DNS name`));
    }
    const namespace = args.namespace === undefined ? undefined : checkInput(name, args.namespace, (ns) => checkDns1123Label("namespace", ns));
    if (namespace?.problem) problems.push(namespace.problem);

    const userLabels = args.labels ?? NAMING_DEFAULTS.labels;
    problems.push(...keyValueProblems("labels", args.labels, { labels: true }));
    for (const key of SELECTOR_LABEL_KEYS) {
        if (args.labels?.[key] !== undefined) {
            problems.push(at(`labels[${show(key)}]`, `labels[${show(key)}] (${show(args.labels[key])}) is set by the component for the selector and cannot be overridden`));
        }
    }
    const clusterDomain = args.clusterDomain ?? NAMING_DEFAULTS.clusterDomain;
    if (!isDnsName(clusterDomain, { wildcard: false })) {
        problems.push(at("clusterDomain", `clusterDomain ${show(clusterDomain)} is not a valid DNS domain`));
    }
    const selectorLabels = { [SELECTOR_LABEL_KEYS[0]]: "nginx", [SELECTOR_LABEL_KEYS[1]]: name };
    return {
        settings: {
            name,
            namespace: namespace?.value,
            namespaceForNames: namespace?.value ?? ASSUMED_NAMESPACE,
            clusterDomain,
            selectorLabels,
            labels: { "app.kubernetes.io/managed-by": "pulumi", ...userLabels, ...selectorLabels },
        },
        problems: found(problems),
    };
}

/**
 * The fully qualified name of a Service. nginx's resolver does not use the search domains of
 * /etc/resolv.conf, so the short names a pod could use (`app`, `app.ns`) would not resolve.
 * @internal
 */
export function serviceFqdn(name: string, namespace: string, clusterDomain: string): string {
    return `${name}.${namespace}.svc.${clusterDomain}`;
}

/** The names a client inside the cluster may use for a Service, shortest first. @internal */
export const serviceDnsNames = (service: string, namespace: string, clusterDomain: string): string[] => [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    serviceFqdn(service, namespace, clusterDomain),
];

/**
 * The settings once the component knows where its objects land. With `namespace` given, unchanged.
 * Without it, `namespaceForNames` becomes `landed`, the `metadata.namespace` output of an object the
 * component created without a namespace: pulumi-kubernetes fills that field with the provider's
 * namespace in its Check step (so a preview knows it too), and the API server reports it after the
 * create. An empty value (a preview whose provider could load no kubeconfig) is what the provider then
 * uses itself, ASSUMED_NAMESPACE. No ID-only read can stand in: `Secret.get` without a namespace reads
 * `default`, whatever the provider's namespace.
 * @internal
 */
export function withLandingNamespace<S extends NamingSettings>(settings: S, landed: pulumi.Output<string | undefined> | undefined): S {
    if (settings.namespace !== undefined || landed === undefined) {
        return settings;
    }
    return { ...settings, namespaceForNames: landed.apply((ns) => (ns === undefined || ns === "" ? ASSUMED_NAMESPACE : ns)) };
}
