// The Pulumi program that bench/engine.ts runs with the real engine: `count` NginxService instances of
// the benchmark scenario (stack config `count`), each instance's outputs exported. Stack config `image`,
// when set, is the component's `image` (the real cluster's locally built one: nothing is pulled there);
// unset, the component's default.
import * as pulumi from "@pulumi/pulumi";
import { build } from "./component";
import { instanceName } from "./scenario";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const image = config.get("image");

// Fail in minutes rather than after the provider's 10-minute default when the cluster cannot make pods
// Ready, so a broken round costs little; no successful step comes near it. Timeouts are options, not
// inputs: no effect on the measured diff or on a run that succeeds.
const failFast: pulumi.ResourceTransformation = (args) =>
    args.type === "kubernetes:apps/v1:Deployment" || args.type === "kubernetes:core/v1:Service"
        ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { customTimeouts: { create: "3m", update: "3m" } }) }
        : undefined;

export const instances = Array.from({ length: count }, (_, i) => pulumi.all(build(instanceName(i), { transformations: [failFast] }, image === undefined ? {} : { image })));
