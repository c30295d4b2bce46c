// Real keys and self-signed certificates for the mocks of `tls:index/privateKey:PrivateKey` and
// `tls:index/selfSignedCert:SelfSignedCert`, honouring the inputs the component gives the provider.
// Keys come from Node's crypto; certificates from the openssl command line (`openssl ca -selfsign`,
// which, unlike `openssl req -x509` in OpenSSL 3.0, takes exact start and end times, so a validity in
// hours is kept to the second as the provider keeps it). No ASN.1 is written by hand.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const OPENSSL = "/usr/bin/openssl";

/** The provider's curve names and their OpenSSL names. */
const CURVES: { [providerName: string]: string } = {
    P224: "secp224r1",
    P256: "prime256v1",
    P384: "secp384r1",
    P521: "secp521r1",
};

/** What the provider returns for a PrivateKey (the OpenSSH encodings are left out: nothing here reads them). */
export interface PrivateKeyState {
    algorithm: string;
    rsaBits?: number;
    ecdsaCurve?: string;
    /** PKCS#1 for RSA, SEC 1 for ECDSA, PKCS#8 for ED25519, as the provider encodes them. */
    privateKeyPem: string;
    privateKeyPemPkcs8: string;
    publicKeyPem: string;
}

/**
 * A new key as `tls.PrivateKey` makes it: RSA (`rsaBits`, default 2048), ECDSA (`ecdsaCurve`, default
 * P224, as in the provider) or ED25519.
 */
export function generatePrivateKey(inputs: { algorithm?: string; rsaBits?: number; ecdsaCurve?: string }): PrivateKeyState {
    const algorithm = inputs.algorithm;
    let keys: crypto.KeyPairKeyObjectResult;
    let privateKeyPem: string;
    const state: Partial<PrivateKeyState> = { algorithm };
    switch (algorithm) {
        case "RSA": {
            const rsaBits = inputs.rsaBits ?? 2048;
            keys = crypto.generateKeyPairSync("rsa", { modulusLength: rsaBits, publicExponent: 65537 });
            privateKeyPem = keys.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
            state.rsaBits = rsaBits;
            break;
        }
        case "ECDSA": {
            const ecdsaCurve = inputs.ecdsaCurve ?? "P224";
            const namedCurve = CURVES[ecdsaCurve];
            if (namedCurve === undefined) {
                throw new Error(`realTls: ecdsaCurve ${JSON.stringify(ecdsaCurve)} is not one of the provider's ${Object.keys(CURVES).join(", ")}`);
            }
            keys = crypto.generateKeyPairSync("ec", { namedCurve });
            privateKeyPem = keys.privateKey.export({ type: "sec1", format: "pem" }) as string;
            state.ecdsaCurve = ecdsaCurve;
            break;
        }
        case "ED25519":
            keys = crypto.generateKeyPairSync("ed25519");
            privateKeyPem = keys.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
            break;
        default:
            throw new Error(`realTls: algorithm ${JSON.stringify(algorithm)} is not RSA, ECDSA or ED25519`);
    }
    return {
        ...state,
        algorithm: algorithm,
        privateKeyPem,
        privateKeyPemPkcs8: keys.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
        publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }) as string,
    };
}

/** The provider's `allowedUses` values (snake case, RFC 5280) and the openssl extension values they set. */
export const KEY_USAGES: { [use: string]: string } = {
    digital_signature: "digitalSignature",
    content_commitment: "nonRepudiation",
    key_encipherment: "keyEncipherment",
    data_encipherment: "dataEncipherment",
    key_agreement: "keyAgreement",
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    encipher_only: "encipherOnly",
    decipher_only: "decipherOnly",
};
export const EXTENDED_KEY_USAGES: { [use: string]: string } = {
    any_extended: "anyExtendedKeyUsage",
    server_auth: "serverAuth",
    client_auth: "clientAuth",
    code_signing: "codeSigning",
    email_protection: "emailProtection",
    ipsec_end_system: "ipsecEndSystem",
    ipsec_tunnel: "ipsecTunnel",
    ipsec_user: "ipsecUser",
    timestamping: "timeStamping",
    ocsp_signing: "OCSPSigning",
    microsoft_server_gated_crypto: "msSGC",
    netscape_server_gated_crypto: "nsSGC",
    microsoft_commercial_code_signing: "msCodeCom",
    microsoft_kernel_code_signing: "1.3.6.1.4.1.311.61.1.1",
};

export interface SelfSignedCertInputs {
    privateKeyPem?: string;
    privateKeyPemWo?: string;
    subject?: {
        commonName?: string;
        organization?: string;
        organizationalUnit?: string;
        streetAddresses?: string[];
        locality?: string;
        province?: string;
        country?: string;
        postalCode?: string;
        serialNumber?: string;
        emailAddress?: string;
    };
    dnsNames?: string[];
    ipAddresses?: string[];
    uris?: string[];
    validityPeriodHours?: number;
    earlyRenewalHours?: number;
    allowedUses?: string[];
    isCaCertificate?: boolean;
    maxPathLength?: number;
    setSubjectKeyId?: boolean;
    setAuthorityKeyId?: boolean;
}

export interface SelfSignedCertState {
    certPem: string;
    keyAlgorithm: string;
    /** RFC 3339, as the provider reports them. */
    validityStartTime: string;
    validityEndTime: string;
    readyForRenewal: boolean;
}

/** Distinguished-name attributes in the order Go's crypto/x509 (the provider) writes them. */
const SUBJECT_ATTRIBUTES: [keyof NonNullable<SelfSignedCertInputs["subject"]>, string][] = [
    ["country", "C"],
    ["province", "ST"],
    ["locality", "L"],
    ["streetAddresses", "street"],
    ["postalCode", "postalCode"],
    ["organization", "O"],
    ["organizationalUnit", "OU"],
    ["commonName", "CN"],
    ["serialNumber", "serialNumber"],
    ["emailAddress", "emailAddress"],
];

/** `-subj` syntax: `/` and `+` and `\` inside a value are escaped. */
function subjectArgument(subject: SelfSignedCertInputs["subject"]): string {
    const parts: string[] = [];
    for (const [field, short] of SUBJECT_ATTRIBUTES) {
        const value = subject?.[field];
        for (const one of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
            parts.push(`/${short}=${one.replace(/([\\/+])/g, "\\$1")}`);
        }
    }
    return parts.length === 0 ? "/" : parts.join("");
}

/** openssl's time format for `-startdate`/`-enddate`: UTCTime until 2049, GeneralizedTime after, as RFC 5280 asks. */
function opensslTime(date: Date): string {
    const iso = date.toISOString(); // 2026-11-26T09:35:12.345Z
    const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
    return (date.getUTCFullYear() < 2050 ? digits.slice(2) : digits) + "Z";
}

/** The `x509v3` extension section for the inputs; throws on a use the provider does not know. */
export function certificateExtensions(inputs: SelfSignedCertInputs): string[] {
    const lines: string[] = [];
    const keyUsages: string[] = [];
    const extendedKeyUsages: string[] = [];
    for (const use of inputs.allowedUses ?? []) {
        if (KEY_USAGES[use] !== undefined) {
            keyUsages.push(KEY_USAGES[use]);
        } else if (EXTENDED_KEY_USAGES[use] !== undefined) {
            extendedKeyUsages.push(EXTENDED_KEY_USAGES[use]);
        } else {
            // The provider would ignore it and issue a certificate without that use; failing here makes a
            // misspelt use (say, "serverAuth") visible in the tests instead of in a client's handshake.
            throw new Error(
                `realTls: allowedUses entry ${JSON.stringify(use)} is not one of the provider's values: ${[...Object.keys(KEY_USAGES), ...Object.keys(EXTENDED_KEY_USAGES)].join(", ")}`,
            );
        }
    }
    if (keyUsages.length > 0) lines.push(`keyUsage = critical, ${keyUsages.join(", ")}`);
    if (extendedKeyUsages.length > 0) lines.push(`extendedKeyUsage = ${extendedKeyUsages.join(", ")}`);
    if (inputs.isCaCertificate) {
        const pathLength = inputs.maxPathLength !== undefined && inputs.maxPathLength > 0 ? `, pathlen:${inputs.maxPathLength}` : "";
        lines.push(`basicConstraints = critical, CA:TRUE${pathLength}`);
    } else {
        lines.push("basicConstraints = critical, CA:FALSE");
    }
    if (inputs.setSubjectKeyId) lines.push("subjectKeyIdentifier = hash");
    if (inputs.setAuthorityKeyId) lines.push("authorityKeyIdentifier = keyid:always");
    const altNames = [
        ...(inputs.dnsNames ?? []).map((name) => `DNS:${name}`),
        ...(inputs.ipAddresses ?? []).map((ip) => `IP:${ip}`),
        ...(inputs.uris ?? []).map((uri) => `URI:${uri}`),
    ];
    for (const altName of altNames) {
        if (/[,\n]/.test(altName)) throw new Error(`realTls: subject alternative name ${JSON.stringify(altName)} cannot be passed to openssl`);
    }
    if (altNames.length > 0) lines.push(`subjectAltName = ${altNames.join(", ")}`);
    return lines;
}

function run(args: string[], cwd: string): void {
    try {
        execFileSync(OPENSSL, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    } catch (error: any) {
        throw new Error(`realTls: openssl ${args.join(" ")} failed (${error.status ?? error.code}):\n${error.stderr ?? ""}${error.stdout ?? ""}`);
    }
}

/** The hash the provider (Go's crypto/x509) signs with: SHA-256, SHA-384 for P-384, SHA-512 for P-521, none for Ed25519. */
function signatureHash(key: crypto.KeyObject): string | undefined {
    if (key.asymmetricKeyType === "ed25519") return undefined;
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === "secp384r1" ? "sha384" : curve === "secp521r1" ? "sha512" : "sha256";
}

/** Algorithm of a PEM key in the provider's words. */
function keyAlgorithmOf(key: crypto.KeyObject): string {
    switch (key.asymmetricKeyType) {
        case "rsa":
            return "RSA";
        case "ec":
            return "ECDSA";
        case "ed25519":
            return "ED25519";
        default:
            throw new Error(`realTls: unsupported key type ${key.asymmetricKeyType}`);
    }
}

/**
 * A self-signed certificate as `tls.SelfSignedCert` issues it: signed with `privateKeyPem`, valid from now
 * for `validityPeriodHours`, with the subject, SANs, key usages, basic constraints and a random 128-bit
 * serial. Inputs must be plain (the mocks unwrap secrets before calling).
 */
export function issueSelfSignedCert(inputs: SelfSignedCertInputs, now: Date = new Date()): SelfSignedCertState {
    const keyPem = inputs.privateKeyPem ?? inputs.privateKeyPemWo;
    if (typeof keyPem !== "string") {
        throw new Error("realTls: SelfSignedCert needs privateKeyPem");
    }
    if (typeof inputs.validityPeriodHours !== "number" || !(inputs.validityPeriodHours > 0)) {
        throw new Error(`realTls: validityPeriodHours must be a positive number, got ${JSON.stringify(inputs.validityPeriodHours)}`);
    }
    const key = crypto.createPrivateKey(keyPem);
    const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const end = new Date(start.getTime() + inputs.validityPeriodHours * 3600 * 1000);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "realtls-"));
    try {
        // PKCS#8 so openssl reads every key type the same way; 0600 as a key file should be.
        fs.writeFileSync(path.join(dir, "key.pem"), key.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "index.txt"), "");
        // Positive, at most 128 bits, like the provider's serial.
        fs.writeFileSync(path.join(dir, "serial"), "01" + crypto.randomBytes(15).toString("hex") + "\n");
        fs.writeFileSync(
            path.join(dir, "ca.cnf"),
            [
                "[ca]",
                "default_ca = self",
                "[self]",
                `dir = ${dir}`,
                "database = $dir/index.txt",
                "serial = $dir/serial",
                "new_certs_dir = $dir",
                "unique_subject = no",
                "email_in_dn = yes",
                "copy_extensions = none",
                "policy = anything",
                "[anything]",
                ...SUBJECT_ATTRIBUTES.map(([, short]) => `${short} = optional`),
                "[req]",
                "distinguished_name = req_dn",
                "[req_dn]",
                "[extensions]",
                ...certificateExtensions(inputs),
                "",
            ].join("\n"),
        );
        const hash = signatureHash(key);
        const digest = hash === undefined ? [] : ["-md", hash];
        run(["req", "-new", "-config", "ca.cnf", "-key", "key.pem", "-subj", subjectArgument(inputs.subject), "-out", "req.csr", ...(hash === undefined ? [] : [`-${hash}`])], dir);
        run(
            [
                "ca", "-batch", "-selfsign", "-notext", "-preserveDN", "-config", "ca.cnf", "-keyfile", "key.pem", "-in", "req.csr",
                "-extensions", "extensions", "-startdate", opensslTime(start), "-enddate", opensslTime(end), "-out", "cert.pem",
                ...digest,
            ],
            dir,
        );
        const certPem = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
        const earlyRenewalMs = (inputs.earlyRenewalHours ?? 0) * 3600 * 1000;
        return {
            certPem,
            keyAlgorithm: keyAlgorithmOf(key),
            validityStartTime: start.toISOString().replace(".000Z", "Z"),
            validityEndTime: end.toISOString().replace(".000Z", "Z"),
            readyForRenewal: now.getTime() >= end.getTime() - earlyRenewalMs,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The hooks for `installMocks({ tls: realTls })`. */
export const realTls = {
    privateKey: (inputs: any) => ({ ...generatePrivateKey(inputs) }),
    selfSignedCert: (inputs: any) => ({ ...issueSelfSignedCert(inputs) }),
};
