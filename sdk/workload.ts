import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkImage, checkInput, checkNonNegativeInt, found, Resolved, withDefaults } from "./checks";
import { AvailabilitySettings, deploymentReplicas, nodeFailureTolerations, topologySpread } from "./availability";
import { ContentSettings, contentVolume } from "./content";
import { HeadersSettings } from "./headers";
import { exporterContainers, MetricsSettings, scrapeAnnotations, statusContainerPorts } from "./metrics";
import { NamingSettings } from "./names";
import { NginxConfigOptions, renderNginxConfig } from "./nginxConfig";
import {
    CONFIG_FILE_NAME,
    CONFIG_VOLUME,
    CONTAINER_NAME,
    CONTAINER_SECURITY_CONTEXT,
    CONTENT_VOLUME,
    containerResources,
    HEALTH_PATH,
    HTTP_PORT,
    HTTPS_PORT,
    NGINX_UID,
    resolveResources,
    ResourceSettings,
    Resources,
    TERMINATION,
    TLS_VOLUME,
    TMP_VOLUME,
} from "./pod";
import { servesIpv6, ServiceSettings } from "./service";
import { TlsSettings } from "./tls";
import { upstreamFqdn, UpstreamSettings } from "./upstream";

// The nginx pods: the Deployment, its pod template, and the ConfigMap of nginx's server config, which
// every other feature's settings shape.

/** The arguments of the nginx pods. */
export interface WorkloadArgs {
    /**
     * nginx image. The default runs as a non-root user on unprivileged ports, so the pods pass the
     * Pod Security Standards `restricted` profile.
     * @default "nginxinc/nginx-unprivileged:1.28.0-alpine"
     * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
     */
    image?: pulumi.Input<string>;
    /**
     * Number of nginx pods. Leave it unset with `autoscaling`: the autoscaler owns the count then.
     * @default 2
     * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
     */
    replicas?: pulumi.Input<number>;
    /**
     * Inject the `<SVC>_SERVICE_HOST`/`_PORT` environment variables of the namespace's Services into the pods.
     * @default true (the Kubernetes default)
     * @see https://kubernetes.io/docs/tutorials/services/connect-applications-service/#environment-variables
     */
    enableServiceLinks?: boolean;
    /**
     * Container requests and limits.
     * @default - 50m/64Mi requested, 500m/128Mi limit
     */
    resources?: Resources;
}

/** What {@link WorkloadArgs} fields left unset are, as their `@default` says. @internal */
export const WORKLOAD_DEFAULTS = {
    image: "nginxinc/nginx-unprivileged:1.28.0-alpine",
    replicas: 2,
    enableServiceLinks: true,
};

/** What {@link Resources} fields left unset are, as their `@default` says. @internal */
export const RESOURCES_DEFAULTS = {
    cpuRequest: "50m",
    memoryRequest: "64Mi",
    cpuLimit: "500m",
    memoryLimit: "128Mi",
};

/** @internal */
export interface WorkloadSettings {
    image: pulumi.Input<string>;
    replicas: pulumi.Input<number>;
    enableServiceLinks: boolean;
    resources: ResourceSettings;
}

/** The pods' arguments with their defaults, checked now or, for an Output, when it resolves. @internal */
export function resolveWorkload(component: string, given: WorkloadArgs): Resolved<WorkloadSettings> {
    const defaults = withDefaults(given, WORKLOAD_DEFAULTS);
    const image = checkInput(component, defaults.image, (v) => checkImage("image", v));
    const replicas = checkInput(component, defaults.replicas, (v) => checkNonNegativeInt("replicas", v));
    const resources = resolveResources("resources", given.resources, RESOURCES_DEFAULTS);
    const problems = [replicas.problem, image.problem, ...resources.problems];
    return {
        settings: { image: image.value, replicas: replicas.value, enableServiceLinks: defaults.enableServiceLinks, resources: resources.settings },
        problems: found(problems),
    };
}

/** Everything the pods are built from: the settings of every feature they carry. @internal */
export type PodSettings = NamingSettings & WorkloadSettings & ServiceSettings & TlsSettings & HeadersSettings & AvailabilitySettings & ContentSettings & MetricsSettings & UpstreamSettings;

/**
 * The pod template's spec. Satisfies the Pod Security Standards `restricted` profile; the root
 * filesystem is read-only, so nginx gets an emptyDir for /tmp, where the unprivileged image keeps its
 * pid file and request buffers. `tlsSecretName` is the Secret to mount, given exactly when
 * `settings.tls.enabled`; `contentConfigMapName` the generated content's ConfigMap, given exactly when
 * `settings.content.files` is set.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 * @internal
 */
export function podSpec(
    settings: PodSettings,
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
        tolerations: nodeFailureTolerations(),
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
                resources: containerResources(settings.resources),
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
 * @internal
 */
export function createWorkload(
    settings: PodSettings,
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

/**
 * What the config is rendered from, picked out of the settings. `upstreamHost` is the upstream's FQDN,
 * required with `upstream` (it may be known only once the name and namespace Outputs resolve).
 * @internal
 */
export function nginxConfigOptions(settings: PodSettings, upstreamHost?: string): NginxConfigOptions {
    const upstream = settings.upstream;
    if (upstream !== undefined && upstreamHost === undefined) {
        throw new Error("nginxConfigOptions: upstream is set but its host was not given");
    }
    return {
        tls: settings.tls.enabled,
        http2: settings.tls.http2,
        redirectHttpToHttps: settings.redirectHttpToHttps,
        httpsPort: settings.httpsPort,
        securityHeaders: settings.securityHeaders,
        hsts: settings.hsts,
        metrics: settings.metrics.enabled,
        statusAllowCidrs: settings.metrics.allowCidrs,
        ipv6: servesIpv6(settings),
        ...(upstream === undefined
            ? {}
            : {
                  upstream: {
                      scheme: upstream.scheme,
                      host: upstreamHost!,
                      port: upstream.port,
                      resolver: upstream.resolver,
                      proxyTimeoutSeconds: upstream.proxyTimeoutSeconds,
                      clientMaxBodySize: upstream.clientMaxBodySize,
                  },
              }),
    };
}

/** The server config of the instance: an Output only when the upstream's name or namespace is one. @internal */
export function serverConfig(settings: PodSettings): pulumi.Input<string> {
    if (settings.upstream === undefined) {
        return renderNginxConfig(nginxConfigOptions(settings));
    }
    return upstreamFqdn(settings).apply((host) => renderNginxConfig(nginxConfigOptions(settings, host)));
}

/**
 * The ConfigMap holding the server config. Auto-named like the TLS Secret: a config change creates a new
 * ConfigMap, the Deployment rolls onto it, and the old one goes last.
 * @internal
 */
export function createConfig(settings: PodSettings, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        `${settings.name}-config`,
        {
            metadata: { namespace: settings.namespace, labels: settings.labels },
            // Immutable: even a provider with enableConfigMapMutable replaces it rather than editing it
            // in place, so a change always reaches the pods through a new name and a rollout (running
            // pods would otherwise pick up a half-applied config at the kubelet's next sync, unreloaded).
            immutable: true,
            data: {
                [CONFIG_FILE_NAME]: serverConfig(settings),
            },
        },
        opts,
    );
}
