// The Deployment and its pod template: Pod Security `restricted`, probes, mounts, rollout.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { podLayout } from "./harness/nginx";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { podSpec } from "../sdk/workload";
import { resolveSettings } from "../sdk/settings";

async function deploymentOf(name: string, args: NginxServiceArgs = {}) {
    return (await mocks.deployed(new NginxService(name, args))).one(TYPES.deployment);
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

describe("TLS on or off is the setting's, not guessed from the arguments", () => {
    test("with TLS the pod declares the https port and mounts the Secret; without, neither", () => {
        const on = podSpec(resolveSettings("on", {}), "cfg", "secret") as any;
        assert.deepEqual(on.containers[0].ports.map((p: any) => p.name), ["http", "https", "status"]);
        assert.ok(on.volumes.some((v: any) => v.secret?.secretName === "secret"));
        const off = podSpec(resolveSettings("off", { tls: { enabled: false } }), "cfg", undefined) as any;
        assert.deepEqual(off.containers[0].ports.map((p: any) => p.name), ["http", "status"]);
        assert.deepEqual(off.volumes.map((v: any) => v.name), ["config", "tmp"]);
    });

    test("a Secret name that disagrees with the setting is a bug, not a silent change of the pod", () => {
        assert.throws(() => podSpec(resolveSettings("off", { tls: { enabled: false } }), "cfg", "secret"), /tls.enabled is false but a TLS Secret name was given/);
        assert.throws(() => podSpec(resolveSettings("on", {}), "cfg", undefined), /tls.enabled is true but a TLS Secret name was not given/);
    });
});

describe("the Deployment", () => {
    test("puts the config, certificate and key where nginx reads them, the key not world-readable", async () => {
        mocks.reset();
        const { one, child } = await mocks.deployed(new NginxService("mounts"));
        const pod = one(TYPES.deployment).inputs.spec.template.spec;
        // The files as the kubelet lays them out from the volumes: the image's nginx.conf includes
        // conf.d/*.conf, and the server config names the ssl/ files.
        const files = Object.fromEntries(podLayout(mocks.resources).files.map((f) => [f.path, f]));
        assert.deepEqual(Object.keys(files).sort(), ["/etc/nginx/conf.d/default.conf", "/etc/nginx/ssl/ca.crt", "/etc/nginx/ssl/tls.crt", "/etc/nginx/ssl/tls.key"]);
        assert.equal(files["/etc/nginx/ssl/tls.crt"].content.toString(), one(TYPES.cert).state.certPem);
        assert.equal(files["/etc/nginx/ssl/tls.key"].content.toString(), child("tls-key").state.privateKeyPem);
        assert.equal(files["/etc/nginx/ssl/ca.crt"].content.toString(), one(TYPES.caCert).state.certPem);
        assert.equal(files["/etc/nginx/ssl/tls.key"].mode, 0o440);
        for (const mount of pod.containers[0].volumeMounts.filter((m: any) => m.name !== "tmp")) {
            assert.equal(mount.readOnly, true, mount.name);
        }
        assert.equal(pod.securityContext.fsGroup, pod.securityContext.runAsUser, "the key's group is nginx's");
    });

    test("readiness and liveness probe /healthz on the http port", async () => {
        const d = await deploymentOf("probes");
        const container = d.inputs.spec.template.spec.containers[0];
        for (const probe of [container.readinessProbe, container.livenessProbe]) {
            assert.deepEqual(probe.httpGet, { path: "/healthz", port: "http" });
        }
        assert.deepEqual(
            container.ports.map((p: any) => [p.name, p.containerPort]),
            [
                ["http", 8080],
                ["https", 8443],
                ["status", 8081],
            ],
        );
    });

    test("stopping: a preStop wait, then the image's stop signal, within a grace period that covers both", async () => {
        const d = await deploymentOf("stopping");
        const pod = d.inputs.spec.template.spec;
        const container = pod.containers[0];
        // A sleep action, not an exec: the unprivileged image has a shell, a minimal one may not.
        assert.deepEqual(Object.keys(container.lifecycle.preStop), ["sleep"]);
        const wait = container.lifecycle.preStop.sleep.seconds;
        assert.ok(wait >= 3, `the wait (${wait} s) outlasts the endpoints' update`);
        assert.ok(pod.terminationGracePeriodSeconds >= wait + 20, `grace ${pod.terminationGracePeriodSeconds} s leaves nginx 20 s after the wait`);
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
