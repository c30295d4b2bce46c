// What the data-plane benchmark (bench/dataplane.ts) reads from its load generators: Debian's
// `openssl s_time`, nghttp2's `h2load` and curl. Parsing only; the commands are run by dataplane.ts.

/** `openssl s_time`: connections made, and how many of them resumed a session (its `r` marks, `*` is a full handshake). */
export interface STimeResult {
    connections: number;
    resumed: number;
}

export function parseSTime(stdout: string): STimeResult {
    const total = /^(\d+) connections in [\d.]+s;/m.exec(stdout);
    if (total === null) {
        throw new Error(`openssl s_time printed no "N connections in" line:\n${stdout.slice(-1000)}`);
    }
    // The progress marks are lines of `*` and `r` only, one mark per connection.
    const marks = stdout
        .split("\n")
        .filter((line) => /^[*r]+$/.test(line.trim()))
        .join("");
    return { connections: Number(total[1]), resumed: [...marks].filter((c) => c === "r").length };
}

/** `h2load`'s summary: the protocol ALPN chose and the requests it counted (after the warm-up). */
export interface H2loadResult {
    /** "h2", "http/1.1", or undefined when none was negotiated. */
    protocol?: string;
    seconds: number;
    requestsPerSecond: number;
    succeeded: number;
    failed: number;
    errored: number;
}

export function parseH2load(stdout: string): H2loadResult {
    const protocol = /^Application protocol: (\S+)/m.exec(stdout)?.[1];
    const finished = /^finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/m.exec(stdout);
    const requests = /^requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/m.exec(stdout);
    if (finished === null || requests === null) {
        throw new Error(`h2load printed no summary:\n${stdout.slice(-1500)}`);
    }
    return {
        protocol,
        seconds: Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1),
        requestsPerSecond: Number(finished[3]),
        succeeded: Number(requests[1]),
        failed: Number(requests[2]),
        errored: Number(requests[3]),
    };
}

/** `h2load --log-file`: one line per request, tab-separated start (µs since epoch), status, duration (µs). The durations in ms. */
export function parseH2loadLog(tsv: string): number[] {
    return tsv
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => Number(line.split("\t")[2]) / 1000)
        .filter((ms) => Number.isFinite(ms));
}

/** The `-w` format of the handshake-latency curl runs: TCP connected, TLS done (seconds since start), HTTP status. */
export const CURL_HANDSHAKE_FORMAT = "%{stderr}%{time_connect} %{time_appconnect} %{http_code}\\n";

/** The TLS handshake of each curl transfer in ms (time_appconnect - time_connect); throws on any non-200. */
export function parseCurlHandshakes(lines: string): number[] {
    const rows = lines
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => /^[\d.]+ [\d.]+ \d{3}$/.test(line))
        .map((line) => line.split(" "));
    const bad = rows.filter((r) => r[2] !== "200");
    if (bad.length > 0) {
        throw new Error(`curl got ${bad.length} answers other than 200 (first: ${bad[0][2]})`);
    }
    return rows.map((r) => (Number(r[1]) - Number(r[0])) * 1000);
}

/** CPU time (user + system, in clock ticks) of a process, from /proc/PID/stat. */
export function cpuTicks(stat: string): number {
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    return Number(rest[11]) + Number(rest[12]);
}
