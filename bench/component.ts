// The measured variant: the package's own NginxService, used the way its README shows.
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../sdk";
import { SCENARIO } from "./scenario";

export function build(name: string, opts?: pulumi.ComponentResourceOptions): pulumi.Output<unknown>[] {
    const nginx = new NginxService(name, { ...SCENARIO }, opts);
    return [
        nginx.serviceName,
        nginx.namespace,
        nginx.clusterIP,
        nginx.clusterDnsName,
        nginx.loadBalancerIP,
        nginx.loadBalancerHostname,
        nginx.nodePorts,
        nginx.urls,
        nginx.certificatePem,
        nginx.tlsSecretName,
    ];
}
