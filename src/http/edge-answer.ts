/**
 * Reads what the edge answered, as facts (cloudflare-docs `fundamentals/reference/http-headers`,
 * `fundamentals/reference/cloudflare-ray-id`, `cache/concepts/cache-responses`, `rules/custom-errors`): the status;
 * `cf-ray` with its colo; `cf-cache-status`; `Retry-After`; `Server-Timing` (`cfOrigin`, the
 * edge's own measure of the origin); `cf-mitigated`; and whether Cloudflare generated the
 * answer or passed the origin's through — from the problem JSON (`cloudflare_error`,
 * `error_code`, `error_name`, `ray_id`), the current and the legacy HTML templates, the plain
 * `error code: NNN` body, and 1xxx codes. Pure: head fields and body bytes in, facts out.
 * Sources: cloudflare-docs `fundamentals/reference/http-headers`, `…/cloudflare-ray-id`,
 * `rules/custom-errors/` error responses reference, `support/troubleshooting/http-status-codes/`.
 */

export type EdgeErrorFormat = "problem_json" | "html" | "html_legacy" | "plain" | "markdown";

export interface EdgeAnswerFacts {
  readonly status: number | null;
  /** The whole `cf-ray` value ("8f0c2b7e5d4a3c21-LAB"), or null when there was none: not Cloudflare. */
  readonly cfRay: string | null;
  /** The Ray ID without the colo: what error pages show and what the origin's logs hold. */
  readonly rayId: string | null;
  readonly colo: string | null;
  readonly server: string | null;
  readonly cacheStatus: string | null;
  readonly retryAfter: string | null;
  readonly mitigated: string | null;
  /** `Server-Timing: cfOrigin;dur=N`: the edge's own measure of the origin (0: not contacted). */
  readonly originTimingMs: number | null;
  readonly edgeTimingMs: number | null;
  /**
   * "cloudflare": the edge made this answer (an error page or JSON of its own, a challenge);
   * "origin": it passed the origin's answer through; "unknown": no way to tell.
   */
  readonly generatedBy: "cloudflare" | "origin" | "unknown";
  /** How the edge's own error was presented, when it made one. */
  readonly errorFormat: EdgeErrorFormat | null;
  /** The code the edge's error names: 520–530, or a 1xxx (1016, 1033 …). */
  readonly errorCode: number | null;
  readonly errorName: string | null;
  /** The Ray ID the error body shows (it should equal `rayId`). */
  readonly bodyRayId: string | null;
  /** Which party the current template marks as failing ("browser", "cloudflare", "host"). */
  readonly errorSource: string | null;
}

const RAY = /^([0-9a-f]{16})(?:-([A-Za-z0-9]{3,5}))?$/i;

function field(headers: readonly (readonly [string, string])[], name: string): string | null {
  return headers.find(([n]) => n.trim().toLowerCase() === name)?.[1]?.trim() ?? null;
}

/** `cfOrigin;dur=12.5` inside a Server-Timing value. */
function timing(value: string | null, metric: string): number | null {
  if (value === null) return null;
  for (const entry of value.split(",")) {
    const [name = "", ...params] = entry.split(";").map((part) => part.trim());
    if (name.toLowerCase() !== metric.toLowerCase()) continue;
    for (const param of params) {
      const [key = "", raw = ""] = param.split("=").map((part) => part.trim());
      if (key.toLowerCase() === "dur" && /^\d+(\.\d+)?$/.test(raw)) return Number(raw);
    }
  }
  return null;
}

interface BodyError {
  readonly format: EdgeErrorFormat;
  readonly code: number | null;
  readonly name: string | null;
  readonly rayId: string | null;
  readonly generated: boolean;
  readonly source: string | null;
}

/** Cloudflare's problem JSON: `cloudflare_error: true` marks an error it generated itself. */
export function readProblemJson(text: string): BodyError | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  const body = parsed as Record<string, unknown>;
  if (!("error_code" in body) && !("cloudflare_error" in body) && !("ray_id" in body)) return null;
  const code = typeof body.error_code === "number" ? body.error_code : Number(body.error_code);
  return {
    format: "problem_json",
    code: Number.isInteger(code) ? code : null,
    name: typeof body.error_name === "string" ? body.error_name : null,
    rayId: typeof body.ray_id === "string" ? body.ray_id : null,
    generated: body.cloudflare_error === true,
    source: typeof body.error_category === "string" ? body.error_category : null,
  };
}

function readBodyError(contentType: string, text: string): BodyError | null {
  if (/json/i.test(contentType) || /^\s*\{/.test(text)) {
    const json = readProblemJson(text);
    if (json !== null) return json;
  }
  // The plain body: exactly "error code: 520" (16 bytes), sometimes with a newline.
  const plain = /^error code: (\d{3,4})\s*$/.exec(text);
  if (plain) return { format: "plain", code: Number(plain[1]), name: null, rayId: null, generated: true, source: null };
  // The current 5xx template: <span class="code-label">Error code 520</span>, #cf-error-details.
  // Every span of the patterns below is bounded: a page of unclosed tags must not cost O(n²).
  const current = /class="code-label"[^<>]{0,200}>\s*Error code (\d{3,4})/i.exec(text);
  // The legacy template (still on 1xxx pages): <span class="cf-error-code">1016</span>. It has
  // #cf-error-details too, so it is told apart by its code span before the current template.
  const legacy = current ? null : /class="cf-error-code"[^<>]{0,200}>\s*(\d{3,4})\s*</i.exec(text);
  if (!legacy && (current || /id="cf-error-details"/i.test(text))) {
    const source =
      /class="[^"<>]{0,300}cf-error-source[^"<>]{0,300}"[^<>]{0,300}>[\s\S]{0,400}?<span[^<>]{0,300}>\s*([A-Za-z]+)\s*</i.exec(
        text,
      );
    return {
      format: "html",
      code: current ? Number(current[1]) : null,
      name: null,
      rayId: htmlRay(text),
      generated: true,
      source: sourceBox(text) ?? source?.[1]?.toLowerCase() ?? null,
    };
  }
  if (legacy) {
    return {
      format: "html_legacy",
      code: Number(legacy[1]),
      name: null,
      rayId: htmlRay(text),
      generated: true,
      source: null,
    };
  }
  // Markdown, when asked with Accept: text/markdown.
  const markdown = /^#+ Error (\d{3,4})/m.exec(text);
  if (markdown && /ray/i.test(text)) {
    return {
      format: "markdown",
      code: Number(markdown[1]),
      name: null,
      rayId: markdownRay(text),
      generated: true,
      source: null,
    };
  }
  return null;
}

/** `Cloudflare Ray ID: <strong …>8f0c2b7e5d4a3c21</strong>`. */
function htmlRay(text: string): string | null {
  return /Ray ID:\s*(?:<[^<>]{0,200}>\s*){0,4}([0-9a-f]{16})/i.exec(text)?.[1] ?? null;
}

/** The frontmatter's `ray_id: 8f0c2b7e5d4a3c21`, or a "Ray ID" in the prose. */
function markdownRay(text: string): string | null {
  return /Ray[ _]ID[^0-9a-f]{0,20}([0-9a-f]{16})/i.exec(text)?.[1] ?? null;
}

/** The status box marked `cf-error-source` names the failing party: its id says which one. */
function sourceBox(text: string): string | null {
  const box = /id="cf-(browser|cloudflare|host)-status"[^<>]{0,300}class="[^"<>]{0,300}cf-error-source/i.exec(text);
  const reversed =
    /class="[^"<>]{0,300}cf-error-source[^"<>]{0,300}"[^<>]{0,300}id="cf-(browser|cloudflare|host)-status"/i.exec(text);
  return (box?.[1] ?? reversed?.[1] ?? null)?.toLowerCase() ?? null;
}

/**
 * `headers` as received (name, value); `body` as read (it may be cut at --max-body). `status`
 * null when no valid head arrived.
 */
export function readEdgeAnswer(
  status: number | null,
  headers: readonly (readonly [string, string])[],
  body: Buffer,
): EdgeAnswerFacts {
  const cfRay = field(headers, "cf-ray");
  const ray = cfRay === null ? null : RAY.exec(cfRay);
  const contentType = field(headers, "content-type") ?? "";
  const text = body.subarray(0, 256 * 1024).toString("utf8");
  const bodyError = cfRay === null ? null : readBodyError(contentType, text);
  const mitigated = field(headers, "cf-mitigated");
  const serverTiming = headers
    .filter(([n]) => n.trim().toLowerCase() === "server-timing")
    .map(([, v]) => v)
    .join(",");
  const generated = bodyError?.generated === true || mitigated !== null;
  return {
    status,
    cfRay,
    rayId: ray?.[1]?.toLowerCase() ?? null,
    colo: ray?.[2] ?? null,
    server: field(headers, "server"),
    cacheStatus: field(headers, "cf-cache-status")?.toUpperCase() ?? null,
    retryAfter: field(headers, "retry-after"),
    mitigated,
    originTimingMs: timing(serverTiming || null, "cfOrigin"),
    edgeTimingMs: timing(serverTiming || null, "cfEdge"),
    generatedBy: cfRay === null ? "unknown" : generated ? "cloudflare" : status !== null ? "origin" : "unknown",
    errorFormat: bodyError?.format ?? null,
    errorCode: bodyError?.code ?? null,
    errorName: bodyError?.name ?? null,
    bodyRayId: bodyError?.rayId ?? null,
    errorSource: bodyError?.source ?? null,
  };
}

/** Merges the structured (JSON) form fetched by a second request into facts read from the first answer. */
export function withStructuredForm(facts: EdgeAnswerFacts, json: string): EdgeAnswerFacts {
  const problem = readProblemJson(json);
  if (problem === null) return facts;
  return {
    ...facts,
    generatedBy: problem.generated ? "cloudflare" : facts.generatedBy,
    errorCode: facts.errorCode ?? problem.code,
    errorName: problem.name ?? facts.errorName,
    bodyRayId: facts.bodyRayId ?? problem.rayId,
    errorSource: facts.errorSource ?? problem.source,
  };
}
