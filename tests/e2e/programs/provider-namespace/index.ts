// No `namespace` argument, and an explicit kubernetes provider whose namespace is another one than
// `default`: the objects land in the provider's namespace, and the certificate's names, clusterDnsName
// and the read of tls.existingSecretName must follow them there (tests/e2e/namespace.test.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../../../sdk";

const config = new pulumi.Config();
const provider = new k8s.Provider("elsewhere", { namespace: config.require("providerNamespace") });

const generated = new NginxService("my-nginx", { replicas: 1 }, { providers: [provider] });
const byo = new NginxService("byo-nginx", { replicas: 1, tls: { existingSecretName: config.require("existingSecretName") } }, { providers: [provider] });

export const namespace = generated.namespace;
export const clusterDnsName = generated.clusterDnsName;
export const urls = generated.urls;
export const certificatePem = generated.certificatePem;
export const tlsSecretName = generated.tlsSecretName;
export const byoNamespace = byo.namespace;
export const byoClusterDnsName = byo.clusterDnsName;
export const byoCertificatePem = byo.certificatePem;
