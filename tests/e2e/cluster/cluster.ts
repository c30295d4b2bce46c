// The real single-node cluster of `controlplane.sh start --suite cluster`, seen from a test: every
// command that talks to it (kubectl, curl, pulumi) runs inside the cluster's network namespace, where
// its addresses exist; the test process itself stays in the machine's namespace.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Stack } from "@pulumi/pulumi/automation";
import { CONTROLPLANE_SH, disposeStack, pulumiEnv, PulumiEnv, run, toolchainBin } from "../harness";

export interface CommandResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** What `controlplane.sh start --suite cluster` printed: the namespace, addresses and image references. */
export interface ClusterInfo {
    NETNS: string;
    NODE_NAME: string;
    NODE_IP: string;
    POD_CIDR: string;
    SERVICE_CIDR: string;
    DNS_IP: string;
    LB_POOL: string;
    CLUSTER_DOMAIN: string;
    NGINX_IMAGE: string;
    CLIENT_IMAGE: string;
    /** The multi-node form's (`--nodes N`): comma-separated, node 1 first. */
    NODE_NAMES?: string;
    NODE_IPS?: string;
    NODE_NETNS?: string;
    NODE_ZONES?: string;
    /** The namespace of the client outside a multi-node cluster, and its address. */
    OUTSIDE_NETNS?: string;
    OUTSIDE_IP?: string;
    [key: string]: string | undefined;
}

/** A worker node: its name, address, network namespace and zone label. */
export interface ClusterNode {
    name: string;
    ip: string;
    netns: string;
    zone?: string;
}

export interface StartOptions {
    /** Worker nodes: 1 (the default) is the single-node form, more the multi-node form. */
    nodes?: number;
}

export class RealCluster {
    private stopped = false;

    private constructor(
        readonly bin: string,
        readonly dir: string,
        readonly kubeconfig: string,
        readonly info: ClusterInfo,
        /** Seconds `controlplane.sh start` took. */
        readonly startSeconds: number,
    ) {}

    /**
     * What a test file's `before` does: starts the cluster from the built toolchain and a Pulumi
     * environment inside it, logging how long the start took. Stops the cluster if the environment fails.
     */
    static async startWithPulumi(options: StartOptions = {}): Promise<{ cluster: RealCluster; env: PulumiEnv }> {
        const cluster = RealCluster.start(toolchainBin("cluster"), options);
        console.log(`cluster started in ${cluster.startSeconds.toFixed(1)} s (namespace ${cluster.info.NETNS})`);
        try {
            return { cluster, env: await cluster.pulumiEnv() };
        } catch (error) {
            cluster.stop();
            throw error;
        }
    }

    /** Starts the cluster (stopped by a watchdog if this process dies first). */
    static start(bin: string, options: StartOptions = {}): RealCluster {
        const t0 = Date.now();
        const env = { ...process.env, NGINX_SERVICE_E2E_BIN: bin };
        const nodes = options.nodes ?? 1;
        const result = run("bash", [CONTROLPLANE_SH, "start", "--suite", "cluster", "--nodes", String(nodes), "--owner-pid", String(process.pid)], {
            env,
            timeoutMs: 300_000 + 120_000 * (nodes - 1),
        });
        if (result.status !== 0) {
            throw new Error(`the cluster did not start (exit ${result.status}):\n${result.stderr}`);
        }
        const values: { [key: string]: string } = {};
        for (const line of result.stdout.split("\n")) {
            const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
            if (m) {
                values[m[1]] = m[2];
            }
        }
        for (const key of ["CONTROLPLANE_DIR", "KUBECONFIG", "NETNS", "NODE_IP", "NGINX_IMAGE", "CLIENT_IMAGE"]) {
            if (!values[key]) {
                throw new Error(`controlplane.sh start printed no ${key}=:\n${result.stdout}\n${result.stderr}`);
            }
        }
        return new RealCluster(bin, values.CONTROLPLANE_DIR, values.KUBECONFIG, values as ClusterInfo, (Date.now() - t0) / 1000);
    }

    stop(): void {
        if (this.stopped) {
            return;
        }
        this.stopped = true;
        const result = run("bash", [CONTROLPLANE_SH, "stop", this.dir], { timeoutMs: 180_000 });
        if (result.status !== 0) {
            throw new Error(`controlplane.sh stop failed: ${result.stderr}`);
        }
    }

    /** The worker nodes, node 1 first. */
    get nodes(): ClusterNode[] {
        const { NODE_NAMES, NODE_IPS, NODE_NETNS, NODE_ZONES } = this.info;
        if (!NODE_NAMES || !NODE_IPS || !NODE_NETNS || !NODE_ZONES) {
            return [{ name: this.info.NODE_NAME, ip: this.info.NODE_IP, netns: this.info.NETNS }];
        }
        const [names, ips, netns, zones] = [NODE_NAMES, NODE_IPS, NODE_NETNS, NODE_ZONES].map((v) => v.split(","));
        return names.map((name, i) => ({ name, ip: ips[i], netns: netns[i], zone: zones[i] }));
    }

    node(name: string): ClusterNode {
        const node = this.nodes.find((n) => n.name === name);
        assert.ok(node, `no node ${name} in ${this.nodes.map((n) => n.name)}`);
        return node;
    }

    /** Runs a command inside a network namespace of the cluster (a node's, the outside client's); never throws. */
    execIn(netns: string, command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): CommandResult {
        return run("nsenter", [`--net=/run/netns/${netns}`, command, ...args], options);
    }

    /**
     * Whether kube-proxy in that namespace sends a Service's connections to this pod address: its DNAT
     * rules, in its nftables table (the multi-node form) or in iptables' nat table (the single node).
     */
    proxiesTo(netns: string, podIP: string): boolean {
        const nft = this.execIn(netns, "nft", ["list", "table", "ip", "kube-proxy"]);
        if (nft.status === 0) {
            return nft.stdout.includes(`dnat to ${podIP}:`);
        }
        const r = this.execIn(netns, "iptables-save", ["-t", "nat"]);
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.includes(`--to-destination ${podIP}:`);
    }

    /** For the node-loss drill: node `index` (1-based) goes as a machine that dies (controlplane.sh stop-node). */
    stopNode(index: number): void {
        const r = run("bash", [CONTROLPLANE_SH, "stop-node", this.dir, String(index)], { timeoutMs: 180_000 });
        assert.equal(r.status, 0, r.stderr);
    }

    /** The cluster's network namespace, as `ip netns` names it under /run/netns. */
    get netnsPath(): string {
        return `/run/netns/${this.info.NETNS}`;
    }

    /** The prefix that runs a command inside the cluster's network namespace. */
    get nsenter(): string[] {
        return ["nsenter", `--net=${this.netnsPath}`];
    }

    /** Runs a command inside the cluster's network namespace; never throws on a non-zero exit. */
    exec(command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): CommandResult {
        const [nsenter, ...prefix] = this.nsenter;
        return run(nsenter, [...prefix, command, ...args], options);
    }

    /** kubectl of the cluster's version; throws with kubectl's stderr on failure. */
    kubectl(args: string[], input?: string): string {
        const result = this.kubectlResult(args, input);
        if (result.status !== 0) {
            throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
        }
        return result.stdout;
    }

    kubectlResult(args: string[], input?: string): CommandResult {
        const [command, ...rest] = this.kubectlCommand(args);
        return run(command, rest, { input });
    }

    /** The full command line of a kubectl run in the cluster's namespace, for callers that spawn it themselves. */
    kubectlCommand(args: string[]): string[] {
        return [...this.nsenter, path.join(this.bin, "kubectl"), "--kubeconfig", this.kubeconfig, ...args];
    }

    /** containerd's own client on the node's containerd, in the namespace the CRI uses. */
    ctr(args: string[]): CommandResult {
        return this.exec("ctr", ["--address", path.join(this.dir, "containerd", "containerd.sock"), "-n", "k8s.io", ...args]);
    }

    kubectlJson(args: string[]): any {
        return JSON.parse(this.kubectl([...args, "-o", "json"]));
    }

    /** A namespace whose pods must pass Pod Security restricted, with a control showing it enforces it. */
    restrictedNamespace(name: string): void {
        this.kubectl(["create", "namespace", name]);
        this.kubectl(["label", "namespace", name, "pod-security.kubernetes.io/enforce=restricted", "pod-security.kubernetes.io/enforce-version=latest"]);
        const plain = this.kubectlResult(["-n", name, "run", "psa-control", `--image=${this.info.CLIENT_IMAGE}`, "--restart=Never", "--dry-run=server"]);
        assert.notEqual(plain.status, 0, "a pod without a security context must be rejected");
        assert.match(plain.stderr, /violates PodSecurity "restricted/);
    }

    /**
     * A client pod (curl, openssl, DNS lookups) that passes the restricted profile; waits until Ready.
     * `labels` are what a NetworkPolicy's `podSelector` sees; `nodeName` pins it to a node (so that a
     * drill that takes another node away keeps its client).
     */
    startClient(namespace: string, name = "client", labels: { [key: string]: string } = {}, nodeName?: string): void {
        const manifest = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, namespace, labels },
            spec: {
                ...(nodeName === undefined ? {} : { nodeName }),
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: 1,
                securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        name: "client",
                        image: this.info.CLIENT_IMAGE,
                        // Bounded: the pod ends by itself should a test leave it behind.
                        command: ["sleep", "1800"],
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    },
                ],
                volumes: [{ name: "tmp", emptyDir: {} }],
            },
        };
        this.kubectl(["apply", "-f", "-"], JSON.stringify(manifest));
        this.kubectl(["-n", namespace, "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=90s"]);
    }

    /** Runs a command in the client pod; never throws on a non-zero exit. */
    inClient(namespace: string, args: string[], input?: string, pod = "client"): CommandResult {
        return this.kubectlResult(["-n", namespace, "exec", ...(input === undefined ? [] : ["-i"]), pod, "--", ...args], input);
    }

    /** Writes a file in a pod (e.g. the caCertificatePem output for curl --cacert). */
    writeInPod(namespace: string, file: string, content: string, pod = "client"): void {
        const r = this.inClient(namespace, ["sh", "-c", `cat > ${file}`], content, pod);
        assert.equal(r.status, 0, r.stderr);
    }

    /** `curl` in the client pod: HTTP status (or "000") and curl's exit code. */
    curlInClient(namespace: string, url: string, extra: string[] = []): { code: string; exit: number | null; stderr: string } {
        const r = this.inClient(namespace, ["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", ...extra, url]);
        return { code: r.stdout.trim(), exit: r.status, stderr: r.stderr };
    }

    /** `curl` from the node (the cluster's network namespace). */
    curlFromNode(url: string, extra: string[] = []): { code: string; exit: number | null; body: string; stderr: string } {
        const marker = "\n--http-code:";
        const r = this.exec("curl", ["-sS", "--max-time", "5", "-w", `${marker}%{http_code}`, ...extra, url]);
        const at = r.stdout.lastIndexOf(marker);
        return {
            body: at >= 0 ? r.stdout.slice(0, at) : r.stdout,
            code: at >= 0 ? r.stdout.slice(at + marker.length).trim() : "",
            exit: r.status,
            stderr: r.stderr,
        };
    }

    /** The pods of an instance that are not terminating. */
    podsOf(namespace: string, instance: string): any[] {
        return this
            .kubectlJson(["-n", namespace, "get", "pods", "-l", `app.kubernetes.io/instance=${instance}`])
            .items.filter((p: any) => p.metadata.deletionTimestamp === undefined);
    }

    /** The addresses a Service's EndpointSlices list, sorted; only the ready ones unless `all`. */
    endpointAddresses(namespace: string, service: string, all = false): string[] {
        return this.kubectlJson(["-n", namespace, "get", "endpointslices", "-l", `kubernetes.io/service-name=${service}`])
            .items.flatMap((s: any) => (s.endpoints ?? []).filter((e: any) => all || e.conditions?.ready).flatMap((e: any) => e.addresses))
            .sort();
    }

    /** containerd's id of a pod's first container. */
    containerId(pod: any): string {
        return String(pod.status.containerStatuses[0].containerID).replace(/^containerd:\/\//, "");
    }

    /** The host pid of a pod's first container, from containerd (the node's view of the process). */
    containerPid(pod: any): number {
        const r = this.ctr(["tasks", "ls"]);
        const line = r.stdout.split("\n").find((l) => l.startsWith(this.containerId(pod)));
        assert.ok(line, `containerd runs no task ${this.containerId(pod)}:\n${r.stdout}${r.stderr}`);
        return Number(line.trim().split(/\s+/)[1]);
    }

    /**
     * The environment containerd started a pod's first container with (its OCI spec). nginx rewrites
     * its own environment block for its process title, so /proc/PID/environ cannot tell.
     */
    containerEnv(pod: any): string[] {
        const r = this.ctr(["containers", "info", this.containerId(pod)]);
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout).Spec.process.env;
    }

    /** For the fault drills: stops one process of the running cluster (e.g. `cloud-controller`, `kube-apiserver`). */
    stopProcess(name: string): void {
        this.processCtl("stop-process", name);
    }

    /** Starts a process stopped by {@link stopProcess} again, with its first command line. */
    startProcess(name: string): void {
        this.processCtl("start-process", name);
    }

    private processCtl(verb: string, name: string): void {
        const r = run("bash", [CONTROLPLANE_SH, verb, this.dir, name]);
        assert.equal(r.status, 0, r.stderr);
    }

    /**
     * Writes into `dir` a `pulumi` and a `kubectl` that run the toolchain's binaries inside the cluster's
     * namespace: `pulumi` through pulumiInNetns.ts, which carries the engine's event stream back out.
     */
    writeWrappers(dir: string): void {
        const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
        const wrapper = (name: string, argv: string[]) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\nexec ${argv.map(quote).join(" ")} "$@"\n`, { mode: 0o755 });
        wrapper("pulumi", [process.execPath, path.join(__dirname, "pulumiInNetns.js"), this.netnsPath, path.join(this.bin, "pulumi")]);
        wrapper("kubectl", [...this.nsenter, path.join(this.bin, "kubectl")]);
    }

    /**
     * A hermetic Pulumi environment whose CLI runs inside the cluster's namespace: `PulumiCommand`
     * gets a root whose bin/pulumi is {@link writeWrappers}'s, so the engine, language host and
     * providers all start there. Its cleanup removes that root too.
     */
    async pulumiEnv(): Promise<PulumiEnv> {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-service-e2e-pulumi-ns-"));
        fs.mkdirSync(path.join(root, "bin"));
        this.writeWrappers(path.join(root, "bin"));
        const env = await pulumiEnv(this.bin, this.kubeconfig, root);
        return {
            ...env,
            cleanup: () => {
                env.cleanup();
                fs.rmSync(root, { recursive: true, force: true });
            },
        };
    }
}

/**
 * The machine's own network configuration: addresses, routes and firewall rules of the root network
 * namespace (counters stripped), to compare before the cluster starts and after it stops.
 */
export function rootNetworkState(): string {
    const parts: string[] = [];
    const add = (label: string, command: string, args: string[]) => {
        const r = run(command, args);
        parts.push(`## ${label} (exit ${r.status})\n${r.stdout}`);
    };
    const addrs = run("ip", ["-o", "addr", "show"]);
    // Lifetimes of autoconfigured addresses count down; the addresses themselves are what matters.
    parts.push(`## ip addr (exit ${addrs.status})\n${addrs.stdout.replace(/(valid|preferred)_lft \S+/g, "")}`);
    add("ip link", "ip", ["-o", "link", "show"]);
    add("ip route", "ip", ["route", "show", "table", "all"]);
    add("ip -6 route", "ip", ["-6", "route", "show", "table", "all"]);
    add("ip netns", "ip", ["netns", "list"]);
    add("nft", "nft", ["list", "ruleset"]);
    // kube-router's firewall keeps its sets in the cluster's namespace (ipsets are per network namespace).
    add("ipset", "ipset", ["list"]);
    const iptables = run("iptables-save", []);
    parts.push(`## iptables-save (exit ${iptables.status})\n${stripCounters(iptables.stdout)}`);
    return parts.join("\n");
}

function stripCounters(save: string): string {
    return save
        .split("\n")
        .filter((l) => !l.startsWith("#"))
        .map((l) => l.replace(/\[\d+:\d+\]/g, "[0:0]"))
        .join("\n");
}

/** Sets config values and runs `pulumi up`, which must succeed: its outputs' values and how long it took. */
export async function upWith(stack: Stack, config: { [key: string]: string } = {}): Promise<{ seconds: number; outputs: Record<string, any> }> {
    for (const [key, value] of Object.entries(config)) {
        await stack.setConfig(key, { value });
    }
    const t0 = Date.now();
    const result = await stack.up();
    assert.equal(result.summary.result, "succeeded");
    return { seconds: (Date.now() - t0) / 1000, outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])) };
}

/**
 * What a test file's `after` does, for whatever `before` got to start: destroys and removes the stacks,
 * stops the cluster, and removes the Pulumi environment even if the rest failed.
 */
export async function stopWithPulumi(cluster: RealCluster | undefined, env: PulumiEnv | undefined, ...stacks: (Stack | undefined)[]): Promise<void> {
    try {
        for (const stack of stacks) {
            await disposeStack(stack);
        }
        cluster?.stop();
    } finally {
        env?.cleanup();
    }
}
