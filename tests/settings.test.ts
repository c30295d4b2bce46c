// Every default, decided in one place (resolveSettings) and documented with @default in sdk/args.ts.
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_IMAGE, resolveSettings } from "../sdk/settings";

test("defaults of every argument", () => {
    const s = resolveSettings("my-nginx", {});
    assert.equal(s.namespace, undefined);
    assert.equal(s.namespaceForNames, "default");
    assert.equal(s.image, DEFAULT_IMAGE);
    assert.match(DEFAULT_IMAGE, /^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+/, "a pinned tag of the unprivileged image");
    assert.equal(s.replicas, 2);
    assert.equal(s.serviceType, "ClusterIP");
    assert.equal(s.httpPort, 80);
    assert.equal(s.httpsPort, 443);
    assert.deepEqual(s.nodePorts, { http: undefined, https: undefined });
    assert.deepEqual(s.tls, {
        enabled: true,
        commonName: "my-nginx",
        dnsNames: [],
        ipAddresses: [],
        validityHours: 8760,
        earlyRenewalHours: 720,
        keyAlgorithm: "RSA",
        rotationTrigger: undefined,
        existingSecretName: undefined,
    });
    assert.equal(s.redirectHttpToHttps, false);
    assert.deepEqual(s.loadBalancer, {
        internal: false,
        cloud: undefined,
        sourceRanges: undefined,
        externalTrafficPolicy: undefined,
        loadBalancerClass: undefined,
        annotations: {},
        awaitAddress: true,
        timeoutSeconds: 600,
    });
    assert.equal(s.enableServiceLinks, true);
    assert.deepEqual(s.resources, { cpuRequest: "50m", memoryRequest: "64Mi", cpuLimit: "500m", memoryLimit: "128Mi" });
    assert.deepEqual(s.selectorLabels, { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "my-nginx" });
    assert.deepEqual(s.labels, { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "my-nginx" });
    assert.deepEqual(s.serviceAnnotations, {});
    assert.equal(s.clusterDomain, "cluster.local");
});

test("falsy values given by the user are kept, not replaced by defaults", () => {
    const s = resolveSettings("my-nginx", {
        replicas: 0,
        enableServiceLinks: false,
        redirectHttpToHttps: false,
        tls: { earlyRenewalHours: 0 },
        serviceType: "LoadBalancer",
        loadBalancer: { awaitAddress: false, internal: false },
    });
    assert.equal(s.replicas, 0);
    assert.equal(s.enableServiceLinks, false);
    assert.equal(s.tls.earlyRenewalHours, 0);
    assert.equal(s.loadBalancer.awaitAddress, false);
});
