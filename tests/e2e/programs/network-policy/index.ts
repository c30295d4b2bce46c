// Two instances on the real cluster, where kube-router's firewall enforces NetworkPolicy
// (tests/e2e/cluster/networkPolicy.test.ts):
//   guarded: ingress only from pods labelled role=frontend, egress only to DNS (the component's
//            default); `pulumi config set guardedPolicy false` turns its NetworkPolicy off
//   open:    no NetworkPolicy, a destination the guarded pod may not reach
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../../../sdk";

const config = new pulumi.Config();
const namespace = config.get("namespace");
const image = config.get("image");

const guarded = new NginxService("guarded", {
    namespace,
    image,
    replicas: 1,
    // allowFrom with enabled: false is a validation error, so the control drops both.
    networkPolicy: config.getBoolean("guardedPolicy") === false ? { enabled: false } : { allowFrom: [{ podLabels: { role: "frontend" } }] },
});
const open = new NginxService("open", { namespace, image, replicas: 1, networkPolicy: { enabled: false } });

// The trust anchors the clients verify against.
export const guardedCaCertificatePem = guarded.caCertificatePem;
export const openCaCertificatePem = open.caCertificatePem;
