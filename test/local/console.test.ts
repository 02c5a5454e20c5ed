/**
 * The console's files as the local HTTP endpoint serves them: the page at `/`, its script and
 * style sheet under /console/, each with its type and the CSP, and nothing else of the disk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startHttpGateway, type HttpGateway } from '../../lib/local/http-gateway';
import { CONSOLE_CSP, buildConsole, consoleRoutes } from '../../lib/local/console';

let gateway: HttpGateway;

beforeAll(async () => {
  gateway = await startHttpGateway({ routes: consoleRoutes(await buildConsole()) });
});

afterAll(() => gateway?.close());

/** A request with its path sent exactly as written (fetch would normalise `..`). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(gateway.url);
    request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the console files', () => {
  it('serves the page at / with a strict CSP: scripts and styles from this origin, none inline', async () => {
    const page = await fetch(`${gateway.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
    // No inline script or style the CSP would block.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style=/);
  });

  it('serves the bundled script and the style sheet with their types', async () => {
    const script = await fetch(`${gateway.url}/console/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    // Bundled: no import left for the browser to fetch from anywhere.
    const code = await script.text();
    expect(code.includes('sessionStorage')).toBe(true);
    expect(code.match(/(^|[;}])\s*import\s*[{*"']|\bimport\(/)).toBeNull();
    const styles = await fetch(`${gateway.url}/console/styles.css`);
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 to any other path, a climb out of the folder included', async () => {
    for (const path of ['/console/', '/console/index.html', '/console/../package.json', '/console/..%2F..%2Fpackage.json', '/console/%2e%2e/lib/local/console.ts', '/console/src/main.ts']) {
      const answer = await rawGet(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toBe('{"message":"Not Found"}');
    }
    expect((await fetch(`${gateway.url}/console/app.js`, { method: 'POST' })).status).toBe(404);
  });
});
