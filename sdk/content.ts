import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONTENT_VOLUME } from "./pod";
import type { Settings } from "./settings";

/**
 * The API server's limit on a ConfigMap's data: the sum of each key's and value's length in bytes.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#motivation
 */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/**
 * The ConfigMap key of a content path. Keys may hold only letters, digits, `-`, `_` and `.`, so the
 * path's `/` is written `_2F` and, to keep the mapping one-to-one, its `_` is written `_5F`
 * (`css/site.css` → `css_2Fsite.css`); the volume's `items` put each key back at its path.
 */
export function contentKey(path: string): string {
    return path.replace(/_/g, "_5F").replace(/\//g, "_2F");
}

/** The bytes the files take in the ConfigMap, as the API server counts them (keys and values). */
export function contentBytes(files: { [path: string]: string }): number {
    return Object.entries(files).reduce((sum, [path, text]) => sum + Buffer.byteLength(contentKey(path)) + Buffer.byteLength(String(text)), 0);
}

/**
 * The ConfigMap of `content.files`, or undefined when the content is not generated (no `content`, or
 * `content.configMapName`). Auto-named and immutable like the config's: a change of any file creates a
 * new ConfigMap, the pod template names it, and the Deployment rolls onto it; the old one goes last.
 */
export function createContent(settings: Settings, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap | undefined {
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
 */
export function contentVolume(settings: Settings, generatedName: pulumi.Input<string> | undefined): k8s.types.input.core.v1.Volume | undefined {
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
