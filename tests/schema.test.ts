// Other languages use the package through the schema Pulumi's component analyzer infers from the
// TypeScript source. If an arg or output type drifts outside what it accepts, `pulumi package add`
// breaks for every Python and Go user: this test runs the same analyzer in-process.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { Analyzer, AnalyzeResult } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";

const root = path.resolve(__dirname, "..", "..");
/** The schema as other languages get it, committed so a change of the public API shows in review. */
const SNAPSHOT = path.join(root, "tests", "schema.snapshot.json");

describe("the inferred schema", () => {
    let result: AnalyzeResult;
    let packageJSON: any;
    before(() => {
        packageJSON = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        result = new Analyzer(root, packageJSON.name, packageJSON, new Set(["NginxService"])).analyze();
    });

    test("has the component with every input of the public API", () => {
        const component = result.components.NginxService;
        assert.ok(component, `components: ${Object.keys(result.components)}`);
        assert.deepEqual(Object.keys(component.inputs).sort(), [
            "autoscaling",
            "clusterDomain",
            "content",
            "enableServiceLinks",
            "hsts",
            "httpPort",
            "httpsPort",
            "image",
            "ipFamilies",
            "ipFamilyPolicy",
            "labels",
            "loadBalancer",
            "metrics",
            "namespace",
            "networkPolicy",
            "nodePorts",
            "redirectHttpToHttps",
            "replicas",
            "resources",
            "securityHeaders",
            "serviceAnnotations",
            "serviceType",
            "tls",
            "upstream",
        ]);
        for (const [name, input] of Object.entries(component.inputs)) {
            assert.equal(input.optional, true, `${name} must be optional`);
        }
        assert.deepEqual(component.inputs.replicas, { ...component.inputs.replicas, type: "number" });
        assert.equal((component.inputs.serviceType as any).$ref, "#/types/nginx-service:index:ServiceType");
        assert.equal((component.inputs.labels as any).type, "object");
        assert.equal((component.inputs.labels as any).additionalProperties.type, "string");
    });

    test("has every output", () => {
        const outputs = result.components.NginxService.outputs;
        assert.deepEqual(Object.keys(outputs).sort(), [
            "caCertificatePem",
            "certificateNotAfter",
            "certificatePem",
            "clusterDnsName",
            "clusterIP",
            "loadBalancerHostname",
            "loadBalancerIP",
            "namespace",
            "nodePorts",
            "serviceName",
            "tlsSecretName",
            "urls",
        ]);
        assert.equal((outputs.urls as any).type, "array");
        assert.equal((outputs.nodePorts as any).$ref, "#/types/nginx-service:index:NodePortAllocation");
        for (const optional of ["loadBalancerIP", "loadBalancerHostname", "nodePorts", "caCertificatePem", "certificatePem", "certificateNotAfter", "tlsSecretName"]) {
            assert.equal(outputs[optional].optional, true, `${optional} is undefined in some scenarios`);
        }
    });

    test("turns the named enums into schema enums", () => {
        const values = (name: string) => result.typeDefinitions[name]?.enum?.map((e) => e.value);
        assert.deepEqual(values("ServiceType"), ["ClusterIP", "NodePort", "LoadBalancer"]);
        assert.deepEqual(values("KeyAlgorithm"), ["RSA", "ECDSA"]);
        assert.deepEqual(values("Cloud"), ["aws", "gcp", "azure", "tencent"]);
        assert.deepEqual(values("ExternalTrafficPolicy"), ["Cluster", "Local"]);
        assert.deepEqual(values("UpstreamScheme"), ["http", "https"]);
        assert.deepEqual(values("IpFamily"), ["IPv4", "IPv6"]);
        assert.deepEqual(values("IpFamilyPolicy"), ["SingleStack", "PreferDualStack", "RequireDualStack"]);
    });

    test("has the nested argument types with their fields", () => {
        const fields = (name: string) => Object.keys(result.typeDefinitions[name]?.properties ?? {}).sort();
        assert.deepEqual(fields("Tls"), [
            "caRotationTrigger",
            "caValidityHours",
            "commonName",
            "dnsNames",
            "earlyRenewalHours",
            "enabled",
            "existingSecretName",
            "http2",
            "ipAddresses",
            "keyAlgorithm",
            "rotationTrigger",
            "validityHours",
        ]);
        assert.deepEqual(fields("LoadBalancer"), [
            "annotations",
            "awaitAddress",
            "cloud",
            "externalTrafficPolicy",
            "internal",
            "loadBalancerClass",
            "sourceRanges",
            "timeoutSeconds",
        ]);
        assert.deepEqual(fields("NodePorts"), ["http", "https"]);
        assert.deepEqual(fields("Hsts"), ["includeSubDomains", "maxAgeSeconds"]);
        assert.deepEqual(fields("NetworkPolicy"), ["allowFrom", "enabled"]);
        assert.deepEqual(fields("Upstream"), ["clientMaxBodySize", "name", "namespace", "podLabels", "port", "proxyTimeoutSeconds", "resolver", "scheme", "targetPort"]);
        assert.deepEqual((result.typeDefinitions.Upstream?.properties as any)?.name?.optional, undefined, "upstream.name is required");
        assert.equal((result.typeDefinitions.Upstream?.properties as any)?.namespace?.optional, true);
        assert.deepEqual(fields("NetworkPolicyPeer"), ["cidr", "namespaceLabels", "podLabels"]);
        assert.deepEqual(fields("Autoscaling"), ["maxReplicas", "minReplicas", "targetCPUUtilizationPercentage"]);
        assert.deepEqual(fields("Resources"), ["cpuLimit", "cpuRequest", "memoryLimit", "memoryRequest"]);
    });

    test("carries the JSDoc into the schema's descriptions, for every input and output", () => {
        const component = result.components.NginxService;
        for (const [name, property] of [...Object.entries(component.inputs), ...Object.entries(component.outputs)]) {
            assert.ok((property.description ?? "").length > 10, `${name} has no description`);
        }
        assert.match(component.inputs.replicas.description ?? "", /Number of nginx pods/);
    });

    test("equals the committed snapshot, tests/schema.snapshot.json (UPDATE_SCHEMA_SNAPSHOT=1 npm test rewrites it)", () => {
        // What the component provider serves to `pulumi package add` / `get-schema`: the same generator.
        const schema = generateSchema(packageJSON.name, packageJSON.version, packageJSON.description, result.components, result.typeDefinitions, result.dependencies);
        const text = JSON.stringify(schema, null, 2) + "\n";
        if (process.env.UPDATE_SCHEMA_SNAPSHOT === "1") {
            fs.writeFileSync(SNAPSHOT, text);
        }
        assert.deepEqual(JSON.parse(text), JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")), "the public API changed: if intended, UPDATE_SCHEMA_SNAPSHOT=1 npm test, and a CHANGELOG entry");
    });

    test("describes every property of every type and every enum value", () => {
        const missing: string[] = [];
        for (const [name, type] of Object.entries(result.typeDefinitions)) {
            for (const [property, spec] of Object.entries(type.properties ?? {})) {
                if (!spec.description) missing.push(`${name}.${property}`);
            }
            for (const member of type.enum ?? []) {
                if (!member.description) missing.push(`${name}=${member.value}`);
            }
        }
        assert.deepEqual(missing, []);
    });
});
