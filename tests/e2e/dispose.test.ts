// disposeStack (harness.ts) on the worst case the drills leave: a stack whose pulumi was killed (SIGKILL)
// during `pulumi up`, so the file backend keeps its lock and every destroy fails. It must still leave no
// stack in the backend, no lock and no Pulumi.<stack>.yaml in the repository. The program is the root
// program, rendered to a temp dir (`kubernetes:renderYamlToDirectory`): no cluster is needed.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { disposeStack, eventually, pulumiEnv, PulumiEnv, readAllFiles, REPO, run, stackFor, toolchainBin } from "./harness";

let env: PulumiEnv;
let bin: string;
let tmp: string;

before(async () => {
    bin = toolchainBin("kwok");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-e2e-dispose-"));
    env = await pulumiEnv(bin, path.join(tmp, "no-cluster-kubeconfig"));
});

after(() => {
    env?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("disposeStack removes a stack a killed pulumi left locked, and its Pulumi.<stack>.yaml", async () => {
    const name = `dispose-${process.pid}`;
    const configFile = path.join(REPO, `Pulumi.${name}.yaml`);
    const stack = await stackFor(env, REPO, name, { namespace: "dispose", "kubernetes:renderYamlToDirectory": path.join(tmp, "rendered") });
    try {
        assert.ok(fs.existsSync(configFile), "the stack's config is in the repository");
        const locks = () => readAllFiles(env.backendDir).filter((f) => f.file.includes(`${path.sep}locks${path.sep}`));
        const up = stack.up().then(
            () => "succeeded",
            (e) => String(e.message),
        );
        assert.ok(await eventually(() => locks().length > 0, 120_000, 50), "pulumi up took the stack's lock");
        const pids = run("pgrep", ["-f", `pulumi.* up .*--stack ${name}`]).stdout.trim().split("\n").filter((p) => p !== "");
        assert.ok(pids.length > 0, "found the pulumi process");
        // Its plugins live on as orphans until env.cleanup(), which stops them.
        for (const pid of pids) {
            process.kill(Number(pid), "SIGKILL");
        }
        await up;
        // Control: the situation is the drills' one, every operation refused on the lock.
        const locked = await stack.destroy().then(
            () => "succeeded",
            (e) => String(e.message),
        );
        assert.match(locked, /currently locked/);
    } finally {
        await disposeStack(stack);
    }
    assert.ok(!fs.existsSync(configFile), `${configFile} is left`);
    const listed = run(path.join(bin, "pulumi"), ["stack", "ls", "--json"], { cwd: REPO, env: { ...process.env, ...env.envVars } });
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).filter((s: any) => s.name.endsWith(name)), [], "the stack is gone from the backend");
    assert.deepEqual(
        readAllFiles(env.backendDir).filter((f) => f.file.includes(`${path.sep}locks${path.sep}`)).map((f) => f.file),
        [],
        "no lock is left",
    );
});
