// Pulumi mocks that behave like the real providers where the component depends on it: Kubernetes
// auto-naming, the provider's default namespace, allocated cluster IPs and node ports, load-balancer
// status, random ids, reads of existing objects. Every registered resource is recorded with its inputs.
// Anything the component asks for that is not emulated here throws, so a new dependency cannot pass
// unnoticed.
//
// Import this module before the SDK: setMocks must run before @pulumi/pulumi creates resources.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The type tokens of what the component registers. */
export const TYPES = {
    component: "nginx-service:index:NginxService",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
    autoscaler: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    /** The CA's and the serving certificate's keys: tell them apart with `child`. */
    key: "tls:index/privateKey:PrivateKey",
    /** The CA's certificate. */
    caCert: "tls:index/selfSignedCert:SelfSignedCert",
    certRequest: "tls:index/certRequest:CertRequest",
    /** The serving certificate, signed by the CA. */
    cert: "tls:index/locallySignedCert:LocallySignedCert",
    /** The CA's and the serving certificate's rotations: tell them apart with `child`. */
    rotation: "random:index/randomId:RandomId",
} as const;

/** The Kubernetes kinds the mocks create (what `kubernetes()` below adds is the same for all of them). */
const KUBERNETES_TYPES: string[] = Object.values(TYPES).filter((type) => type.startsWith("kubernetes:"));

export interface RecordedResource {
    type: string;
    name: string;
    inputs: any;
    state: any;
    id: string;
}

export interface MockOptions {
    /** What the cloud reports in status.loadBalancer.ingress[0] for LoadBalancer Services. */
    loadBalancerIngress?: { ip?: string; hostname?: string };
    /** Objects that exist in the cluster, by `type` then `namespace/name`, returned by `X.get`. */
    existing?: { [type: string]: { [id: string]: any } };
    /** Produces real key/certificate state for tls resources (see tests/harness). */
    tls?: {
        privateKey(inputs: any): Record<string, unknown>;
        selfSignedCert(inputs: any): Record<string, unknown>;
        certRequest(inputs: any): Record<string, unknown>;
        locallySignedCert(inputs: any): Record<string, unknown>;
    };
}

/** How the runtime marks a secret it hands to the mocks: `{ [specialSigKey]: specialSecretSig, value }`. */
export function isSecretInput(value: any): boolean {
    return !!value && typeof value === "object" && value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** Removes the runtime's secret wrappers from recorded inputs, so assertions read plain values. */
export function unwrapSecrets(value: any): any {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value && typeof value === "object") {
        if (isSecretInput(value)) {
            return unwrapSecrets(value.value);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

const randomHex = (bytes: number) => crypto.randomBytes(bytes).toString("hex");

/** A PEM block whose body is a random mock string. */
const mockPem = (label: string) => `-----BEGIN ${label}-----\nmock-${randomHex(8)}\n-----END ${label}-----\n`;

/** Each @pulumi/tls resource the component registers: the `MockOptions.tls` hook that issues it for real, and its state without one. */
const TLS_RESOURCES: { [type: string]: { hook: keyof NonNullable<MockOptions["tls"]>; fake: () => Record<string, unknown> } } = {
    [TYPES.key]: { hook: "privateKey", fake: () => ({ privateKeyPem: mockPem("PRIVATE KEY"), publicKeyPem: "-----BEGIN PUBLIC KEY-----\nmock\n-----END PUBLIC KEY-----\n" }) },
    [TYPES.caCert]: { hook: "selfSignedCert", fake: () => ({ certPem: mockPem("CERTIFICATE"), validityEndTime: "2036-01-01T00:00:00Z" }) },
    [TYPES.certRequest]: { hook: "certRequest", fake: () => ({ certRequestPem: mockPem("CERTIFICATE REQUEST") }) },
    [TYPES.cert]: { hook: "locallySignedCert", fake: () => ({ certPem: mockPem("CERTIFICATE"), validityEndTime: "2027-01-01T00:00:00Z" }) },
};

/** The values of a component's outputs, by property name. */
export type OutputValues<C> = { [K in keyof C as K extends "urn" ? never : C[K] extends pulumi.Output<any> ? K : never]: C[K] extends pulumi.Output<infer T> ? T : never };

export interface Deployed<C> {
    outputs: OutputValues<C>;
    /** The component and its children. */
    resources: RecordedResource[];
    /** The component's one resource of `type`; throws when there is none or more than one. */
    one(type: string): RecordedResource;
    /** The component's child named `<component>-<suffix>`; throws when there is none. */
    child(suffix: string): RecordedResource;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    private nextClusterIP = 10;
    private nextNodePort = 30000;
    /** The `namespace` of each explicit kubernetes provider, by the id the mocks gave it. */
    private readonly providerNamespaces = new Map<string, string | undefined>();
    private options: MockOptions;

    constructor(options: MockOptions = {}) {
        this.options = options;
    }

    configure(options: MockOptions): void {
        this.options = options;
    }

    reset(): void {
        this.resources.length = 0;
    }

    byType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The component named `name` and its children (whose names all start with `name-`). */
    ofComponent(name: string): RecordedResource[] {
        return this.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
    }

    /** The one resource of `type`, among those of component `name` when given. */
    one(type: string, name?: string): RecordedResource {
        const found = (name === undefined ? this.resources : this.ofComponent(name)).filter((r) => r.type === type);
        if (found.length !== 1) {
            throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
        }
        return found[0];
    }

    /**
     * Waits until every output of `component` has resolved and every registration has reached the
     * mocks; returns the outputs' values and the component's resources. The one way tests run the
     * component: `await mocks.deployed(new NginxService(name, args))`.
     */
    async deployed<C extends pulumi.ComponentResource>(component: C): Promise<Deployed<C>> {
        const keys = Object.keys(component).filter((key) => key !== "urn" && pulumi.Output.isInstance((component as any)[key]));
        const values = await Promise.all(keys.map((key) => resolve((component as any)[key])));
        const name = (await resolve(component.urn)).split("::").pop()!;
        await settle();
        return {
            outputs: Object.fromEntries(keys.map((key, i) => [key, values[i]])) as OutputValues<C>,
            resources: this.ofComponent(name),
            one: (type) => this.one(type, name),
            child: (suffix) => {
                const found = this.resources.find((r) => r.name === `${name}-${suffix}` && r.type !== TYPES.component);
                if (found === undefined) throw new Error(`no child ${name}-${suffix}: ${this.ofComponent(name).map((r) => r.name).join(", ")}`);
                return found;
            },
        };
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const inputs = args.inputs;
        if (!args.custom) {
            // Components have no provider: the engine only records them.
            this.resources.push({ type: args.type, name: args.name, inputs, state: inputs, id: "" });
            return { id: undefined, state: inputs };
        }
        if (args.type === "pulumi:providers:kubernetes") {
            // An explicit provider: what matters here is its default namespace (emulated below).
            const id = `${args.name}-provider-id`;
            this.providerNamespaces.set(id, inputs.namespace);
            this.resources.push({ type: args.type, name: args.name, inputs, state: inputs, id });
            return { id, state: inputs };
        }
        // A read (X.get) comes with the id to read; the object must exist.
        if (args.id !== undefined && args.id !== "") {
            const found = this.options.existing?.[args.type]?.[args.id];
            if (found === undefined) {
                throw new Error(`mock read: no ${args.type} with id ${args.id}`);
            }
            this.resources.push({ type: args.type, name: args.name, inputs, state: found, id: args.id });
            return { id: args.id, state: found };
        }
        const state = this.emulate(args.type, args.name, inputs, this.providerNamespace(args.provider));
        const id = state.metadata?.name !== undefined ? `${state.metadata.namespace}/${state.metadata.name}` : `${args.name}-id`;
        this.resources.push({ type: args.type, name: args.name, inputs, state, id });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        throw new Error(`mock call not implemented: ${args.token} ${JSON.stringify(args.inputs)}`);
    }

    /** The namespace of the provider a resource names (`<urn>::<id>`); undefined for the default provider. */
    private providerNamespace(reference: string | undefined): string | undefined {
        return reference === undefined ? undefined : this.providerNamespaces.get(reference.slice(reference.lastIndexOf("::") + 2));
    }

    private emulate(type: string, name: string, inputs: any, providerNamespace: string | undefined): any {
        if (KUBERNETES_TYPES.includes(type)) {
            return this.kubernetes(type, name, inputs, providerNamespace);
        }
        const tlsResource = TLS_RESOURCES[type];
        if (tlsResource !== undefined) {
            // Plain inputs for the issuer: the runtime hands keys over wrapped as secrets.
            return { ...inputs, ...(this.options.tls?.[tlsResource.hook](unwrapSecrets(inputs)) ?? tlsResource.fake()) };
        }
        switch (type) {
            case "random:index/randomId:RandomId":
                return { ...inputs, hex: randomHex(inputs.byteLength), b64Std: "", b64Url: "", dec: "" };
            default:
                throw new Error(`mock resource not implemented: ${type} ${name}`);
        }
    }

    /** What the API server and pulumi-kubernetes add to an object on create. */
    private kubernetes(type: string, name: string, inputs: any, providerNamespace: string | undefined): any {
        const metadata = {
            ...inputs.metadata,
            // pulumi-kubernetes auto-names objects without a name: logical name plus a random suffix.
            name: inputs.metadata?.name ?? `${name}-${randomHex(4)}`,
            // Its Check puts an object without a namespace in the provider's (pkg/provider/provider.go),
            // the default provider's being `default` here.
            namespace: inputs.metadata?.namespace ?? providerNamespace ?? "default",
            uid: crypto.randomUUID(),
        };
        const state = { ...inputs, metadata };
        if (type === "kubernetes:core/v1:Service") {
            const spec = { ...inputs.spec, type: inputs.spec.type ?? "ClusterIP", clusterIP: `10.96.0.${this.nextClusterIP++}` };
            if (spec.type !== "ClusterIP") {
                spec.ports = spec.ports.map((port: any) => ({ ...port, nodePort: port.nodePort ?? this.nextNodePort++ }));
            }
            state.spec = spec;
            state.status =
                spec.type === "LoadBalancer" && this.options.loadBalancerIngress
                    ? { loadBalancer: { ingress: [this.options.loadBalancerIngress] } }
                    : { loadBalancer: {} };
        }
        return state;
    }
}

/** The project name programs on the mocks run under (their config keys are `<project>:<key>`). */
export const MOCK_PROJECT = "nginx-service-test";

/** Installs the mocks for this test process and returns them. */
export function installMocks(options: MockOptions = {}): RecordingMocks {
    const mocks = new RecordingMocks(options);
    pulumi.runtime.setMocks(mocks, MOCK_PROJECT, "test", false);
    return mocks;
}

/** Resolves an Output in a test (mocks resolve everything, preview is off). */
export function resolve<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((ok) => pulumi.output(output).apply((value) => ok(value as T)));
}

/**
 * Waits until every registration started so far has reached the mocks. Uses the runtime's own RPC
 * tracker (what `pulumi up` awaits before exiting): resources whose outputs nobody reads, like the
 * Deployment, are otherwise still in flight when a test looks.
 */
export async function settle(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const settings = require("@pulumi/pulumi/runtime/settings");
    if (typeof settings.waitForRPCs !== "function") {
        throw new Error("@pulumi/pulumi/runtime/settings.waitForRPCs is gone: update tests/mocks.ts");
    }
    await settings.waitForRPCs();
}

/**
 * Runs `body` on the mocks in a child process, as the Pulumi language host would run a program: an
 * error raised while resources register fails it (exit 3 here) with its message on stderr; in the test
 * process such an error would be an unhandled rejection pinned on whichever test is running. In `body`,
 * `pulumi`, `mocks` (installed with `mockOptions`) and the SDK's `NginxService` are in scope; `config`
 * is the stack config the program reads.
 */
export function runOnMocks(body: string, options: { mockOptions?: MockOptions; config?: Record<string, string> } = {}): SpawnSyncReturns<string> {
    const script = `
        const pulumi = require("@pulumi/pulumi");
        const { installMocks } = require(${JSON.stringify(path.join(__dirname, "mocks.js"))});
        const mocks = installMocks(${JSON.stringify(options.mockOptions ?? {})});
        const { NginxService } = require(${JSON.stringify(path.join(__dirname, "..", "sdk"))});
        process.on("unhandledRejection", (e) => { console.error(e && e.message); process.exitCode = 3; });
        ${body}
    `;
    const config = Object.fromEntries(Object.entries(options.config ?? {}).map(([key, value]) => [`${MOCK_PROJECT}:${key}`, value]));
    return spawnSync(process.execPath, ["-e", script], {
        encoding: "utf8",
        cwd: path.join(__dirname, "..", ".."),
        env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config) },
        timeout: 60_000,
    });
}
