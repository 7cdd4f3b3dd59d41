/**
 * Cloudflare's current HTML page for the 5xx it generates, reduced to the structure a
 * diagnosis keys on: `<title>{host} | 520: …</title>`, `#cf-error-details`, the
 * `code-label` span, three status boxes (Browser, Cloudflare, Host) with `cf-error-source` on
 * the failing party's box, and the Ray ID without its colo in the footer. (The page as served
 * for error 520, cloudflare-docs `support/troubleshooting/http-status-codes/cloudflare-5xx-errors/`.)
 */
import type { EdgeErrorInfo, FailingParty } from "./error-catalogue.js";
import { escapeHtml } from "./html-escape.js";

export interface HtmlErrorPageInput {
  readonly status: number;
  readonly info: EdgeErrorInfo;
  /** The visitor's Host, as they sent it (escaped here). */
  readonly host: string;
  /** The Ray ID without its colo. */
  readonly rayId: string;
  readonly colo: string;
  readonly visitorAddress: string;
  readonly timestamp: Date;
}

function statusBox(party: FailingParty, failing: FailingParty, location: string, name: string): string {
  const source = party === failing ? "cf-error-source " : "";
  const [icon, word, colour] =
    party === failing ? ["cf-icon-error", "Error", "text-red-error"] : ["cf-icon-ok", "Working", "text-green-success"];
  return [
    `<div id="cf-${party}-status" class="${source}relative w-1/3 md:w-full py-15 md:p-0 md:py-8 md:text-left float-left md:float-none text-center">`,
    `<div class="relative mb-10 md:m-0"><span class="cf-icon-${party} block md:hidden h-20 bg-center bg-no-repeat"></span><span class="${icon} w-12 h-12 absolute left-1/2 md:left-auto md:right-0 md:top-0 -ml-6 -bottom-4"></span></div>`,
    `<span class="md:block w-full truncate">${location}</span>`,
    `<h3 class="md:inline-block mt-3 md:mt-0 text-2xl text-gray-600 font-light leading-1.3">${name}</h3>`,
    `<span class="leading-1.3 text-2xl ${colour}">${word}</span>`,
    "</div>",
  ].join("\n");
}

export function renderHtmlErrorPage(input: HtmlErrorPageInput): string {
  const { status, info } = input;
  const host = escapeHtml(input.host);
  const when = `${input.timestamp.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  return `<!DOCTYPE html>
<html class="no-js" lang="en-US">
<head>
<title>${host} | ${status}: ${info.phrase}</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="p-0">
<header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
<h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2"><span class="inline-block">${info.phrase}</span><span class="code-label">Error code ${status}</span></h1>
<div>Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_${status}&amp;utm_campaign=${host}" target="_blank" rel="noopener noreferrer">cloudflare.com</a> for more information.</div>
<div class="mt-3">${when}</div>
</header>
<div class="my-8 bg-gradient-gray">
<div class="w-240 lg:w-full mx-auto">
<div class="clearfix md:px-8">
${statusBox("browser", info.failing, "You", "Browser")}
${statusBox("cloudflare", info.failing, escapeHtml(input.colo), "Cloudflare")}
${statusBox("host", info.failing, host, "Host")}
</div>
</div>
</div>
<div class="w-240 lg:w-full mx-auto mb-8 lg:px-8">
<div class="clearfix">
<div class="w-1/2 md:w-full float-left pr-6 md:pb-10 md:pr-0 leading-relaxed">
<h2 class="text-3xl font-normal leading-1.3 mb-4">What happened?</h2>
<p>${info.detail}</p>
</div>
<div class="w-1/2 md:w-full float-left leading-relaxed">
<h2 class="text-3xl font-normal leading-1.3 mb-4">What can I do?</h2>
<p>${info.whatToDo}</p>
</div>
</div>
</div>
<div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
<p class="text-13">
<span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">${input.rayId}</strong></span>
<span class="cf-footer-separator sm:hidden">&bull;</span>
<span class="cf-footer-item sm:block sm:mb-1">Your IP: ${escapeHtml(input.visitorAddress)}</span>
<span class="cf-footer-separator sm:hidden">&bull;</span>
<span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_${status}" id="brand_link" target="_blank">Cloudflare</a></span>
</p>
</div>
</div>
</div>
</body>
</html>
`;
}
