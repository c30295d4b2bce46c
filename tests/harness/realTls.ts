// Real keys and self-signed certificates for the mocks of `tls:index/privateKey:PrivateKey` and
// `tls:index/selfSignedCert:SelfSignedCert`, honouring the inputs the component gives the provider, and
// only those: RSA 2048 or ECDSA P-256 keys, a common name, SANs, validity and three uses.
// Keys come from Node's crypto; certificates from the openssl command line (`openssl ca -selfsign`,
// which, unlike `openssl req -x509` in OpenSSL 3.0, takes exact start and end times, so a validity in
// hours is kept to the second as the provider keeps it). No ASN.1 is written by hand.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const OPENSSL = "/usr/bin/openssl";

/** The keys the component asks for, with how Node makes them and how the provider encodes them. */
const KEY_TYPES: { [kind: string]: { generate: () => crypto.KeyPairKeyObjectResult; encoding: "pkcs1" | "sec1" } } = {
    "RSA 2048": { generate: () => crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 65537 }), encoding: "pkcs1" },
    "ECDSA P256": { generate: () => crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }), encoding: "sec1" },
};

/** What the provider returns for a PrivateKey (the OpenSSH encodings are left out: nothing here reads them). */
export interface PrivateKeyState {
    algorithm: string;
    rsaBits?: number;
    ecdsaCurve?: string;
    /** PKCS#1 for RSA, SEC 1 for ECDSA, as the provider encodes them. */
    privateKeyPem: string;
    privateKeyPemPkcs8: string;
    publicKeyPem: string;
}

/**
 * A new key as `tls.PrivateKey` makes it, for the two keys the component asks for: RSA with
 * `rsaBits: 2048`, ECDSA with `ecdsaCurve: "P256"`. Anything else is refused, so a component that
 * stopped naming its curve (the provider would pick P-224, which TLS clients reject) fails here.
 */
export function generatePrivateKey(inputs: { algorithm?: string; rsaBits?: number; ecdsaCurve?: string }): PrivateKeyState {
    const kind = inputs.algorithm === "RSA" ? `RSA ${inputs.rsaBits}` : `${inputs.algorithm} ${inputs.ecdsaCurve}`;
    const keyType = KEY_TYPES[kind];
    if (keyType === undefined) {
        throw new Error(`realTls: ${JSON.stringify(inputs)} is not a key the component asks for (${Object.keys(KEY_TYPES).join(", ")})`);
    }
    const keys = keyType.generate();
    return {
        algorithm: inputs.algorithm!,
        ...(inputs.algorithm === "RSA" ? { rsaBits: inputs.rsaBits } : { ecdsaCurve: inputs.ecdsaCurve }),
        privateKeyPem: keys.privateKey.export({ type: keyType.encoding, format: "pem" }) as string,
        privateKeyPemPkcs8: keys.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
        publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }) as string,
    };
}

/**
 * The provider's `allowedUses` values the component asks for (snake case, RFC 5280) and the openssl
 * extension values they set. Any other value is refused: the provider silently drops a misspelt one.
 */
export const KEY_USAGES: { [use: string]: string } = {
    digital_signature: "digitalSignature",
    key_encipherment: "keyEncipherment",
};
export const EXTENDED_KEY_USAGES: { [use: string]: string } = {
    server_auth: "serverAuth",
};

/** The inputs of `tls.SelfSignedCert` the component sets. */
export interface SelfSignedCertInputs {
    privateKeyPem?: string;
    subject?: { commonName?: string };
    dnsNames?: string[];
    ipAddresses?: string[];
    validityPeriodHours?: number;
    earlyRenewalHours?: number;
    allowedUses?: string[];
}

export interface SelfSignedCertState {
    certPem: string;
    keyAlgorithm: string;
    /** RFC 3339, as the provider reports them. */
    validityStartTime: string;
    validityEndTime: string;
    readyForRenewal: boolean;
}

/** `-subj` syntax: `/` and `+` and `\` inside a value are escaped. */
function subjectArgument(subject: SelfSignedCertInputs["subject"]): string {
    const commonName = subject?.commonName;
    return commonName === undefined ? "/" : `/CN=${commonName.replace(/([\\/+])/g, "\\$1")}`;
}

/** openssl's time format for `-startdate`/`-enddate`: UTCTime until 2049, GeneralizedTime after, as RFC 5280 asks. */
function opensslTime(date: Date): string {
    const iso = date.toISOString(); // 2026-11-26T09:35:12.345Z
    const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
    return (date.getUTCFullYear() < 2050 ? digits.slice(2) : digits) + "Z";
}

/** The `x509v3` extension section for the inputs; throws on a use it does not map. */
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
                `realTls: allowedUses entry ${JSON.stringify(use)} is not one of the provider's values the component uses: ${[...Object.keys(KEY_USAGES), ...Object.keys(EXTENDED_KEY_USAGES)].join(", ")}`,
            );
        }
    }
    if (keyUsages.length > 0) lines.push(`keyUsage = critical, ${keyUsages.join(", ")}`);
    if (extendedKeyUsages.length > 0) lines.push(`extendedKeyUsage = ${extendedKeyUsages.join(", ")}`);
    lines.push("basicConstraints = critical, CA:FALSE");
    const altNames = [...(inputs.dnsNames ?? []).map((name) => `DNS:${name}`), ...(inputs.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
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

/** Algorithm of a PEM key in the provider's words. */
function keyAlgorithmOf(key: crypto.KeyObject): string {
    if (key.asymmetricKeyType === "rsa") return "RSA";
    if (key.asymmetricKeyType === "ec") return "ECDSA";
    throw new Error(`realTls: unsupported key type ${key.asymmetricKeyType}`);
}

/**
 * A self-signed certificate as `tls.SelfSignedCert` issues it: signed with `privateKeyPem`, valid from now
 * for `validityPeriodHours`, with the subject, SANs, key usages, basic constraints and a random 128-bit
 * serial. Inputs must be plain (the mocks unwrap secrets before calling).
 */
export function issueSelfSignedCert(inputs: SelfSignedCertInputs, now: Date = new Date()): SelfSignedCertState {
    const keyPem = inputs.privateKeyPem;
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
                "CN = optional",
                "[req]",
                "distinguished_name = req_dn",
                "[req_dn]",
                "[extensions]",
                ...certificateExtensions(inputs),
                "",
            ].join("\n"),
        );
        // SHA-256, as Go's crypto/x509 (the provider) signs with for RSA 2048 and P-256 keys.
        run(["req", "-new", "-config", "ca.cnf", "-key", "key.pem", "-subj", subjectArgument(inputs.subject), "-out", "req.csr", "-sha256"], dir);
        run(
            [
                "ca", "-batch", "-selfsign", "-notext", "-preserveDN", "-config", "ca.cnf", "-keyfile", "key.pem", "-in", "req.csr",
                "-extensions", "extensions", "-startdate", opensslTime(start), "-enddate", opensslTime(end), "-out", "cert.pem",
                "-md", "sha256",
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
