/**
 * The README's Prometheus configuration and alert rules, checked by promtool, and then used by
 * a real Prometheus that scrapes the exporter (in-process, against the lab on loopback) every
 * second: the relabelling puts the target and the origin where the exporter reads them, the
 * series arrive with the right values and labels, and the page-worthy alert goes pending.
 * Each part skips with the reason when promtool or Prometheus is not installed (Debian's
 * `prometheus` package has both; CI installs it).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Lab, startLab } from "../../src/lab/lab.js";
import { loadServeConfig, parseServeConfig } from "../../src/serve/config.js";
import { type Exporter, startExporter } from "../../src/serve/exporter.js";
import { parseYamlSubset, type YamlValue } from "../../src/serve/yaml-subset.js";
import { repoRoot } from "../support/paths.js";
import {
  locatePromtool,
  type PrometheusServer,
  queryPrometheus,
  runPromtool,
  startPrometheus,
} from "../support/prometheus.js";

/** The README's code block whose first line is `# <name>`. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const block = new RegExp(`\`\`\`yaml\\n(# ${name.replace(/\./g, "\\.")}\\n[\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  if (block === undefined) throw new Error(`the README has no yaml block starting '# ${name}'`);
  return block;
}

type Mapping = { [key: string]: YamlValue };
const asMapping = (value: YamlValue | undefined): Mapping => {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value))
    throw new Error(`not a mapping: ${JSON.stringify(value)}`);
  return value;
};

test("the README's example configuration is a valid one", () => {
  const { config } = parseServeConfig(readmeBlock("diag520.yml"), "diag520.yml");
  assert.deepEqual([...config.modules.keys()], ["https_strict", "http_flexible", "private_ca"]);
});

describe("promtool on the README's Prometheus configuration", async () => {
  const promtool = await locatePromtool();
  const skip = "path" in promtool ? false : promtool.reason;
  let directory = "";
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "diag520-promtool-"));
    await writeFile(join(directory, "prometheus.yml"), readmeBlock("prometheus.yml"));
    await writeFile(join(directory, "diag520-rules.yml"), readmeBlock("diag520-rules.yml"));
  });
  after(() => rm(directory, { recursive: true, force: true }));
  const tool = "path" in promtool ? promtool.path : "promtool";

  test("promtool check config", { skip }, async () => {
    const run = await runPromtool(tool, ["check", "config", "prometheus.yml"], "", directory);
    assert.equal(run.code, 0, run.output);
  });

  test("promtool check rules", { skip }, async () => {
    const run = await runPromtool(tool, ["check", "rules", "diag520-rules.yml"], "", directory);
    assert.equal(run.code, 0, run.output);
  });

  test("promtool test rules: a predicted 52x pages after 5 minutes, with the status in the summary", {
    skip,
  }, async () => {
    const series = (instance: string, values: string) => ({
      series: `diag520_edge_status{job="diag520",instance="${instance}",origin="203.0.113.7"}`,
      values,
    });
    const tests = {
      rule_files: ["diag520-rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [series("www.example.com", "520x10"), series("shop.example.com", "0x10")],
          alert_rule_test: [
            { eval_time: "4m", alertname: "CdnWouldAnswer52x", exp_alerts: [] },
            {
              eval_time: "6m",
              alertname: "CdnWouldAnswer52x",
              exp_alerts: [
                {
                  exp_labels: { severity: "page", job: "diag520", instance: "www.example.com", origin: "203.0.113.7" },
                  exp_annotations: {
                    summary: "The CDN would answer 520 for www.example.com (origin 203.0.113.7)",
                    description:
                      'diag520_finding{instance="www.example.com"} names the fault; reproduce with: diag520 www.example.com --origin 203.0.113.7',
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    await writeFile(join(directory, "rules.test.yml"), JSON.stringify(tests));
    const run = await runPromtool(tool, ["test", "rules", "rules.test.yml"], "", directory);
    assert.equal(run.code, 0, run.output);
  });
});

describe("a real Prometheus scraping diag520 serve", async () => {
  const promtool = await locatePromtool();
  let lab: Lab;
  let exporter: Exporter;
  let prometheus: PrometheusServer | null = null;
  let unavailable: string | null = null;
  let directory = "";
  const TARGETS = ["healthy-https", "empty-reply"] as const;

  before(async () => {
    lab = await startLab({ only: [...TARGETS] });
    directory = await mkdtemp(join(tmpdir(), "diag520-prometheus-"));
    const modules = lab.origins.map(
      (running) =>
        `  ${running.origin.name}:\n    scheme: ${running.origin.scheme}\n    port: ${running.port}\n` +
        `    caFile: ${JSON.stringify(lab.caFile)}\n    dnsServers: ["${lab.dnsServer}"]\n`,
    );
    const configPath = join(directory, "diag520.yml");
    await writeFile(
      configPath,
      `modules:\n${modules.join("")}allow:\n  targets: ["*.lab.diag520.test"]\n  origins: [127.0.0.1/32]\n`,
    );
    exporter = await startExporter({
      config: await loadServeConfig(configPath),
      host: "127.0.0.1",
      port: 0,
      concurrency: 4,
      queueLength: 4,
      processStats: null,
      log: () => {},
    });
    const started = await startPrometheus(prometheusConfig(exporter), {
      "diag520-rules.yml": readmeBlock("diag520-rules.yml"),
    });
    if (started.available) prometheus = started.server;
    else unavailable = started.reason;
  });

  after(async () => {
    await prometheus?.stop();
    await exporter?.close();
    await lab?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /**
   * The README's scrape configuration as it stands, one job per lab origin (each lab origin has
   * its own port, so its own module), with the lab's targets, the exporter's real address, and
   * a 1 s interval.
   */
  function prometheusConfig(running: Exporter): Mapping {
    const readme = asMapping(parseYamlSubset(readmeBlock("prometheus.yml")).value);
    const jobs = readme.scrape_configs as Mapping[];
    const probeJob = asMapping(jobs.find((job) => job.job_name === "diag520"));
    const exporterJob = asMapping(jobs.find((job) => job.job_name === "diag520_exporter"));
    const address = `127.0.0.1:${running.port}`;
    const relabelling = (probeJob.relabel_configs as Mapping[]).map((rule) =>
      rule.replacement === "127.0.0.1:9520" ? { ...rule, replacement: address } : rule,
    );
    assert.ok(
      relabelling.some((rule) => rule.replacement === address),
      "the README's relabelling sets __address__",
    );
    return {
      ...readme,
      global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      scrape_configs: [
        ...TARGETS.map((name) => ({
          ...probeJob,
          job_name: `diag520_${name}`,
          scrape_interval: "1s",
          scrape_timeout: "1s",
          params: { module: [name] },
          static_configs: [{ targets: [`${name}.lab.diag520.test`], labels: { __param_origin: "127.0.0.1" } }],
          relabel_configs: relabelling,
        })),
        { ...exporterJob, scrape_interval: "1s", scrape_timeout: "1s", static_configs: [{ targets: [address] }] },
      ],
    };
  }

  /** Polls Prometheus' API until `check` passes (it throws while it does not); bounded. */
  async function eventually(check: () => Promise<void>): Promise<void> {
    const giveUp = performance.now() + 12_000;
    for (;;) {
      try {
        return await check();
      } catch (error) {
        if (performance.now() > giveUp) throw error;
        await delay(100);
      }
    }
  }

  const valueBy = (results: readonly { metric: Record<string, string>; value: readonly [number, string] }[]) =>
    Object.fromEntries(results.map((result) => [result.metric.instance, Number(result.value[1])]));

  test("Prometheus scrapes /probe through the README's relabelling: diag520_success and the origin label", async (t) => {
    if (prometheus === null) return t.skip(unavailable ?? "no prometheus");
    const server = prometheus;
    await eventually(async () => {
      const success = await queryPrometheus(server, "diag520_success");
      assert.deepEqual(valueBy(success), {
        "healthy-https.lab.diag520.test": 1,
        "empty-reply.lab.diag520.test": 0,
      });
      for (const result of success)
        assert.equal(result.metric.origin, "127.0.0.1", "the origin label from __param_origin");
    });
  });

  test("diag520_finding and diag520_edge_status reach Prometheus with their labels", async (t) => {
    if (prometheus === null) return t.skip(unavailable ?? "no prometheus");
    const server = prometheus;
    await eventually(async () => {
      const findings = await queryPrometheus(server, 'diag520_finding{severity="error"}');
      assert.deepEqual(
        findings.map((result) => [result.metric.instance, result.metric.code]),
        [["empty-reply.lab.diag520.test", "http.empty_reply"]],
      );
      assert.deepEqual(valueBy(await queryPrometheus(server, "diag520_edge_status")), {
        "healthy-https.lab.diag520.test": 0,
        "empty-reply.lab.diag520.test": 520,
      });
      const expiry = await queryPrometheus(server, 'diag520_certificate_expiry_timestamp_seconds{leg="origin"}');
      assert.equal(expiry.length, 1);
      assert.ok(Number(expiry[0]?.value[1]) > Date.now() / 1000);
    });
  });

  test("the README's alert on a predicted 52x goes pending for the broken origin only", async (t) => {
    if (prometheus === null) return t.skip(unavailable ?? "no prometheus");
    const server = prometheus;
    await eventually(async () => {
      const alerts = await queryPrometheus(server, 'ALERTS{alertname="CdnWouldAnswer52x"}');
      assert.deepEqual(
        alerts.map((alert) => [alert.metric.instance, alert.metric.alertstate]),
        [["empty-reply.lab.diag520.test", "pending"]],
      );
    });
  });

  test("the exporter's own /metrics is scraped too, and promtool finds nothing to lint", async (t) => {
    if (prometheus === null) return t.skip(unavailable ?? "no prometheus");
    const server = prometheus;
    await eventually(async () => {
      const probes = await queryPrometheus(
        server,
        'sum by (module, result) (diag520_exporter_probes_total{result="success"})',
      );
      assert.ok(probes.some((result) => result.metric.module === "healthy-https" && Number(result.value[1]) >= 1));
    });
    if (!("path" in promtool)) return;
    for (const path of ["/metrics", "/probe?target=empty-reply.lab.diag520.test&origin=127.0.0.1&module=empty-reply"]) {
      const text = await (await fetch(`${exporter.url}${path}`)).text();
      const run = await runPromtool(promtool.path, ["check", "metrics"], text);
      assert.equal(run.code, 0, `${path}: ${run.output}`);
      assert.equal(run.output, "", `${path}: ${run.output}`);
    }
  });
});
