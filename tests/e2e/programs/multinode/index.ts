// One instance behind a LoadBalancer Service for the multi-node drills (tests/e2e/multinode/drills.test.ts):
//   pulumi config set replicas 4
//   pulumi config set externalTrafficPolicy Local
//   pulumi config set redirectHttpToHttps true   # a config change: the pods roll
import * as pulumi from "@pulumi/pulumi";
import { ExternalTrafficPolicy, NginxService } from "../../../../sdk";

const config = new pulumi.Config();
const nginx = new NginxService("my-nginx", {
    namespace: config.get("namespace"),
    image: config.get("image"),
    replicas: config.requireNumber("replicas"),
    serviceType: "LoadBalancer",
    redirectHttpToHttps: config.getBoolean("redirectHttpToHttps"),
    loadBalancer: { externalTrafficPolicy: config.get("externalTrafficPolicy") as ExternalTrafficPolicy | undefined },
});

export const clusterIP = nginx.clusterIP;
export const loadBalancerIP = nginx.loadBalancerIP;
export const caCertificatePem = nginx.caCertificatePem;
