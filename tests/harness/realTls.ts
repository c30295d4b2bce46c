// Real keys, requests and certificates for the mocks of @pulumi/tls's `PrivateKey`, `SelfSignedCert`
// (the CA, or a plain self-signed certificate), `CertRequest` and `LocallySignedCert` (a certificate
// signed by the CA), honouring the inputs the component gives the provider, and only those: RSA 2048
// or ECDSA P-256 keys, a common name, SANs, validity, the CA flag and four uses.
// Keys come from Node's crypto; requests and certificates from the openssl command line (`openssl
// ca`, which, unlike `openssl req -x509` in OpenSSL 3.0, takes exact start and end times, so a
// validity in hours is kept to the second as the provider keeps it). No ASN.1 is written by hand.
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
    cert_signing: "keyCertSign",
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
    isCaCertificate?: boolean;
}

/** The inputs of `tls.CertRequest` the component sets. */
export interface CertRequestInputs {
    privateKeyPem?: string;
    subject?: { commonName?: string };
    dnsNames?: string[];
    ipAddresses?: string[];
}

/** The inputs of `tls.LocallySignedCert` the component sets. */
export interface LocallySignedCertInputs {
    certRequestPem?: string;
    caPrivateKeyPem?: string;
    caCertPem?: string;
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

/**
 * The `x509v3` extension section for the inputs; throws on a use it does not map. Key identifiers as
 * Go's crypto/x509 (the provider) writes them: a CA's subject key id, and the issuer's key id in a
 * certificate it signs.
 */
export function certificateExtensions(inputs: SelfSignedCertInputs, signedByCa = false): string[] {
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
    lines.push(`basicConstraints = critical, ${inputs.isCaCertificate === true ? "CA:TRUE" : "CA:FALSE"}`);
    if (inputs.isCaCertificate === true) lines.push("subjectKeyIdentifier = hash");
    if (signedByCa) lines.push("authorityKeyIdentifier = keyid:always");
    lines.push(...subjectAltNames(inputs));
    return lines;
}

/** The `subjectAltName` line for the inputs' names, or none. */
function subjectAltNames(inputs: { dnsNames?: string[]; ipAddresses?: string[] }): string[] {
    const lines: string[] = [];
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

/** A scratch directory for openssl, removed afterwards whatever happens. */
function inScratch<T>(body: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "realtls-"));
    try {
        return body(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Writes a key as PKCS#8, so openssl reads every key type the same way; 0600 as a key file should be. */
function writeKey(file: string, pem: string): crypto.KeyObject {
    const key = crypto.createPrivateKey(pem);
    fs.writeFileSync(file, key.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    return key;
}

function checkValidity(hours: unknown): number {
    if (typeof hours !== "number" || !(hours > 0)) {
        throw new Error(`realTls: validityPeriodHours must be a positive number, got ${JSON.stringify(hours)}`);
    }
    return hours;
}

/** A certificate request for `key.pem` in `dir`, with the subject and SANs given. */
function writeRequest(dir: string, inputs: CertRequestInputs): void {
    fs.writeFileSync(path.join(dir, "req.cnf"), ["[req]", "distinguished_name = req_dn", "[req_dn]", "[request]", ...subjectAltNames(inputs), ""].join("\n"));
    // SHA-256, as Go's crypto/x509 (the provider) signs with for RSA 2048 and P-256 keys.
    run(["req", "-new", "-config", "req.cnf", "-reqexts", "request", "-key", "key.pem", "-subj", subjectArgument(inputs.subject), "-out", "req.csr", "-sha256"], dir);
}

/**
 * Signs `req.csr` in `dir` with `signer.pem` (and `ca.pem`, unless self-signing) for the validity and
 * extensions given; returns the certificate and its state as the provider reports it. The request's
 * SANs are copied, as the provider's LocallySignedCert copies them.
 */
function sign(dir: string, options: { selfSign: boolean; extensions: string[]; validityPeriodHours: number; earlyRenewalHours?: number; now: Date }): SelfSignedCertState {
    const start = new Date(Math.floor(options.now.getTime() / 1000) * 1000);
    const end = new Date(start.getTime() + options.validityPeriodHours * 3600 * 1000);
    fs.writeFileSync(path.join(dir, "index.txt"), "");
    // Positive, at most 128 bits, like the provider's serial.
    fs.writeFileSync(path.join(dir, "serial"), "01" + crypto.randomBytes(15).toString("hex") + "\n");
    fs.writeFileSync(
        path.join(dir, "ca.cnf"),
        [
            "[ca]",
            "default_ca = issuer",
            "[issuer]",
            `dir = ${dir}`,
            "database = $dir/index.txt",
            "serial = $dir/serial",
            "new_certs_dir = $dir",
            "unique_subject = no",
            "email_in_dn = yes",
            `copy_extensions = ${options.selfSign ? "none" : "copy"}`,
            "policy = anything",
            "[anything]",
            "CN = optional",
            "[extensions]",
            ...options.extensions,
            "",
        ].join("\n"),
    );
    run(
        [
            "ca", "-batch", ...(options.selfSign ? ["-selfsign"] : ["-cert", "ca.pem"]), "-notext", "-preserveDN", "-config", "ca.cnf", "-keyfile", "signer.pem",
            "-in", "req.csr", "-extensions", "extensions", "-startdate", opensslTime(start), "-enddate", opensslTime(end), "-out", "cert.pem", "-md", "sha256",
        ],
        dir,
    );
    const certPem = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
    const earlyRenewalMs = (options.earlyRenewalHours ?? 0) * 3600 * 1000;
    return {
        certPem,
        keyAlgorithm: keyAlgorithmOf(new crypto.X509Certificate(certPem).publicKey),
        validityStartTime: start.toISOString().replace(".000Z", "Z"),
        validityEndTime: end.toISOString().replace(".000Z", "Z"),
        readyForRenewal: options.now.getTime() >= end.getTime() - earlyRenewalMs,
    };
}

/**
 * A self-signed certificate as `tls.SelfSignedCert` issues it: signed with `privateKeyPem`, valid from now
 * for `validityPeriodHours`, with the subject, SANs, key usages, basic constraints (a CA's with
 * `isCaCertificate`) and a random 128-bit serial. Inputs must be plain (the mocks unwrap secrets
 * before calling).
 */
export function issueSelfSignedCert(inputs: SelfSignedCertInputs, now: Date = new Date()): SelfSignedCertState {
    if (typeof inputs.privateKeyPem !== "string") {
        throw new Error("realTls: SelfSignedCert needs privateKeyPem");
    }
    const validityPeriodHours = checkValidity(inputs.validityPeriodHours);
    return inScratch((dir) => {
        writeKey(path.join(dir, "key.pem"), inputs.privateKeyPem!);
        fs.copyFileSync(path.join(dir, "key.pem"), path.join(dir, "signer.pem"));
        // The SANs go in through the extensions, not the request, exactly as given.
        writeRequest(dir, { subject: inputs.subject });
        return sign(dir, { selfSign: true, extensions: certificateExtensions(inputs), validityPeriodHours, earlyRenewalHours: inputs.earlyRenewalHours, now });
    });
}

/** A certificate request as `tls.CertRequest` makes it: the key's, with the subject and SANs given. */
export function issueCertRequest(inputs: CertRequestInputs): { certRequestPem: string; keyAlgorithm: string } {
    if (typeof inputs.privateKeyPem !== "string") {
        throw new Error("realTls: CertRequest needs privateKeyPem");
    }
    return inScratch((dir) => {
        const key = writeKey(path.join(dir, "key.pem"), inputs.privateKeyPem!);
        writeRequest(dir, inputs);
        return { certRequestPem: fs.readFileSync(path.join(dir, "req.csr"), "utf8"), keyAlgorithm: keyAlgorithmOf(key) };
    });
}

/**
 * A certificate as `tls.LocallySignedCert` issues it: the request's subject and SANs, signed by the CA's
 * key and named as issued by the CA's certificate, for `validityPeriodHours` from now, with the uses
 * given. Refuses a CA key that does not match the CA certificate, as the provider would sign garbage.
 */
export function issueLocallySignedCert(inputs: LocallySignedCertInputs, now: Date = new Date()): SelfSignedCertState {
    const { certRequestPem, caPrivateKeyPem, caCertPem } = inputs;
    if (typeof certRequestPem !== "string" || typeof caPrivateKeyPem !== "string" || typeof caCertPem !== "string") {
        throw new Error("realTls: LocallySignedCert needs certRequestPem, caPrivateKeyPem and caCertPem");
    }
    const validityPeriodHours = checkValidity(inputs.validityPeriodHours);
    const caCert = new crypto.X509Certificate(caCertPem);
    if (!caCert.checkPrivateKey(crypto.createPrivateKey(caPrivateKeyPem))) {
        throw new Error("realTls: caPrivateKeyPem is not the key of caCertPem");
    }
    return inScratch((dir) => {
        writeKey(path.join(dir, "signer.pem"), caPrivateKeyPem);
        fs.writeFileSync(path.join(dir, "ca.pem"), caCertPem);
        fs.writeFileSync(path.join(dir, "req.csr"), certRequestPem);
        const extensions = certificateExtensions({ allowedUses: inputs.allowedUses }, true);
        return sign(dir, { selfSign: false, extensions, validityPeriodHours, earlyRenewalHours: inputs.earlyRenewalHours, now });
    });
}

/** The hooks for `installMocks({ tls: realTls })`. */
export const realTls = {
    privateKey: (inputs: any) => ({ ...generatePrivateKey(inputs) }),
    selfSignedCert: (inputs: any) => ({ ...issueSelfSignedCert(inputs) }),
    certRequest: (inputs: any) => ({ ...issueCertRequest(inputs) }),
    locallySignedCert: (inputs: any) => ({ ...issueLocallySignedCert(inputs) }),
};
