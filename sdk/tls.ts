import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { at, checkBoolean, checkEnum, checkInput, checkNonNegativeInt, checkObjectName, checkPositiveInt, found, givenFields, isAre, isDnsName, NginxServiceArgsError, Problem, Resolved, show, withDefaults } from "./checks";
import * as crypto from "crypto";
import * as net from "net";
import { NamingSettings, serviceDnsNames } from "./names";
import { TLS_SECRET_KEYS } from "./pod";

// Enums are declared as a const object plus a type of the same name: Pulumi's
// component analyzer turns exactly this shape into a schema enum, so Python,
// Go, C# and YAML programs get real enum types instead of free strings.

/**
 * The algorithm of the generated private key.
 * @see https://www.pulumi.com/registry/packages/tls/api-docs/privatekey/
 */
export const KeyAlgorithm = {
    /** RSA, 2048 bits. */
    RSA: "RSA",
    /** ECDSA on curve P-256 (the provider's default P-224 is rejected by common TLS clients). */
    ECDSA: "ECDSA",
} as const;
export type KeyAlgorithm = (typeof KeyAlgorithm)[keyof typeof KeyAlgorithm];

/**
 * TLS for the HTTPS server: a generated CA and a serving certificate it signs, stored in a
 * kubernetes.io/tls Secret (`tls.crt`, `tls.key`, `ca.crt`), or a Secret that already exists. Clients
 * trust the CA (`caCertificatePem`), which outlives every rotation of the serving certificate.
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#tls-secrets
 */
export interface Tls {
    /**
     * Serve HTTPS. With `false`, nginx serves plain HTTP only and no key, certificate or Secret is created.
     * @default true
     */
    enabled?: boolean;
    /**
     * Offer HTTP/2 on the HTTPS server, negotiated by ALPN; clients without it keep HTTP/1.1. `false`
     * serves HTTP/1.1 only.
     * @default true
     * @see https://nginx.org/en/docs/http/ngx_http_v2_module.html
     */
    http2?: boolean;
    /**
     * Subject common name of the generated serving certificate.
     * @default - the Service name, as in the tutorial (`CN=my-nginx`)
     */
    commonName?: string;
    /**
     * DNS names added to the certificate. It always covers `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`
     * and `<svc>.<ns>.svc.<clusterDomain>`.
     * @default []
     */
    dnsNames?: string[];
    /**
     * IP addresses added to the certificate.
     * @default []
     */
    ipAddresses?: string[];
    /**
     * Validity of the generated serving certificate, in hours. At most `caValidityHours`.
     * @default 8760
     */
    validityHours?: number;
    /**
     * How many hours before expiry `pulumi up` replaces the serving certificate (under the same CA).
     * Must be less than `validityHours`.
     * @default 720
     */
    earlyRenewalHours?: number;
    /**
     * Algorithm of the generated keys, the CA's and the serving certificate's. ECDSA P-256 handshakes
     * cost the server about 0.6 of RSA 2048's, and every TLS client of the last decade accepts it; RSA
     * is for clients that only speak RSA.
     * @default "ECDSA" (curve P-256)
     */
    keyAlgorithm?: KeyAlgorithm;
    /**
     * Any value; changing it generates a new serving key and certificate, under the same CA, and rolls
     * the pods onto them. Clients that trust `caCertificatePem` see no change.
     * @default - no rotation
     */
    rotationTrigger?: pulumi.Input<string>;
    /**
     * Validity of the generated CA, in hours. The CA is never renewed early: a new CA is a change
     * clients must be given, so it happens only through `caRotationTrigger` or at expiry.
     * @default 87600 (ten years)
     */
    caValidityHours?: number;
    /**
     * Any value; changing it generates a new CA, and so a new serving certificate, and rolls the pods
     * onto them. Clients must trust the new `caCertificatePem` before the pods roll: give them the
     * old and the new CA, rotate, then drop the old.
     * @default - no rotation
     */
    caRotationTrigger?: pulumi.Input<string>;
    /**
     * Name of an existing kubernetes.io/tls Secret in the same namespace (for example one issued by
     * cert-manager). Nothing is generated; the certificate is read from its `tls.crt`, and the trust
     * anchor from its `ca.crt` when it has one.
     * @default - a key and certificate are generated
     */
    existingSecretName?: pulumi.Input<string>;
}

/** What {@link Tls} fields left unset are, as their `@default` says. @internal */
export const TLS_DEFAULTS = {
    enabled: true,
    http2: true,
    dnsNames: [] as string[],
    ipAddresses: [] as string[],
    validityHours: 8760,
    earlyRenewalHours: 720,
    keyAlgorithm: KeyAlgorithm.ECDSA as KeyAlgorithm,
    caValidityHours: 87600,
};

/** The longest common name X.509 allows (RFC 5280, ub-common-name). */
const COMMON_NAME_MAX = 64;
const CA_SUFFIX = " CA";

/** The fields that shape a generated key and certificate: meaningless with an existing Secret. */
const GENERATOR_FIELDS = [
    "commonName",
    "dnsNames",
    "ipAddresses",
    "validityHours",
    "earlyRenewalHours",
    "keyAlgorithm",
    "rotationTrigger",
    "caValidityHours",
    "caRotationTrigger",
] as const;

/** @internal */
export interface TlsSettings {
    tls: {
        enabled: boolean;
        http2: boolean;
        commonName: string;
        dnsNames: string[];
        ipAddresses: string[];
        validityHours: number;
        earlyRenewalHours: number;
        keyAlgorithm: KeyAlgorithm;
        rotationTrigger: pulumi.Input<string> | undefined;
        caValidityHours: number;
        caRotationTrigger: pulumi.Input<string> | undefined;
        existingSecretName: pulumi.Input<string> | undefined;
    };
}

/**
 * `tls` with its defaults (the common name is the component's name), and its checks: fields that mean
 * nothing with TLS off or with an existing Secret, and the generated certificate's fields.
 * @internal
 */
export function resolveTls(component: string, given: Tls | undefined): Resolved<TlsSettings> {
    const tlsArgs = given ?? {};
    const secretName = tlsArgs.existingSecretName === undefined ? undefined : checkInput(component, tlsArgs.existingSecretName, (v) => checkObjectName("tls.existingSecretName", "Secret", v));
    const settings: TlsSettings = {
        tls: {
            ...withDefaults(tlsArgs, TLS_DEFAULTS),
            commonName: tlsArgs.commonName ?? component,
            rotationTrigger: tlsArgs.rotationTrigger,
            caRotationTrigger: tlsArgs.caRotationTrigger,
            existingSecretName: secretName?.value,
        },
    };
    const options = settings.tls;
    const problems: (Problem | undefined)[] = [];
    if (tlsArgs.enabled !== undefined) problems.push(checkBoolean("tls.enabled", tlsArgs.enabled));
    if (!options.enabled) {
        const others = givenFields("tls", tlsArgs).filter((field) => field !== "tls.enabled");
        if (others.length > 0) {
            problems.push(at("tls.enabled", `tls.enabled is false but ${others.join(", ")} ${isAre(others)} set`));
        }
        return { settings, problems: found(problems) };
    }
    problems.push(checkBoolean("tls.http2", options.http2));
    problems.push(checkEnum("tls.keyAlgorithm", options.keyAlgorithm, KeyAlgorithm));
    problems.push(checkPositiveInt("tls.validityHours", options.validityHours));
    problems.push(checkNonNegativeInt("tls.earlyRenewalHours", options.earlyRenewalHours));
    problems.push(checkPositiveInt("tls.caValidityHours", options.caValidityHours));
    if (options.earlyRenewalHours >= options.validityHours) {
        problems.push(at("tls.earlyRenewalHours", `tls.earlyRenewalHours (${show(options.earlyRenewalHours)}) must be less than tls.validityHours (${show(options.validityHours)})`));
    }
    // A certificate outliving its CA would be refused by clients for its last hours.
    if (options.validityHours > options.caValidityHours) {
        problems.push(at("tls.validityHours", `tls.validityHours (${show(options.validityHours)}) must not exceed tls.caValidityHours (${show(options.caValidityHours)})`));
    }
    // Checked as given: the default, the component's name, is checked as the name.
    const commonName = tlsArgs.commonName;
    if (commonName !== undefined && (typeof commonName !== "string" || commonName.length === 0 || commonName.length > COMMON_NAME_MAX)) {
        problems.push(at("tls.commonName", `tls.commonName must be 1-${COMMON_NAME_MAX} characters, got ${show(commonName)}`));
    }
    options.dnsNames.forEach((dnsName, i) => {
        if (!isDnsName(dnsName)) problems.push(at(`tls.dnsNames[${i}]`, `tls.dnsNames entry ${show(dnsName)} is not a valid DNS name`));
    });
    options.ipAddresses.forEach((ip, i) => {
        if (typeof ip !== "string" || net.isIP(ip) === 0) problems.push(at(`tls.ipAddresses[${i}]`, `tls.ipAddresses entry ${show(ip)} is not an IP address`));
    });
    if (options.existingSecretName !== undefined) {
        const generatorFields = givenFields("tls", tlsArgs, GENERATOR_FIELDS);
        if (generatorFields.length > 0) {
            problems.push(at("tls.existingSecretName", `tls.existingSecretName is set, so nothing is generated, but ${generatorFields.join(", ")} ${isAre(generatorFields)} set too`));
        }
        problems.push(secretName?.problem);
    }
    return { settings, problems: found(problems) };
}

/**
 * Snake case on purpose: @pulumi/tls silently drops any other spelling, which would yield a certificate
 * that TLS clients refuse for server authentication.
 * @internal
 */
export const CERTIFICATE_ALLOWED_USES = ["server_auth", "key_encipherment", "digital_signature"];
/** A CA that signs certificates and nothing else: no server or client use of its own. @internal */
export const CA_ALLOWED_USES = ["cert_signing"];

/** What the rest of the component needs to know about TLS, whether generated or brought along. @internal */
export interface TlsResult {
    /** Name of the kubernetes.io/tls Secret the pods mount. */
    secretName: pulumi.Output<string>;
    /** The serving certificate (PEM). */
    certificatePem: pulumi.Output<string>;
    /** The trust anchor clients pass to `curl --cacert`; undefined for an existing Secret without `ca.crt`. */
    caCertificatePem: pulumi.Output<string | undefined>;
    /** When the serving certificate expires, RFC 3339. */
    certificateNotAfter: pulumi.Output<string>;
    /**
     * What the instance's other objects wait for: an existing Secret read from the cluster and found
     * usable. A missing or unusable Secret then fails `pulumi up` before the ConfigMap, Deployment or
     * Service is created or changed. Empty for a generated Secret, which the pods reference anyway.
     */
    dependsOn: pulumi.Output<pulumi.Resource[]>;
}

/** The Service's own names first, then the user's, without repeats (a repeated SAN is legal but noisy in diffs). */
function certificateDnsNames(settings: NamingSettings & TlsSettings): pulumi.Output<string[]> {
    return pulumi
        .output(settings.namespaceForNames)
        .apply((ns) => [...new Set([...serviceDnsNames(settings.name, ns, settings.clusterDomain), ...settings.tls.dnsNames])]);
}

/**
 * The Secret's data, base64 as the API stores it. Marked secret here, not left to the provider: the
 * key must never reach the state file or a preview in plaintext, whatever provider version runs.
 * @internal
 */
export function tlsSecretData(certPem: pulumi.Input<string>, keyPem: pulumi.Input<string>, caPem: pulumi.Input<string>): pulumi.Output<{ [key: string]: string }> {
    return pulumi.secret(
        pulumi.all([certPem, keyPem, caPem]).apply(
            ([cert, key, ca]): { [key: string]: string } => ({
                [TLS_SECRET_KEYS.certificate]: Buffer.from(cert).toString("base64"),
                [TLS_SECRET_KEYS.privateKey]: Buffer.from(key).toString("base64"),
                [TLS_SECRET_KEYS.ca]: Buffer.from(ca).toString("base64"),
            }),
        ),
    );
}

/**
 * A certificate's notAfter as RFC 3339 in UTC, to the second, as @pulumi/tls reports `validityEndTime`.
 * @internal
 */
export function certificateNotAfter(pem: string): string {
    return toWholeSeconds(new Date(new crypto.X509Certificate(pem).validTo).toISOString());
}

/**
 * An RFC 3339 time to the second: the provider reports `validityEndTime` with nanoseconds
 * (`2027-12-03T03:59:50.923125887Z`), while the certificate holds whole seconds (X.509 has no more).
 * @internal
 */
export function toWholeSeconds(rfc3339: string): string {
    return rfc3339.replace(/\.\d+(?=Z$|[+-]\d\d:\d\d$)/, "");
}

/** The certificates of a Secret read from the cluster; certificates are public, so not secrets. */
function certificatesFromSecret(
    component: string,
    secretName: pulumi.Input<string>,
    secret: k8s.core.v1.Secret,
): pulumi.Output<{ certificate: string; notAfter: string; ca: string | undefined }> {
    return pulumi.unsecret(
        pulumi.all([secretName, secret.type, secret.data]).apply(([name, type, data]) => {
            const crt = data?.[TLS_SECRET_KEYS.certificate];
            if (type !== "kubernetes.io/tls" || crt === undefined) {
                throw new NginxServiceArgsError(component, [
                    at(
                        "tls.existingSecretName",
                        `tls.existingSecretName ${JSON.stringify(name)} must name a kubernetes.io/tls Secret with ${TLS_SECRET_KEYS.certificate} and ${TLS_SECRET_KEYS.privateKey}, found type ${JSON.stringify(type)}`,
                    ),
                ]);
            }
            const ca = data?.[TLS_SECRET_KEYS.ca];
            const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
            const certificate = decode(crt);
            let notAfter: string;
            try {
                notAfter = certificateNotAfter(certificate);
            } catch (error) {
                throw new NginxServiceArgsError(component, [
                    at("tls.existingSecretName", `tls.existingSecretName ${JSON.stringify(name)}: its ${TLS_SECRET_KEYS.certificate} is not a PEM certificate (${(error as Error).message})`),
                ]);
            }
            return { certificate, notAfter, ca: ca === undefined || ca === "" ? undefined : decode(ca) };
        }),
    );
}

/** A key of the chosen algorithm; `replacementTrigger` is the rotation it follows. */
function privateKey(name: string, algorithm: KeyAlgorithm, rotation: random.RandomId, parent: pulumi.Resource): pulumi.Output<string> {
    const key = new tls.PrivateKey(
        name,
        algorithm === KeyAlgorithm.ECDSA ? { algorithm: "ECDSA", ecdsaCurve: "P256" } : { algorithm: "RSA", rsaBits: 2048 },
        {
            parent,
            replacementTrigger: rotation.hex,
            additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"],
        },
    );
    return pulumi.secret(key.privateKeyPem);
}

/** A random id that changes only when `trigger` does (keepers): what a key's rotation follows. */
function rotation(name: string, trigger: pulumi.Input<string> | undefined, parent: pulumi.Resource): random.RandomId {
    return new random.RandomId(name, { byteLength: 8, keepers: trigger === undefined ? {} : { rotationTrigger: trigger } }, { parent });
}

/**
 * The CA's subject: the instance's name, so two instances' CAs are told apart in a trust store, the
 * name cut so the whole fits a common name.
 */
function caCommonName(component: string): string {
    return component.slice(0, COMMON_NAME_MAX - CA_SUFFIX.length) + CA_SUFFIX;
}

/**
 * Creates (or, with `existingSecretName`, reads) the CA, the serving key and certificate, and the
 * Secret. Returns undefined when TLS is disabled.
 *
 * Two chains of replacement: the CA rotation's id → CA key → CA certificate → serving certificate
 * (signed by it) → Secret; the serving rotation's id → serving key → request → serving certificate
 * → Secret. Rotating the serving certificate, by its trigger or its early renewal, leaves the CA as
 * it is, so clients that trust the CA never notice.
 * @internal
 */
export function createTls(settings: NamingSettings & TlsSettings, parent: pulumi.Resource): TlsResult | undefined {
    const { name } = settings;
    const options = settings.tls;
    if (!options.enabled) {
        return undefined;
    }
    if (options.existingSecretName !== undefined) {
        const secretName = options.existingSecretName;
        const existing = k8s.core.v1.Secret.get(`${name}-tls`, pulumi.interpolate`${settings.namespaceForNames}/${secretName}`, { parent });
        const certificates = certificatesFromSecret(name, secretName, existing);
        return {
            secretName: pulumi.output(secretName),
            certificatePem: certificates.certificate,
            caCertificatePem: certificates.ca,
            certificateNotAfter: certificates.notAfter,
            dependsOn: certificates.apply(() => [existing]),
        };
    }

    const caKeyPem = privateKey(`${name}-tls-ca-key`, options.keyAlgorithm, rotation(`${name}-tls-ca-rotation`, options.caRotationTrigger, parent), parent);
    const ca = new tls.SelfSignedCert(
        `${name}-tls-ca`,
        {
            privateKeyPem: caKeyPem,
            subject: { commonName: caCommonName(name) },
            isCaCertificate: true,
            validityPeriodHours: options.caValidityHours,
            // Never early: a new CA breaks every client not yet given it.
            earlyRenewalHours: 0,
            allowedUses: CA_ALLOWED_USES,
        },
        { parent },
    );

    const keyPem = privateKey(`${name}-tls-key`, options.keyAlgorithm, rotation(`${name}-tls-rotation`, options.rotationTrigger, parent), parent);
    const request = new tls.CertRequest(
        `${name}-tls-request`,
        {
            privateKeyPem: keyPem,
            subject: { commonName: options.commonName },
            dnsNames: certificateDnsNames(settings),
            ipAddresses: options.ipAddresses,
        },
        { parent },
    );
    // The provider replaces it when the request, the CA or the CA's key changes, and at early renewal.
    const certificate = new tls.LocallySignedCert(
        `${name}-tls-cert`,
        {
            certRequestPem: request.certRequestPem,
            caPrivateKeyPem: caKeyPem,
            caCertPem: ca.certPem,
            validityPeriodHours: options.validityHours,
            earlyRenewalHours: options.earlyRenewalHours,
            allowedUses: CERTIFICATE_ALLOWED_USES,
        },
        { parent },
    );
    // Auto-named on purpose: a new certificate makes a new Secret, the pods roll onto it, and only
    // then is the old one deleted, so no pod ever mounts a half-updated key pair.
    const secret = new k8s.core.v1.Secret(
        `${name}-tls`,
        {
            metadata: { namespace: settings.namespace, labels: settings.labels },
            type: "kubernetes.io/tls",
            // Immutable, like the ConfigMap: a provider with enableSecretMutable still replaces it, so a
            // new key pair reaches the pods only through a new Secret and a rollout.
            immutable: true,
            data: tlsSecretData(certificate.certPem, keyPem, ca.certPem),
        },
        { parent, additionalSecretOutputs: ["data", "stringData"] },
    );
    return {
        secretName: secret.metadata.name,
        certificatePem: certificate.certPem,
        caCertificatePem: ca.certPem,
        certificateNotAfter: certificate.validityEndTime.apply(toWholeSeconds),
        dependsOn: pulumi.output([]),
    };
}
