// The specs a user without this package writes by hand: one copy, used by both baselines (the raw
// Pulumi resources of part 1 and the kubectl manifests of part 2), so they cannot drift apart. They are
// written out independently of sdk/ on purpose: they are what the component is measured against.

/** The pods' selector and every object's labels; `managedBy` is the tool that applies them. */
export function handwrittenLabels(name: string, managedBy: string) {
    const selector = { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": name };
    return { selector, labels: { ...selector, "app.kubernetes.io/managed-by": managedBy } };
}

/**
 * The Service's annotations: for a NodePort Service the kubernetes provider's await only sleeps 10 s
 * after the endpoints last changed (docs/benchmarks.md, "The Service wait"), so it is skipped. kubectl ignores it.
 */
export const handwrittenServiceAnnotations = { "pulumi.com/skipAwait": "true" };

/** The Service's spec: the tutorial's NodePort, http on 8080 and https on 443. */
export function handwrittenServiceSpec(selector: Record<string, string>) {
    return {
        type: "NodePort",
        selector,
        ports: [
            { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
            { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
        ],
    };
}
/**
 * The image both baselines use by default (the component's default too: part 1 checks that the inputs
 * are the same). Part 2 on the real single-node cluster, where nothing can be pulled, passes the
 * cluster's locally built image instead.
 */
export const HANDWRITTEN_IMAGE = "nginxinc/nginx-unprivileged:1.28.0-alpine";

/** The pod spec: nginx on 8080 (http), 8443 (https) and 8081 (stub_status), config and TLS mounted read-only. */
export function handwrittenPodSpec<T>(selector: Record<string, string>, configMapName: T, secretName: T, image: string = HANDWRITTEN_IMAGE) {
    const seccompProfile = { type: "RuntimeDefault" };
    const probe = (initialDelaySeconds: number, periodSeconds: number) => ({
        httpGet: { path: "/healthz", port: "http" },
        initialDelaySeconds,
        periodSeconds,
        timeoutSeconds: 2,
        failureThreshold: 3,
    });
    return {
        enableServiceLinks: true,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, fsGroup: 101, seccompProfile },
        terminationGracePeriodSeconds: 30,
        // Leave a failed node after 30 s instead of the cluster's default 300 s.
        tolerations: ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 })),
        // Soft spread over nodes, then zones: never leaves a pod pending.
        topologySpreadConstraints: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selector },
        })),
        containers: [
            {
                name: "nginx",
                image,
                ports: [
                    { name: "http", containerPort: 8080, protocol: "TCP" },
                    { name: "https", containerPort: 8443, protocol: "TCP" },
                    { name: "status", containerPort: 8081, protocol: "TCP" },
                ],
                // Endpoints drop the pod before nginx stops taking connections.
                lifecycle: { preStop: { sleep: { seconds: 5 } } },
                readinessProbe: probe(0, 5),
                livenessProbe: probe(5, 10),
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    runAsUser: 101,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile,
                },
                volumeMounts: [
                    { name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true },
                    { name: "tls", mountPath: "/etc/nginx/ssl", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                ],
            },
        ],
        volumes: [
            { name: "config", configMap: { name: configMapName } },
            { name: "tls", secret: { secretName, defaultMode: 0o440 } },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
    };
}

/** The Deployment's spec around {@link handwrittenPodSpec}, as both baselines write it. */
export function handwrittenDeploymentSpec<T>(
    selector: Record<string, string>,
    labels: Record<string, string>,
    configMapName: T,
    secretName: T,
    image: string = HANDWRITTEN_IMAGE,
) {
    return {
        replicas: 1,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            metadata: { labels },
            spec: handwrittenPodSpec(selector, configMapName, secretName, image),
        },
    };
}

/** The PodDisruptionBudget's spec: at most one pod evicted at a time by a drain. */
export function handwrittenDisruptionBudgetSpec(selector: Record<string, string>) {
    return { maxUnavailable: 1, selector: { matchLabels: selector } };
}

/** The NetworkPolicy's spec: ingress only to http and https, from anywhere; egress only to DNS. */
export function handwrittenNetworkPolicySpec(selector: Record<string, string>) {
    return {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
            {
                ports: [
                    { port: 8080, protocol: "TCP" },
                    { port: 8443, protocol: "TCP" },
                ],
            },
        ],
        egress: [
            {
                ports: [
                    { port: 53, protocol: "UDP" },
                    { port: 53, protocol: "TCP" },
                ],
            },
        ],
    };
}
