// The measured variant: the package's own NginxService, used the way its README shows.
import * as pulumi from "@pulumi/pulumi";
import { NginxService, NginxServiceArgs } from "../sdk";
import { SCENARIO } from "./scenario";

/** `args` are added to the scenario's (part 2 passes `image` on the real cluster, where nothing is pulled). */
export function build(name: string, opts?: pulumi.ComponentResourceOptions, args: NginxServiceArgs = {}): pulumi.Output<unknown>[] {
    const nginx = new NginxService(name, { ...SCENARIO, ...args }, opts);
    return [
        nginx.serviceName,
        nginx.namespace,
        nginx.clusterIP,
        nginx.clusterDnsName,
        nginx.loadBalancerIP,
        nginx.loadBalancerHostname,
        nginx.nodePorts,
        nginx.urls,
        nginx.caCertificatePem,
        nginx.certificatePem,
        nginx.certificateNotAfter,
        nginx.tlsSecretName,
    ];
}
