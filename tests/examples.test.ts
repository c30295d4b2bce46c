// Every runnable program (the root tutorial program and examples/*) runs on the mocks and exports
// what its comments promise. tests/e2e runs the same programs with the real engine.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { runOnMocks } from "./mocks";

/** Runs a compiled program on the mocks and returns its resolved exports and the types it registered. */
function run(program: string, config: Record<string, string> = {}, ingress?: { ip?: string; hostname?: string }) {
    const result = runOnMocks(
        `const exported = require(${JSON.stringify(path.resolve(__dirname, "..", program))});
        pulumi.output(exported).apply((values) => console.log(JSON.stringify({ values, types: mocks.resources.map((r) => r.type) })));`,
        { mockOptions: ingress ? { loadBalancerIngress: ingress } : {}, config },
    );
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

describe("programs", () => {
    test("root program: the tutorial's HTTPS + NodePort by default", () => {
        const { values, types } = run("program/index.js");
        assert.equal(values.serviceName, "my-nginx");
        assert.equal(values.clusterDnsName, "my-nginx.default.svc.cluster.local");
        assert.ok(Number.isInteger(values.nodePorts.http) && Number.isInteger(values.nodePorts.https));
        assert.deepEqual(values.urls, ["https://my-nginx.default.svc.cluster.local", "http://my-nginx.default.svc.cluster.local:8080"]);
        assert.match(values.certificatePem, /BEGIN CERTIFICATE/);
        assert.ok(types.includes("kubernetes:core/v1:Secret"));
    });

    test("root program: LoadBalancer by config", () => {
        const { values } = run("program/index.js", { serviceType: "LoadBalancer", namespace: "demo" }, { ip: "198.51.100.4" });
        assert.equal(values.loadBalancerIP, "198.51.100.4");
        assert.equal(values.namespace, "demo");
        assert.ok(values.urls.includes("https://198.51.100.4"));
    });

    test("examples/clusterip", () => {
        const { values } = run("examples/clusterip/index.js");
        assert.match(values.clusterIP, /^10\.96\./);
        assert.equal(values.urls[0], "https://my-nginx.default.svc.cluster.local");
    });

    test("examples/https-nodeport", () => {
        const { values } = run("examples/https-nodeport/index.js");
        assert.ok(values.nodePorts.https >= 30000);
        assert.match(values.tlsSecretName, /^my-nginx-tls-/);
    });

    test("examples/loadbalancer: an AWS-style hostname", () => {
        const { values } = run("examples/loadbalancer/index.js", {}, { hostname: "lb-1.elb.example" });
        assert.equal(values.loadBalancerHostname, "lb-1.elb.example");
        assert.equal(values.loadBalancerIP, undefined);
        assert.ok(values.urls.includes("https://lb-1.elb.example"));
    });

    test("examples/static-site: the files in a content ConfigMap, the headline from config; the exporter only when configured", () => {
        /** The program's content ConfigMap data and pod template, as registered. */
        const registered = (config: Record<string, string>) => {
            const result = runOnMocks(
                `require(${JSON.stringify(path.resolve(__dirname, "..", "examples/static-site/index.js"))});
                require(${JSON.stringify(path.join(__dirname, "mocks.js"))}).settle().then(() => {
                    const find = (name) => mocks.resources.find((r) => r.name === name).inputs;
                    console.log(JSON.stringify({ content: find("static-site-content").data, pod: find("static-site-deployment").spec.template }));
                });`,
                { config },
            );
            assert.equal(result.status, 0, result.stderr);
            return JSON.parse(result.stdout.trim().split("\n").pop()!);
        };
        const plain = registered({ headline: "Changed" });
        assert.deepEqual(Object.keys(plain.content).sort(), ["css_2Fsite.css", "index.html", "robots.txt"]);
        assert.match(plain.content["index.html"], /<h1>Changed<\/h1>/);
        assert.deepEqual(plain.pod.spec.containers.map((c: any) => c.name), ["nginx"]);
        assert.equal(plain.pod.metadata.annotations, undefined);
        const withExporter = registered({ exporterImage: "registry.example/exporter:1" });
        assert.deepEqual(withExporter.pod.spec.containers.map((c: any) => [c.name, c.image]).slice(1), [["exporter", "registry.example/exporter:1"]]);
        assert.equal(withExporter.pod.metadata.annotations["prometheus.io/port"], "9113");
    });
});
