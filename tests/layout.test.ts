// How the component's modules depend on each other: each feature module may use the check primitives,
// the names, the pod's contract and the features it builds on, but no module may reach itself again
// through its imports (type-only imports included), so every module can be read, and tested, from the
// bottom up.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const SDK = path.resolve(__dirname, "..", "..", "sdk");

/** Each sdk module's relative imports, by module name (`./tls` → `tls`). */
function importGraph(): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const file of fs.readdirSync(SDK).filter((f) => f.endsWith(".ts"))) {
        const source = fs.readFileSync(path.join(SDK, file), "utf8");
        const imports = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"\.\/([\w]+)"/gm)].map((m) => m[1]);
        graph.set(file.replace(/\.ts$/, ""), [...new Set(imports)]);
    }
    return graph;
}

/** Every cycle, as the path that closes it (`a → b → a`). */
function cycles(graph: Map<string, string[]>): string[] {
    const found: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (node: string, trail: string[]) => {
        if (state.get(node) === "done") return;
        if (state.get(node) === "open") {
            found.push([...trail.slice(trail.indexOf(node)), node].join(" → "));
            return;
        }
        state.set(node, "open");
        for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
        state.set(node, "done");
    };
    for (const node of graph.keys()) visit(node, []);
    return found;
}

test("the import graph of sdk/ is read from every module", () => {
    const graph = importGraph();
    assert.ok(graph.size >= 10, `modules: ${[...graph.keys()]}`);
    assert.deepEqual(graph.get("settings")?.includes("tls"), true, "settings imports each feature's resolve");
});

test("no sdk module imports itself again through another", () => {
    assert.deepEqual(cycles(importGraph()), []);
});

test("the cycle finder finds a cycle", () => {
    assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]])), ["a → b → c → a"]);
});

test("the check primitives and the nginx renderer depend on no feature module", () => {
    const graph = importGraph();
    assert.deepEqual(graph.get("checks"), []);
    // The renderer's only imports: the pod's contract, and the upstream scheme's type.
    assert.deepEqual(graph.get("nginxConfig")?.sort(), ["pod", "upstream"]);
});
