/**
 * The exporter's own metrics, answered on `/metrics`: probes by module and result, requests
 * refused and why, what runs and waits now, and the process' memory and CPU (the names client
 * libraries use, so existing dashboards show them). Every label value comes from a bounded set:
 * configured module names, three results, three reasons.
 */
import { VERSION } from "../version.js";
import { type MetricFamily, renderFamilies, type Sample } from "./metrics-text.js";

export type ProbeResult = "success" | "failure" | "error";
/** invalid: a 400 (bad parameter); forbidden: a 403 (outside the allow lists); overloaded: a 503 (the queue was full or the wait ran out). */
export type RefusalReason = "invalid" | "forbidden" | "overloaded";

const RESULTS: readonly ProbeResult[] = ["success", "failure", "error"];
const REASONS: readonly RefusalReason[] = ["invalid", "forbidden", "overloaded"];

export interface ProcessStats {
  readonly residentBytes: number;
  readonly heapUsedBytes: number;
  readonly cpuSeconds: number;
  readonly startTimeSeconds: number;
}

export interface LoadNow {
  readonly inFlight: number;
  readonly queued: number;
  readonly concurrency: number;
  readonly queueLength: number;
}

export class ExporterMetrics {
  private readonly probes = new Map<string, number>();
  private readonly refusals = new Map<RefusalReason, number>();

  /** Every series exists from the start at 0, so that `rate()` sees the first probe. */
  constructor(private readonly moduleNames: readonly string[]) {
    for (const module of moduleNames) for (const result of RESULTS) this.probes.set(key(module, result), 0);
    for (const reason of REASONS) this.refusals.set(reason, 0);
  }

  countProbe(module: string, result: ProbeResult): void {
    const k = key(module, result);
    this.probes.set(k, (this.probes.get(k) ?? 0) + 1);
  }

  countRefusal(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  render(load: LoadNow, process: ProcessStats | null): string {
    const probeSamples: Sample[] = this.moduleNames.flatMap((module) =>
      RESULTS.map((result) => ({ labels: { module, result }, value: this.probes.get(key(module, result)) ?? 0 })),
    );
    const families: MetricFamily[] = [
      {
        name: "diag520_exporter_probes_total",
        type: "counter",
        help: "Probes run, by module and result (success: nothing would make the CDN fail; failure: something would, or the probe was cut short; error: a bug, answered with 500)",
        samples: probeSamples,
      },
      {
        name: "diag520_exporter_requests_refused_total",
        type: "counter",
        help: "Probe requests refused before probing: invalid (400), forbidden by the allow lists (403), overloaded (503: the queue was full or the wait ran out)",
        samples: REASONS.map((reason) => ({ labels: { reason }, value: this.refusals.get(reason) ?? 0 })),
      },
      gauge("diag520_exporter_probes_in_flight", "Probes running now", load.inFlight),
      gauge("diag520_exporter_probes_queued", "Probes waiting for a slot now", load.queued),
      gauge(
        "diag520_exporter_probe_concurrency_limit",
        "Probes that may run at once (--concurrency)",
        load.concurrency,
      ),
      gauge("diag520_exporter_probe_queue_limit", "Probes that may wait for a slot (--queue)", load.queueLength),
      {
        name: "diag520_exporter_build_info",
        type: "gauge",
        help: "Always 1; the version of diag520 that runs",
        samples: [{ labels: { version: VERSION }, value: 1 }],
      },
    ];
    if (process !== null) {
      families.push(
        gauge("process_resident_memory_bytes", "Resident memory size in bytes", process.residentBytes),
        gauge("nodejs_heap_size_used_bytes", "V8 heap in use, in bytes", process.heapUsedBytes),
        {
          name: "process_cpu_seconds_total",
          type: "counter",
          help: "User and system CPU time spent, in seconds",
          samples: [{ value: process.cpuSeconds }],
        },
        gauge(
          "process_start_time_seconds",
          "Start time of the process since the Unix epoch, in seconds",
          process.startTimeSeconds,
        ),
      );
    }
    return renderFamilies(families);
  }
}

function key(module: string, result: ProbeResult): string {
  return `${module}\0${result}`;
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, type: "gauge", help, samples: [{ value }] };
}
