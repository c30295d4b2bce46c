// Checks that the component and the hand-written baseline send the engine the same specs, so the
// benchmark compares the cost of the abstraction and nothing else. Compares the inputs the mocks
// recorded for every custom resource, by logical name, after masking what is random in every run
// (mock key and certificate PEMs, auto-name suffixes) and dropping empty maps and lists (`keepers: {}`
// and `annotations: {}` mean the same as no field). Secretness is compared per leaf: a value is
// `secret:<value>` when any enclosing value was marked secret.
import { isSecretInput } from "../tests/mocks";

export interface DumpedResource {
    type: string;
    name: string;
    inputs: unknown;
    custom: boolean;
}

function maskString(s: string): string {
    // Secret data is base64 of the mock PEMs: decode it so the random part can be masked.
    const decoded = /^[A-Za-z0-9+/]+=*$/.test(s) && s.length % 4 === 0 ? Buffer.from(s, "base64").toString("utf8") : undefined;
    if (decoded !== undefined && decoded.includes("-----BEGIN ")) {
        return `base64:${maskString(decoded)}`;
    }
    return s.replace(/mock-[0-9a-f]{16}/g, "mock-<random>").replace(/^([a-z0-9-]+)-[0-9a-f]{8}$/, "$1-<auto-name suffix>");
}

/** Canonical form of recorded inputs; undefined for values that are empty once normalized. */
export function normalize(value: unknown, secret = false): unknown {
    if (Array.isArray(value)) {
        const items = value.map((v) => normalize(v, secret));
        return items.length === 0 ? undefined : items;
    }
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (isSecretInput(record)) {
            return normalize(record.value, true);
        }
        const entries = Object.keys(record)
            .sort()
            .map((k) => [k, normalize(record[k], secret)] as const)
            .filter(([, v]) => v !== undefined);
        return entries.length === 0 ? undefined : Object.fromEntries(entries);
    }
    if (value === undefined || value === null) {
        return undefined;
    }
    const leaf = typeof value === "string" ? maskString(value) : value;
    return secret ? `secret:${String(leaf)}` : leaf;
}

/** Differences between the custom resources of two dumps, as readable lines; empty when the specs agree. */
export function compareSpecs(component: DumpedResource[], baseline: DumpedResource[]): string[] {
    const index = (dump: DumpedResource[]) => new Map(dump.filter((r) => r.custom).map((r) => [`${r.type} ${r.name}`, JSON.stringify(normalize(r.inputs))]));
    const a = index(component);
    const b = index(baseline);
    const problems: string[] = [];
    for (const [key, spec] of a) {
        if (!b.has(key)) {
            problems.push(`only the component registers ${key}`);
        } else if (b.get(key) !== spec) {
            problems.push(`${key} differs:\n  component: ${spec}\n  baseline:  ${b.get(key)}`);
        }
    }
    for (const key of b.keys()) {
        if (!a.has(key)) {
            problems.push(`only the baseline registers ${key}`);
        }
    }
    return problems;
}
