// Every runnable program (the root tutorial program and examples/*) runs on the mocks and exports
// what its comments promise. tests/e2e runs the same programs with the real engine.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as ts from "typescript";
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

/** The types a program registers, once every registration has reached the mocks (those nobody reads included). */
function registeredTypes(program: string, config: Record<string, string> = {}): string[] {
    const result = runOnMocks(
        `require(${JSON.stringify(path.resolve(__dirname, "..", program))});
        require(${JSON.stringify(path.join(__dirname, "mocks.js"))}).settle().then(() => console.log(JSON.stringify(mocks.resources.map((r) => r.type))));`,
        { config },
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
        assert.match(values.caCertificatePem, /BEGIN CERTIFICATE/);
        assert.match(values.certificatePem, /BEGIN CERTIFICATE/);
        assert.notEqual(values.caCertificatePem, values.certificatePem);
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

    test("examples/app-behind-nginx: the app's Deployment and Service, and nginx proxying to it by name", () => {
        const { values } = run("examples/app-behind-nginx/index.js");
        const types = registeredTypes("examples/app-behind-nginx/index.js");
        assert.equal(values.clusterDnsName, "web.default.svc.cluster.local");
        assert.deepEqual(values.urls, ["https://web.default.svc.cluster.local", "http://web.default.svc.cluster.local"]);
        assert.equal(types.filter((t: string) => t === "kubernetes:apps/v1:Deployment").length, 2, "nginx and the app");
        assert.equal(types.filter((t: string) => t === "kubernetes:core/v1:Service").length, 2);
        assert.equal(types.filter((t: string) => t === "kubernetes:networking.k8s.io/v1:NetworkPolicy").length, 2, "nginx's and the app's");
        const front = registeredTypes("examples/app-behind-nginx/index.js", { deployApp: "false" });
        assert.equal(front.filter((t: string) => t === "kubernetes:apps/v1:Deployment").length, 1, "deployApp false: the front alone");
    });

    test("examples/hardened: HSTS, the autoscaler owning the replicas, only the named peers, dual stack by config", () => {
        const inputsOf = (config: Record<string, string>) => {
            const result = runOnMocks(
                `require(${JSON.stringify(path.resolve(__dirname, "..", "examples/hardened/index.js"))});
                require(${JSON.stringify(path.join(__dirname, "mocks.js"))}).settle().then(() => console.log(JSON.stringify(Object.fromEntries(mocks.resources.map((r) => [r.type, r.inputs])))));`,
                { config },
            );
            assert.equal(result.status, 0, result.stderr);
            return JSON.parse(result.stdout.trim().split("\n").pop()!);
        };
        const inputs = inputsOf({});
        assert.match(Object.values<string>(inputs["kubernetes:core/v1:ConfigMap"].data)[0], /add_header Strict-Transport-Security "max-age=300" always;/);
        assert.deepEqual([inputs["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"].spec.minReplicas, inputs["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"].spec.maxReplicas], [2, 6]);
        assert.equal(inputs["kubernetes:apps/v1:Deployment"].spec.replicas, undefined, "the autoscaler owns the count");
        assert.deepEqual(inputs["kubernetes:networking.k8s.io/v1:NetworkPolicy"].spec.ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
            { podSelector: { matchLabels: { "app.kubernetes.io/part-of": "frontend" } } },
        ]);
        assert.equal(inputs["kubernetes:core/v1:Service"].spec.ipFamilyPolicy, undefined);
        assert.equal(inputsOf({ dualStack: "true" })["kubernetes:core/v1:Service"].spec.ipFamilyPolicy, "PreferDualStack");
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

describe("how pulumi runs them", () => {
    const REPO = path.resolve(__dirname, "..", "..");
    // The TypeScript programs, and the tsconfig ts-node reads for each: the one its Pulumi.yaml names
    // (`runtime.options.tsconfig`), else tsconfig.json, either relative to the directory the program
    // runs in, which is `main`'s directory (program/ for the root project), not the project's.
    const programs = [
        ".",
        ...fs
            .readdirSync(path.join(REPO, "examples"))
            .map((name) => `examples/${name}`)
            .filter((dir) => /^runtime:\s*\n\s+name:\s*nodejs/m.test(fs.readFileSync(path.join(REPO, dir, "Pulumi.yaml"), "utf8"))),
    ];

    for (const dir of programs) {
        test(`${dir}: ts-node runs it without type-checking, and npm run build type-checks it`, () => {
            const project = fs.readFileSync(path.join(REPO, dir, "Pulumi.yaml"), "utf8");
            const main = path.resolve(REPO, dir, project.match(/^main:\s*(\S+)\s*$/m)![1]);
            const named = project.match(/^\s+tsconfig:\s*(\S+)\s*$/m)?.[1];
            const tsconfigPath = path.resolve(path.dirname(main), named ?? "tsconfig.json");
            assert.ok(fs.existsSync(tsconfigPath), `${dir}: no tsconfig at ${tsconfigPath}: ts-node would type-check at every pulumi up`);
            const { config, error } = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
            assert.equal(error, undefined);
            assert.equal(config["ts-node"]?.transpileOnly, true, `${dir}: ts-node would type-check at every pulumi up`);
            // Skipping the check at run time is safe only because the build checks the same files.
            const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfigPath));
            assert.ok(parsed.fileNames.includes(main), `${main} is not type-checked by npm run build`);
        });
    }
});
