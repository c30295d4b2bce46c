// resolveSettings, what the constructor runs before registering anything: every default applied once,
// by its feature module's resolve, from constants that sit next to each field's @default in the same
// module (a test checks that the two say the same); every argument Kubernetes or nginx would reject
// refused up front, all problems at once, each with the field and the value in its message.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
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
import { NginxServiceArgs } from "../sdk/args";
import { NginxServiceArgsError } from "../sdk/checks";
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
        keyAlgorithm: "ECDSA",
        rotationTrigger: undefined,
        caValidityHours: 87600,
        caRotationTrigger: undefined,
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
        ["Tls", TLS_DEFAULTS],
        ["LoadBalancer", LOAD_BALANCER_DEFAULTS],
        ["Resources", RESOURCES_DEFAULTS],
        ["Hsts", HSTS_DEFAULTS],
        ["Autoscaling", AUTOSCALING_DEFAULTS],
        ["NetworkPolicy", NETWORK_POLICY_DEFAULTS],
        ["Upstream", UPSTREAM_DEFAULTS],
        ["Metrics", METRICS_DEFAULTS],
        ["MetricsExporter", METRICS_EXPORTER_DEFAULTS],
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

/** What the constructor checks before registering anything: the settings resolved from `args`. */
const validateArgs = (name: string, args: NginxServiceArgs) => resolveSettings(name, args);

/** The component's inputs, and `name` (its name is checked too). */
const INPUTS = ["name", ...Object.keys(JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "tests", "schema.snapshot.json"), "utf8")).resources["nginx-service:index:NginxService"].inputProperties)];

const invalid: [string, NginxServiceArgs, RegExp, string?][] = [
    ["negative replicas", { replicas: -1 }, /replicas must be a whole number >= 0, got -1/],
    ["fractional replicas", { replicas: 1.5 }, /replicas must be a whole number >= 0, got 1.5/],
    ["empty image", { image: "" }, /image must be a non-empty image reference without spaces, got ""/],
    ["namespace not a label", { namespace: "Prod_1" }, /namespace "Prod_1" must be a DNS-1123 label/],
    ["httpPort 0", { httpPort: 0 }, /httpPort must be a whole number in 1-65535, got 0/],
    ["httpsPort too large", { httpsPort: 70000 }, /httpsPort must be a whole number in 1-65535, got 70000/],
    ["ports equal", { httpPort: 8443, httpsPort: 8443 }, /httpPort and httpsPort must differ, both are 8443/],
    ["default ports made equal", { httpPort: 443 }, /httpPort and httpsPort must differ, both are 443/],
    ["node ports for ClusterIP", { nodePorts: { http: 30080 } }, /nodePorts \(\{"http":30080\}\) needs serviceType NodePort or LoadBalancer, got serviceType "ClusterIP"/],
    ["node port below range", { serviceType: "NodePort", nodePorts: { http: 8080 } }, /nodePorts.http must be a whole number in 30000-32767, got 8080/],
    ["node port above range", { serviceType: "NodePort", nodePorts: { https: 32768 } }, /nodePorts.https must be a whole number in 30000-32767, got 32768/],
    ["node ports equal", { serviceType: "NodePort", nodePorts: { http: 30001, https: 30001 } }, /nodePorts.http and nodePorts.https must differ, both are 30001/],
    ["loadBalancer without LoadBalancer", { serviceType: "NodePort", loadBalancer: { internal: true, cloud: "aws" } }, /loadBalancer.internal, loadBalancer.cloud needs serviceType LoadBalancer, got serviceType "NodePort"/],
    ["empty loadBalancer without LoadBalancer", { loadBalancer: {} }, /loadBalancer needs serviceType LoadBalancer, got serviceType "ClusterIP"/],
    ["bad service type", { serviceType: "External" as any }, /serviceType must be one of "ClusterIP", "NodePort", "LoadBalancer", got "External"/],
    ["early renewal >= validity", { tls: { validityHours: 24, earlyRenewalHours: 24 } }, /tls.earlyRenewalHours \(24\) must be less than tls.validityHours \(24\)/],
    ["default early renewal >= short validity", { tls: { validityHours: 100 } }, /tls.earlyRenewalHours \(720\) must be less than tls.validityHours \(100\)/],
    ["validity not positive", { tls: { validityHours: 0 } }, /tls.validityHours must be a whole number > 0, got 0/],
    ["CA validity not positive", { tls: { caValidityHours: 0 } }, /tls.caValidityHours must be a whole number > 0, got 0/],
    ["certificate outliving its CA", { tls: { validityHours: 9000, caValidityHours: 8000 } }, /tls.validityHours \(9000\) must not exceed tls.caValidityHours \(8000\)/],
    ["default validity outliving a short CA", { tls: { caValidityHours: 2000 } }, /tls.validityHours \(8760\) must not exceed tls.caValidityHours \(2000\)/],
    ["existing secret with CA fields", { tls: { existingSecretName: "web", caRotationTrigger: "2031" } }, /tls.existingSecretName is set, so nothing is generated, but tls.caRotationTrigger is set too/],
    ["IP that does not parse", { tls: { ipAddresses: ["10.0.0.300"] } }, /tls.ipAddresses entry "10.0.0.300" is not an IP address/],
    ["DNS name that does not parse", { tls: { dnsNames: ["bad name.example"] } }, /tls.dnsNames entry "bad name.example" is not a valid DNS name/],
    ["CIDR that does not parse", { serviceType: "LoadBalancer", loadBalancer: { sourceRanges: ["10.0.0.0/33"] } }, /loadBalancer.sourceRanges entry "10.0.0.0\/33" is not a CIDR/],
    ["CIDR without prefix", { serviceType: "LoadBalancer", loadBalancer: { sourceRanges: ["10.0.0.0"] } }, /loadBalancer.sourceRanges entry "10.0.0.0" is not a CIDR/],
    ["TLS off with TLS fields", { tls: { enabled: false, dnsNames: ["a.example"], keyAlgorithm: "ECDSA" } }, /tls.enabled is false but tls.dnsNames, tls.keyAlgorithm are set/],
    ["TLS off with httpsPort", { httpsPort: 8443, tls: { enabled: false } }, /httpsPort \(8443\) is set but tls.enabled is false/],
    ["TLS off with redirect", { redirectHttpToHttps: true, tls: { enabled: false } }, /redirectHttpToHttps is true but tls.enabled is false/],
    ["existing secret with generator fields", { tls: { existingSecretName: "web", commonName: "x" } }, /tls.existingSecretName is set, so nothing is generated, but tls.commonName is set too/],
    ["bad key algorithm", { tls: { keyAlgorithm: "DSA" as any } }, /tls.keyAlgorithm must be one of "RSA", "ECDSA", got "DSA"/],
    ["internal without cloud", { serviceType: "LoadBalancer", loadBalancer: { internal: true } }, /loadBalancer.internal is true but loadBalancer.cloud is not set/],
    ["internal on tencent without subnet", { serviceType: "LoadBalancer", loadBalancer: { internal: true, cloud: "tencent" } }, /cloud "tencent" needs the subnet: set loadBalancer.annotations\["service.kubernetes.io\/qcloud-loadbalancer-internal-subnetid"\]/],
    ["bad cloud", { serviceType: "LoadBalancer", loadBalancer: { cloud: "ibm" as any } }, /loadBalancer.cloud must be one of "aws", "gcp", "azure", "tencent", got "ibm"/],
    ["bad traffic policy", { serviceType: "LoadBalancer", loadBalancer: { externalTrafficPolicy: "Nearest" as any } }, /loadBalancer.externalTrafficPolicy must be one of "Cluster", "Local", got "Nearest"/],
    ["timeout not positive", { serviceType: "LoadBalancer", loadBalancer: { timeoutSeconds: -5 } }, /loadBalancer.timeoutSeconds must be a whole number > 0, got -5/],
    ["hsts without TLS", { hsts: {}, tls: { enabled: false } }, /hsts \(\{\}\) is set but tls.enabled is false: HSTS is sent on HTTPS responses only/],
    ["hsts max-age negative", { hsts: { maxAgeSeconds: -1 } }, /hsts.maxAgeSeconds must be a whole number >= 0, got -1/],
    ["hsts max-age fractional", { hsts: { maxAgeSeconds: 1.5 } }, /hsts.maxAgeSeconds must be a whole number >= 0, got 1.5/],
    ["hsts includeSubDomains not a boolean", { hsts: { includeSubDomains: "yes" as any } }, /hsts.includeSubDomains must be true or false, got "yes"/],
    ["securityHeaders not a boolean", { securityHeaders: "off" as any }, /securityHeaders must be true or false, got "off"/],
    ["replicas with autoscaling", { replicas: 3, autoscaling: {} }, /replicas \(3\) is set but autoscaling is set too: the autoscaler owns the replica count/],
    ["replicas as an Output with autoscaling", { replicas: pulumi.output(3), autoscaling: {} }, /replicas \(an Output\) is set but autoscaling is set too/],
    ["autoscaling max below min", { autoscaling: { minReplicas: 4, maxReplicas: 3 } }, /autoscaling.maxReplicas \(3\) must be at least autoscaling.minReplicas \(4\)/],
    ["autoscaling max below the default min", { autoscaling: { maxReplicas: 1 } }, /autoscaling.maxReplicas \(1\) must be at least autoscaling.minReplicas \(2\)/],
    ["autoscaling min 0", { autoscaling: { minReplicas: 0 } }, /autoscaling.minReplicas must be a whole number > 0, got 0/],
    ["autoscaling target 0", { autoscaling: { targetCPUUtilizationPercentage: 0 } }, /autoscaling.targetCPUUtilizationPercentage must be a whole number > 0, got 0/],
    ["autoscaling target fractional", { autoscaling: { targetCPUUtilizationPercentage: 75.5 } }, /autoscaling.targetCPUUtilizationPercentage must be a whole number > 0, got 75.5/],
    ["networkPolicy.enabled not a boolean", { networkPolicy: { enabled: "no" as any } }, /networkPolicy.enabled must be true or false, got "no"/],
    ["allowFrom with the policy off", { networkPolicy: { enabled: false, allowFrom: [{ cidr: "10.0.0.0/8" }] } }, /networkPolicy.allowFrom \(\[\{"cidr":"10.0.0.0\/8"\}\]\) is set but networkPolicy.enabled is false/],
    ["allowFrom empty", { networkPolicy: { allowFrom: [] } }, /networkPolicy.allowFrom must list at least one source \(leave it unset to allow any\), got \[\]/],
    ["allowFrom source with nothing set", { networkPolicy: { allowFrom: [{}] } }, /networkPolicy.allowFrom\[0\] must set namespaceLabels, podLabels or cidr, got \{\}/],
    ["allowFrom bad CIDR", { networkPolicy: { allowFrom: [{ podLabels: { a: "b" } }, { cidr: "10.0.0.0/40" }] } }, /networkPolicy.allowFrom\[1\].cidr "10.0.0.0\/40" is not a CIDR/],
    ["allowFrom CIDR with labels", { networkPolicy: { allowFrom: [{ cidr: "10.0.0.0/8", podLabels: { a: "b" } }] } }, /networkPolicy.allowFrom\[0\].cidr cannot be combined with namespaceLabels or podLabels/],
    ["allowFrom empty selector", { networkPolicy: { allowFrom: [{ namespaceLabels: {} }] } }, /networkPolicy.allowFrom\[0\].namespaceLabels must hold at least one label, got \{\}/],
    ["allowFrom bad label value", { networkPolicy: { allowFrom: [{ podLabels: { app: "my app" } }] } }, /networkPolicy.allowFrom\[0\].podLabels\["app"\] value "my app" is not a valid label value/],
    ["bad quantity", { resources: { memoryLimit: "lots" } }, /resources.memoryLimit "lots" is not a Kubernetes quantity/],
    ["bad quantity in a field the API does not have", { resources: { gpu: "lots" } as any }, /resources.gpu "lots" is not a Kubernetes quantity/],
    ["selector label overridden", { labels: { "app.kubernetes.io/instance": "other" } }, /labels\["app.kubernetes.io\/instance"\] \("other"\) is set by the component for the selector and cannot be overridden/],
    ["bad label value", { labels: { team: "pay ments" } }, /labels\["team"\] value "pay ments" is not a valid label value/],
    ["bad annotation key", { serviceAnnotations: { "bad key": "x" } }, /serviceAnnotations key "bad key" is not a valid Kubernetes key/],
    ["bad cluster domain", { clusterDomain: "-cluster" }, /clusterDomain "-cluster" is not a valid DNS domain/],
    ["upstream name starting with a digit", { upstream: { name: "1app", port: 80 } }, /upstream.name "1app" must be a Service name, a DNS-1035 label/],
    ["upstream name with a dot", { upstream: { name: "app.other", port: 80 } }, /upstream.name "app.other" must be a Service name/],
    ["upstream without name", { upstream: { port: 80 } as any }, /upstream.name is required/],
    ["upstream without port", { upstream: { name: "app" } as any }, /upstream.port is required/],
    ["upstream port 0", { upstream: { name: "app", port: 0 } }, /upstream.port must be a whole number in 1-65535, got 0/],
    ["upstream port too large", { upstream: { name: "app", port: 65536 } }, /upstream.port must be a whole number in 1-65535, got 65536/],
    ["upstream targetPort fractional", { upstream: { name: "app", port: 80, targetPort: 80.5 } }, /upstream.targetPort must be a whole number in 1-65535, got 80.5/],
    ["upstream namespace not a label", { upstream: { name: "app", port: 80, namespace: "Apps_1" } }, /upstream.namespace "Apps_1" must be a DNS-1123 label/],
    ["upstream scheme", { upstream: { name: "app", port: 80, scheme: "grpc" as any } }, /upstream.scheme must be one of "http", "https", got "grpc"/],
    ["upstream resolver not an address", { upstream: { name: "app", port: 80, resolver: "10.96.0.10:53:53" } }, /upstream.resolver "10.96.0.10:53:53" must be an IP address or DNS name with an optional port/],
    ["upstream resolver IPv6 without brackets", { upstream: { name: "app", port: 80, resolver: "fd00::a" } }, /upstream.resolver "fd00::a" must be/],
    ["upstream resolver port 0", { upstream: { name: "app", port: 80, resolver: "10.96.0.10:0" } }, /upstream.resolver "10.96.0.10:0" must be/],
    ["upstream timeout 0", { upstream: { name: "app", port: 80, proxyTimeoutSeconds: 0 } }, /upstream.proxyTimeoutSeconds must be a whole number > 0, got 0/],
    ["upstream timeout fractional", { upstream: { name: "app", port: 80, proxyTimeoutSeconds: 2.5 } }, /upstream.proxyTimeoutSeconds must be a whole number > 0, got 2.5/],
    ["upstream body size as a quantity", { upstream: { name: "app", port: 80, clientMaxBodySize: "10Mi" } }, /upstream.clientMaxBodySize "10Mi" must be a size as nginx reads it/],
    ["upstream body size negative", { upstream: { name: "app", port: 80, clientMaxBodySize: "-1m" } }, /upstream.clientMaxBodySize "-1m" must be a size as nginx reads it/],
    ["upstream podLabels empty", { upstream: { name: "app", port: 80, podLabels: {} } }, /upstream.podLabels must hold at least one label/],
    ["upstream podLabels bad value", { upstream: { name: "app", port: 80, podLabels: { app: "my app" } } }, /upstream.podLabels\["app"\] value "my app" is not a valid label value/],
    ["upstream policy fields with the policy off", { networkPolicy: { enabled: false }, upstream: { name: "app", port: 80, podLabels: { app: "web" }, targetPort: 8080 } }, /upstream.podLabels, upstream.targetPort are set but networkPolicy.enabled is false: they only shape the NetworkPolicy/],
    ["upstream is the component's own Service", { upstream: { name: "my-nginx", port: 80 } }, /upstream.name "my-nginx" is this NginxService's own Service: nginx would proxy every request to itself/],
    ["upstream is the component's own Service, namespace spelt out", { namespace: "web", upstream: { name: "my-nginx", namespace: "web", port: 80 } }, /upstream.name "my-nginx" is this NginxService's own Service/],
    ["upstream field that does not exist", { upstream: { name: "app", port: 80, timeout: 5 } as any }, /upstream.timeout is not a field of upstream/],
    ["two IP families without a policy", { ipFamilies: ["IPv4", "IPv6"] }, /ipFamilies \["IPv4","IPv6"\] lists two families, so ipFamilyPolicy must be "PreferDualStack" or "RequireDualStack", got "SingleStack \(unset\)"/],
    ["two IP families, SingleStack", { ipFamilies: ["IPv6", "IPv4"], ipFamilyPolicy: "SingleStack" }, /ipFamilyPolicy must be "PreferDualStack" or "RequireDualStack", got "SingleStack"/],
    ["a repeated IP family", { ipFamilies: ["IPv6", "IPv6"], ipFamilyPolicy: "PreferDualStack" }, /ipFamilies must not repeat a family, got \["IPv6","IPv6"\]/],
    ["no IP family", { ipFamilies: [] }, /ipFamilies must list one or two IP families \(leave it unset for the cluster's\), got \[\]/],
    ["three IP families", { ipFamilies: ["IPv4", "IPv6", "IPv4"], ipFamilyPolicy: "RequireDualStack" }, /ipFamilies must list one or two IP families/],
    ["bad IP family", { ipFamilies: ["IPv5" as any] }, /ipFamilies\[0\] must be one of "IPv4", "IPv6", got "IPv5"/],
    ["bad IP family policy", { ipFamilyPolicy: "DualStack" as any }, /ipFamilyPolicy must be one of "SingleStack", "PreferDualStack", "RequireDualStack", got "DualStack"/],
];

describe("resolveSettings refuses bad input, naming the field and the value", () => {
    for (const [what, args, message] of invalid) {
        test(what, () => {
            assert.throws(
                () => validateArgs("my-nginx", args),
                (error: unknown) => {
                    assert.ok(error instanceof NginxServiceArgsError, `not an NginxServiceArgsError: ${error}`);
                    assert.match(error.message, message);
                    assert.match(error.message, /^NginxService "my-nginx" has invalid arguments:/);
                    // One property path per problem, each naming an input the component has.
                    assert.ok(pulumi.InputPropertiesError.isInstance(error));
                    assert.deepEqual(error.errors.map((e) => e.reason), error.problems);
                    for (const { propertyPath } of error.errors) {
                        assert.ok(INPUTS.includes(propertyPath.split(/[.[]/)[0]), `${propertyPath} is under an input`);
                    }
                    return true;
                },
            );
        });
    }

    test("a name that is not a DNS label", () => {
        for (const name of ["My-Nginx", "1nginx", "nginx-", "a".repeat(64), "my_nginx"]) {
            assert.throws(() => validateArgs(name, {}), new RegExp(`name "${name}" must be a DNS-1035 label`));
        }
    });

    test("every problem is reported at once", () => {
        assert.throws(
            () => validateArgs("my-nginx", { replicas: -2, httpPort: 0, tls: { ipAddresses: ["x"] } }),
            (error: unknown) => {
                assert.ok(error instanceof NginxServiceArgsError);
                assert.equal(error.problems.length, 3, error.problems.join("\n"));
                return true;
            },
        );
    });
});

describe("the error is the SDK's InputPropertiesError, a property path per problem", () => {
    test("each problem under the path of the input it is about", () => {
        assert.throws(
            () =>
                validateArgs("my-nginx", {
                    replicas: -2,
                    tls: { ipAddresses: ["10.0.0.1", "x"], dnsNames: ["ok.example", "bad name"] },
                    labels: { team: "pay ments" },
                    resources: { cpuLimit: "lots" },
                    serviceType: "LoadBalancer",
                    loadBalancer: { sourceRanges: ["10.0.0.0/8", "nope"] },
                    hsts: { maxAgeSeconds: -1 },
                }),
            (error: unknown) => {
                assert.ok(error instanceof pulumi.InputPropertiesError, "what the provider server turns into the engine's property list");
                assert.ok(error instanceof NginxServiceArgsError);
                assert.deepEqual(error.errors.map((e) => e.propertyPath).sort(), [
                    "hsts.maxAgeSeconds",
                    'labels["team"]',
                    "loadBalancer.sourceRanges[1]",
                    "replicas",
                    "resources.cpuLimit",
                    "tls.dnsNames[1]",
                    "tls.ipAddresses[1]",
                ]);
                assert.equal(error.name, "NginxServiceArgsError");
                return true;
            },
        );
    });
});

describe("resolveSettings accepts what Kubernetes accepts", () => {
    const valid: [string, NginxServiceArgs][] = [
        ["nothing", {}],
        ["zero replicas (scaled to zero)", { replicas: 0 }],
        ["the tutorial's NodePort", { serviceType: "NodePort", httpPort: 8080, replicas: 1, nodePorts: { http: 30000, https: 32767 } }],
        ["TLS off with plain HTTP", { tls: { enabled: false }, httpPort: 8080 }],
        ["TLS off and https port equal to the default http port", { tls: { enabled: false }, httpPort: 443 }],
        ["IPv6 addresses and ranges", { serviceType: "LoadBalancer", tls: { ipAddresses: ["::1", "192.0.2.1"] }, loadBalancer: { sourceRanges: ["2001:db8::/32", "0.0.0.0/0"] } }],
        ["wildcard DNS name", { tls: { dnsNames: ["*.example.com"] } }],
        ["internal on tencent with its subnet", { serviceType: "LoadBalancer", loadBalancer: { internal: true, cloud: "tencent", annotations: { "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid": "subnet-1" } } }],
        ["hsts with max-age 0 (tells browsers to forget it)", { hsts: { maxAgeSeconds: 0 } }],
        ["hsts with redirect and subdomains", { hsts: { includeSubDomains: true }, redirectHttpToHttps: true }],
        ["security headers off", { securityHeaders: false }],
        ["network policy off", { networkPolicy: { enabled: false } }],
        ["network policy from a namespace, a namespace's pods, and a range", { networkPolicy: { allowFrom: [{ namespaceLabels: { "kubernetes.io/metadata.name": "ingress" } }, { namespaceLabels: { team: "a" }, podLabels: { app: "client" } }, { cidr: "2001:db8::/32" }] } }],
        ["autoscaling with min equal to max, above 100% of the request", { autoscaling: { minReplicas: 3, maxReplicas: 3, targetCPUUtilizationPercentage: 200 } }],
        ["IPv6 only", { ipFamilies: ["IPv6"] }],
        ["dual stack, IPv6 first", { ipFamilies: ["IPv6", "IPv4"], ipFamilyPolicy: "RequireDualStack" }],
        ["dual stack where available, families left to the cluster", { ipFamilyPolicy: "PreferDualStack" }],
        ["unknown Outputs are left for later", { replicas: pulumi.output(new Promise<number>(() => undefined)), namespace: pulumi.output(new Promise<string>(() => undefined)) }],
        ["upstream with only name and port", { upstream: { name: "app", port: 8080 } }],
        ["upstream with every field", { upstream: { name: "app", port: 443, namespace: "apps", scheme: "https", targetPort: 8443, podLabels: { "app.kubernetes.io/name": "app" }, resolver: "[fd00::a]:53", proxyTimeoutSeconds: 3600, clientMaxBodySize: "100m" } }],
        ["upstream resolvers nginx accepts", { upstream: { name: "app", port: 80, resolver: "10.96.0.10" } }],
        ["upstream resolver by name (OpenShift's DNS Service)", { upstream: { name: "app", port: 80, resolver: "dns-default.openshift-dns.svc.cluster.local:53" } }],
        ["upstream named like the component, in another namespace", { upstream: { name: "my-nginx", namespace: "apps", port: 80 } }],
        ["upstream body size without limit", { upstream: { name: "app", port: 80, clientMaxBodySize: "0" } }],
        // Outputs that never resolve: unknown at construction, so nothing can be checked yet (their check when
        // they resolve is the next describe's).
        ["upstream name and namespace as unknown Outputs", { upstream: { name: pulumi.output(new Promise<string>(() => undefined)), namespace: pulumi.output(new Promise<string>(() => undefined)), port: 80 } }],
    ];
    for (const [what, args] of valid) {
        test(what, () => assert.doesNotThrow(() => validateArgs("my-nginx", args)));
    }
});

describe("upstream's name and namespace as Outputs", () => {
    test("are checked when they resolve, under their own paths", async () => {
        const settings = resolveSettings("my-nginx", { upstream: { name: pulumi.output("1app"), namespace: pulumi.output("ok"), port: 80 } });
        const name = settings.upstream!.name as any;
        for (const sibling of [name.isKnown, name.isSecret, name.allResources?.()]) {
            sibling?.catch?.(() => undefined);
        }
        await assert.rejects(name.promise(), (error: unknown) => {
            assert.ok(error instanceof NginxServiceArgsError);
            assert.deepEqual(error.errors.map((e) => e.propertyPath), ["upstream.name"]);
            return true;
        });
        assert.equal(await (settings.upstream!.namespace as any).promise(), "ok");
    });
});
