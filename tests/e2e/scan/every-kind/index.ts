// Not an example: what the manifest scan (tests/e2e/scan.test.ts) renders beside the root program and
// examples/*, so that the objects no example creates are scanned too: the HorizontalPodAutoscaler, a
// NetworkPolicy with sources of each form, HSTS and a LoadBalancer restricted to source ranges.
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../../../sdk";

const config = new pulumi.Config();
const nginx = new NginxService("scan-every-kind", {
    namespace: config.get("namespace"),
    serviceType: "LoadBalancer",
    loadBalancer: { sourceRanges: ["10.0.0.0/8"] },
    redirectHttpToHttps: true,
    hsts: { includeSubDomains: true },
    autoscaling: { minReplicas: 2, maxReplicas: 4 },
    networkPolicy: {
        allowFrom: [{ podLabels: { role: "client" } }, { namespaceLabels: { team: "web" }, podLabels: { role: "client" } }, { cidr: "10.0.0.0/8" }],
    },
});

export const serviceName = nginx.serviceName;
