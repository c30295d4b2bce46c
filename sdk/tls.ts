import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { KeyAlgorithm } from "./args";
import { TLS_SECRET_KEYS } from "./pod";
import { Settings } from "./settings";
import { at, NginxServiceArgsError } from "./validation";

/**
 * Snake case on purpose: @pulumi/tls silently drops any other spelling, which would yield a certificate
 * that TLS clients refuse for server authentication.
 */
export const CERTIFICATE_ALLOWED_USES = ["server_auth", "key_encipherment", "digital_signature"];

/** What the rest of the component needs to know about TLS, whether generated or brought along. */
export interface TlsResult {
    /** Name of the kubernetes.io/tls Secret the pods mount. */
    secretName: pulumi.Output<string>;
    /** The public certificate, the trust anchor clients pass to `curl --cacert`. */
    certificatePem: pulumi.Output<string>;
    /**
     * What the instance's other objects wait for: an existing Secret read from the cluster and found
     * usable. A missing or unusable Secret then fails `pulumi up` before the ConfigMap, Deployment or
     * Service is created or changed. Empty for a generated Secret, which the pods reference anyway.
     */
    dependsOn: pulumi.Output<pulumi.Resource[]>;
}

/** The names a client inside the cluster may use for the Service, shortest first. */
export const serviceDnsNames = (service: string, ns: string, clusterDomain: string): string[] => [
    service,
    `${service}.${ns}`,
    `${service}.${ns}.svc`,
    `${service}.${ns}.svc.${clusterDomain}`,
];

/** The Service's own names first, then the user's, without repeats (a repeated SAN is legal but noisy in diffs). */
export function certificateDnsNames(settings: Settings): pulumi.Output<string[]> {
    return pulumi
        .output(settings.namespaceForNames)
        .apply((ns) => [...new Set([...serviceDnsNames(settings.name, ns, settings.clusterDomain), ...settings.tls.dnsNames])]);
}

/**
 * The Secret's data, base64 as the API stores it. Marked secret here, not left to the provider: the
 * key must never reach the state file or a preview in plaintext, whatever provider version runs.
 */
export function tlsSecretData(certPem: pulumi.Input<string>, keyPem: pulumi.Input<string>): pulumi.Output<{ [key: string]: string }> {
    return pulumi.secret(
        pulumi.all([certPem, keyPem]).apply(
            ([cert, key]): { [key: string]: string } => ({
                [TLS_SECRET_KEYS.certificate]: Buffer.from(cert).toString("base64"),
                [TLS_SECRET_KEYS.privateKey]: Buffer.from(key).toString("base64"),
            }),
        ),
    );
}

/** Decodes the certificate of a Secret read from the cluster; the certificate is public, so not a secret. */
export function certificateFromSecret(component: string, secretName: pulumi.Input<string>, secret: k8s.core.v1.Secret): pulumi.Output<string> {
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
            return Buffer.from(crt, "base64").toString("utf8");
        }),
    );
}

/**
 * Creates (or, with `existingSecretName`, reads) the key, certificate and Secret. Returns undefined
 * when TLS is disabled.
 */
export function createTls(settings: Settings, parent: pulumi.Resource): TlsResult | undefined {
    const { name } = settings;
    const options = settings.tls;
    if (!options.enabled) {
        return undefined;
    }
    if (options.existingSecretName !== undefined) {
        const secretName = options.existingSecretName;
        const existing = k8s.core.v1.Secret.get(`${name}-tls`, pulumi.interpolate`${settings.namespaceForNames}/${secretName}`, { parent });
        const certificatePem = certificateFromSecret(name, secretName, existing);
        return {
            secretName: pulumi.output(secretName),
            certificatePem,
            dependsOn: certificatePem.apply(() => [existing]),
        };
    }

    // The random id only changes when the trigger does (keepers); the key follows it through
    // replacementTrigger, the certificate follows the key, and the Secret follows the certificate.
    const rotation = new random.RandomId(
        `${name}-tls-rotation`,
        { byteLength: 8, keepers: options.rotationTrigger === undefined ? {} : { rotationTrigger: options.rotationTrigger } },
        { parent },
    );
    const privateKey = new tls.PrivateKey(
        `${name}-tls-key`,
        options.keyAlgorithm === KeyAlgorithm.ECDSA ? { algorithm: "ECDSA", ecdsaCurve: "P256" } : { algorithm: "RSA", rsaBits: 2048 },
        {
            parent,
            replacementTrigger: rotation.hex,
            additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"],
        },
    );
    const keyPem = pulumi.secret(privateKey.privateKeyPem);
    const certificate = new tls.SelfSignedCert(
        `${name}-tls-cert`,
        {
            privateKeyPem: keyPem,
            subject: { commonName: options.commonName },
            dnsNames: certificateDnsNames(settings),
            ipAddresses: options.ipAddresses,
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
            data: tlsSecretData(certificate.certPem, keyPem),
        },
        { parent, additionalSecretOutputs: ["data", "stringData"] },
    );
    return { secretName: secret.metadata.name, certificatePem: certificate.certPem, dependsOn: pulumi.output([]) };
}
