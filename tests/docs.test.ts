// The README and docs/ point at each other and at files of the repository; a file moved or a heading
// renamed must not leave a link that leads nowhere.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";

const REPO = path.resolve(__dirname, "..", "..");

/** The README and every document under docs/, as paths relative to the repository. */
function documents(): string[] {
    const docs = fs
        .readdirSync(path.join(REPO, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join("docs", f));
    return ["README.md", ...docs];
}

/** Markdown text without fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
    return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Targets of inline links `[text](target)` that stay in the repository (no scheme). */
function relativeLinks(markdown: string): string[] {
    const targets = [...prose(markdown).matchAll(/\]\(([^()\s]+)\)/g)].map((m) => m[1]);
    return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
function anchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, "")
        .replace(/ /g, "-");
}

/** The anchors a Markdown file's headings get. */
function anchors(markdown: string): Set<string> {
    const headings = [...markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "").matchAll(/^#{1,6} +(.+?) *#*$/gm)];
    return new Set(headings.map((m) => anchor(m[1])));
}

describe("links in README.md and docs/", () => {
    test("GitHub's anchors, as the links use them", () => {
        assert.equal(anchor("What happens when..."), "what-happens-when");
        assert.equal(anchor("NetworkPolicy: kube-router's firewall"), "networkpolicy-kube-routers-firewall");
        assert.equal(anchor("Where the time goes at N = 20"), "where-the-time-goes-at-n--20");
        assert.equal(anchor("The real engine against a real API server: `npm run test:e2e`"), "the-real-engine-against-a-real-api-server-npm-run-teste2e");
    });

    test("the link finder sees relative links, and not URLs or code", () => {
        const text = "[a](docs/x.md) [b](https://example.com/) [c](#here)\n`[d](no.md)`\n```\n[e](no.md)\n```\n";
        assert.deepEqual(relativeLinks(text), ["docs/x.md", "#here"]);
    });

    for (const doc of documents()) {
        test(`every relative link of ${doc} leads to a file and, with #, to a heading in it`, () => {
            const text = fs.readFileSync(path.join(REPO, doc), "utf8");
            const links = relativeLinks(text);
            assert.ok(links.length > 0, `${doc} links to nothing`);
            const broken = links.filter((link) => {
                const [file, fragment] = link.split("#", 2);
                const target = file === "" ? path.join(REPO, doc) : path.resolve(path.dirname(path.join(REPO, doc)), file);
                if (!target.startsWith(REPO + path.sep) || !fs.existsSync(target)) return true;
                if (fragment === undefined || !target.endsWith(".md")) return false;
                return !anchors(fs.readFileSync(target, "utf8")).has(fragment);
            });
            assert.deepEqual(broken, []);
        });
    }
});
