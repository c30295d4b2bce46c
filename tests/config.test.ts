// The rendered nginx server config. tests/dataplane.test.ts runs it in a real nginx; these tests pin
// the decisions in it.
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { installMocks, TYPES } from "./mocks";

const mocks = installMocks();

import { NginxService } from "../sdk";
import { renderNginxConfig } from "../sdk/config";

const blocks = (conf: string) => conf.split(/^server \{$/m).slice(1);

describe("renderNginxConfig", () => {
    test("HTTP and HTTPS servers on the container's unprivileged ports, TLS 1.2 and 1.3 only", () => {
        const conf = renderNginxConfig({ tls: true, redirectHttpToHttps: false, httpsPort: 443 });
        const [http, https] = blocks(conf);
        assert.match(http, /^\s*listen 8080;$/m);
        assert.match(https, /^\s*listen 8443 ssl;$/m);
        assert.match(https, /^\s*ssl_certificate \/etc\/nginx\/ssl\/tls\.crt;$/m);
        assert.match(https, /^\s*ssl_certificate_key \/etc\/nginx\/ssl\/tls\.key;$/m);
        assert.match(https, /^\s*ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
        assert.doesNotMatch(conf, /TLSv1(\.1)?[ ;]/, "no TLS 1.0 or 1.1 anywhere");
    });

    test("/healthz answers on both servers", () => {
        const [http, https] = blocks(renderNginxConfig({ tls: true, redirectHttpToHttps: true, httpsPort: 443 }));
        for (const server of [http, https]) {
            assert.match(server, /location = \/healthz \{[^}]*return 200/);
        }
    });

    test("the redirect keeps the method (308) and names the HTTPS Service port unless it is 443", () => {
        const [http443] = blocks(renderNginxConfig({ tls: true, redirectHttpToHttps: true, httpsPort: 443 }));
        assert.match(http443, /return 308 https:\/\/\$host\$request_uri;/);
        const [http8443] = blocks(renderNginxConfig({ tls: true, redirectHttpToHttps: true, httpsPort: 8443 }));
        assert.match(http8443, /return 308 https:\/\/\$host:8443\$request_uri;/);
    });

    test("without TLS there is one plain server and no ssl directive", () => {
        const conf = renderNginxConfig({ tls: false, redirectHttpToHttps: false, httpsPort: 443 });
        assert.equal(blocks(conf).length, 1);
        assert.doesNotMatch(conf, /ssl/);
    });
});

describe("the ConfigMap", () => {
    test("holds the rendered config under the file name nginx includes, and is auto-named", async () => {
        const { one } = await mocks.deployed(new NginxService("cfg", { redirectHttpToHttps: true, httpsPort: 8443 }));
        const configMap = one(TYPES.configMap);
        assert.equal(configMap.inputs.metadata.name, undefined, "auto-named, so a change creates before it deletes");
        assert.deepEqual(configMap.inputs.data, { "default.conf": renderNginxConfig({ tls: true, redirectHttpToHttps: true, httpsPort: 8443 }) });
        const volume = one(TYPES.deployment).inputs.spec.template.spec.volumes.find((v: any) => v.name === "config");
        assert.equal(volume.configMap.name, configMap.state.metadata.name);
    });
});
