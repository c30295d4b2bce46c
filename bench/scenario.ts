// The scenario every benchmark builds: HTTPS (a generated CA and the certificate it signs) behind a
// NodePort Service, one replica, as in the tutorial "Connecting Applications with Services".
import * as pulumi from "@pulumi/pulumi";

export const SCENARIO = { serviceType: "NodePort", httpPort: 8080, replicas: 1 } as const;

/** Logical name of instance i; unique, so N instances can live in one program and one namespace. */
export const instanceName = (i: number): string => `nginx-${i}`;

/** Builds one instance and returns the outputs a program would export; the benchmark waits for all of them. */
export type Builder = (name: string) => pulumi.Output<unknown>[];

export const VARIANTS = ["component", "baseline"] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * Custom resources one instance registers: two RandomIds and two PrivateKeys (the CA's and the serving
 * certificate's), SelfSignedCert (the CA), CertRequest, LocallySignedCert, Secret, ConfigMap,
 * Deployment, Service, PodDisruptionBudget, NetworkPolicy.
 */
export const CUSTOM_RESOURCES_PER_INSTANCE = 13;
