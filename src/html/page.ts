// Server-rendered pages (the hosted connect page, the sandbox's sign-in): escaping, a fresh nonce per
// response, a strict Content-Security-Policy, and one accessible, responsive page shell with no CDN.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028|\u2029/g, '');
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Nothing loads but this page's own nonce-bearing script and style, and images from https (logos) or this server. */
function contentSecurityPolicy(nonce: string, options: { formAction?: string } = {}): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' https: data:",
    "connect-src 'self'",
    `form-action ${options.formAction ?? "'self'"}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const PAGE_SECURITY_HEADERS = {
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'unsafe-none',
};

const STYLE = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1d2330;--muted:#5b6475;--line:#d9dde5;--accent:#2d5bd7;--accent-text:#fff;--ok:#17743a;--bad:#b42318;--focus:#f5a300}
@media (prefers-color-scheme:dark){:root{--bg:#14171d;--card:#1e222b;--text:#eef0f4;--muted:#a8b0bf;--line:#343a47;--accent:#7aa2ff;--accent-text:#0c1220;--ok:#5fd28a;--bad:#ff8a80}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;display:flex;justify-content:center;align-items:flex-start}
main{width:100%;max-width:460px;margin:6vh 16px;background:var(--card);border:1px solid var(--line);border-radius:14px;padding:24px 22px;box-shadow:0 6px 24px rgba(0,0,0,.06)}
h1{font-size:1.35rem;margin:0 0 4px}h2{font-size:1.05rem;margin:0}
p{margin:.25rem 0 1rem;color:var(--muted)}
ul.integrations{list-style:none;margin:16px 0 0;padding:0;display:grid;gap:10px}
.integration{border:1px solid var(--line);border-radius:10px;padding:12px}
.integration-head{display:flex;align-items:center;gap:12px}
.logo{width:36px;height:36px;border-radius:8px;object-fit:contain;background:#fff;border:1px solid var(--line);flex:none}
.logo-fallback{display:grid;place-items:center;font-weight:700;color:var(--accent)}
.status{font-size:.85rem;color:var(--muted)}
form{margin:10px 0 0;display:grid;gap:10px}
label{font-weight:600;font-size:.92rem;display:grid;gap:4px}
.hint{font-weight:400;color:var(--muted);font-size:.85rem}
input[type=text],input[type=password]{width:100%;font:inherit;padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--text)}
button,.button{font:inherit;font-weight:600;padding:10px 14px;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer;text-decoration:none;text-align:center;display:inline-block}
button.secondary{background:transparent;color:var(--text);border-color:var(--line)}
.actions{display:flex;gap:10px;flex-wrap:wrap}.actions>*{flex:1 1 140px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.alert{border-radius:8px;padding:10px 12px;margin:12px 0;border:1px solid}
.alert.error{color:var(--bad);border-color:var(--bad)}.alert.success{color:var(--ok);border-color:var(--ok)}
.field-error{color:var(--bad);font-weight:400;font-size:.85rem}
.result-icon{font-size:2.4rem;line-height:1}
footer{margin-top:18px;font-size:.8rem;color:var(--muted);text-align:center}
@media (max-width:480px){main{margin:0;border-radius:0;border-left:0;border-right:0;min-height:100vh}}
`;

/** A whole page: the body is trusted HTML (callers escape what they put in it). */
export function renderPage(options: { title: string; body: string; nonce: string; script?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)}</title>
<style nonce="${options.nonce}">${STYLE}</style>
</head><body><main id="main">${options.body}</main>${options.script ? `\n<script nonce="${options.nonce}">${options.script}</script>` : ''}
</body></html>`;
}

export function sendPage(res: http.ServerResponse, status: number, html: string, nonce: string, options: { formAction?: string } = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': contentSecurityPolicy(nonce, options),
    ...PAGE_SECURITY_HEADERS,
  });
  res.end(html);
}

/** Reads an application/x-www-form-urlencoded body up to `limit` bytes; null when larger or of another type. */
export async function readForm(req: http.IncomingMessage, limit = 64 * 1024): Promise<URLSearchParams | null> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
