/**
 * The answers the edge makes itself (5xx for an origin's fault, 1xxx, challenges), as status,
 * header list and body. Precedence follows cloudflare-docs `fundamentals/reference/error-responses`
 * ("Priority order"): a zone's Error Page is served as HTML whatever Accept says; otherwise the
 * body is negotiated (JSON, Markdown, HTML). `errorFormat: "plain"` stands for the bare
 * `error code: NNN` body the edge also sends.
 */
import { renderChallengePage } from "./challenge-page.js";
import type { ErrorCodeRoute, ErrorPresentation } from "./edge-types.js";
import { EDGE_ERRORS, type EdgeErrorStatus, ERROR_CODES } from "./error-catalogue.js";
import { renderHtmlErrorPage } from "./html-error-page.js";
import { renderLegacyErrorPage } from "./legacy-error-page.js";
import { type ErrorFormat, negotiateErrorFormat } from "./negotiate-format.js";
import type { RayId } from "./ray-id.js";
import { type ErrorFacts, renderMarkdownError, renderProblemJson } from "./structured-error.js";

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export interface EdgeAnswer {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: string;
}

export interface AnswerContext {
  /** The visitor's Host without its port. */
  readonly host: string;
  readonly ray: RayId;
  readonly colo: string;
  readonly accept: string | undefined;
  readonly visitorAddress: string;
  readonly now: Date;
}

const DOCS = "https://developers.cloudflare.com/support/troubleshooting/http-status-codes";

const CONTENT_TYPE: Readonly<Record<ErrorFormat, string>> = {
  json: "application/json; charset=utf-8",
  "problem+json": "application/problem+json; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
  html: "text/html; charset=UTF-8",
};

/** Headers on every answer the edge generates: it must never be cached as the site's content. */
function edgeHeaders(context: AnswerContext, contentType: string, retryAfter: number | null): HeaderList {
  return [
    ["content-type", contentType],
    ["cache-control", "private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0"],
    ["expires", "Thu, 01 Jan 1970 00:00:01 GMT"],
    ["referrer-policy", "same-origin"],
    ["x-frame-options", "SAMEORIGIN"],
    ...(retryAfter === null ? [] : ([["retry-after", String(retryAfter)]] as const)),
    ["server", "cloudflare"],
    ["cf-ray", context.ray.header],
  ];
}

/** Plain body or uploaded page, when the route asks for one; null to negotiate. */
function overridden(presentation: ErrorPresentation, code: number): { type: string; body: string } | null {
  if (presentation.customErrorPage !== undefined) {
    return { type: CONTENT_TYPE.html, body: presentation.customErrorPage };
  }
  if (presentation.errorFormat === "plain") return { type: "text/plain; charset=UTF-8", body: `error code: ${code}` };
  return null;
}

function negotiated(facts: ErrorFacts, context: AnswerContext, html: () => string): { type: string; body: string } {
  const format = negotiateErrorFormat(context.accept);
  const type = CONTENT_TYPE[format];
  if (format === "json" || format === "problem+json") return { type, body: renderProblemJson(facts) };
  if (format === "markdown") return { type, body: renderMarkdownError(facts) };
  return { type, body: html() };
}

export function answerEdgeError(
  status: EdgeErrorStatus,
  presentation: ErrorPresentation,
  context: AnswerContext,
): EdgeAnswer {
  const info = EDGE_ERRORS[status];
  const page = status === 502 || status === 504 ? "error-502-504" : `error-${status}`;
  const facts: ErrorFacts = {
    code: status,
    status,
    title: `Error ${status}: ${info.phrase}`,
    errorName: info.errorName,
    category: info.category,
    detail: info.detail,
    whatToDo: info.whatToDo,
    retryAfter: info.retryAfter,
    rayId: context.ray.id,
    zone: context.host,
    timestamp: context.now,
    typeUrl: `${DOCS}/cloudflare-5xx-errors/${page}/`,
  };
  const { type, body } =
    overridden(presentation, status) ??
    negotiated(facts, context, () =>
      renderHtmlErrorPage({
        status,
        info,
        host: context.host,
        rayId: context.ray.id,
        colo: context.colo,
        visitorAddress: context.visitorAddress,
        timestamp: context.now,
      }),
    );
  return { status, headers: edgeHeaders(context, type, info.retryAfter), body };
}

export function answerErrorCode(route: ErrorCodeRoute, context: AnswerContext): EdgeAnswer {
  const info = ERROR_CODES[route.code];
  const facts: ErrorFacts = {
    code: route.code,
    status: route.status,
    title: `Error ${route.code}: ${info.title}`,
    errorName: info.errorName,
    category: info.category,
    detail: info.detail,
    whatToDo: info.whatToDo,
    retryAfter: info.retryAfter,
    rayId: context.ray.id,
    zone: context.host,
    timestamp: context.now,
    typeUrl: `${DOCS}/cloudflare-1xxx-errors/error-${route.code}/`,
  };
  const { type, body } =
    overridden(route, route.code) ??
    negotiated(facts, context, () =>
      renderLegacyErrorPage({
        code: route.code,
        info,
        host: context.host,
        rayId: context.ray.id,
        visitorAddress: context.visitorAddress,
        timestamp: context.now,
      }),
    );
  return { status: route.status, headers: edgeHeaders(context, type, info.retryAfter), body };
}

export function answerChallenge(context: AnswerContext): EdgeAnswer {
  return {
    status: 403,
    headers: [...edgeHeaders(context, CONTENT_TYPE.html, null), ["cf-mitigated", "challenge"]],
    body: renderChallengePage(context.host, context.ray.id),
  };
}

/** Over the visitor-body cap: the nginx-style page Cloudflare sends for 413. */
export function answerTooLarge(context: AnswerContext): EdgeAnswer {
  const title = "413 Request Entity Too Large";
  return {
    status: 413,
    headers: [
      ["content-type", "text/html"],
      ["connection", "close"],
      ["server", "cloudflare"],
      ["cf-ray", context.ray.header],
    ],
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`,
  };
}
