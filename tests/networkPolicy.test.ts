// The NetworkPolicy every instance has unless turned off: ingress only to nginx's ports, from anywhere or
// from the sources the user names; egress only to DNS. (Enforcement needs a network plugin; these tests
// check the object the API server gets.)
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { HTTP_PORT, HTTPS_PORT } from "../sdk/pod";

async function policyOf(name: string, args: NginxServiceArgs = {}) {
    mocks.reset();
    const { resources, one } = await mocks.deployed(new NginxService(name, args));
    const policies = resources.filter((r) => r.type === TYPES.networkPolicy);
    return { policy: policies.length === 1 ? one(TYPES.networkPolicy).inputs : undefined, count: policies.length, deployment: one(TYPES.deployment).inputs };
}

describe("the NetworkPolicy", () => {
    test("on by default: selects the instance's pods, restricts both directions", async () => {
        const { policy, deployment } = await policyOf("np");
        assert.ok(policy);
        assert.equal(policy.metadata.name, "np");
        assert.deepEqual(policy.spec.podSelector, deployment.spec.selector);
        assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
    });

    test("ingress: nginx's container ports only, from any source when allowFrom is unset", async () => {
        const { policy, deployment } = await policyOf("np");
        assert.deepEqual(policy.spec.ingress, [
            {
                ports: [
                    { port: 8080, protocol: "TCP" },
                    { port: 8443, protocol: "TCP" },
                ],
            },
        ]);
        // The ports are the ones the container declares (the Service's targets), not the Service's.
        assert.deepEqual(
            deployment.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort),
            [HTTP_PORT.containerPort, HTTPS_PORT.containerPort],
        );
        assert.equal(policy.spec.ingress[0].from, undefined, "no from: every source");
    });

    test("without TLS only the HTTP port is open", async () => {
        const { policy } = await policyOf("nptls", { tls: { enabled: false } });
        assert.deepEqual(policy.spec.ingress[0].ports, [{ port: 8080, protocol: "TCP" }]);
    });

    test("egress: DNS only, UDP and TCP", async () => {
        const { policy } = await policyOf("npdns");
        assert.deepEqual(policy.spec.egress, [
            {
                ports: [
                    { port: 53, protocol: "UDP" },
                    { port: 53, protocol: "TCP" },
                ],
            },
        ]);
    });

    test("allowFrom: each source becomes one API peer (namespaces, pods in namespaces, pods here, an IP block)", async () => {
        const { policy } = await policyOf("nppeers", {
            networkPolicy: {
                allowFrom: [
                    { namespaceLabels: { "kubernetes.io/metadata.name": "ingress" } },
                    { namespaceLabels: { team: "a" }, podLabels: { app: "client" } },
                    { podLabels: { role: "frontend" } },
                    { cidr: "203.0.113.0/24" },
                ],
            },
        });
        assert.deepEqual(policy.spec.ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } } },
            // Both selectors in one peer: pods with these labels in those namespaces (not either).
            { namespaceSelector: { matchLabels: { team: "a" } }, podSelector: { matchLabels: { app: "client" } } },
            { podSelector: { matchLabels: { role: "frontend" } } },
            { ipBlock: { cidr: "203.0.113.0/24" } },
        ]);
        assert.equal(policy.spec.ingress[0].ports.length, 2, "still only nginx's ports");
    });

    test("networkPolicy.enabled false: none is created", async () => {
        const { count } = await policyOf("npoff", { networkPolicy: { enabled: false } });
        assert.equal(count, 0);
    });

    describe("with upstream: egress to the app's pods' port", () => {
        const dns = { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] };

        test("without podLabels: targetPort (default: port) to any address, since a policy cannot name a Service", async () => {
            const { policy } = await policyOf("npup", { upstream: { name: "app", port: 8080 } });
            assert.deepEqual(policy.spec.egress, [dns, { ports: [{ port: 8080, protocol: "TCP" }] }]);
            const target = await policyOf("npup", { upstream: { name: "app", port: 80, targetPort: 3000 } });
            assert.deepEqual(target.policy.spec.egress[1], { ports: [{ port: 3000, protocol: "TCP" }] }, "the pod's port, which is what policies see");
        });

        test("with podLabels: only those pods, in the component's namespace or in the upstream's", async () => {
            const { policy } = await policyOf("npup", { upstream: { name: "app", port: 80, podLabels: { app: "api" } } });
            assert.deepEqual(policy.spec.egress[1], { ports: [{ port: 80, protocol: "TCP" }], to: [{ podSelector: { matchLabels: { app: "api" } } }] });
            const other = await policyOf("npup", { upstream: { name: "app", port: 80, namespace: "backend", podLabels: { app: "api" } } });
            assert.deepEqual(other.policy.spec.egress[1].to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "backend" } }, podSelector: { matchLabels: { app: "api" } } }]);
        });

        test("the ingress rule is unchanged", async () => {
            const { policy } = await policyOf("npup", { upstream: { name: "app", port: 80 } });
            assert.deepEqual(policy.spec.ingress, [{ ports: [{ port: 8080, protocol: "TCP" }, { port: 8443, protocol: "TCP" }] }]);
        });
    });
});
