import type { NginxServiceArgs, Settings } from "./args";
import { resolveAvailability } from "./availability";
import { NginxServiceArgsError } from "./checks";
import { resolveContent } from "./content";
import { resolveHeaders } from "./headers";
import { resolveMetrics } from "./metrics";
import { resolveNaming } from "./names";
import { resolveNetworkPolicy } from "./networkPolicy";
import { crossFeatureProblems } from "./rules";
import { resolveService } from "./service";
import { resolveTls } from "./tls";
import { resolveUpstream } from "./upstream";
import { resolveWorkload } from "./workload";

/**
 * The settings the component builds from: each feature's arguments resolved by its module (defaults
 * applied, checked), then the rules that span features. Every problem is collected and thrown once, as
 * an {@link NginxServiceArgsError}, before anything is registered, so a user fixes a whole stack in one
 * round. Values that are unknown Outputs are checked, with the same messages, when they resolve.
 * @internal
 */
export function resolveSettings(name: string, args: NginxServiceArgs): Settings {
    const naming = resolveNaming(name, args);
    const features = [
        naming,
        resolveWorkload(name, args),
        resolveService(args),
        resolveHeaders(args),
        resolveTls(name, args.tls),
        resolveAvailability(args.autoscaling),
        resolveNetworkPolicy(args.networkPolicy),
        resolveUpstream(name, args.upstream, naming.settings),
        resolveContent(name, args.content),
        resolveMetrics(name, args.metrics),
    ];
    const settings = Object.assign({}, ...features.map((feature) => feature.settings)) as Settings;
    const problems = [...features.flatMap((feature) => feature.problems), ...crossFeatureProblems(settings, args)];
    if (problems.length > 0) {
        throw new NginxServiceArgsError(name, problems);
    }
    return settings;
}
