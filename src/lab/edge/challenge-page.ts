/**
 * A managed challenge: the edge answers 403 with `cf-mitigated: challenge` and an interstitial
 * that a browser solves with JavaScript and a script-less client never gets past.
 * `cf-mitigated: challenge` is how cloudflare-docs (Challenges, "Detect a Challenge Page
 * response") says to recognise one: the status alone does not tell a challenge from a block.
 */
import { escapeHtml } from "./html-escape.js";

export function renderChallengePage(host: string, rayId: string): string {
  return `<!DOCTYPE html>
<html lang="en-US">
<head>
<title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex,nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
</head>
<body>
<div class="main-wrapper" role="main">
<div class="main-content">
<h1 class="zone-name-title h1">${escapeHtml(host)}</h1>
<p id="challenge-body-text" class="h2 spacer-bottom">Verifying you are human. This may take a few seconds.</p>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript>
</div>
</div>
<div class="footer" role="contentinfo">
<div class="footer-inner">
<div class="clearfix diagnostic-wrapper"><div class="ray-id">Ray ID: <code>${rayId}</code></div></div>
<div class="text-center" id="footer-text">Performance &amp; security by Cloudflare</div>
</div>
</div>
<script>window._cf_chl_opt = { cRay: "${rayId}", cType: "managed" };</script>
</body>
</html>
`;
}
