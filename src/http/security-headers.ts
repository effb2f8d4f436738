import type { FastifyInstance } from 'fastify';

/** An API response is data: it may load, run or embed nothing. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * The docs UI (Swagger UI) loads its scripts, styles and images from this
 * server and fetches the document; its scripts are files, never inline. Its
 * page and the elements it renders carry inline styles, hence 'unsafe-inline'
 * for styles alone.
 */
const DOCS_UI_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** On every response but the docs UI's: no MIME sniffing, never framed, nothing loaded. */
export const API_SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': API_POLICY,
} as const;

const DOCS_UI_SECURITY_HEADERS = {
  ...API_SECURITY_HEADERS,
  'Content-Security-Policy': DOCS_UI_POLICY,
} as const;

/**
 * Every routed request, and Nest's 404s, get the headers before anything
 * else runs; the pages and files of the docs UI under `docsPath` get its own
 * policy.
 */
export function addSecurityHeaders(
  instance: FastifyInstance,
  docsPath: string,
): void {
  instance.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0];
    void reply.headers(
      path === docsPath || path.startsWith(`${docsPath}/`)
        ? DOCS_UI_SECURITY_HEADERS
        : API_SECURITY_HEADERS,
    );
    done();
  });
}
