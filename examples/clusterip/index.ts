// The tutorial's first Service: two nginx replicas behind a stable cluster IP and DNS name, HTTPS on
// 443 with a generated certificate, plain HTTP on 80.
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../sdk";

const config = new pulumi.Config();
const nginx = new NginxService("my-nginx", {
    namespace: config.get("namespace"),
    image: config.get("image"),
});

export const clusterIP = nginx.clusterIP;
export const clusterDnsName = nginx.clusterDnsName;
export const urls = nginx.urls;
export const tlsSecretName = nginx.tlsSecretName;
/** The trust anchor clients pass to `curl --cacert`; it outlives rotations of the serving certificate. */
export const caCertificatePem = nginx.caCertificatePem;
