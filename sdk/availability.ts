import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { at, checkPositiveInt, found, Problem, Resolved, show, withDefaults } from "./checks";
import { NamingSettings } from "./names";

// Keeping the instance available: the PodDisruptionBudget, the autoscaler and the spread of its pods.

/**
 * Autoscaling with a HorizontalPodAutoscaler (autoscaling/v2) on CPU utilization. With it the
 * Deployment's replica count belongs to the autoscaler: the component leaves `spec.replicas` out.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 */
export interface Autoscaling {
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

/** What {@link Autoscaling} fields left unset are, as their `@default` says. @internal */
export const AUTOSCALING_DEFAULTS = {
    minReplicas: 2,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 80,
};

/** @internal */
export interface AvailabilitySettings {
    /** Undefined when `autoscaling` is not given: `replicas` pods, no autoscaler. */
    autoscaling: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number } | undefined;
}

/** `autoscaling` with its defaults, and its bounds; a fixed `replicas` beside it is a cross-feature rule. @internal */
export function resolveAvailability(given: Autoscaling | undefined): Resolved<AvailabilitySettings> {
    const autoscaling = given === undefined ? undefined : withDefaults(given, AUTOSCALING_DEFAULTS);
    if (autoscaling === undefined) {
        return { settings: { autoscaling }, problems: [] };
    }
    const problems: (Problem | undefined)[] = [checkPositiveInt("autoscaling.minReplicas", autoscaling.minReplicas), checkPositiveInt("autoscaling.maxReplicas", autoscaling.maxReplicas)];
    if (autoscaling.maxReplicas < autoscaling.minReplicas) {
        problems.push(at("autoscaling.maxReplicas", `autoscaling.maxReplicas (${show(autoscaling.maxReplicas)}) must be at least autoscaling.minReplicas (${show(autoscaling.minReplicas)})`));
    }
    problems.push(checkPositiveInt("autoscaling.targetCPUUtilizationPercentage", autoscaling.targetCPUUtilizationPercentage));
    return { settings: { autoscaling }, problems: found(problems) };
}

/**
 * The topologies the pods are spread over, node first, then zone (the well-known labels kubelets and
 * cloud providers set).
 * @see https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesiozone
 * @internal
 */
export const SPREAD_TOPOLOGY_KEYS = ["kubernetes.io/hostname", "topology.kubernetes.io/zone"] as const;

/**
 * How long a pod stays bound to a node that stopped reporting (NotReady or unreachable) before it is
 * evicted and replaced elsewhere: 30 s instead of the cluster's default 300 s. The Service stops
 * sending to such a pod once its node is NotReady (about 45 s after the loss), whatever this says; the
 * toleration decides only when the replica count is whole again. Measured on the three-node test
 * cluster: replaced 86.5 s after a node's loss with 30 s, 347.7-356.6 s with the default. The cost: a node
 * back within a minute or two finds its pods already rescheduled, which nginx's pods (Ready in seconds,
 * no state) do not mind.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
 * @internal
 */
export const NODE_FAILURE_TOLERATION_SECONDS = 30;

/** The tolerations of {@link NODE_FAILURE_TOLERATION_SECONDS}. @internal */
export function nodeFailureTolerations(): k8s.types.input.core.v1.Toleration[] {
    return ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
        key,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: NODE_FAILURE_TOLERATION_SECONDS,
    }));
}

/**
 * Soft spread of this instance's pods over nodes and zones: the scheduler prefers the node (zone) with
 * the fewest of them, but `ScheduleAnyway` never leaves a pod pending, so one node, one zone or nodes
 * without a zone label still run every replica.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 * @internal
 */
export function topologySpread(settings: NamingSettings): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return SPREAD_TOPOLOGY_KEYS.map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: settings.selectorLabels },
    }));
}

/**
 * The Deployment's `spec.replicas`, or nothing with `autoscaling`. Left out rather than ignored: the
 * provider applies server-side, so a field the program never sends has no Pulumi field manager, and the
 * autoscaler's writes are neither reverted by the next `pulumi up` nor shown as a diff. With
 * `ignoreChanges: ["spec.replicas"]` the engine would keep passing the field's last input value, so the
 * provider would keep applying it: an update of the Deployment would reset the count or fail on the
 * scale subresource's ownership (pulumi/pulumi-kubernetes#2491). The cost of leaving it out: when an
 * existing stack turns autoscaling on, the apply that drops the field resets it to the API's default, 1,
 * until the autoscaler's next sync (15 s by default) raises it to `minReplicas`.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling
 * @internal
 */
export function deploymentReplicas(settings: AvailabilitySettings & { replicas: pulumi.Input<number> }): { replicas?: pulumi.Input<number> } {
    return settings.autoscaling === undefined ? { replicas: settings.replicas } : {};
}

/**
 * At most one pod of this instance evicted at a time by a voluntary disruption (a node drain, a cluster
 * upgrade). maxUnavailable rather than minAvailable: with one replica (or zero, or an unknown Output)
 * it still allows the eviction, so a drain is never blocked forever, and it needs no replica count.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 * @internal
 */
export function createDisruptionBudget(settings: NamingSettings, opts: pulumi.CustomResourceOptions): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        `${settings.name}-pdb`,
        {
            metadata: { name: settings.name, namespace: settings.namespace, labels: settings.labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: settings.selectorLabels } },
        },
        // Named like the Deployment, so a replacement must delete before it creates.
        { ...opts, deleteBeforeReplace: true },
    );
}

/**
 * The HorizontalPodAutoscaler (autoscaling/v2) of the Deployment, on CPU utilization against the
 * container's CPU request; undefined without `autoscaling`.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
 * @internal
 */
export function createAutoscaler(settings: NamingSettings & AvailabilitySettings, deploymentName: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): k8s.autoscaling.v2.HorizontalPodAutoscaler | undefined {
    const autoscaling = settings.autoscaling;
    if (autoscaling === undefined) {
        return undefined;
    }
    return new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${settings.name}-hpa`,
        {
            metadata: { name: settings.name, namespace: settings.namespace, labels: settings.labels },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
                minReplicas: autoscaling.minReplicas,
                maxReplicas: autoscaling.maxReplicas,
                metrics: [
                    {
                        type: "Resource",
                        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaling.targetCPUUtilizationPercentage } },
                    },
                ],
            },
        },
        { ...opts, deleteBeforeReplace: true },
    );
}
