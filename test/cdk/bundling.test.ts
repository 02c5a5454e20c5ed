import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../lib/bundling';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'csms-bundling-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('a Lambda bundle (lib/bundling.ts)', () => {
  it("finds the function's credentials where the Lambda runtime puts them, without the rest of the default chain", async () => {
    const outfile = join(outDir, 'client', 'index.mjs');
    const { entryPoints: _entry, ...options } = esbuildOptions('', outfile);
    const result = await build({
      ...options,
      absWorkingDir: ROOT,
      metafile: true,
      stdin: {
        contents:
          "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const credentials = () => new DynamoDBClient({ region: 'eu-west-1' }).config.credentials();",
        resolveDir: ROOT,
        loader: 'ts',
      },
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.endsWith('lambdas/aws/lambda-credentials.ts'))).toBe(true);
    expect(inputs.filter((path) => /credential-provider-(node|sso|ini|web-identity|process)\/|nested-clients\//.test(path))).toEqual([]);

    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDLAMBDA', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' });
    try {
      const bundle = (await import(pathToFileURL(outfile).href)) as { credentials: () => Promise<Record<string, unknown>> };
      expect(await bundle.credentials()).toMatchObject({ accessKeyId: 'AKIDLAMBDA', secretAccessKey: 'secret', sessionToken: 'session' });
    } finally {
      process.env = saved;
    }
  });
});

describe('the Lambdas import zod', () => {
  // `import { z } from 'zod'` keeps the whole library in a bundle (about 370 KB); the namespace
  // import lets esbuild drop what a function does not use.
  it('as a namespace, never as the `z` export', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : name.endsWith('.ts') ? [join(dir, name)] : []));
    const named = files(join(ROOT, 'lambdas')).filter((file) => /import\s+\{[^}]*\bz\b[^}]*\}\s+from\s+'zod'/.test(readFileSync(file, 'utf8')));
    expect(named).toEqual([]);
  });
});
