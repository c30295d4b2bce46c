import * as net from "net";
import * as pulumi from "@pulumi/pulumi";

// The check primitives every feature module uses: each takes the property path of the input it checks
// and returns a Problem whose message names that path and quotes the value. Pure: no resource, no Output
// but the ones checkWhenKnown wraps.

/**
 * One problem with the arguments: the Pulumi property path of the input it is about (`tls.dnsNames[1]`,
 * `labels["team"]`; `name` for the component's name) and a message that names the field and the value.
 * @internal
 */
export interface Problem {
    path: string;
    message: string;
}

/** A {@link Problem} about the input at `path`. @internal */
export const at = (path: string, message: string): Problem => ({ path, message });

/** How a message quotes a value. @internal */
export const show = (value: unknown): string => JSON.stringify(value);

/** The problems found, without the checks that passed. @internal */
export const found = (problems: (Problem | undefined)[]): Problem[] => problems.filter((p): p is Problem => p !== undefined);

/**
 * Thrown for arguments Kubernetes or nginx would reject (or silently misread). Raised in the
 * constructor before any child resource is registered, so a bad `pulumi up` changes nothing.
 *
 * It is the SDK's own {@link pulumi.InputPropertiesError}: when the component runs as a provider for
 * another language, the engine lists each problem under its property path (`errors`), as it does for
 * other packages. In a TypeScript program, which throws it in-process, `message` is what is printed, so
 * it still names every field and value; `problems` holds the same messages one by one.
 */
export class NginxServiceArgsError extends pulumi.InputPropertiesError {
    /** Each problem's message, in the order they were found. */
    readonly problems: string[];

    /** @internal */
    constructor(
        readonly component: string,
        problems: Problem[],
    ) {
        super({
            message: `NginxService "${component}" has invalid arguments:\n  - ${problems.map((p) => p.message).join("\n  - ")}`,
            errors: problems.map((p) => ({ propertyPath: p.path, reason: p.message })),
        });
        this.problems = problems.map((p) => p.message);
        this.name = "NginxServiceArgsError";
    }
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kubernetes resource quantities: a signed decimal with an optional binary or decimal suffix.
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** An RFC 1035 label (a Service's name): lower-case, starting with a letter, at most 63 characters. @internal */
export const isDns1035Label = (value: unknown): boolean => typeof value === "string" && value.length <= 63 && DNS1035_LABEL.test(value);

/** A DNS name, optionally a wildcard (`*.example.com`). @internal */
export const isDnsName = (value: unknown, { wildcard = true } = {}): boolean =>
    typeof value === "string" && value.length <= 253 && DNS_NAME.test(value) && (wildcard || !value.startsWith("*"));

/** A namespace's name (a DNS-1123 label): `namespace`, `upstream.namespace`. @internal */
export function checkDns1123Label(path: string, value: unknown): Problem | undefined {
    if (typeof value !== "string" || value.length > 63 || !DNS1123_LABEL.test(value)) {
        return at(path, `${path} ${show(value)} must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)`);
    }
    return undefined;
}

/** The name of an existing object the component reads or mounts (a DNS-1123 subdomain). @internal */
export function checkObjectName(path: string, kind: string, value: unknown): Problem | undefined {
    if (!isDnsName(value, { wildcard: false })) {
        return at(path, `${path} ${show(value)} is not a valid ${kind} name (a DNS-1123 subdomain)`);
    }
    return undefined;
}

/** A container image reference. @internal */
export function checkImage(path: string, value: unknown): Problem | undefined {
    if (typeof value !== "string" || value.trim() === "" || /\s/.test(value)) {
        return at(path, `${path} must be a non-empty image reference without spaces, got ${show(value)}`);
    }
    return undefined;
}

/** A whole number in `min`-`max`: a port, a node port. @internal */
export function checkPort(path: string, value: unknown, min = 1, max = 65535): Problem | undefined {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        return at(path, `${path} must be a whole number in ${min}-${max}, got ${show(value)}`);
    }
    return undefined;
}

/** One of a named enum's values, or unset. @internal */
export function checkEnum(path: string, value: unknown, allowed: Record<string, string>): Problem | undefined {
    if (value !== undefined && !Object.values(allowed).includes(value as string)) {
        return at(path, `${path} must be one of ${Object.values(allowed).map(show).join(", ")}, got ${show(value)}`);
    }
    return undefined;
}

/** A whole number > 0, or unset. @internal */
export function checkPositiveInt(path: string, value: unknown): Problem | undefined {
    if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value <= 0)) {
        return at(path, `${path} must be a whole number > 0, got ${show(value)}`);
    }
    return undefined;
}

/** A whole number >= 0. @internal */
export function checkNonNegativeInt(path: string, value: unknown): Problem | undefined {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        return at(path, `${path} must be a whole number >= 0, got ${show(value)}`);
    }
    return undefined;
}

/** `true` or `false`. @internal */
export function checkBoolean(path: string, value: unknown): Problem | undefined {
    if (typeof value !== "boolean") {
        return at(path, `${path} must be true or false, got ${show(value)}`);
    }
    return undefined;
}

/**
 * Each field of a requests-and-limits object as given: a Kubernetes quantity. Fields the API does not
 * have (from JavaScript or another language) are reported too rather than silently dropped.
 * @internal
 */
export function quantityProblems(path: string, given: { [key: string]: unknown } | undefined): Problem[] {
    return Object.entries(given ?? {})
        .filter(([, value]) => value !== undefined && (typeof value !== "string" || !QUANTITY.test(value)))
        .map(([key, value]) => at(`${path}.${key}`, `${path}.${key} ${show(value)} is not a Kubernetes quantity (like "100m" or "128Mi")`));
}

/** Parses `a.b.c.d/n` or `x::y/n` strictly; `net.isIP` alone would accept a CIDR without its prefix. @internal */
export function isCidr(value: string): boolean {
    const slash = value.indexOf("/");
    if (slash < 0) {
        return false;
    }
    const ip = value.slice(0, slash);
    const prefix = value.slice(slash + 1);
    const family = net.isIP(ip);
    if (family === 0 || !/^[0-9]{1,3}$/.test(prefix)) {
        return false;
    }
    return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Each entry of a list of CIDRs (`what` may also allow a single IP). @internal */
export function cidrListProblems(path: string, values: unknown[], { allowIp, example }: { allowIp: boolean; example: string }): Problem[] {
    return found(
        values.map((value, i) =>
            typeof value === "string" && ((allowIp && net.isIP(value) !== 0) || isCidr(value))
                ? undefined
                : at(`${path}[${i}]`, `${path} entry ${show(value)} is not ${allowIp ? "an IP or a CIDR" : "a CIDR"} (like ${example})`),
        ),
    );
}

/**
 * A map of labels or annotations: each key a Kubernetes key (`[prefix/]name`), each value a string, and
 * for labels a valid label value.
 * @internal
 */
export function keyValueProblems(path: string, map: { [key: string]: string } | undefined, { labels }: { labels: boolean }): Problem[] {
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(map ?? {})) {
        const slash = key.lastIndexOf("/");
        const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
        const local = slash >= 0 ? key.slice(slash + 1) : key;
        const prefixOk = prefix === undefined || isDnsName(prefix, { wildcard: false });
        if (!prefixOk || local.length > 63 || !QUALIFIED_NAME.test(local)) {
            problems.push(at(`${path}[${show(key)}]`, `${path} key ${show(key)} is not a valid Kubernetes key ([prefix/]name, name at most 63 characters)`));
        }
        if (typeof value !== "string") {
            problems.push(at(`${path}[${show(key)}]`, `${path}[${show(key)}] must be a string, got ${show(value)}`));
        } else if (labels && (value.length > 63 || !LABEL_VALUE.test(value))) {
            problems.push(at(`${path}[${show(key)}]`, `${path}[${show(key)}] value ${show(value)} is not a valid label value (at most 63 characters of letters, digits, '-', '_', '.')`));
        }
    }
    return problems;
}

/**
 * Field names given in `given` (an argument object) that are not undefined, in the order given, as
 * `prefix.field`: what a message lists when fields are set where they mean nothing.
 * @internal
 */
export function givenFields(prefix: string, given: object | undefined, keys?: readonly string[]): string[] {
    const values = (given ?? {}) as Record<string, unknown>;
    return (keys ?? Object.keys(values)).filter((key) => values[key] !== undefined).map((key) => `${prefix}.${key}`);
}

/** "is" or "are", for a list of fields in a message. @internal */
export const isAre = (fields: string[]): string => (fields.length === 1 ? "is" : "are");

/** A value given directly, not as an Output or Promise: it can be checked before anything is registered. @internal */
export function isPlain<T>(value: pulumi.Input<T> | undefined): value is T {
    return value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/** What a message shows instead of a value that is a Pulumi secret. @internal */
export const REDACTED = "[secret]";

/**
 * What a feature's resolve gives back: its settings (defaults applied) and the problems it found. The
 * component throws once, with every feature's problems, before registering anything.
 * @internal
 */
export interface Resolved<S> {
    settings: S;
    problems: Problem[];
}

/**
 * A value that may be an unknown Output at construction: a plain value is checked now (its problem, if
 * any, is returned), an Output when it resolves, failing the deployment with the same message. A secret
 * Output's value is never printed: the message shows {@link REDACTED} in its place (a plain value
 * cannot be a secret; secrets are always Outputs).
 * @internal
 */
export function checkInput<T>(component: string, value: pulumi.Input<T>, check: (v: T) => Problem | undefined): { value: pulumi.Input<T>; problem?: Problem } {
    if (isPlain(value)) {
        return { value, problem: check(value) };
    }
    return { value: checkWhenKnown(component, value, check) };
}

/**
 * Checks an Output as it resolves, failing the deployment with the check's message.
 * @internal
 */
export function checkWhenKnown<T>(component: string, value: pulumi.Input<T>, check: (v: T) => Problem | undefined): pulumi.Input<T> {
    if (isPlain(value)) {
        return value;
    }
    const output = pulumi.output(value);
    return pulumi.all([output, pulumi.isSecret(output)]).apply(([resolved, secret]) => {
        const problem = check(resolved as T);
        if (problem) {
            // Every check shows the value as JSON: that text, wherever it appears, is what is hidden.
            const message = secret ? problem.message.split(show(resolved)).join(REDACTED) : problem.message;
            throw new NginxServiceArgsError(component, [at(problem.path, message)]);
        }
        return resolved as T;
    }) as pulumi.Output<T>;
}

/**
 * The given value of each field of `defaults`, or the default where it is unset; other given fields are
 * dropped (they are reported by the feature's checks, not carried into the settings).
 * @internal
 */
export function withDefaults<G extends object, D extends object>(given: G | undefined, defaults: D): { [K in keyof D]: K extends keyof G ? Exclude<G[K], undefined> | D[K] : D[K] } {
    const values = (given ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, values[key] ?? value])) as any;
}
