import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_VOLUME, CONTAINER_NAME, CONTAINER_SECURITY_CONTEXT, CONTENT_VOLUME, HEALTH_PATH, HTTP_PORT, HTTPS_PORT, NGINX_UID, TERMINATION, TLS_VOLUME, TMP_VOLUME } from "./pod";
import { deploymentReplicas, topologySpread } from "./availability";
import { contentVolume } from "./content";
import { exporterContainers, scrapeAnnotations, statusContainerPorts } from "./metrics";
import { Settings } from "./settings";

/**
 * The pod template's spec. Satisfies the Pod Security Standards `restricted` profile; the root
 * filesystem is read-only, so nginx gets an emptyDir for /tmp, where the unprivileged image keeps its
 * pid file and request buffers. `tlsSecretName` is the Secret to mount, given exactly when
 * `settings.tls.enabled`; `contentConfigMapName` the generated content's ConfigMap, given exactly when
 * `settings.content.files` is set.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function podSpec(
    settings: Settings,
    configMapName: pulumi.Input<string>,
    tlsSecretName: pulumi.Input<string> | undefined,
    contentConfigMapName?: pulumi.Input<string>,
): k8s.types.input.core.v1.PodSpec {
    const tlsEnabled = settings.tls.enabled;
    const content = contentVolume(settings, contentConfigMapName);
    if (tlsEnabled !== (tlsSecretName !== undefined)) {
        throw new Error(`podSpec: tls.enabled is ${tlsEnabled} but a TLS Secret name was ${tlsSecretName === undefined ? "not " : ""}given`);
    }
    const probe = (initialDelaySeconds: number, periodSeconds: number) => ({
        httpGet: { path: HEALTH_PATH, port: HTTP_PORT.name },
        initialDelaySeconds,
        periodSeconds,
        timeoutSeconds: 2,
        failureThreshold: 3,
    });
    return {
        enableServiceLinks: settings.enableServiceLinks,
        terminationGracePeriodSeconds: TERMINATION.gracePeriodSeconds,
        topologySpreadConstraints: topologySpread(settings),
        // nginx never talks to the API server: no token in the pod.
        automountServiceAccountToken: false,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: NGINX_UID,
            runAsGroup: NGINX_UID,
            // The key is mounted 0440; fsGroup makes it readable by nginx's group.
            fsGroup: NGINX_UID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
            {
                name: CONTAINER_NAME,
                image: settings.image,
                ports: [
                    { ...HTTP_PORT, protocol: "TCP" },
                    ...(tlsEnabled ? [{ ...HTTPS_PORT, protocol: "TCP" }] : []),
                    ...statusContainerPorts(settings),
                ],
                // A sleep action needs no shell or sleep binary in the image.
                lifecycle: { preStop: { sleep: { seconds: TERMINATION.preStopSleepSeconds } } },
                readinessProbe: probe(0, 5),
                livenessProbe: probe(5, 10),
                resources: {
                    requests: { cpu: settings.resources.cpuRequest, memory: settings.resources.memoryRequest },
                    limits: { cpu: settings.resources.cpuLimit, memory: settings.resources.memoryLimit },
                },
                securityContext: CONTAINER_SECURITY_CONTEXT,
                volumeMounts: [
                    { ...CONFIG_VOLUME, readOnly: true },
                    ...(tlsEnabled ? [{ ...TLS_VOLUME, readOnly: true }] : []),
                    { ...TMP_VOLUME },
                    ...(content !== undefined ? [{ ...CONTENT_VOLUME, readOnly: true }] : []),
                ],
            },
            ...exporterContainers(settings),
        ],
        volumes: [
            { name: CONFIG_VOLUME.name, configMap: { name: configMapName } },
            ...(tlsEnabled ? [{ name: TLS_VOLUME.name, secret: { secretName: tlsSecretName, defaultMode: 0o440 } }] : []),
            { name: TMP_VOLUME.name, emptyDir: { sizeLimit: "64Mi" } },
            ...(content !== undefined ? [content] : []),
        ],
    };
}

/**
 * The Deployment. Its name is the component's, as in the tutorial; the ConfigMap and Secret names in the
 * pod template (config, TLS, generated content) change whenever their content does, which is what rolls
 * the pods. maxUnavailable 0 keeps
 * every old pod serving until its replacement is ready, even with one replica.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
 */
export function createWorkload(
    settings: Settings,
    configMapName: pulumi.Input<string>,
    tlsSecretName: pulumi.Input<string> | undefined,
    contentConfigMapName: pulumi.Input<string> | undefined,
    opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
    const annotations = scrapeAnnotations(settings);
    return new k8s.apps.v1.Deployment(
        `${settings.name}-deployment`,
        {
            metadata: { name: settings.name, namespace: settings.namespace, labels: settings.labels },
            spec: {
                ...deploymentReplicas(settings),
                selector: { matchLabels: settings.selectorLabels },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels: settings.labels, ...(annotations !== undefined ? { annotations } : {}) },
                    spec: podSpec(settings, configMapName, tlsSecretName, contentConfigMapName),
                },
            },
        },
        // The name is fixed, so a replacement (after a selector change) must delete before it creates.
        { ...opts, deleteBeforeReplace: true },
    );
}
