// Runs the component's generated nginx configuration in a real nginx (Debian's package), laid out the
// way the pod sees it: the ConfigMap and Secret files where the Deployment mounts them, the image's
// document root, and a top-level nginx.conf in the style of nginxinc/nginx-unprivileged (pid and temp
// files in the writable /tmp, `include /etc/nginx/conf.d/*.conf;` in the http block). Everything lives
// under one temporary directory; container paths become `<root><path>` and container ports become
// free loopback ports, in one small function (rewriteServerConfig) and nowhere else.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { CONFIG_VOLUME, CONTAINER_NAME, DOCUMENT_ROOT, TMP_VOLUME } from "../../sdk/pod";
import { RecordedResource, TYPES, unwrapSecrets } from "../mocks";

export const NGINX = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
/** Debian's nginx-common ships it; the image has the same file at the same place. */
export const MIME_TYPES = "/etc/nginx/mime.types";
const INSTALL_HINT = "install Debian's nginx: apt-get install -y --no-install-recommends nginx";

/** A port the OS just handed out on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** One file of the pod's filesystem: container path, content, mode, and group (fsGroup) if any. */
export interface PodFile {
    path: string;
    content: Buffer;
    mode: number;
    group?: number;
}

/** What the harness needs from the pod spec: its files, directories, ports and user. */
export interface PodLayout {
    files: PodFile[];
    /** Writable directories (emptyDir volumes), such as /tmp. */
    writableDirs: string[];
    /** Mount paths of every volume: the paths the server config may name. */
    mountPaths: string[];
    /** containerPort numbers of the nginx container, by port name. */
    containerPorts: { [name: string]: number };
    runAsUser?: number;
    runAsGroup?: number;
    fsGroup?: number;
}

function findByName(resources: RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.state?.metadata?.name === name);
    if (found.length !== 1) {
        throw new Error(`pod layout: the Deployment mounts ${type} ${JSON.stringify(name)}, found ${found.length} with that name among the registered resources`);
    }
    return found[0];
}

/**
 * Reads the recorded Deployment's pod spec and returns the files its volumes put in the nginx container:
 * each ConfigMap key (or, with `items`, each listed key at its path) and each Secret key (base64-decoded, with the volume's defaultMode) under the mount
 * path, as the kubelet writes them. The ConfigMap and Secret are looked up by the names the Deployment
 * uses, among the recorded resources (created or read with `.get`).
 */
export function podLayout(resources: RecordedResource[]): PodLayout {
    const deployments = resources.filter((r) => r.type === TYPES.deployment);
    if (deployments.length !== 1) {
        throw new Error(`pod layout: expected one Deployment, found ${deployments.length}`);
    }
    const spec = unwrapSecrets(deployments[0].inputs).spec.template.spec;
    const container = spec.containers.find((c: any) => c.name === CONTAINER_NAME) ?? spec.containers[0];
    const layout: PodLayout = {
        files: [],
        writableDirs: [],
        mountPaths: [],
        containerPorts: Object.fromEntries((container.ports ?? []).map((p: any) => [p.name, p.containerPort])),
        runAsUser: container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser,
        runAsGroup: container.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup,
        fsGroup: spec.securityContext?.fsGroup,
    };
    for (const mount of container.volumeMounts ?? []) {
        const volume = spec.volumes.find((v: any) => v.name === mount.name);
        if (volume === undefined) throw new Error(`pod layout: volumeMount ${mount.name} has no volume`);
        layout.mountPaths.push(mount.mountPath);
        if (volume.configMap) {
            const configMap = unwrapSecrets(findByName(resources, TYPES.configMap, volume.configMap.name).state);
            const data: { [key: string]: string } = configMap.data ?? {};
            // With `items`, only the listed keys, each at its own (possibly nested) path; else every key.
            const items: { key: string; path: string; mode?: number }[] = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
            for (const item of items) {
                if (!(item.key in data)) throw new Error(`pod layout: volume ${mount.name} projects key ${item.key}, which ConfigMap ${volume.configMap.name} does not have`);
                layout.files.push({ path: path.posix.join(mount.mountPath, item.path), content: Buffer.from(data[item.key], "utf8"), mode: item.mode ?? volume.configMap.defaultMode ?? 0o644, group: layout.fsGroup });
            }
        } else if (volume.secret) {
            const secret = unwrapSecrets(findByName(resources, TYPES.secret, volume.secret.secretName).state);
            for (const [key, value] of Object.entries<string>(secret.data ?? {})) {
                layout.files.push({ path: path.posix.join(mount.mountPath, key), content: Buffer.from(value, "base64"), mode: volume.secret.defaultMode ?? 0o644, group: layout.fsGroup });
            }
            for (const [key, value] of Object.entries<string>(secret.stringData ?? {})) {
                layout.files.push({ path: path.posix.join(mount.mountPath, key), content: Buffer.from(value, "utf8"), mode: volume.secret.defaultMode ?? 0o644, group: layout.fsGroup });
            }
        } else if (volume.emptyDir) {
            layout.writableDirs.push(mount.mountPath);
        } else {
            throw new Error(`pod layout: volume ${mount.name} is of a kind the harness does not lay out: ${JSON.stringify(volume)}`);
        }
    }
    return layout;
}

/**
 * The only edit made to the generated server config: every container path in `paths` (at the start of a
 * path, as a whole component, outside `location` lines whose arguments are URIs) becomes `<root><path>`,
 * and every `listen` on a container port becomes a listen on 127.0.0.1 (or [::1] for an IPv6 address) at
 * the mapped port. Throws when the config listens
 * on a port that is not mapped, or when a mapped port is never listened on: the Deployment's container
 * ports and the config must agree.
 */
export function rewriteServerConfig(config: string, root: string, paths: string[], ports: { [containerPort: number]: number }): string {
    // One pass over all paths, longest first (/etc/nginx/ssl before /etc/nginx), so a rewritten path
    // (under a root that may itself be in /tmp) is never rewritten again.
    const alternatives = [...paths]
        .sort((a, b) => b.length - a.length)
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("|");
    const pathPattern = new RegExp(`(^|[\\s"'=])(${alternatives})(?=[/\\s;"']|$)`, "g");
    let result = config
        .split("\n")
        // A location's argument is a URI, not a file: `location /tmp` stays as it is.
        .map((line) => (paths.length === 0 || /^\s*location\b/.test(line) ? line : line.replace(pathPattern, (_m, before: string, containerPath: string) => `${before}${path.join(root, containerPath)}`)))
        .join("\n");
    const seen = new Set<number>();
    result = result.replace(/(^|[{;])(\s*listen\s+)(?:(\[[^\]]*\]|[^\s:;]+):)?(\d+)(?=[\s;])/gm, (_m, start: string, directive: string, address: string | undefined, port: string) => {
        const mapped = ports[Number(port)];
        if (mapped === undefined) {
            throw new Error(`rewriteServerConfig: the config listens on port ${port}, which is not a container port (${Object.keys(ports).join(", ")})`);
        }
        seen.add(Number(port));
        return `${start}${directive}${address?.startsWith("[") ? "[::1]" : "127.0.0.1"}:${mapped}`;
    });
    for (const port of Object.keys(ports).map(Number)) {
        if (!seen.has(port)) {
            throw new Error(`rewriteServerConfig: container port ${port} is declared but the config never listens on it`);
        }
    }
    return result;
}

/** The top-level nginx.conf, in the unprivileged image's style, with every path under `root`. */
export function mainConfig(root: string, tmp: string, configDir: string): string {
    return [
        "# Written by tests/harness/nginx.ts after nginxinc/nginx-unprivileged's nginx.conf.",
        "daemon off;",
        "worker_processes 1;",
        `error_log ${path.join(root, tmp, "error.log")} notice;`,
        `pid ${path.join(root, tmp, "nginx.pid")};`,
        "events {",
        "    worker_connections 256;",
        "}",
        "http {",
        `    client_body_temp_path ${path.join(root, tmp, "client_temp")};`,
        `    proxy_temp_path ${path.join(root, tmp, "proxy_temp")};`,
        `    fastcgi_temp_path ${path.join(root, tmp, "fastcgi_temp")};`,
        `    uwsgi_temp_path ${path.join(root, tmp, "uwsgi_temp")};`,
        `    scgi_temp_path ${path.join(root, tmp, "scgi_temp")};`,
        `    include ${path.join(root, "/etc/nginx/mime.types")};`,
        "    default_type application/octet-stream;",
        `    access_log ${path.join(root, tmp, "access.log")};`,
        "    sendfile on;",
        "    keepalive_timeout 65;",
        `    include ${path.join(root, configDir)}/*.conf;`,
        "}",
        "",
    ].join("\n");
}

/** What the image ships at its document root (the tests look for its title). */
export const INDEX_HTML = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n";

export interface StartOptions {
    /**
     * The pod's files, mounts and ports (see {@link podLayout}). The server config is read from the
     * pod's config mount and the image's document root is laid out too, as sdk/pod.ts states them.
     */
    layout: PodLayout;
    /** How long to wait for nginx to accept connections on every port. */
    timeoutMs?: number;
}

export interface RunningNginx {
    root: string;
    pid: number;
    /** Loopback port for each container port name. */
    ports: { [name: string]: number };
    /** The server config as nginx reads it, after rewriteServerConfig. */
    serverConfigs: { [file: string]: string };
    /** Reads a file of the pod by its container path. */
    read(containerPath: string): Buffer;
    errorLog(): string;
    /** What nginx wrote to the container's stdout (where the generated config sends the access log). */
    stdout(): string;
    /** Stops nginx and its workers and removes the directory; safe to call twice. */
    stop(): Promise<void>;
}

const running = new Map<ChildProcess, string>();
function killAll(): void {
    for (const [child, root] of running) {
        try {
            process.kill(-child.pid!, "SIGKILL");
        } catch {
            // already gone
        }
        fs.rmSync(root, { recursive: true, force: true });
    }
}
// Last resort if a test forgot stop(), or the runner interrupts the test process: never leave an nginx
// (and its ports) behind. On a signal, kill them and die of the same signal, as without the handler.
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
        killAll();
        process.kill(process.pid, signal);
    });
}

function canConnect(port: number, host: string): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ port, host });
        socket.setTimeout(500);
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("timeout", () => {
            socket.destroy();
            resolve(false);
        });
        socket.once("error", () => resolve(false));
    });
}

function readIfExists(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
}

/**
 * Lays out the pod under a new temporary directory and starts nginx on free loopback ports, as the pod's
 * user when the tests run as root (the pod runs as a non-root uid with fsGroup), else as the current user.
 * Resolves once every port accepts connections; rejects with nginx's stderr and error log when nginx
 * exits or does not come up, after making sure it is stopped.
 */
export async function startNginx(options: StartOptions): Promise<RunningNginx> {
    if (!fs.existsSync(NGINX)) {
        throw new Error(`nginx not found at ${NGINX}: ${INSTALL_HINT}`);
    }
    if (!fs.existsSync(MIME_TYPES)) {
        throw new Error(`${MIME_TYPES} not found (Debian's nginx-common ships it): ${INSTALL_HINT}`);
    }
    const { layout } = options;
    const asRoot = process.getuid?.() === 0;
    const uid = asRoot ? layout.runAsUser : undefined;
    const gid = asRoot ? (layout.runAsGroup ?? layout.fsGroup) : undefined;
    const tmp = layout.writableDirs.includes(TMP_VOLUME.mountPath) ? TMP_VOLUME.mountPath : layout.writableDirs[0];
    const configDir = CONFIG_VOLUME.mountPath;
    if (tmp === undefined) {
        throw new Error("startNginx: the pod has no writable directory for nginx's pid and temp files");
    }

    const ports: { [name: string]: number } = {};
    const portMap: { [containerPort: number]: number } = {};
    for (const [name, containerPort] of Object.entries(layout.containerPorts)) {
        let port = await freePort();
        // The OS may hand a just-closed port out again; each container port needs its own.
        while (Object.values(ports).includes(port)) port = await freePort();
        ports[name] = port;
        portMap[containerPort] = port;
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "nginx-pod-"));
    fs.chmodSync(root, 0o755);
    const own = (file: string, group?: number) => {
        if (asRoot) fs.chownSync(file, 0, group ?? 0);
    };
    const mkdir = (containerPath: string) => fs.mkdirSync(path.join(root, containerPath), { recursive: true, mode: 0o755 });

    const serverConfigs: { [file: string]: string } = {};
    const mainConf = path.join(root, "/etc/nginx/nginx.conf");
    const errorLogFile = path.join(root, tmp, "error.log");
    try {
        const rewrittenPaths = [...layout.mountPaths, DOCUMENT_ROOT];
        for (const file of layout.files) {
            const target = path.join(root, file.path);
            fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
            let content = file.content;
            if (path.posix.dirname(file.path) === configDir && file.path.endsWith(".conf")) {
                serverConfigs[file.path] = rewriteServerConfig(file.content.toString("utf8"), root, rewrittenPaths, portMap);
                content = Buffer.from(serverConfigs[file.path]);
            }
            fs.writeFileSync(target, content, { mode: file.mode });
            fs.chmodSync(target, file.mode);
            own(target, file.group);
        }
        for (const dir of layout.writableDirs) {
            mkdir(dir);
            fs.chmodSync(path.join(root, dir), 0o777);
        }
        mkdir(DOCUMENT_ROOT);
        // A volume mounted at the document root hides the image's files, as in the container.
        if (!layout.mountPaths.includes(DOCUMENT_ROOT)) {
            fs.writeFileSync(path.join(root, DOCUMENT_ROOT, "index.html"), INDEX_HTML, { mode: 0o644 });
        }
        mkdir("/etc/nginx");
        fs.copyFileSync(MIME_TYPES, path.join(root, "/etc/nginx/mime.types"));
        fs.writeFileSync(mainConf, mainConfig(root, tmp, configDir), { mode: 0o644 });
    } catch (error) {
        // A config the harness cannot rewrite (or a file it cannot write) leaves nothing behind either.
        fs.rmSync(root, { recursive: true, force: true });
        throw error;
    }

    // The container's stdout is a FIFO the runtime reads (which nginx can open as /dev/stdout); a file
    // stands in for it here: a pipe from Node is a socket, which open() refuses.
    const stdoutFile = path.join(root, "container-stdout.log");
    const stdoutFd = fs.openSync(stdoutFile, "a", 0o666);
    // Writable by nginx's uid when it reopens it as /dev/stdout, as the runtime's FIFO is.
    fs.fchmodSync(stdoutFd, 0o666);
    const child = spawn(NGINX, ["-p", root + "/", "-e", errorLogFile, "-c", mainConf], {
        stdio: ["ignore", stdoutFd, "pipe"],
        // Its own process group, so stop() reaches the workers too.
        detached: true,
        ...(uid !== undefined ? { uid } : {}),
        ...(gid !== undefined ? { gid } : {}),
    });
    running.set(child, root);
    let output = "";
    fs.closeSync(stdoutFd);
    child.stderr!.on("data", (chunk) => (output += chunk));
    let exited: string | undefined;
    const exit = new Promise<void>((resolve) => {
        child.once("exit", (code, signal) => {
            exited = signal ?? `exit code ${code}`;
            running.delete(child);
            resolve();
        });
        child.once("error", (error) => {
            exited = `spawn error: ${error.message}`;
            running.delete(child);
            resolve();
        });
    });

    let stopped = false;
    const stop = async () => {
        if (stopped) return;
        stopped = true;
        if (exited === undefined && child.pid !== undefined) {
            try {
                process.kill(-child.pid, "SIGTERM");
            } catch {
                // already gone
            }
            const timer = setTimeout(() => {
                try {
                    process.kill(-child.pid!, "SIGKILL");
                } catch {
                    // already gone
                }
            }, 5000);
            await exit;
            clearTimeout(timer);
        }
        if (child.pid !== undefined) {
            try {
                // Workers of a master that died abnormally would otherwise linger.
                process.kill(-child.pid, "SIGKILL");
            } catch {
                // the group is empty: nothing left
            }
        }
        fs.rmSync(root, { recursive: true, force: true });
    };
    const failure = (why: string) =>
        new Error(
            `nginx did not start (${why}).\n--- ${NGINX} output ---\n${readIfExists(stdoutFile)}${output}--- ${errorLogFile} ---\n${readIfExists(errorLogFile)}--- server config ---\n${Object.values(serverConfigs).join("\n")}`,
        );

    const deadline = Date.now() + (options.timeoutMs ?? 10000);
    const pending = new Set(Object.values(ports));
    while (pending.size > 0) {
        if (exited !== undefined) {
            const error = failure(exited);
            await stop();
            throw error;
        }
        if (Date.now() > deadline) {
            const error = failure(`ports ${[...pending].join(", ")} not accepting connections after ${options.timeoutMs ?? 10000} ms`);
            await stop();
            throw error;
        }
        for (const port of [...pending]) {
            if (await canConnect(port, "127.0.0.1")) pending.delete(port);
        }
        if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
        root,
        pid: child.pid!,
        ports,
        serverConfigs,
        read: (containerPath) => fs.readFileSync(path.join(root, containerPath)),
        errorLog: () => readIfExists(errorLogFile),
        stdout: () => readIfExists(stdoutFile),
        stop,
    };
}
