// nginx in front of your app: an NginxService terminates HTTPS and reverse-proxies to the app's
// Service by name. The app here is a small nginx that answers every request with what it received
// (method, path and the X-Forwarded-* headers), so the proxying can be seen with curl; put your own
// Deployment and Service in its place.
//
// The upstream is named by a plain string, not by the app Service's `metadata.name` Output: nginx
// resolves it when requests come, so the front does not wait for the app, answers 502 until the app's
// Service exists, and is not rolled when the app changes. (`deployApp: false` deploys the front alone.)
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../sdk";

const config = new pulumi.Config();
const namespace = config.get("namespace");
const image = config.get("image") ?? "nginxinc/nginx-unprivileged:1.28.0-alpine";

const APP = "app";
const FRONT = "web";
const APP_PORT = 8080;
const appLabels = { "app.kubernetes.io/name": "echo-app" };

if (config.getBoolean("deployApp") ?? true) {
    const appConfig = new k8s.core.v1.ConfigMap("app-config", {
        metadata: { namespace },
        data: {
            "default.conf": [
                `server {`,
                `    listen ${APP_PORT};`,
                `    location / {`,
                `        default_type text/plain;`,
                `        return 200 "app: $request_method $request_uri\\nhost: $host\\nx-forwarded-for: $http_x_forwarded_for\\nx-forwarded-proto: $http_x_forwarded_proto\\nx-forwarded-host: $http_x_forwarded_host\\n";`,
                `    }`,
                `}`,
                ``,
            ].join("\n"),
        },
    });
    const app = new k8s.apps.v1.Deployment("app", {
        metadata: { name: APP, namespace, labels: appLabels },
        spec: {
            replicas: 1,
            selector: { matchLabels: appLabels },
            template: {
                metadata: { labels: appLabels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "app",
                            image,
                            ports: [{ name: "http", containerPort: APP_PORT }],
                            readinessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5 },
                            livenessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 5, periodSeconds: 10 },
                            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            volumeMounts: [
                                { name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "config", configMap: { name: appConfig.metadata.name } },
                        { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                    ],
                },
            },
        },
    });
    new k8s.core.v1.Service("app", {
        metadata: { name: APP, namespace, labels: appLabels },
        spec: { selector: appLabels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    }, { dependsOn: [app] });
    // The app accepts only nginx's pods, on its port, and reaches nothing (it needs nothing).
    new k8s.networking.v1.NetworkPolicy("app", {
        metadata: { name: APP, namespace, labels: appLabels },
        spec: {
            podSelector: { matchLabels: appLabels },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": FRONT } } }], ports: [{ port: APP_PORT, protocol: "TCP" }] }],
            egress: [],
        },
    });
}

const web = new NginxService(FRONT, {
    namespace,
    image,
    replicas: config.getNumber("replicas"),
    redirectHttpToHttps: true,
    upstream: {
        name: APP,
        port: 80,
        // The NetworkPolicy lets nginx reach only the app's pods, on the port they listen on.
        targetPort: APP_PORT,
        podLabels: appLabels,
        resolver: config.get("resolver"),
        clientMaxBodySize: "10m",
    },
});

export const urls = web.urls;
export const clusterDnsName = web.clusterDnsName;
/** The trust anchor clients pass to `curl --cacert`; it outlives rotations of the serving certificate. */
export const caCertificatePem = web.caCertificatePem;
