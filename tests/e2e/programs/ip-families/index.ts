// One instance whose Service's IP families come from config (tests/e2e/cluster/ipFamilies.test.ts):
//   pulumi config set ipFamilyPolicy PreferDualStack
//   pulumi config set --path 'ipFamilies[0]' IPv4
import * as pulumi from "@pulumi/pulumi";
import { IpFamily, IpFamilyPolicy, NginxService } from "../../../../sdk";

const config = new pulumi.Config();
const nginx = new NginxService("my-nginx", {
    namespace: config.get("namespace"),
    image: config.get("image"),
    replicas: 1,
    ipFamilies: config.getObject<IpFamily[]>("ipFamilies"),
    ipFamilyPolicy: config.get("ipFamilyPolicy") as IpFamilyPolicy | undefined,
});

export const clusterDnsName = nginx.clusterDnsName;
export const caCertificatePem = nginx.caCertificatePem;
