// The generated TLS settings against Mozilla's "intermediate" profile, as an auditor checks them: sslyze
// (pinned in scripts/python-tools.txt) scans a real nginx serving the component's config, certificate
// and key, and judges the result against the profile. The one finding allowed is the trust of the
// certificate: a scanner has no reason to trust a certificate the component generated.
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { installMocks } from "./mocks";
import { realTls } from "./harness/realTls";

const mocks = installMocks({ tls: realTls });

import { KeyAlgorithm, NginxService, NginxServiceArgs } from "../sdk";
import { PodLayout, podLayout, startNginx } from "./harness/nginx";

const SSLYZE = execFileSync("bash", [path.resolve(__dirname, "..", "..", "scripts", "python-tools.sh"), "bin", "sslyze"], { encoding: "utf8" }).trim();
const NAME = "my-nginx";

interface Scan {
    /** Each failed check of the profile, by sslyze's name for it, with its explanation. */
    issues: { [check: string]: string };
    output: string;
}

/** The pod of `new NginxService(NAME, args)` under the mocks, with a real key and certificate. */
async function podOf(args: NginxServiceArgs): Promise<PodLayout> {
    mocks.reset();
    mocks.configure({ tls: realTls });
    await mocks.deployed(new NginxService(NAME, args));
    return podLayout(mocks.resources);
}

/** `sslyze --mozilla_config=intermediate` against a real nginx serving `layout`: connecting to 127.0.0.1, the Service's name as SNI. */
async function scan(layout: PodLayout): Promise<Scan> {
    const nginx = await startNginx({ layout });
    try {
        const result = spawnSync(SSLYZE, ["--mozilla_config=intermediate", `${NAME}:${nginx.ports.https}{127.0.0.1}`], { encoding: "utf8", timeout: 120_000 });
        const output = `${result.stdout}${result.stderr}`;
        // Its verdict, "OK - Compliant." or "FAILED - Not compliant." followed by "* <check>: <why>" per issue.
        const verdict = /:\d+: (OK - Compliant\.|FAILED - Not compliant\.)/.exec(output);
        assert.ok(verdict, `sslyze gave no verdict (exit ${result.status}):\n${output}`);
        const issues = Object.fromEntries([...output.slice(verdict.index).matchAll(/^\s+\* (\w+): (.*)$/gm)].map((m) => [m[1], m[2]]));
        return { issues, output };
    } finally {
        await nginx.stop();
    }
}

describe("Mozilla intermediate, judged by sslyze against a real nginx", () => {
    for (const keyAlgorithm of Object.values(KeyAlgorithm)) {
        test(`${keyAlgorithm} key: no finding but the certificate's trust`, async () => {
            const { issues, output } = await scan(await podOf({ tls: { keyAlgorithm } }));
            assert.deepEqual(Object.keys(issues), ["certificate_path_validation"], output.split("\n").slice(-25).join("\n"));
        });
    }

    test("control: without the generated ssl_ecdh_curve, the scanner finds the X448 and secp521r1 OpenSSL offers", async () => {
        const layout = await podOf({});
        layout.files = layout.files.map((file) =>
            file.path.endsWith(".conf") ? { ...file, content: Buffer.from(file.content.toString("utf8").replace(/^\s*ssl_ecdh_curve .*\n/m, "")) } : file,
        );
        const { issues } = await scan(layout);
        assert.match(issues.tls_curves ?? "", /X448/);
        assert.match(issues.tls_curves ?? "", /secp521r1/);
    });
});
