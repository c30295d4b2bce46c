// The package as a user gets it: `npm pack` of this checkout, installed from the tarball into a new
// Pulumi TypeScript program in a temp directory, on the lowest @pulumi/* versions package.json allows
// (a different @pulumi/pulumi than this repository's own). The program is compiled under strict and
// run on Pulumi's mocks with the consumer's own SDK. The first run fetches those versions from the
// registry; later runs take them from npm's cache.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { installConsumer, installedCopies, LOWER_BOUNDS, linksOutside, packRepo, REPO_ROOT, run, writeConsumer } from "./packageConsumer";

const COMPONENT = "nginx-service:index:NginxService";

describe("the npm package, installed from its tarball into a new program", () => {
    let tmp: string;
    let tarball: string;
    let consumer: string;

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-package-"));
        tarball = packRepo(tmp);
        consumer = path.join(tmp, "consumer");
        writeConsumer(consumer, `file:${tarball}`, LOWER_BOUNDS);
        installConsumer(consumer);
    });

    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    test("holds the compiled sdk with its declarations, and nothing from tests, bench or tools", () => {
        const listing = run("tar", ["-tzf", tarball], tmp).trim().split("\n").sort();
        const modules = fs
            .readdirSync(path.join(REPO_ROOT, "sdk"))
            .filter((f) => f.endsWith(".ts"))
            .map((f) => f.replace(/\.ts$/, ""));
        assert.ok(modules.includes("index") && modules.includes("nginxService"), modules.join(" "));
        const expected = [
            "package/CHANGELOG.md",
            "package/README.md",
            "package/package.json",
            ...modules.flatMap((m) => [`package/lib/${m}.js`, `package/lib/${m}.d.ts`]),
        ].sort();
        assert.deepEqual(listing, expected);
    });

    test("declares the public API only: every name a declaration file exports is exported by lib/index.d.ts", () => {
        const lib = path.join(consumer, "node_modules", "nginx-service", "lib");
        const index = fs.readFileSync(path.join(lib, "index.d.ts"), "utf8");
        const api = new Set([
            ...[...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) => m[1].split(",").map((name) => name.trim())),
            // The deprecated aliases index.d.ts declares itself.
            ...[...index.matchAll(/^export (?:declare )?type (\w+)/gm)].map((m) => m[1]),
        ]);
        assert.ok(api.has("NginxService") && api.has("NginxServiceArgs") && api.has("Tls") && api.has("TlsArgs"), [...api].join(" "));
        const declared = fs
            .readdirSync(lib)
            .filter((f) => f.endsWith(".d.ts") && f !== "index.d.ts")
            .flatMap((f) => [...fs.readFileSync(path.join(lib, f), "utf8").matchAll(/^export (?:declare )?(?:const|function|interface|type|class|enum) (\w+)/gm)].map((m) => `${f}: ${m[1]}`));
        assert.deepEqual(
            declared.filter((entry) => !api.has(entry.split(": ")[1])),
            [],
            "internal names in the published declarations (mark them @internal, or export them from sdk/index.ts)",
        );
    });

    test("is a copy in the consumer, with one @pulumi/pulumi: the consumer's", () => {
        assert.deepEqual(linksOutside(consumer), [], "nothing in node_modules links out of the program");
        const installed = path.join(consumer, "node_modules", "nginx-service");
        assert.ok(!fs.lstatSync(installed).isSymbolicLink());
        assert.ok(fs.existsSync(path.join(installed, "lib", "index.js")));
        assert.notEqual(LOWER_BOUNDS["@pulumi/pulumi"], require("@pulumi/pulumi/package.json").version, "the consumer brings a version of its own");
        assert.deepEqual(
            installedCopies(consumer, "@pulumi/pulumi").map((c) => [path.relative(consumer, c.path), c.version]),
            [[path.join("node_modules", "@pulumi", "pulumi"), LOWER_BOUNDS["@pulumi/pulumi"]]],
        );
        for (const [name, version] of Object.entries(LOWER_BOUNDS)) {
            assert.deepEqual(
                // Old releases wrote their version with a leading v (@pulumi/random 4.0.0: "v4.0.0").
                installedCopies(consumer, name).map((c) => c.version.replace(/^v/, "")),
                [version],
                `${name}: one copy, the lower bound the consumer pinned`,
            );
        }
    });

    test("compiles under strict (tsc --noEmit), and its declarations reject a misspelt enum value", () => {
        const tsc = path.join(consumer, "node_modules", "typescript", "bin", "tsc");
        run(process.execPath, [tsc, "--noEmit", "-p", "."], consumer);
        let typo = "";
        try {
            run(process.execPath, [tsc, "--noEmit", "--strict", "--module", "commonjs", "--moduleResolution", "node", "--target", "es2020", "--skipLibCheck", "typo.ts"], consumer);
        } catch (e: any) {
            typo = e.message;
        }
        assert.match(typo, /typo\.ts\(2,\d+\): error TS\d+: Type '"Nodeport"' is not assignable to type 'ServiceType \| undefined'/);
    });

    test("runs on the mocks of the consumer's @pulumi/pulumi and registers the whole component", () => {
        const { outputs, registered, pulumiVersion } = JSON.parse(run(process.execPath, ["mockRun.js"], consumer));
        assert.equal(pulumiVersion, LOWER_BOUNDS["@pulumi/pulumi"]);

        const byType = (type: string) => registered.filter((r: any) => r.type === type);
        assert.deepEqual(
            registered.map((r: any) => `${r.type} ${r.name}`).sort(),
            [
                "kubernetes:apps/v1:Deployment consumer-web-deployment",
                "kubernetes:core/v1:ConfigMap consumer-web-config",
                "kubernetes:core/v1:Secret consumer-web-tls",
                "kubernetes:core/v1:Service consumer-web-service",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy consumer-web-network-policy",
                "kubernetes:policy/v1:PodDisruptionBudget consumer-web-pdb",
                `${COMPONENT} consumer-web`,
                "random:index/randomId:RandomId consumer-web-tls-ca-rotation",
                "random:index/randomId:RandomId consumer-web-tls-rotation",
                "tls:index/certRequest:CertRequest consumer-web-tls-request",
                "tls:index/locallySignedCert:LocallySignedCert consumer-web-tls-cert",
                "tls:index/privateKey:PrivateKey consumer-web-tls-ca-key",
                "tls:index/privateKey:PrivateKey consumer-web-tls-key",
                "tls:index/selfSignedCert:SelfSignedCert consumer-web-tls-ca",
            ],
            "the bad instance registered nothing",
        );
        const [service] = byType("kubernetes:core/v1:Service");
        assert.equal(service.inputs.spec.type, "NodePort");
        assert.deepEqual(
            service.inputs.spec.ports.map((p: any) => [p.name, p.port]),
            [
                ["http", 8080],
                ["https", 443],
            ],
        );
        assert.equal(byType("kubernetes:apps/v1:Deployment")[0].inputs.spec.replicas, 1);
        assert.deepEqual(byType("tls:index/privateKey:PrivateKey").map((r: any) => r.inputs.algorithm), ["ECDSA", "ECDSA"]);
        assert.ok(byType("tls:index/certRequest:CertRequest")[0].inputs.dnsNames.includes("consumer.example"));
        const secretData = byType("kubernetes:core/v1:Secret")[0].inputs.data;
        assert.equal(secretData["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "the Secret's data reaches the engine as a secret");

        assert.equal(outputs.serviceName, "consumer-web");
        assert.equal(outputs.clusterIP, "10.96.0.42");
        assert.deepEqual(outputs.nodePorts, { http: 30000, https: 30001 });
        assert.equal(outputs.certificatePem, "consumer-mock-cert");
        assert.equal(outputs.caCertificatePem, "consumer-mock-ca");
        assert.equal(outputs.certificateNotAfter, "2027-12-03T00:00:00Z");
        assert.match(outputs.tlsSecretName, /^consumer-web-tls-abcd1234$/);
        assert.ok(outputs.urls.includes("https://consumer-web.default.svc.cluster.local"), outputs.urls.join(" "));
        assert.match(outputs.argsError, /replicas must be a whole number >= 0, got -1/);
        // On the lowest @pulumi/pulumi the package accepts, the error is that SDK's InputPropertiesError.
        assert.match(outputs.argsError, /\npaths: replicas$/);
    });
});
