// A small static site served over HTTPS: the files are given in the program and mounted read-only
// as nginx's document root. Change any of them (`pulumi config set headline "..."`) and `pulumi up`
// rolls the pods onto the new files, one by one, none unavailable. stub_status answers on each pod's
// port 8081 to the pod itself and to `statusAllowCidrs` (`pulumi config set --path statusAllowCidrs[0] 10.244.0.0/16`); `pulumi config set exporterImage nginx/nginx-prometheus-exporter:1.4.0` adds the
// Prometheus exporter sidecar and the scrape annotations. `pulumi config set contentConfigMap <name>`
// serves an existing ConfigMap of that namespace instead of the files below.
import * as pulumi from "@pulumi/pulumi";
import { NginxService } from "../../sdk";

const config = new pulumi.Config();
const headline = config.get("headline") ?? "Hello from nginx-service";
const exporterImage = config.get("exporterImage");
const contentConfigMap = config.get("contentConfigMap");

const site = new NginxService("static-site", {
    namespace: config.get("namespace"),
    image: config.get("image"),
    content: contentConfigMap !== undefined ? { configMapName: contentConfigMap } : {
        files: {
            "index.html": `<!DOCTYPE html>\n<html>\n<head>\n<title>${headline}</title>\n<link rel="stylesheet" href="/css/site.css">\n</head>\n<body>\n<h1>${headline}</h1>\n</body>\n</html>\n`,
            "css/site.css": "body { font-family: sans-serif; margin: 4rem auto; max-width: 40rem; }\n",
            "robots.txt": "User-agent: *\nDisallow:\n",
        },
    },
    metrics: {
        // Who may read stub_status at a pod's IP besides the pod itself (the exporter), e.g. the pod network.
        allowCidrs: config.getObject<string[]>("statusAllowCidrs"),
        ...(exporterImage === undefined ? {} : { exporter: { image: exporterImage } }),
    },
});

export const clusterDnsName = site.clusterDnsName;
export const urls = site.urls;
/** The trust anchor clients pass to `curl --cacert`; it outlives rotations of the serving certificate. */
export const caCertificatePem = site.caCertificatePem;
