// Every default: applied once, by its feature module's resolve, from constants that sit next to each
// field's @default in the same module; the last test checks that the two say the same.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { AUTOSCALING_DEFAULTS } from "../sdk/availability";
import { HEADERS_DEFAULTS, HSTS_DEFAULTS } from "../sdk/headers";
import { METRICS_DEFAULTS, METRICS_EXPORTER_DEFAULTS } from "../sdk/metrics";
import { NAMING_DEFAULTS, serviceFqdn, withLandingNamespace } from "../sdk/names";
import { NETWORK_POLICY_DEFAULTS } from "../sdk/networkPolicy";
import { LOAD_BALANCER_DEFAULTS, SERVICE_DEFAULTS } from "../sdk/service";
import { TLS_DEFAULTS } from "../sdk/tls";
import { UPSTREAM_DEFAULTS } from "../sdk/upstream";
import { RESOURCES_DEFAULTS, WORKLOAD_DEFAULTS } from "../sdk/workload";
import * as pulumi from "@pulumi/pulumi";
import { resolveSettings } from "../sdk/settings";

test("defaults of every argument", () => {
    const s = resolveSettings("my-nginx", {});
    assert.equal(s.namespace, undefined);
    assert.equal(s.namespaceForNames, "default");
    assert.equal(s.image, "nginxinc/nginx-unprivileged:1.28.0-alpine");
    assert.equal(s.replicas, 2);
    assert.equal(s.serviceType, "ClusterIP");
    assert.equal(s.httpPort, 80);
    assert.equal(s.httpsPort, 443);
    assert.deepEqual(s.nodePorts, { http: undefined, https: undefined });
    assert.deepEqual(s.tls, {
        enabled: true,
        http2: true,
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
    assert.equal(s.hsts, undefined);
    assert.equal(s.securityHeaders, true);
    assert.equal(s.autoscaling, undefined);
    assert.deepEqual(s.networkPolicy, { enabled: true, allowFrom: undefined });
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
    assert.equal(s.upstream, undefined);
    assert.equal(s.content, undefined);
    assert.deepEqual(s.metrics, { enabled: true, allowCidrs: [], exporter: undefined });
});

test("upstream defaults: the component's namespace, http, the port as target, the cluster DNS Service by FQDN", () => {
    assert.deepEqual(resolveSettings("my-nginx", { upstream: { name: "app", port: 8080 } }).upstream, {
        name: "app",
        port: 8080,
        namespace: undefined,
        scheme: "http",
        targetPort: 8080,
        podLabels: undefined,
        resolver: "kube-dns.kube-system.svc.cluster.local",
        proxyTimeoutSeconds: 60,
        clientMaxBodySize: "1m",
    });
    const inNamespace = resolveSettings("my-nginx", { namespace: "web", clusterDomain: "corp.internal", upstream: { name: "app", port: 80 } }).upstream!;
    assert.equal(inNamespace.namespace, undefined, "unset: the component's namespace, namespaceForNames, applies (see the FQDN in tests/config.test.ts)");
    assert.equal(inNamespace.resolver, "kube-dns.kube-system.svc.corp.internal", "the cluster domain given");
    const given = resolveSettings("my-nginx", { namespace: "web", upstream: { name: "app", port: 80, namespace: "apps", targetPort: 8080, resolver: "10.96.0.10", proxyTimeoutSeconds: 5, clientMaxBodySize: "0" } }).upstream!;
    assert.equal(given.namespace, "apps");
    assert.equal(given.targetPort, 8080);
    assert.equal(given.resolver, "10.96.0.10");
    assert.equal(given.proxyTimeoutSeconds, 5);
    assert.equal(given.clientMaxBodySize, "0");
});

test("serviceFqdn: what nginx's resolver needs, with no search domain to lean on", () => {
    assert.equal(serviceFqdn("app", "apps", "cluster.local"), "app.apps.svc.cluster.local");
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

test("hsts given, even empty, is on with its defaults", () => {
    assert.deepEqual(resolveSettings("my-nginx", { hsts: {} }).hsts, { maxAgeSeconds: 31536000, includeSubDomains: false });
    assert.deepEqual(resolveSettings("my-nginx", { hsts: { maxAgeSeconds: 0, includeSubDomains: true } }).hsts, { maxAgeSeconds: 0, includeSubDomains: true });
});

test("fields outside the API are not carried into the settings", () => {
    const s = resolveSettings("my-nginx", { resources: { cpuRequest: "1", gpu: "1" } as any, tls: { curve: "P224" } as any });
    assert.deepEqual(s.resources, { cpuRequest: "1", memoryRequest: "64Mi", cpuLimit: "500m", memoryLimit: "128Mi" });
    assert.equal((s.tls as any).curve, undefined);
});

test("each default constant is what the field's @default documents", () => {
    // Each interface is in its feature's module; read them all.
    const sdk = path.resolve(__dirname, "..", "..", "sdk");
    const source = fs.readdirSync(sdk).filter((f) => f.endsWith(".ts")).map((f) => fs.readFileSync(path.join(sdk, f), "utf8")).join("\n");
    /** The literal after `@default` of each field of `iface` (prose defaults, `@default - ...`, are left out). */
    const documented = (iface: string): { [field: string]: unknown } => {
        const body = source.slice(source.indexOf(`export interface ${iface} {`), source.indexOf("\n}\n", source.indexOf(`export interface ${iface} {`)));
        const out: { [field: string]: unknown } = {};
        for (const [, doc, field] of body.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)\?:/g)) {
            const literal = /@default ("[^"]*"|\[\]|\{\}|true|false|\d+)/.exec(doc)?.[1];
            if (literal !== undefined) out[field] = JSON.parse(literal);
        }
        return out;
    };
    for (const [iface, defaults] of [
        ["NamingArgs", NAMING_DEFAULTS],
        ["WorkloadArgs", WORKLOAD_DEFAULTS],
        ["ServiceArgs", SERVICE_DEFAULTS],
        ["HeadersArgs", HEADERS_DEFAULTS],
        ["TlsArgs", TLS_DEFAULTS],
        ["LoadBalancerArgs", LOAD_BALANCER_DEFAULTS],
        ["ResourcesArgs", RESOURCES_DEFAULTS],
        ["HstsArgs", HSTS_DEFAULTS],
        ["AutoscalingArgs", AUTOSCALING_DEFAULTS],
        ["NetworkPolicyArgs", NETWORK_POLICY_DEFAULTS],
        ["UpstreamArgs", UPSTREAM_DEFAULTS],
        ["MetricsArgs", METRICS_DEFAULTS],
        ["MetricsExporterArgs", METRICS_EXPORTER_DEFAULTS],
    ] as const) {
        const docs = documented(iface);
        for (const [field, value] of Object.entries(defaults)) {
            assert.ok(field in docs, `${iface}.${field} has a default (${JSON.stringify(value)}) but no literal @default`);
            assert.deepEqual(value, docs[field], `${iface}.${field}: @default ${JSON.stringify(docs[field])}, applied ${JSON.stringify(value)}`);
        }
    }
});

test("withLandingNamespace: a given namespace stays; unset, the names follow where the first object landed", async () => {
    const given = resolveSettings("my-nginx", { namespace: "shop" });
    assert.equal(withLandingNamespace(given, pulumi.output<string | undefined>("elsewhere")), given);
    const unset = resolveSettings("my-nginx", {});
    const landed = (ns: string | undefined) =>
        new Promise((ok) => pulumi.output(withLandingNamespace(unset, pulumi.output(ns)).namespaceForNames).apply(ok));
    assert.equal(await landed("team-b"), "team-b");
    // Empty only in a preview whose provider loaded no kubeconfig: pulumi-kubernetes then uses default itself.
    assert.equal(await landed(""), "default");
    assert.equal(await landed(undefined), "default");
});
