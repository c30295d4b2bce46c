// `metrics`: stub_status on its own container port, outside the Service, opened by the NetworkPolicy;
// the optional exporter sidecar and its scrape annotations. The exporter image cannot be pulled on this
// machine (no registry), so only its wiring is tested here; tests/dataplane.test.ts and the real
// cluster test the stub_status it reads.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { EXPORTER_RESOURCES_DEFAULTS, METRICS_EXPORTER_DEFAULTS } from "../sdk/metrics";
import { EXPORTER_SCRAPE_URI } from "../sdk/metrics";
import { CONTAINER_NAME, EXPORTER_CONTAINER_NAME, METRICS_PATH, METRICS_PORT, NGINX_UID, STATUS_PATH, STATUS_PORT } from "../sdk/pod";
import { NginxServiceArgsError } from "../sdk/checks";
import { resolveSettings } from "../sdk/settings";

async function deployedWith(name: string, args: NginxServiceArgs) {
    mocks.reset();
    const { one } = await mocks.deployed(new NginxService(name, args));
    return { pod: one(TYPES.deployment).inputs.spec.template, policy: one(TYPES.networkPolicy).inputs, service: one(TYPES.service).inputs };
}

describe("metrics: stub_status", () => {
    test("on by default: the nginx container declares the status port; no exporter, no scrape annotation", async () => {
        assert.deepEqual(resolveSettings("m", {}).metrics, { enabled: true, allowCidrs: [], exporter: undefined });
        const { pod } = await deployedWith("m", {});
        assert.deepEqual(pod.spec.containers.map((c: any) => c.name), [CONTAINER_NAME]);
        assert.deepEqual(pod.spec.containers[0].ports.find((p: any) => p.name === STATUS_PORT.name), { name: "status", containerPort: 8081, protocol: "TCP" });
        assert.equal(pod.metadata.annotations, undefined, "stub_status is not Prometheus' format: nothing to point a scraper at");
    });

    test("the Service does not expose it: its ports stay http and https", async () => {
        const { service } = await deployedWith("msvc", { metrics: { exporter: {} } });
        assert.deepEqual(service.spec.ports.map((p: any) => p.targetPort), ["http", "https"]);
    });

    test("the NetworkPolicy opens the status port only with allowCidrs (else nginx answers loopback only), in the same rule as nginx's ports", async () => {
        const allowFrom = [{ namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" } }];
        const closed = await deployedWith("mnp", { networkPolicy: { allowFrom } });
        assert.deepEqual(closed.policy.spec.ingress[0].ports, [8080, 8443].map((port) => ({ port, protocol: "TCP" })));
        const { policy } = await deployedWith("mnp", { networkPolicy: { allowFrom }, metrics: { allowCidrs: ["10.244.0.0/16"] } });
        assert.equal(policy.spec.ingress.length, 1);
        assert.deepEqual(policy.spec.ingress[0].ports, [8080, 8443, STATUS_PORT.containerPort].map((port) => ({ port, protocol: "TCP" })));
        assert.deepEqual(policy.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
    });

    test("metrics.enabled false: no status port in the pod or the NetworkPolicy", async () => {
        const { pod, policy } = await deployedWith("moff", { metrics: { enabled: false }, networkPolicy: {} });
        assert.deepEqual(pod.spec.containers[0].ports.map((p: any) => p.name), ["http", "https"]);
        assert.deepEqual(policy.spec.ingress[0].ports, [8080, 8443].map((port) => ({ port, protocol: "TCP" })));
    });
});

describe("metrics: the exporter sidecar (wiring only: its image cannot be pulled here)", () => {
    test("reads stub_status over the pod's loopback and serves /metrics on the metrics port", async () => {
        const { pod } = await deployedWith("mexp", { metrics: { exporter: {} } });
        const exporter = pod.spec.containers.find((c: any) => c.name === EXPORTER_CONTAINER_NAME);
        assert.ok(exporter, "a second container");
        assert.equal(exporter.image, METRICS_EXPORTER_DEFAULTS.image);
        assert.equal(EXPORTER_SCRAPE_URI, `http://127.0.0.1:${STATUS_PORT.containerPort}${STATUS_PATH}`);
        assert.deepEqual(exporter.args, ["--nginx.scrape-uri=http://127.0.0.1:8081/stub_status", "--web.listen-address=:9113", "--web.telemetry-path=/metrics"]);
        assert.deepEqual(exporter.ports, [{ name: "metrics", containerPort: 9113, protocol: "TCP" }]);
        assert.deepEqual(exporter.resources, {
            requests: { cpu: EXPORTER_RESOURCES_DEFAULTS.cpuRequest, memory: EXPORTER_RESOURCES_DEFAULTS.memoryRequest },
            limits: { cpu: EXPORTER_RESOURCES_DEFAULTS.cpuLimit, memory: EXPORTER_RESOURCES_DEFAULTS.memoryLimit },
        });
        assert.equal(exporter.readinessProbe, undefined, "a probe here would take nginx out of the Service when only the exporter is slow");
        assert.deepEqual(exporter.livenessProbe.httpGet, { path: "/metrics", port: "metrics" }, "a hung exporter is restarted");
    });

    test("restricted like nginx: non-root, no privilege escalation, read-only root, no capability, RuntimeDefault seccomp; no mount", async () => {
        const { pod } = await deployedWith("mpsa", { metrics: { exporter: {} } });
        const exporter = pod.spec.containers.find((c: any) => c.name === EXPORTER_CONTAINER_NAME);
        assert.deepEqual(exporter.securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: NGINX_UID,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(exporter.volumeMounts, undefined, "it needs no file: not the key, not the config");
    });

    test("the pods carry the scrape annotations pointing at the exporter; the NetworkPolicy opens its port", async () => {
        const { pod, policy } = await deployedWith("mann", { metrics: { exporter: {} } });
        assert.deepEqual(pod.metadata.annotations, { "prometheus.io/scrape": "true", "prometheus.io/port": String(METRICS_PORT.containerPort), "prometheus.io/path": METRICS_PATH });
        assert.deepEqual(policy.spec.ingress[0].ports, [8080, 8443, 9113].map((port) => ({ port, protocol: "TCP" })), "the exporter's port; stub_status stays loopback-only");
    });

    test("image and resources as given, the resources' unset fields defaulted", async () => {
        const { pod } = await deployedWith("mgiven", { metrics: { exporter: { image: "registry.example/exporter:1", resources: { memoryLimit: "64Mi" } } } });
        const exporter = pod.spec.containers.find((c: any) => c.name === EXPORTER_CONTAINER_NAME);
        assert.equal(exporter.image, "registry.example/exporter:1");
        assert.deepEqual(exporter.resources.limits, { cpu: EXPORTER_RESOURCES_DEFAULTS.cpuLimit, memory: "64Mi" });
    });

    const invalid: [string, NginxServiceArgs, RegExp, string][] = [
        ["exporter with stub_status off", { metrics: { enabled: false, exporter: {} } }, /metrics.exporter is set but metrics.enabled is false/, "metrics.exporter"],
        ["empty exporter image", { metrics: { exporter: { image: " " } } }, /metrics.exporter.image must be a non-empty image reference without spaces, got " "/, "metrics.exporter.image"],
        ["exporter resources not a quantity", { metrics: { exporter: { resources: { cpuLimit: "lots" } } } }, /metrics.exporter.resources.cpuLimit "lots" is not a Kubernetes quantity/, "metrics.exporter.resources.cpuLimit"],
        ["enabled not a boolean", { metrics: { enabled: "yes" as any } }, /metrics.enabled must be true or false, got "yes"/, "metrics.enabled"],
        ["allowCidrs entry not a CIDR", { metrics: { allowCidrs: ["10.0.0.0/8", "10.0.0.0/33", "pods"] } }, /metrics.allowCidrs entry "10.0.0.0\/33" is not an IP or a CIDR[\s\S]*metrics.allowCidrs entry "pods" is not an IP or a CIDR/, "metrics.allowCidrs[1]"],
        ["allowCidrs with stub_status off", { metrics: { enabled: false, allowCidrs: ["10.0.0.0/8"] } }, /metrics.allowCidrs \(\["10.0.0.0\/8"\]\) is set but metrics.enabled is false/, "metrics.allowCidrs"],
    ];
    for (const [what, args, message, propertyPath] of invalid) {
        test(`refused: ${what}`, () => {
            assert.throws(
                () => resolveSettings("m", args),
                (error: unknown) => {
                    assert.ok(error instanceof NginxServiceArgsError);
                    assert.match(error.message, message);
                    assert.ok(error.errors.some((e) => e.propertyPath === propertyPath), JSON.stringify(error.errors));
                    return true;
                },
            );
        });
    }
});
