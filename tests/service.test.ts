// The Service: ports, exposure, load-balancer options per cloud, await behaviour, outputs helpers.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService, NginxServiceArgs } from "../sdk";
import { serviceAnnotations, servesIpv6, SKIP_AWAIT_ANNOTATION, url } from "../sdk/service";
import { resolveSettings } from "../sdk/settings";

async function serviceOf(name: string, args: NginxServiceArgs) {
    return (await mocks.deployed(new NginxService(name, args))).one(TYPES.service).inputs;
}

describe("internal load balancers", () => {
    const expected: [string, string, string][] = [
        ["aws", "service.beta.kubernetes.io/aws-load-balancer-internal", "true"],
        ["aws", "service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"],
        ["gcp", "networking.gke.io/load-balancer-type", "Internal"],
        ["azure", "service.beta.kubernetes.io/azure-load-balancer-internal", "true"],
    ];
    for (const [cloud, key, value] of expected) {
        test(`${cloud}: ${key}=${value}`, () => {
            const annotations = serviceAnnotations(resolveSettings("lb", { serviceType: "LoadBalancer", loadBalancer: { internal: true, cloud: cloud as any } }));
            assert.equal(annotations[key], value);
        });
    }

    test("tencent: the subnet annotation the user gives makes it internal, and nothing is added to it", () => {
        const subnet = "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid";
        const annotations = serviceAnnotations(
            resolveSettings("lb", { serviceType: "LoadBalancer", loadBalancer: { internal: true, cloud: "tencent", annotations: { [subnet]: "subnet-abc" } } }),
        );
        assert.deepEqual(annotations, { [subnet]: "subnet-abc", "pulumi.com/timeoutSeconds": "600" });
    });

    test("a cloud without internal adds nothing", () => {
        const annotations = serviceAnnotations(resolveSettings("lb", { serviceType: "LoadBalancer", loadBalancer: { cloud: "gcp" } }));
        assert.deepEqual(annotations, { "pulumi.com/timeoutSeconds": "600" });
    });

    test("the user's loadBalancer.annotations win over the internal ones, serviceAnnotations lose to both", () => {
        const annotations = serviceAnnotations(
            resolveSettings("lb", {
                serviceType: "LoadBalancer",
                serviceAnnotations: { "networking.gke.io/load-balancer-type": "External", team: "web" },
                loadBalancer: { internal: true, cloud: "gcp", annotations: { "cloud.google.com/l4-rbs": "enabled" } },
            }),
        );
        assert.equal(annotations["networking.gke.io/load-balancer-type"], "Internal");
        assert.equal(annotations["cloud.google.com/l4-rbs"], "enabled");
        assert.equal(annotations.team, "web");
    });
});

describe("the LoadBalancer Service", () => {
    test("source ranges, traffic policy and class reach the spec", async () => {
        const spec = (
            await serviceOf("lb-spec", {
                serviceType: "LoadBalancer",
                loadBalancer: { sourceRanges: ["203.0.113.0/24"], externalTrafficPolicy: "Local", loadBalancerClass: "example.com/lb" },
            })
        ).spec;
        assert.deepEqual(spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
        assert.equal(spec.externalTrafficPolicy, "Local");
        assert.equal(spec.loadBalancerClass, "example.com/lb");
    });

    test("awaitAddress false skips pulumi-kubernetes' wait; otherwise it waits timeoutSeconds", async () => {
        const skipped = await serviceOf("lb-skip", { serviceType: "LoadBalancer", loadBalancer: { awaitAddress: false } });
        assert.equal(skipped.metadata.annotations["pulumi.com/skipAwait"], "true");
        assert.equal(skipped.metadata.annotations["pulumi.com/timeoutSeconds"], undefined);
        const waited = await serviceOf("lb-wait", { serviceType: "LoadBalancer", loadBalancer: { timeoutSeconds: 120 } });
        assert.equal(waited.metadata.annotations["pulumi.com/skipAwait"], undefined);
        assert.equal(waited.metadata.annotations["pulumi.com/timeoutSeconds"], "120");
    });

    test("a ClusterIP or NodePort Service carries no load-balancer annotation, and skips pulumi-kubernetes' wait", async () => {
        for (const [name, serviceType] of [["np-plain", "NodePort"], ["cip-plain", "ClusterIP"]] as const) {
            const svc = await serviceOf(name, { serviceType, serviceAnnotations: { team: "web" } });
            assert.deepEqual(svc.metadata.annotations, { [SKIP_AWAIT_ANNOTATION]: "true", team: "web" });
            assert.equal(svc.spec.loadBalancerSourceRanges, undefined);
        }
    });

    test("serviceAnnotations can turn the wait of a ClusterIP or NodePort Service back on", async () => {
        for (const [name, serviceType] of [["np-wait", "NodePort"], ["cip-wait", "ClusterIP"]] as const) {
            const svc = await serviceOf(name, { serviceType, serviceAnnotations: { [SKIP_AWAIT_ANNOTATION]: "false" } });
            assert.equal(svc.metadata.annotations[SKIP_AWAIT_ANNOTATION], "false");
        }
    });

    test("a LoadBalancer Service gets no skipAwait from the component (it waits for its address); one the user sets is kept", () => {
        const plain = serviceAnnotations(resolveSettings("lb", { serviceType: "LoadBalancer" }));
        assert.equal(plain[SKIP_AWAIT_ANNOTATION], undefined);
        const own = serviceAnnotations(resolveSettings("lb", { serviceType: "LoadBalancer", serviceAnnotations: { [SKIP_AWAIT_ANNOTATION]: "true" } }));
        assert.equal(own[SKIP_AWAIT_ANNOTATION], "true");
    });

    test("the selector is the pods' selector labels", async () => {
        const svc = await serviceOf("sel", {});
        assert.deepEqual(svc.spec.selector, { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/instance": "sel" });
    });
});

describe("IP families", () => {
    test("unset: the Service spec has neither field, so the cluster's defaults stand (and existing stacks see no diff)", async () => {
        const svc = await serviceOf("fam-unset", {});
        assert.equal("ipFamilies" in svc.spec, false);
        assert.equal("ipFamilyPolicy" in svc.spec, false);
    });

    test("given: passed to the Service as they are, primary family first", async () => {
        const svc = await serviceOf("fam-dual", { ipFamilies: ["IPv6", "IPv4"], ipFamilyPolicy: "RequireDualStack" });
        assert.deepEqual(svc.spec.ipFamilies, ["IPv6", "IPv4"]);
        assert.equal(svc.spec.ipFamilyPolicy, "RequireDualStack");
    });

    test("nginx listens on IPv6 when the Service may get an IPv6 address, and only then", () => {
        const cases: [NginxServiceArgs, boolean][] = [
            [{}, false],
            [{ ipFamilies: ["IPv4"] }, false],
            [{ ipFamilyPolicy: "SingleStack" }, false],
            [{ ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack" }, false],
            [{ ipFamilies: ["IPv6"] }, true],
            [{ ipFamilies: ["IPv4", "IPv6"], ipFamilyPolicy: "PreferDualStack" }, true],
            // A dual-stack policy adds the cluster's other family, whichever is listed.
            [{ ipFamilies: ["IPv4"], ipFamilyPolicy: "RequireDualStack" }, true],
            [{ ipFamilyPolicy: "PreferDualStack" }, true],
        ];
        for (const [args, expected] of cases) {
            assert.equal(servesIpv6(resolveSettings("fam", args)), expected, JSON.stringify(args));
        }
    });
});

describe("url", () => {
    test("omits default ports and brackets IPv6 hosts", () => {
        assert.equal(url("https", "a.b", 443), "https://a.b");
        assert.equal(url("http", "a.b", 8080), "http://a.b:8080");
        assert.equal(url("https", "2001:db8::1", 8443), "https://[2001:db8::1]:8443");
    });
});
