import { at, isPlain, Problem, show } from "./checks";
import type { NginxServiceArgs, Settings } from "./args";

// The rules that span features: an argument of one feature that means nothing, or breaks, because of
// another's. Each feature's own checks are in its module; these need two.

/**
 * Every cross-feature problem of `given`, whose settings (defaults applied) are `settings`. The raw
 * arguments are needed where a default is indistinguishable from a value the user set.
 * @internal
 */
export function crossFeatureProblems(settings: Settings, given: NginxServiceArgs): Problem[] {
    return [...withoutTls(settings, given), ...portClash(settings), ...replicasWithAutoscaling(given), ...contentWithUpstream(settings), ...upstreamPolicyFields(settings, given)];
}

/** HTTPS arguments with TLS off: there is no HTTPS port, nothing to redirect to, no response to carry HSTS. */
function withoutTls(settings: Settings, given: NginxServiceArgs): Problem[] {
    if (settings.tls.enabled) {
        return [];
    }
    const problems: Problem[] = [];
    if (given.httpsPort !== undefined) {
        problems.push(at("httpsPort", `httpsPort (${show(given.httpsPort)}) is set but tls.enabled is false: there is no HTTPS port`));
    }
    if (settings.nodePorts.https !== undefined) {
        problems.push(at("nodePorts.https", `nodePorts.https (${show(settings.nodePorts.https)}) is set but tls.enabled is false: there is no HTTPS port`));
    }
    if (settings.redirectHttpToHttps) {
        problems.push(at("redirectHttpToHttps", "redirectHttpToHttps is true but tls.enabled is false: there is no HTTPS to redirect to"));
    }
    if (settings.hsts !== undefined) {
        problems.push(at("hsts", `hsts (${show(given.hsts)}) is set but tls.enabled is false: HSTS is sent on HTTPS responses only, and there is no HTTPS`));
    }
    return problems;
}

/** Both Service ports are served when TLS is on, so they must differ. */
function portClash(settings: Settings): Problem[] {
    return settings.tls.enabled && settings.httpPort === settings.httpsPort ? [at("httpsPort", `httpPort and httpsPort must differ, both are ${show(settings.httpPort)}`)] : [];
}

/** Checked as given: replicas may be an Output, and any value would fight the autoscaler. */
function replicasWithAutoscaling(given: NginxServiceArgs): Problem[] {
    if (given.autoscaling === undefined || given.replicas === undefined) {
        return [];
    }
    return [at("replicas", `replicas (${isPlain(given.replicas) ? show(given.replicas) : "an Output"}) is set but autoscaling is set too: the autoscaler owns the replica count, leave replicas unset`)];
}

/**
 * `content` and `upstream` both decide what `location /` does, files or the app: one instance does one.
 * (Static files next to an app are the app's to serve, or a second instance's.)
 */
function contentWithUpstream(settings: Settings): Problem[] {
    if (settings.content === undefined || settings.upstream === undefined) {
        return [];
    }
    const upstream = isPlain(settings.upstream.name) ? ` ${show(settings.upstream.name)}` : "";
    return [at("content", `content and upstream cannot both be set: nginx either serves the files of content or proxies to upstream${upstream}; use two instances for both`)];
}

/** `upstream.podLabels` and `upstream.targetPort` only shape the NetworkPolicy's egress rule. */
function upstreamPolicyFields(settings: Settings, given: NginxServiceArgs): Problem[] {
    if (settings.upstream === undefined || settings.networkPolicy.enabled) {
        return [];
    }
    const policyOnly = (["podLabels", "targetPort"] as const).filter((key) => given.upstream?.[key] !== undefined).map((key) => `upstream.${key}`);
    if (policyOnly.length === 0) {
        return [];
    }
    return [at(policyOnly[0], `${policyOnly.join(", ")} ${policyOnly.length === 1 ? "is" : "are"} set but networkPolicy.enabled is false: ${policyOnly.length === 1 ? "it only shapes" : "they only shape"} the NetworkPolicy`)];
}
