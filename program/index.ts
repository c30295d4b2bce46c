// The tutorial "Connecting Applications with Services", end to end: nginx over HTTPS with a generated
// certificate, exposed as NodePort (its YAML: http on 8080, https on 443, one replica) or, with
// `pulumi config set serviceType LoadBalancer`, through the cloud's load balancer.
//
//   pulumi config set namespace demo            # default: the kube context's namespace
//   pulumi config set serviceType LoadBalancer  # default: NodePort
//   pulumi config set awaitAddress false        # kind/minikube: don't wait for an LB address
//   pulumi config set rotation 2027-01          # new serving key and certificate (same CA), pods roll onto them
//   pulumi config set caRotation 2036-01        # a new CA too: clients must be given caCertificatePem again
//   pulumi config set image registry.example/nginx-unprivileged:1.28.0   # default: the component's
//   pulumi config set enableServiceLinks false  # no MY_NGINX_SERVICE_* variables in the pods
//   pulumi config set redirectHttpToHttps true  # plain HTTP answers 308 to HTTPS
//   pulumi config set existingSecretName my-cert  # serve a kubernetes.io/tls Secret you manage
import * as pulumi from "@pulumi/pulumi";
import { NginxService, ServiceType } from "../sdk";

const config = new pulumi.Config();
const serviceType = (config.get("serviceType") ?? ServiceType.NodePort) as ServiceType;
const isLoadBalancer = serviceType === ServiceType.LoadBalancer;

const nginx = new NginxService("my-nginx", {
    namespace: config.get("namespace"),
    // Another nginx image honouring the unprivileged image's contract (a mirror, a pinned digest).
    image: config.get("image"),
    serviceType,
    httpPort: 8080,
    replicas: config.getNumber("replicas") ?? 1,
    tls: { rotationTrigger: config.get("rotation"), caRotationTrigger: config.get("caRotation"), existingSecretName: config.get("existingSecretName") },
    enableServiceLinks: config.getBoolean("enableServiceLinks"),
    redirectHttpToHttps: config.getBoolean("redirectHttpToHttps"),
    loadBalancer: isLoadBalancer ? { awaitAddress: config.getBoolean("awaitAddress") ?? true } : undefined,
});

export const serviceName = nginx.serviceName;
export const namespace = nginx.namespace;
export const clusterIP = nginx.clusterIP;
export const clusterDnsName = nginx.clusterDnsName;
export const nodePorts = nginx.nodePorts;
export const loadBalancerIP = nginx.loadBalancerIP;
export const loadBalancerHostname = nginx.loadBalancerHostname;
export const urls = nginx.urls;
export const tlsSecretName = nginx.tlsSecretName;
/** The trust anchor: `pulumi stack output caCertificatePem > ca.pem; curl --cacert ca.pem ...`. */
export const caCertificatePem = nginx.caCertificatePem;
export const certificatePem = nginx.certificatePem;
export const certificateNotAfter = nginx.certificateNotAfter;
