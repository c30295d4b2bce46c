// The check primitives: an unknown Output checked when it resolves, with the message a plain value gets;
// CIDRs parsed strictly. Pure functions: no mocks needed.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { checkNonNegativeInt, checkWhenKnown, isCidr, NginxServiceArgsError } from "../sdk/checks";

/** The replica count's check, as the workload applies it. */
const checkReplicas = (value: number) => checkNonNegativeInt("replicas", value);

describe("checkWhenKnown", () => {
    test("a secret Output's bad value is never printed: the message shows [secret] instead", async () => {
        const checked = checkWhenKnown("c", pulumi.secret(-7), checkReplicas) as any;
        for (const sibling of [checked.isKnown, checked.isSecret, checked.allResources?.()]) {
            sibling?.catch?.(() => undefined);
        }
        await assert.rejects(checked.promise(), (error: unknown) => {
            assert.ok(error instanceof NginxServiceArgsError);
            assert.equal(error.message, 'NginxService "c" has invalid arguments:\n  - replicas must be a whole number >= 0, got [secret]');
            assert.deepEqual(error.errors, [{ propertyPath: "replicas", reason: "replicas must be a whole number >= 0, got [secret]" }]);
            assert.doesNotMatch(JSON.stringify({ ...error, message: error.message }), /-7/);
            return true;
        });
    });

    test("returns a plain value untouched (resolveSettings checks it at once)", () => {
        assert.equal(checkWhenKnown("c", 3, checkReplicas), 3);
    });

    test("an Output that resolves to a bad value rejects with the same message as a plain one", async () => {
        const checked = checkWhenKnown("c", pulumi.output(-1), checkReplicas) as any;
        // An Output carries its value in several promises; all reject together. The others are
        // handled here so only the value's rejection is asserted on.
        for (const sibling of [checked.isKnown, checked.isSecret, checked.allResources?.()]) {
            sibling?.catch?.(() => undefined);
        }
        await assert.rejects(checked.promise(), /NginxService "c" has invalid arguments:\n {2}- replicas must be a whole number >= 0, got -1/);
    });

    test("a good Output passes through", async () => {
        const checked = checkWhenKnown("c", pulumi.output(4), checkReplicas) as pulumi.Output<number>;
        assert.equal(await (checked as any).promise(), 4);
    });
});

describe("isCidr", () => {
    test("parses IPv4 and IPv6 ranges strictly", () => {
        assert.ok(isCidr("203.0.113.0/24"));
        assert.ok(isCidr("::/0"));
        assert.ok(!isCidr("203.0.113.0/"));
        assert.ok(!isCidr("203.0.113.0/024x"));
        assert.ok(!isCidr("::/129"));
        assert.ok(!isCidr("example.com/8"));
    });
});
