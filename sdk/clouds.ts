import { Cloud } from "./args";

// Per-cloud knowledge of internal load balancers, in one place: the Service reads the annotations, the
// validation the annotation the user has to give.

/**
 * The annotation each cloud's controller reads to make a load balancer internal.
 * AWS gets both the in-tree key and the AWS Load Balancer Controller's scheme, since either may run.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer
 */
export const INTERNAL_LB_ANNOTATIONS: { [cloud in Cloud]: { [key: string]: string } } = {
    aws: {
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    },
    gcp: { "networking.gke.io/load-balancer-type": "Internal" },
    azure: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" },
    // TKE makes a load balancer internal by the subnet it lives in; only the user knows it, so
    // validation requires it in loadBalancer.annotations (TENCENT_INTERNAL_SUBNET) and nothing is added here.
    tencent: {},
};

/** The annotation that makes a TKE load balancer internal, with the subnet ID as its value. */
export const TENCENT_INTERNAL_SUBNET = "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid";
