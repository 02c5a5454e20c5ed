/**
 * The console (the Installer Panel and the operators' dashboard) as the local HTTP endpoint
 * serves it at `/`: console/src bundled by esbuild when the runtime starts (a fresh clone needs
 * no build step), held in memory and answered from a fixed table of paths, so no request can
 * reach any other file. Every page speaks to the installer and ops APIs like a script does.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, buildSync, type BuildOptions } from 'esbuild';
import type { SignInConfig } from '../../console/src/config';
import type { RawHttpRoute } from './http-gateway';

export type { SignInConfig } from '../../console/src/config';

const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

/** Locally a role's bearer token is typed in (interfaces.md's tokens). */
export const TOKEN_SIGN_IN: SignInConfig = { signIn: 'token' };

/**
 * Scripts, styles, images and API calls from this origin alone (and the hosted sign-in's token
 * endpoint where Cognito signs people in): no inline script or style, no framing, no plugin, no
 * other base. On AWS the CloudFront response headers policy sends the same.
 */
export function consoleCsp(signIn: SignInConfig = TOKEN_SIGN_IN): string {
  const connect = signIn.signIn === 'cognito' ? `'self' ${signIn.domain}` : "'self'";
  return (
    `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; ` +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
  );
}

/** The local console's CSP. */
export const CONSOLE_CSP = consoleCsp();

/** Where the console reads how to sign in (console/src/sign-in-config.ts). */
export const CONSOLE_CONFIG_PATH = '/console/config.json';

export interface ConsoleAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The console's files by the path they are served at. */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

/** How the console is bundled: minified, one script. */
const BUNDLE: BuildOptions & { write: false } = {
  entryPoints: [`${CONSOLE_DIR}src/main.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  write: false,
  outfile: 'app.js',
  legalComments: 'none',
  logLevel: 'silent',
};

function assetsOf(outputs: readonly { path: string; contents: Uint8Array }[], page: Buffer, styles: Buffer, signIn: SignInConfig): ConsoleAssets {
  const script = outputs.find((file) => file.path.endsWith('app.js'));
  if (!script) throw new Error('esbuild produced no console script');
  return new Map([
    ['/', { contentType: 'text/html; charset=utf-8', body: page }],
    ['/console/app.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(script.contents) }],
    ['/console/styles.css', { contentType: 'text/css; charset=utf-8', body: styles }],
    [CONSOLE_CONFIG_PATH, { contentType: 'application/json', body: Buffer.from(JSON.stringify(signIn)) }],
  ]);
}

/** Bundles the console (one script, one style sheet) and reads its page. */
export async function buildConsole(signIn: SignInConfig = TOKEN_SIGN_IN): Promise<ConsoleAssets> {
  const bundle = await build(BUNDLE);
  const [page, styles] = await Promise.all([readFile(`${CONSOLE_DIR}index.html`), readFile(`${CONSOLE_DIR}styles.css`)]);
  return assetsOf(bundle.outputFiles ?? [], page, styles, signIn);
}

/**
 * The same files at once, for `cdk synth` (which cannot wait). Its sign-in configuration names
 * deploy-time values, so the deployment writes that file itself.
 */
export function buildConsoleSync(): ConsoleAssets {
  const files = assetsOf(buildSync(BUNDLE).outputFiles ?? [], readFileSync(`${CONSOLE_DIR}index.html`), readFileSync(`${CONSOLE_DIR}styles.css`), TOKEN_SIGN_IN);
  return new Map([...files].filter(([path]) => path !== CONSOLE_CONFIG_PATH));
}

/** The headers of every console file: its type, the CSP, and nothing cached across a restart's rebuild. */
export function consoleHeaders(asset: ConsoleAsset, csp: string = CONSOLE_CSP): Record<string, string> {
  return {
    'content-type': asset.contentType,
    'content-length': String(asset.body.length),
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
}

/** GET / and GET /console/...: a file of the table, or 404 like any unknown route. */
export function consoleRoutes(assets: ConsoleAssets, csp: string = CONSOLE_CSP): RawHttpRoute[] {
  const serve = (path: string): RawHttpRoute['raw'] => (_req, res) => {
    const asset = assets.get(path);
    if (!asset) {
      const body = JSON.stringify({ message: 'Not Found' });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    res.writeHead(200, consoleHeaders(asset, csp));
    res.end(asset.body);
  };
  return [
    { method: 'GET', path: '/', raw: serve('/') },
    { method: 'GET', path: '/console/{file+}', raw: (req, res, { file }) => serve(`/console/${file ?? ''}`)(req, res, {}) },
  ];
}
