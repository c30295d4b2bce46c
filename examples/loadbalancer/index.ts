// The tutorial's last step: a Service of type LoadBalancer. The cloud provisions a load balancer when
// the Service is created and removes it when `pulumi destroy` deletes the Service. On kind or
// minikube, where no load balancer ever comes, run `pulumi config set awaitAddress false`.
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../sdk";

const config = new pulumi.Config();
const nginx = new NginxService("my-nginx-lb", {
    namespace: config.get("namespace"),
    image: config.get("image"),
    serviceType: "LoadBalancer",
    redirectHttpToHttps: true,
    loadBalancer: {
        awaitAddress: config.getBoolean("awaitAddress") ?? true,
        timeoutSeconds: config.getNumber("timeoutSeconds"),
        sourceRanges: config.getObject<string[]>("sourceRanges"),
    },
});

export const clusterIP = nginx.clusterIP;
// AWS reports a hostname, most other clouds an IP: export both.
export const loadBalancerIP = nginx.loadBalancerIP;
export const loadBalancerHostname = nginx.loadBalancerHostname;
export const nodePorts = nginx.nodePorts;
export const urls = nginx.urls;
export const tlsSecretName = nginx.tlsSecretName;
/** The trust anchor clients pass to `curl --cacert`; it outlives rotations of the serving certificate. */
export const caCertificatePem = nginx.caCertificatePem;
