// The Deployment and its pod template: Pod Security `restricted`, probes, mounts, rollout.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { installMocks, resolve, settle } from "./mocks";

const mocks = installMocks();

import { NginxService } from "../sdk";
import { CONFIG_MOUNT_PATH, HEALTH_PATH, TLS_MOUNT_PATH } from "../sdk/config";
import { podSpec } from "../sdk/workload";
import { resolveSettings } from "../sdk/settings";

async function deploymentOf(name: string, args: ConstructorParameters<typeof NginxService>[1] = {}) {
    const c = new NginxService(name, args);
    await resolve(c.urls);
    await settle();
    return mocks.one("kubernetes:apps/v1:Deployment", name);
}

describe("pod security", () => {
    // The checks of the restricted profile, as the API server's Pod Security admission applies them.
    test("the pod passes the Pod Security Standards restricted profile", () => {
        const spec = podSpec(resolveSettings("psa", {}), "cfg", "tls") as any;
        assert.equal(spec.securityContext.runAsNonRoot, true);
        assert.ok(spec.securityContext.runAsUser > 0);
        assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault");
        for (const container of spec.containers) {
            const sc = container.securityContext;
            assert.equal(sc.allowPrivilegeEscalation, false);
            assert.deepEqual(sc.capabilities.drop, ["ALL"]);
            assert.equal(sc.capabilities.add, undefined);
            assert.equal(sc.runAsNonRoot, true);
            assert.ok(sc.runAsUser > 0);
            assert.equal(sc.readOnlyRootFilesystem, true);
            assert.equal(sc.privileged, undefined);
            for (const port of container.ports) {
                assert.ok(port.containerPort >= 1024, "unprivileged ports: no NET_BIND_SERVICE needed");
                assert.equal(port.hostPort, undefined);
            }
        }
        for (const volume of spec.volumes) {
            assert.deepEqual(Object.keys(volume).filter((k) => k !== "name").length, 1);
            assert.ok(["configMap", "secret", "emptyDir"].includes(Object.keys(volume).find((k) => k !== "name")!), "only restricted-allowed volume types");
        }
        assert.equal(spec.hostNetwork, undefined);
        assert.equal(spec.automountServiceAccountToken, false);
    });

    test("the read-only root filesystem gets a writable /tmp, where the unprivileged image keeps pid and temp files", () => {
        const spec = podSpec(resolveSettings("tmp", {}), "cfg", "tls") as any;
        const mount = spec.containers[0].volumeMounts.find((m: any) => m.mountPath === "/tmp");
        const volume = spec.volumes.find((v: any) => v.name === mount.name);
        assert.ok(volume.emptyDir, "an emptyDir");
        assert.notEqual(mount.readOnly, true);
    });
});

describe("the Deployment", () => {
    test("mounts the ConfigMap and the TLS Secret where nginx reads them, the key not world-readable", async () => {
        const d = await deploymentOf("mounts");
        const pod = d.inputs.spec.template.spec;
        const mounts = Object.fromEntries(pod.containers[0].volumeMounts.map((m: any) => [m.name, m]));
        assert.equal(mounts.config.mountPath, CONFIG_MOUNT_PATH);
        assert.equal(mounts.tls.mountPath, TLS_MOUNT_PATH);
        assert.equal(mounts.config.readOnly, true);
        assert.equal(mounts.tls.readOnly, true);
        const tlsVolume = pod.volumes.find((v: any) => v.name === "tls");
        assert.equal(tlsVolume.secret.secretName, mocks.one("kubernetes:core/v1:Secret", "mounts").state.metadata.name);
        assert.equal(tlsVolume.secret.defaultMode, 0o440);
        assert.equal(pod.securityContext.fsGroup, pod.securityContext.runAsUser, "the key's group is nginx's");
    });

    test("readiness and liveness probe /healthz on the http port", async () => {
        const d = await deploymentOf("probes");
        const container = d.inputs.spec.template.spec.containers[0];
        for (const probe of [container.readinessProbe, container.livenessProbe]) {
            assert.deepEqual(probe.httpGet, { path: HEALTH_PATH, port: "http" });
        }
        assert.deepEqual(
            container.ports.map((p: any) => [p.name, p.containerPort]),
            [
                ["http", 8080],
                ["https", 8443],
            ],
        );
    });

    test("image, replicas, resources and service links as given", async () => {
        const d = await deploymentOf("given", {
            image: "registry.example/nginx:1.27",
            replicas: 3,
            enableServiceLinks: false,
            resources: { cpuRequest: "100m", memoryLimit: "256Mi" },
        });
        const pod = d.inputs.spec.template.spec;
        assert.equal(pod.containers[0].image, "registry.example/nginx:1.27");
        assert.equal(d.inputs.spec.replicas, 3);
        assert.equal(pod.enableServiceLinks, false);
        assert.deepEqual(pod.containers[0].resources, { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    });

    test("named like the component, rolling with no pod unavailable", async () => {
        const d = await deploymentOf("rollout", { replicas: 1 });
        assert.equal(d.inputs.metadata.name, "rollout");
        assert.deepEqual(d.inputs.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    });
});
