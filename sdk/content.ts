import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { at, checkInput, checkObjectName, found, Problem, Resolved, show } from "./checks";
import { NamingSettings } from "./names";
import { CONTENT_VOLUME } from "./pod";

// The files nginx serves in place of the image's welcome page.

/**
 * The files nginx serves, mounted read-only at the image's document root (`/usr/share/nginx/html`) in
 * place of its welcome page: either `files` from the program, or `configMapName`, an existing
 * ConfigMap. Exactly one of the two.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#using-configmaps-as-files-from-a-pod
 */
export interface Content {
    /**
     * Files to serve, by path under the document root (`index.html`, `css/site.css`) to text. Paths are
     * relative, `/`-separated, of letters, digits, `-`, `_` and `.`, with no `.` or `..` segment; in all
     * at most 1 MiB (the ConfigMap limit). They go into a generated ConfigMap, auto-named and immutable
     * like the config's: a change creates a new one, and the pods roll onto it. No `index.html` is
     * required; without one, `/` answers 403 (nginx lists no directories).
     * @default - none; use `configMapName`
     */
    files?: { [path: string]: string };
    /**
     * Name of an existing ConfigMap in the same namespace; each key is served as a file of that name
     * (keys cannot contain `/`, so these files are all at the top). Its data is not read by the
     * component, so changing it does not roll the pods: the kubelet rewrites the mounted files in the
     * running pods (after its sync period and cache, about a minute by default) and nginx serves
     * whatever is on disk, file by file. For an atomic switch, create a ConfigMap under a new name and
     * change `configMapName`: that rolls the pods.
     * @default - none; use `files`
     * @see https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically
     */
    configMapName?: pulumi.Input<string>;
}

/** @internal */
export interface ContentSettings {
    /** Undefined when `content` is not given: the image's document root. Exactly one field is set (checked). */
    content: { files: { [path: string]: string } | undefined; configMapName: pulumi.Input<string> | undefined } | undefined;
}

/**
 * The API server's limit on a ConfigMap's data: the sum of each key's and value's length in bytes.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#motivation
 * @internal
 */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/**
 * The ConfigMap key of a content path. Keys may hold only letters, digits, `-`, `_` and `.`, so the
 * path's `/` is written `_2F` and, to keep the mapping one-to-one, its `_` is written `_5F`
 * (`css/site.css` → `css_2Fsite.css`); the volume's `items` put each key back at its path.
 * @internal
 */
export function contentKey(path: string): string {
    return path.replace(/_/g, "_5F").replace(/\//g, "_2F");
}

/** The bytes the files take in the ConfigMap, as the API server counts them (keys and values). @internal */
export function contentBytes(files: { [path: string]: string }): number {
    return Object.entries(files).reduce((sum, [path, text]) => sum + Buffer.byteLength(contentKey(path)) + Buffer.byteLength(String(text)), 0);
}

/**
 * The ConfigMap of `content.files`, or undefined when the content is not generated (no `content`, or
 * `content.configMapName`). Auto-named and immutable like the config's: a change of any file creates a
 * new ConfigMap, the pod template names it, and the Deployment rolls onto it; the old one goes last.
 * @internal
 */
export function createContent(settings: NamingSettings & ContentSettings, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap | undefined {
    const files = settings.content?.files;
    if (files === undefined) {
        return undefined;
    }
    return new k8s.core.v1.ConfigMap(
        `${settings.name}-content`,
        {
            metadata: { namespace: settings.namespace, labels: settings.labels },
            immutable: true,
            data: Object.fromEntries(Object.entries(files).map(([path, text]) => [contentKey(path), text])),
        },
        opts,
    );
}

/**
 * The pod volume of the content, or undefined without `content`. Generated files are projected with
 * `items`, each key to its path (nested directories included); an existing ConfigMap is mounted whole,
 * each key a file at the top. Files are 0444: nginx only reads them.
 * @internal
 */
export function contentVolume(settings: ContentSettings, generatedName: pulumi.Input<string> | undefined): k8s.types.input.core.v1.Volume | undefined {
    const content = settings.content;
    if (content === undefined) {
        return undefined;
    }
    if (content.files !== undefined) {
        if (generatedName === undefined) {
            throw new Error("contentVolume: content.files is set but no generated ConfigMap name was given");
        }
        const items = Object.keys(content.files)
            .sort()
            .map((path) => ({ key: contentKey(path), path }));
        return { name: CONTENT_VOLUME.name, configMap: { name: generatedName, items, defaultMode: 0o444 } };
    }
    return { name: CONTENT_VOLUME.name, configMap: { name: content.configMapName!, defaultMode: 0o444 } };
}

// What a ConfigMap key may hold, plus `/` between segments.
const CONTENT_PATH = /^[-._a-zA-Z0-9/]+$/;
const CONFIGMAP_KEY_MAX = 253;

/**
 * One path of `content.files`: relative, `/`-separated, of the characters a ConfigMap key allows, no
 * empty, `.` or `..` segment, and none starting with `..` (the kubelet keeps its own `..data` and
 * `..<timestamp>` entries in the volume and refuses such paths).
 * @internal
 */
export function checkContentPath(path: string): Problem | undefined {
    const field = `content.files[${show(path)}]`;
    const fail = (why: string) => at(field, `content.files path ${show(path)} ${why}`);
    if (path.length === 0) return fail("is empty");
    if (path.startsWith("/")) return fail("must be relative to the document root (no leading '/')");
    if (!CONTENT_PATH.test(path)) return fail("may hold only letters, digits, '-', '_', '.' and '/' (what a ConfigMap key allows, plus '/')");
    const segments = path.split("/");
    if (segments.some((segment) => segment === "")) return fail("has an empty segment (a leading, trailing or doubled '/')");
    if (segments.some((segment) => segment === "." || segment === "..")) return fail("must not have a '.' or '..' segment");
    if (segments.some((segment) => segment.startsWith(".."))) return fail("must not have a segment starting with '..' (the kubelet reserves those names)");
    if (contentKey(path).length > CONFIGMAP_KEY_MAX) return fail(`is too long: its ConfigMap key ${show(contentKey(path))} exceeds ${CONFIGMAP_KEY_MAX} characters`);
    return undefined;
}

/**
 * `content`, and its checks: exactly one of `files` and `configMapName`; each path, each text, no file
 * where another needs a directory, the size. With `upstream` beside it, a cross-feature rule.
 * @internal
 */
export function resolveContent(component: string, given: Content | undefined): Resolved<ContentSettings> {
    if (given === undefined) {
        return { settings: { content: undefined }, problems: [] };
    }
    const configMapName = given.configMapName === undefined ? undefined : checkInput(component, given.configMapName, (v) => checkObjectName("content.configMapName", "ConfigMap", v));
    const settings: ContentSettings = { content: { files: given.files, configMapName: configMapName?.value } };
    const files = given.files;
    if ((files === undefined) === (configMapName === undefined)) {
        const got = files === undefined ? "neither is set" : "both are set";
        return { settings, problems: [at("content", `content must set exactly one of content.files and content.configMapName, ${got}`)] };
    }
    if (configMapName !== undefined) {
        return { settings, problems: found([configMapName.problem]) };
    }
    if (typeof files !== "object" || files === null || Array.isArray(files) || Object.keys(files).length === 0) {
        return { settings, problems: [at("content.files", `content.files must map at least one path to its text, got ${show(files)}`)] };
    }
    const problems: Problem[] = [];
    const paths = Object.keys(files);
    for (const path of paths) {
        const problem = checkContentPath(path);
        if (problem) problems.push(problem);
        if (typeof files[path] !== "string") {
            problems.push(at(`content.files[${show(path)}]`, `content.files[${show(path)}] must be text (a string), got ${pulumi.Output.isInstance(files[path]) ? "an Output" : show(files[path])}`));
        }
    }
    // A path that is also another's directory cannot be both a file and a directory in the volume.
    for (const path of paths) {
        const under = paths.find((other) => other.startsWith(`${path}/`));
        if (under !== undefined) {
            problems.push(at(`content.files[${show(path)}]`, `content.files path ${show(path)} is a file, but ${show(under)} needs it to be a directory`));
        }
    }
    if (problems.length === 0) {
        const bytes = contentBytes(files);
        if (bytes > CONFIGMAP_MAX_BYTES) {
            problems.push(at("content.files", `content.files take ${bytes} bytes (paths and texts), more than a ConfigMap holds (${CONFIGMAP_MAX_BYTES} bytes, 1 MiB): serve larger content from an image or a volume of your own`));
        }
    }
    return { settings, problems };
}
