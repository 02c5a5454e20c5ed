/**
 * `npm run build:console`: the console's files in console/dist, as they would be uploaded to
 * the console's bucket (the local runtime builds them in memory at start and needs none of this).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from '../lib/local/console';

const dist = fileURLToPath(new URL('../console/dist/', import.meta.url));
await rm(dist, { recursive: true, force: true });
for (const [path, asset] of await buildConsole()) {
  const file = join(dist, path === '/' ? 'index.html' : path.replace(/^\/console\//, 'console/'));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, asset.body);
  console.log(`${file} (${asset.body.length} bytes)`);
}
