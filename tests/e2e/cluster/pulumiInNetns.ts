// The `pulumi` the Automation API runs for the real-cluster suites: the toolchain's CLI inside the
// cluster's network namespace (where the API server's address exists), with the engine's event stream
// carried back out of it.
//
// Why the relay: a CLI newer than 3.205 sends its engine events over gRPC to an address the Automation
// API passes as `--event-log tcp://127.0.0.1:PORT`, where the Automation API listens on the machine's
// loopback. Inside the cluster's namespace 127.0.0.1 is that namespace's own loopback, so without a
// relay the CLI reaches nothing, sends no event and still succeeds: previews report empty change
// summaries and `onEvent` receives nothing. A Unix socket is not bound to a network namespace, so two
// small relays join the two loopbacks through one:
//
//   CLI (netns) → 127.0.0.1:P' (netns relay) → unix socket → 127.0.0.1:PORT (this process, machine)
//
//   node pulumiInNetns.js NETNS_PATH PULUMI_BINARY [pulumi args...]
//   node pulumiInNetns.js --listen-in-netns UNIX_SOCKET      (the netns relay; started by the above)
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const EVENT_LOG = "--event-log";
const LOOPBACK_TCP = /^tcp:\/\/127\.0\.0\.1:(\d+)$/;

/** Where in `args` the CLI is told to stream events to the machine's loopback, if it is. */
export function eventLogTarget(args: string[]): { index: number; port: number; inline: boolean } | undefined {
    for (let i = 0; i < args.length; i++) {
        const inline = args[i].startsWith(`${EVENT_LOG}=`);
        const value = inline ? args[i].slice(EVENT_LOG.length + 1) : args[i] === EVENT_LOG ? args[i + 1] : undefined;
        const m = value === undefined ? null : LOOPBACK_TCP.exec(value);
        if (m !== null) {
            return { index: inline ? i : i + 1, port: Number(m[1]), inline };
        }
    }
    return undefined;
}

/** `args` with the event stream sent to `port` on the loopback instead. */
export function withEventLogPort(args: string[], target: { index: number; inline: boolean }, port: number): string[] {
    const out = [...args];
    out[target.index] = `${target.inline ? `${EVENT_LOG}=` : ""}tcp://127.0.0.1:${port}`;
    return out;
}

/** Pipes every connection `server` accepts to a new connection made by `connect`, both ways. */
function relay(server: net.Server, connect: () => net.Socket): net.Server {
    return server.on("connection", (inbound) => {
        const outbound = connect();
        inbound.pipe(outbound).pipe(inbound);
        const close = () => {
            inbound.destroy();
            outbound.destroy();
        };
        inbound.on("error", close).on("close", close);
        outbound.on("error", close).on("close", close);
    });
}

/** The netns side: listens on a free loopback port, prints it, and relays to the Unix socket until stdin closes. */
function listenInNetns(socketPath: string): void {
    const server = relay(net.createServer(), () => net.connect(socketPath));
    server.listen(0, "127.0.0.1", () => {
        process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
    });
    // The parent holds our stdin open; when it goes, however it went, so do we.
    process.stdin.on("end", () => process.exit(0)).resume();
}

async function main(argv: string[]): Promise<number> {
    if (argv[0] === "--listen-in-netns") {
        listenInNetns(argv[1]);
        return new Promise<number>(() => {});
    }
    const [netnsPath, pulumi, ...args] = argv;
    const nsenter = ["nsenter", `--net=${netnsPath}`];
    const target = eventLogTarget(args);
    let cliArgs = args;
    const cleanups: (() => void)[] = [];
    if (target !== undefined) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-events-"));
        cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
        const socketPath = path.join(dir, "events.sock");
        const machineSide = relay(net.createServer(), () => net.connect(target.port, "127.0.0.1"));
        await new Promise<void>((resolve, reject) => machineSide.once("error", reject).listen(socketPath, resolve));
        cleanups.push(() => machineSide.close());
        const netnsSide = spawn(nsenter[0], [...nsenter.slice(1), process.execPath, __filename, "--listen-in-netns", socketPath], {
            stdio: ["pipe", "pipe", "inherit"],
        });
        cleanups.push(() => netnsSide.kill());
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            netnsSide.stdout!.on("data", (chunk: Buffer) => {
                out += chunk.toString();
                if (out.includes("\n")) {
                    resolve(Number(out.trim()));
                }
            });
            netnsSide.once("exit", (code) => reject(new Error(`the event relay in ${netnsPath} exited (${code}) before it listened`)));
        });
        cliArgs = withEventLogPort(args, target, port);
    }
    const cli = spawn(nsenter[0], [...nsenter.slice(1), pulumi, ...cliArgs], { stdio: "inherit" });
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.on(signal, () => cli.kill(signal));
    }
    const code = await new Promise<number>((resolve) => cli.on("exit", (c, signal) => resolve(c ?? (signal === null ? 1 : 128 + os.constants.signals[signal]))));
    for (const cleanup of cleanups.reverse()) {
        cleanup();
    }
    return code;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error) => {
            console.error(`pulumiInNetns: ${error instanceof Error ? error.message : error}`);
            process.exit(1);
        },
    );
}
