// Availability: the PodDisruptionBudget every instance has, the soft topology spread of its pods, and the
// optional HorizontalPodAutoscaler that takes the replica count over from the Deployment.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { SPREAD_TOPOLOGY_KEYS } from "../sdk/availability";

async function deployed(name: string, args: NginxServiceArgs = {}) {
    mocks.reset();
    return mocks.deployed(new NginxService(name, args));
}

describe("the PodDisruptionBudget", () => {
    for (const [what, args] of [
        ["default (2 replicas)", {}],
        ["one replica, where it must not block a drain", { replicas: 1 }],
        ["replicas as an Output", { replicas: pulumi.output(3) }],
        ["with autoscaling", { autoscaling: {} }],
    ] as [string, NginxServiceArgs][]) {
        test(`is always there, maxUnavailable 1, selecting exactly the Deployment's pods: ${what}`, async () => {
            const { one } = await deployed("pdb", args);
            const pdb = one(TYPES.podDisruptionBudget).inputs;
            const deployment = one(TYPES.deployment).inputs;
            assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: deployment.spec.selector });
            assert.equal(pdb.spec.minAvailable, undefined, "minAvailable would block every drain at one replica");
            assert.equal(pdb.metadata.name, "pdb");
            assert.deepEqual(pdb.metadata.labels, deployment.metadata.labels);
        });
    }

    test("lands in the component's namespace", async () => {
        const { one } = await deployed("pdbns", { namespace: "web" });
        assert.equal(one(TYPES.podDisruptionBudget).inputs.metadata.namespace, "web");
    });
});

describe("topology spread", () => {
    test("soft (ScheduleAnyway) over nodes and zones, counting only this instance's pods", async () => {
        const { one } = await deployed("spread");
        const template = one(TYPES.deployment).inputs.spec.template;
        const constraints = template.spec.topologySpreadConstraints;
        assert.deepEqual(
            constraints.map((c: any) => c.topologyKey),
            ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
        );
        assert.deepEqual([...SPREAD_TOPOLOGY_KEYS], ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
        for (const constraint of constraints) {
            assert.equal(constraint.whenUnsatisfiable, "ScheduleAnyway", "never leaves a pod pending on one node or one zone");
            assert.equal(constraint.maxSkew, 1);
            // The selector is the instance's: its pods carry every label of it, another instance's do not.
            assert.deepEqual(constraint.labelSelector.matchLabels, one(TYPES.deployment).inputs.spec.selector.matchLabels);
            for (const [key, value] of Object.entries(constraint.labelSelector.matchLabels)) {
                assert.equal(template.metadata.labels[key], value);
            }
            assert.equal(constraint.labelSelector.matchLabels["app.kubernetes.io/instance"], "spread");
        }
    });
});

describe("node failure", () => {
    test("pods leave a NotReady or unreachable node after 30 s, not the cluster's default 300 s", async () => {
        const { one } = await deployed("tolerant");
        assert.deepEqual(one(TYPES.deployment).inputs.spec.template.spec.tolerations, [
            { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
            { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 },
        ]);
    });
});

describe("autoscaling", () => {
    test("off by default: no autoscaler, the Deployment has replicas", async () => {
        const { resources, one } = await deployed("fixed", { replicas: 3 });
        assert.ok(!resources.some((r) => r.type === TYPES.autoscaler));
        assert.equal(one(TYPES.deployment).inputs.spec.replicas, 3);
    });

    test("an autoscaling/v2 HPA on the Deployment, on CPU utilization, with its defaults", async () => {
        const { one } = await deployed("auto", { autoscaling: {} });
        const hpa = one(TYPES.autoscaler);
        const deployment = one(TYPES.deployment);
        assert.deepEqual(hpa.inputs.spec, {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.state.metadata.name },
            minReplicas: 2,
            maxReplicas: 10,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }],
        });
        assert.equal(hpa.inputs.metadata.name, "auto");
        assert.ok(deployment.inputs.spec.template.spec.containers[0].resources.requests.cpu, "utilization is of the CPU request, which must be set");
    });

    test("the Deployment leaves replicas out, so pulumi up never sends a count the HPA would have to fight", async () => {
        const { one } = await deployed("owned", { autoscaling: { minReplicas: 3, maxReplicas: 6, targetCPUUtilizationPercentage: 150 } });
        const spec = one(TYPES.deployment).inputs.spec;
        assert.ok(!("replicas" in spec), `spec.replicas is absent, got ${JSON.stringify(spec.replicas)}`);
        const hpa = one(TYPES.autoscaler).inputs.spec;
        assert.deepEqual([hpa.minReplicas, hpa.maxReplicas, hpa.metrics[0].resource.target.averageUtilization], [3, 6, 150]);
    });
});
