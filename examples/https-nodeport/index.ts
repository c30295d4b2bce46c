// The tutorial's secured Service, as its YAML has it: type NodePort, http on Service port 8080,
// https on 443, one replica, nginx configured for HTTPS from a ConfigMap and a kubernetes.io/tls Secret.
//   curl -k https://<node-ip>:<nodePorts.https>
//   curl --cacert ca.pem https://my-nginx   (from a pod, with `pulumi stack output caCertificatePem > ca.pem`)
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../sdk";

const config = new pulumi.Config();
const nginx = new NginxService("my-nginx", {
    namespace: config.get("namespace"),
    image: config.get("image"),
    serviceType: "NodePort",
    httpPort: 8080,
    replicas: 1,
    tls: { rotationTrigger: config.get("rotation") },
});

export const clusterIP = nginx.clusterIP;
export const nodePorts = nginx.nodePorts;
export const urls = nginx.urls;
export const tlsSecretName = nginx.tlsSecretName;
/** The trust anchor clients pass to `curl --cacert`; it outlives rotations of the serving certificate. */
export const caCertificatePem = nginx.caCertificatePem;
