// The baseline: the same objects written out by hand with the providers' SDKs, the way a user without
// this package would write them for the scenario (HTTPS + NodePort, one replica). No component class,
// no validation, no settings object: literals where the component computes, one function per
// instance so N of them fit in one program. Deliberately independent of sdk/ (only the rendered nginx
// config is imported, so both variants send byte-identical ConfigMaps); the driver checks that the
// recorded inputs of both variants are the same before it measures anything.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { renderNginxConfig } from "../sdk/nginxConfig";
import { resolveSettings } from "../sdk/settings";
import { nginxConfigOptions } from "../sdk/workload";
import {
    handwrittenDeploymentSpec,
    handwrittenDisruptionBudgetSpec,
    handwrittenLabels,
    handwrittenNetworkPolicySpec,
    handwrittenServiceAnnotations,
    handwrittenServiceSpec,
} from "./handwritten";

const NGINX_CONF = renderNginxConfig(nginxConfigOptions(resolveSettings("bench", {})));

export function build(name: string): pulumi.Output<unknown>[] {
    const { selector, labels } = handwrittenLabels(name, "pulumi");

    // A CA, and the serving key and certificate it signs; a new random id (change its keepers) rotates
    // the CA or the serving key.
    const ecdsa = { algorithm: "ECDSA", ecdsaCurve: "P256" };
    const caRotation = new random.RandomId(`${name}-tls-ca-rotation`, { byteLength: 8 });
    const caKey = new tls.PrivateKey(`${name}-tls-ca-key`, ecdsa, { replacementTrigger: caRotation.hex });
    const ca = new tls.SelfSignedCert(`${name}-tls-ca`, {
        privateKeyPem: caKey.privateKeyPem,
        subject: { commonName: `${name} CA` },
        isCaCertificate: true,
        validityPeriodHours: 87600,
        earlyRenewalHours: 0,
        allowedUses: ["cert_signing"],
    });
    const rotation = new random.RandomId(`${name}-tls-rotation`, { byteLength: 8 });
    const key = new tls.PrivateKey(`${name}-tls-key`, ecdsa, { replacementTrigger: rotation.hex });
    const request = new tls.CertRequest(`${name}-tls-request`, {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: name },
        dnsNames: [name, `${name}.default`, `${name}.default.svc`, `${name}.default.svc.cluster.local`],
    });
    const cert = new tls.LocallySignedCert(`${name}-tls-cert`, {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: 8760,
        earlyRenewalHours: 720,
        allowedUses: ["server_auth", "key_encipherment", "digital_signature"],
    });
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const secret = new k8s.core.v1.Secret(
        `${name}-tls`,
        {
            metadata: { labels },
            type: "kubernetes.io/tls",
            immutable: true,
            data: pulumi.secret({ "tls.crt": cert.certPem.apply(b64), "tls.key": key.privateKeyPem.apply(b64), "ca.crt": ca.certPem.apply(b64) }),
        },
        { additionalSecretOutputs: ["data", "stringData"] },
    );

    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
        metadata: { labels },
        immutable: true,
        data: { "default.conf": NGINX_CONF },
    });

    new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata: { name, labels },
            spec: handwrittenDeploymentSpec(selector, labels, config.metadata.name, secret.metadata.name),
        },
        { deleteBeforeReplace: true },
    );

    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: { name, labels }, spec: handwrittenDisruptionBudgetSpec(selector) }, { deleteBeforeReplace: true });

    new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, { metadata: { name, labels }, spec: handwrittenNetworkPolicySpec(selector) }, { deleteBeforeReplace: true });

    const service = new k8s.core.v1.Service(
        `${name}-service`,
        { metadata: { name, labels, annotations: handwrittenServiceAnnotations }, spec: handwrittenServiceSpec(selector) },
        { deleteBeforeReplace: true },
    );

    // What a program would export for this scenario (the component's outputs, less the load-balancer
    // ones, which a NodePort program has no use for).
    const clusterDnsName = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
    const nodePort = (portName: string) => service.spec.ports.apply((ports) => ports.find((p) => p.name === portName)?.nodePort);
    return [
        service.metadata.name,
        service.metadata.namespace,
        service.spec.clusterIP,
        clusterDnsName,
        pulumi.all({ http: nodePort("http"), https: nodePort("https") }),
        clusterDnsName.apply((dns) => [`https://${dns}`, `http://${dns}:8080`]),
        ca.certPem,
        cert.certPem,
        cert.validityEndTime,
        secret.metadata.name,
    ];
}
