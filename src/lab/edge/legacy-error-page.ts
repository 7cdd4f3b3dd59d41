/**
 * Cloudflare's older HTML template, still served for 1xxx errors: `<title>{title} | {host} |
 * Cloudflare</title>`, `<span class="cf-error-code">1016</span>` in the heading, the title as
 * subheadline, and the Ray ID in the footer. (Pages as served for error 1016,
 * cloudflare-docs `support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/`.)
 */
import type { ErrorCodeInfo } from "./error-catalogue.js";
import { escapeHtml } from "./html-escape.js";

export interface LegacyErrorPageInput {
  readonly code: number;
  readonly info: ErrorCodeInfo;
  readonly host: string;
  readonly rayId: string;
  readonly visitorAddress: string;
  readonly timestamp: Date;
}

export function renderLegacyErrorPage(input: LegacyErrorPageInput): string {
  const host = escapeHtml(input.host);
  const when = `${input.timestamp.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  return `<!DOCTYPE html>
<html class="no-js" lang="en-US">
<head>
<title>${input.info.title} | ${host} | Cloudflare</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="cf-error-details-wrapper">
<div class="cf-wrapper cf-header cf-error-overview">
<h1>
<span class="cf-error-type" data-translate="error">Error</span>
<span class="cf-error-code">${input.code}</span>
<small class="heading-ray-id">Ray ID: ${input.rayId} &bull; ${when}</small>
</h1>
<h2 class="cf-subheadline" data-translate="error_desc">${input.info.title}</h2>
</div>
<section></section>
<div class="cf-section cf-wrapper">
<div class="cf-columns two">
<div class="cf-column">
<h2 data-translate="what_happened">What happened?</h2>
<p>${input.info.detail} (${host})</p>
</div>
<div class="cf-column">
<h2 data-translate="what_can_i_do">What can I do?</h2>
<p>${input.info.whatToDo}</p>
</div>
</div>
</div>
<div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
<p class="text-13">
<span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">${input.rayId}</strong></span>
<span class="cf-footer-separator sm:hidden">&bull;</span>
<span class="cf-footer-item sm:block sm:mb-1">Your IP: ${escapeHtml(input.visitorAddress)}</span>
<span class="cf-footer-separator sm:hidden">&bull;</span>
<span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/" id="brand_link" target="_blank">Cloudflare</a></span>
</p>
</div>
</div>
</div>
</body>
</html>
`;
}
