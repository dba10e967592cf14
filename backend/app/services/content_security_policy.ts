/*
 * A Content-Security-Policy for a page of ours: nothing from elsewhere, and of
 * the inline code exactly the blocks the page ships (by their SHA-256), so an
 * injected script or style does not run.
 */
import { createHash } from 'node:crypto'

function inlineHashes(html: string, tag: 'script' | 'style') {
  const blocks = html.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))
  return [...blocks]
    .filter(([, body]) => body.length > 0)
    .map(([, body]) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`)
}

export function contentSecurityPolicy(html: string): string {
  return [
    "default-src 'none'",
    ["script-src 'self'", ...inlineHashes(html, 'script')].join(' '),
    ["style-src 'self'", ...inlineHashes(html, 'style')].join(' '),
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
