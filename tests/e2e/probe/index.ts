import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

const provider = new k8s.Provider("controlplane", {
    kubeconfig: process.env.KUBECONFIG,
});

const key = new tls.PrivateKey("key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
const suffix = new random.RandomString("suffix", { length: 8, special: false, upper: false });
const cert = new tls.SelfSignedCert("cert", {
    privateKeyPem: key.privateKeyPem,
    validityPeriodHours: 24,
    allowedUses: ["digital_signature", "server_auth"],
    subject: { commonName: "probe.example" },
    dnsNames: ["probe.example"],
});

const cm = new k8s.core.v1.ConfigMap("probe", {
    metadata: { namespace: "default" },
    data: { suffix: suffix.result, publicKey: key.publicKeyPem, cert: cert.certPem },
}, { provider });

export const configMapName = cm.metadata.name;
export const suffixResult = suffix.result;
export const publicKeyPem = key.publicKeyPem;
