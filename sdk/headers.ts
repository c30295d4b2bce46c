import { checkBoolean, checkNonNegativeInt, found, Problem, Resolved, withDefaults } from "./checks";

// What the HTTP responses carry besides the content: the redirect to HTTPS, HSTS and the security
// headers. No resource of its own: the nginx config renders them.

/**
 * HTTP Strict Transport Security: browsers that have seen the header over HTTPS refuse plain HTTP (and
 * certificate errors they could otherwise click through) for the host until it expires. Sent on HTTPS
 * responses only: RFC 6797 8.1 has browsers ignore it over HTTP.
 * @see https://datatracker.ietf.org/doc/html/rfc6797
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security
 */
export interface Hsts {
    /**
     * How long browsers remember to use HTTPS only (`max-age`), in seconds; 0 tells them to forget it.
     * @default 31536000
     */
    maxAgeSeconds?: number;
    /**
     * Also applies to every subdomain of the host (`includeSubDomains`).
     * @default false
     */
    includeSubDomains?: boolean;
}

/** What {@link Hsts} fields left unset are, as their `@default` says. @internal */
export const HSTS_DEFAULTS = {
    maxAgeSeconds: 31536000,
    includeSubDomains: false,
};

/** The arguments that shape the responses' headers. */
export interface HeadersArgs {
    /**
     * Answer plain HTTP with a permanent redirect (308) to HTTPS; `/healthz` keeps answering on HTTP.
     * @default false (like the tutorial, port 80 serves too)
     */
    redirectHttpToHttps?: boolean;
    /**
     * Send `Strict-Transport-Security` on every HTTPS response (errors too); never on plain HTTP. Off by
     * default because the default certificate is self-signed: a browser that has seen HSTS for a host
     * will not let its user past a certificate it does not trust. Needs `tls.enabled`.
     * @default - no HSTS header
     * @see https://datatracker.ietf.org/doc/html/rfc6797
     */
    hsts?: Hsts;
    /**
     * Send `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
     * `Referrer-Policy: strict-origin-when-cross-origin` on every response, HTTP and HTTPS, errors and
     * `/healthz` included. `false` sends none of them (for content that must be framed by other sites,
     * say).
     * @default true
     * @see https://owasp.org/www-project-secure-headers/
     */
    securityHeaders?: boolean;
}

/** What {@link HeadersArgs} fields left unset are, as their `@default` says. @internal */
export const HEADERS_DEFAULTS = {
    redirectHttpToHttps: false,
    securityHeaders: true,
};

/** @internal */
export interface HeadersSettings {
    redirectHttpToHttps: boolean;
    /** Undefined when `hsts` is not given: no header. */
    hsts: { maxAgeSeconds: number; includeSubDomains: boolean } | undefined;
    securityHeaders: boolean;
}

/** The headers' arguments with their defaults, and their checks; HSTS without TLS is a cross-feature rule. @internal */
export function resolveHeaders(given: HeadersArgs): Resolved<HeadersSettings> {
    const settings: HeadersSettings = {
        ...withDefaults(given, HEADERS_DEFAULTS),
        hsts: given.hsts === undefined ? undefined : withDefaults(given.hsts, HSTS_DEFAULTS),
    };
    const problems: (Problem | undefined)[] = [checkBoolean("securityHeaders", settings.securityHeaders)];
    if (settings.hsts !== undefined) {
        problems.push(checkNonNegativeInt("hsts.maxAgeSeconds", settings.hsts.maxAgeSeconds));
        problems.push(checkBoolean("hsts.includeSubDomains", settings.hsts.includeSubDomains));
    }
    return { settings, problems: found(problems) };
}
