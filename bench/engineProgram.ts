// The Pulumi program that bench/engine.ts runs with the real engine: `count` NginxService instances of
// the benchmark scenario (stack config `count`), each instance's outputs exported.
import * as pulumi from "@pulumi/pulumi";
import { build } from "./component";
import { instanceName } from "./scenario";

const count = new pulumi.Config().requireNumber("count");

export const instances = Array.from({ length: count }, (_, i) => pulumi.all(build(instanceName(i))));
