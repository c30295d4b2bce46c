// What a platform team turns on beyond the defaults, for a site behind its ingress controller:
// - HSTS on every HTTPS answer, with a short max-age while the certificate is still the generated,
//   self-signed one (a browser that has seen HSTS refuses to let its user past a certificate warning);
// - an autoscaler owning the replica count instead of a fixed `replicas`;
// - a NetworkPolicy that admits only the ingress controller's namespace and the team's frontend pods;
// - with `dualStack: true`, a Service with an IPv6 address too where the cluster is dual-stack, and
//   nginx listening on IPv6 (leave it off where nodes have IPv6 disabled: nginx would not start).
// The security headers, the PodDisruptionBudget and the topology spread are on by default.
import * as pulumi from "@pulumi/pulumi";
import { IpFamilyPolicy, NginxService } from "../../sdk";

const config = new pulumi.Config();

const web = new NginxService("web", {
    namespace: config.get("namespace"),
    image: config.get("image"),
    redirectHttpToHttps: true,
    hsts: { maxAgeSeconds: 300 },
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 },
    networkPolicy: {
        allowFrom: [
            { namespaceLabels: { "kubernetes.io/metadata.name": config.get("ingressNamespace") ?? "ingress-nginx" } },
            { podLabels: { "app.kubernetes.io/part-of": "frontend" } },
        ],
    },
    ipFamilyPolicy: config.getBoolean("dualStack") ? IpFamilyPolicy.PreferDualStack : undefined,
});

export const urls = web.urls;
export const clusterDnsName = web.clusterDnsName;
/** The trust anchor clients pass to `curl --cacert`; it outlives rotations of the serving certificate. */
export const caCertificatePem = web.caCertificatePem;
