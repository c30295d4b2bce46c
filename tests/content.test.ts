// `content`: the files nginx serves, from the program (a generated ConfigMap projected with items) or
// from an existing ConfigMap. tests/dataplane.test.ts serves them from a real nginx.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { podLayout } from "./harness/nginx";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { CONFIGMAP_MAX_BYTES, contentBytes, contentKey } from "../sdk/content";
import { CONTAINER_NAME, CONTENT_VOLUME, DOCUMENT_ROOT } from "../sdk/pod";
import { NginxServiceArgsError } from "../sdk/checks";
import { checkContentPath } from "../sdk/content";
import { resolveSettings } from "../sdk/settings";

const validateArgs = (args: NginxServiceArgs) => resolveSettings("site", args);

async function deployedWith(name: string, args: NginxServiceArgs) {
    mocks.reset();
    return mocks.deployed(new NginxService(name, args));
}

const FILES = {
    "index.html": "<h1>hello</h1>\n",
    "css/site.css": "body { color: teal; }\n",
    "js/app/main_v2.js": "console.log('hi');\n",
};

describe("content: validation", () => {
    const invalid: [string, NginxServiceArgs, RegExp, string][] = [
        ["neither files nor configMapName", { content: {} }, /content must set exactly one of content.files and content.configMapName, neither is set/, "content"],
        ["both", { content: { files: { "a.html": "a" }, configMapName: "site" } }, /content must set exactly one of content.files and content.configMapName, both are set/, "content"],
        ["no file", { content: { files: {} } }, /content.files must map at least one path to its text, got \{\}/, "content.files"],
        ["absolute path", { content: { files: { "/etc/passwd": "x" } } }, /content.files path "\/etc\/passwd" must be relative to the document root/, 'content.files["/etc/passwd"]'],
        ["'..' segment", { content: { files: { "a/../b.html": "x" } } }, /content.files path "a\/..\/b.html" must not have a '.' or '..' segment/, 'content.files["a/../b.html"]'],
        ["'.' segment", { content: { files: { "./a.html": "x" } } }, /must not have a '.' or '..' segment/, 'content.files["./a.html"]'],
        ["doubled slash", { content: { files: { "a//b.html": "x" } } }, /content.files path "a\/\/b.html" has an empty segment/, 'content.files["a//b.html"]'],
        ["trailing slash", { content: { files: { "a/": "x" } } }, /content.files path "a\/" has an empty segment/, 'content.files["a/"]'],
        ["space", { content: { files: { "my page.html": "x" } } }, /content.files path "my page.html" may hold only letters, digits, '-', '_', '.' and '\/'/, 'content.files["my page.html"]'],
        ["non-ASCII", { content: { files: { "café.html": "x" } } }, /content.files path "café.html" may hold only/, 'content.files["café.html"]'],
        ["the kubelet's ..data", { content: { files: { "..data": "x" } } }, /must not have a '.' or '..' segment|must not have a segment starting with '..'/, 'content.files["..data"]'],
        ["a file that another path needs as a directory", { content: { files: { css: "x", "css/site.css": "y" } } }, /content.files path "css" is a file, but "css\/site.css" needs it to be a directory/, 'content.files["css"]'],
        ["text that is not a string", { content: { files: { "a.html": 42 as any } } }, /content.files\["a.html"\] must be text \(a string\), got 42/, 'content.files["a.html"]'],
        ["key too long", { content: { files: { [`${"d/".repeat(80)}x`]: "x" } } }, /exceeds 253 characters/, `content.files[${JSON.stringify(`${"d/".repeat(80)}x`)}]`],
        ["over 1 MiB", { content: { files: { "big.txt": "x".repeat(CONFIGMAP_MAX_BYTES) } } }, new RegExp(`content.files take ${CONFIGMAP_MAX_BYTES + "big.txt".length} bytes \\(paths and texts\\), more than a ConfigMap holds \\(${CONFIGMAP_MAX_BYTES} bytes, 1 MiB\\)`), "content.files"],
        ["configMapName not a name", { content: { configMapName: "My_Site" } }, /content.configMapName "My_Site" is not a valid ConfigMap name/, "content.configMapName"],
        ["with upstream", { content: { configMapName: "site" }, upstream: { name: "app", port: 80 } }, /content and upstream cannot both be set: nginx either serves the files of content or proxies to upstream "app"; use two instances for both/, "content"],
    ];
    for (const [what, args, message, propertyPath] of invalid) {
        test(`refused: ${what}`, () => {
            assert.throws(
                () => validateArgs(args),
                (error: unknown) => {
                    assert.ok(error instanceof NginxServiceArgsError);
                    assert.match(error.message, message);
                    assert.ok(
                        error.errors.some((e) => e.propertyPath === propertyPath),
                        `a problem at ${propertyPath}: ${JSON.stringify(error.errors)}`,
                    );
                    return true;
                },
            );
        });
    }

    test("accepted: nested paths, '_' and '-', dotfiles, exactly 1 MiB, an existing ConfigMap's name", () => {
        validateArgs({ content: { files: FILES } });
        validateArgs({ content: { files: { ".well-known/security.txt": "Contact: mailto:a@example.com\n", "a-b_c.d/e": "" } } });
        const fill = CONFIGMAP_MAX_BYTES - "big.txt".length;
        validateArgs({ content: { files: { "big.txt": "x".repeat(fill) } } });
        assert.throws(() => validateArgs({ content: { files: { "big.txt": "x".repeat(fill + 1) } } }), /more than a ConfigMap holds/);
        validateArgs({ content: { configMapName: "site-v1" } });
        // Unknown at construction (an Output that never resolves): nothing to check yet.
        validateArgs({ content: { configMapName: pulumi.output(new Promise<string>(() => undefined)) } });
        assert.equal(checkContentPath("deep/er/than/that/index.html"), undefined);
    });

    test("the size counts bytes of UTF-8 text and of the keys, as the API server does", () => {
        assert.equal(contentBytes({ "é.txt": "é" }), Buffer.byteLength(contentKey("é.txt")) + 2);
        assert.equal(contentBytes({ "a/b": "xy" }), "a_2Fb".length + 2);
    });
});

describe("content: ConfigMap keys", () => {
    test("a path's key holds only what a ConfigMap key may, and no two paths share a key", () => {
        const paths = ["a/b", "a_b", "a_2Fb", "a/_b", "a_/b", "a__b", "css/site.css", "index.html"];
        const keys = paths.map(contentKey);
        assert.equal(new Set(keys).size, paths.length, `keys: ${keys.join(" ")}`);
        for (const key of keys) {
            assert.match(key, /^[-._a-zA-Z0-9]+$/);
        }
        assert.equal(contentKey("index.html"), "index.html", "top-level files keep their name as key");
        assert.equal(contentKey("css/site.css"), "css_2Fsite.css");
    });
});

describe("content: files from the program", () => {
    test("an auto-named immutable ConfigMap of the files, projected at their paths under the document root, read-only", async () => {
        const { resources, one } = await deployedWith("site", { content: { files: FILES } });
        const configMaps = resources.filter((r) => r.type === TYPES.configMap);
        assert.equal(configMaps.length, 2, "the config's and the content's");
        const content = configMaps.find((r) => r.name === "site-content");
        assert.ok(content, `the content ConfigMap: ${configMaps.map((r) => r.name)}`);
        assert.equal(content.inputs.metadata.name, undefined, "auto-named: a change creates a new one before the old goes");
        assert.equal(content.inputs.immutable, true);
        assert.deepEqual(content.inputs.data, { "index.html": FILES["index.html"], "css_2Fsite.css": FILES["css/site.css"], "js_2Fapp_2Fmain_5Fv2.js": FILES["js/app/main_v2.js"] });

        const pod = one(TYPES.deployment).inputs.spec.template.spec;
        const volume = pod.volumes.find((v: any) => v.name === CONTENT_VOLUME.name);
        assert.deepEqual(volume.configMap, {
            name: content.state.metadata.name,
            defaultMode: 0o444,
            items: [
                { key: "css_2Fsite.css", path: "css/site.css" },
                { key: "index.html", path: "index.html" },
                { key: "js_2Fapp_2Fmain_5Fv2.js", path: "js/app/main_v2.js" },
            ],
        });
        const nginx = pod.containers.find((c: any) => c.name === CONTAINER_NAME);
        assert.deepEqual(
            nginx.volumeMounts.find((m: any) => m.name === CONTENT_VOLUME.name),
            { name: "content", mountPath: DOCUMENT_ROOT, readOnly: true },
        );

        // What the kubelet writes, as the data-plane harness lays it out: each file at its path.
        const files = podLayout(resources).files.filter((f) => f.path.startsWith(`${DOCUMENT_ROOT}/`));
        assert.deepEqual(
            Object.fromEntries(files.map((f) => [f.path, f.content.toString("utf8")])),
            Object.fromEntries(Object.entries(FILES).map(([p, text]) => [`${DOCUMENT_ROOT}/${p}`, text])),
        );
    });

    test("the pod template names the content ConfigMap the engine created, so a replaced one (new data, new name) rolls the pods", async () => {
        // The real engine replaces an auto-named immutable ConfigMap whose data changed (tests/e2e/
        // cluster/content.test.ts watches the pods roll); here: the template follows the created name.
        for (const text of ["v1", "v2"]) {
            const { resources, one } = await deployedWith("roll", { content: { files: { "index.html": text } } });
            const content = resources.find((r) => r.name === "roll-content")!;
            assert.deepEqual(content.inputs.data, { "index.html": text });
            assert.match(content.state.metadata.name, /^roll-content-[0-9a-f]+$/);
            const volumes = one(TYPES.deployment).inputs.spec.template.spec.volumes;
            assert.equal(volumes.find((v: any) => v.name === CONTENT_VOLUME.name).configMap.name, content.state.metadata.name);
        }
    });

    test("without content: no content volume, the image's document root", async () => {
        const { resources, one } = await deployedWith("plain", {});
        assert.equal(resources.filter((r) => r.type === TYPES.configMap).length, 1);
        const pod = one(TYPES.deployment).inputs.spec.template.spec;
        assert.equal(pod.volumes.find((v: any) => v.name === CONTENT_VOLUME.name), undefined);
        assert.ok(pod.containers[0].volumeMounts.every((m: any) => m.mountPath !== DOCUMENT_ROOT));
    });
});

describe("content: an existing ConfigMap", () => {
    test("mounted whole by name at the document root, read-only; nothing generated, nothing read", async () => {
        const { resources, one } = await deployedWith("existing", { content: { configMapName: "site-v1" } });
        assert.deepEqual(
            resources.filter((r) => r.type === TYPES.configMap).map((r) => r.name),
            ["existing-config"],
        );
        const pod = one(TYPES.deployment).inputs.spec.template.spec;
        assert.deepEqual(pod.volumes.find((v: any) => v.name === CONTENT_VOLUME.name), { name: "content", configMap: { name: "site-v1", defaultMode: 0o444 } });
        assert.ok(pod.containers[0].volumeMounts.some((m: any) => m.name === CONTENT_VOLUME.name && m.mountPath === DOCUMENT_ROOT && m.readOnly === true));
    });
});
