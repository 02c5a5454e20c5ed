/**
 * What each Lambda ships and what loading it costs: every function of lib/functions.ts bundled
 * exactly as the stack bundles it (lib/bundling.ts), its minified size with the packages that
 * make it up (from esbuild's metafile), and its cold import time, i.e. a fresh Node process
 * importing the bundle (the init a cold start pays before the handler runs), median of a few,
 * with `--enable-source-maps` where the function is deployed with it (lib/functions.ts).
 *
 * `npx tsx test/bench/bundles.ts` prints the table; the benchmark calls measureBundles().
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { esbuildOptions } from '../../lib/bundling';
import { FUNCTION_NAMES, functionSpec, type FunctionName } from '../../lib/functions';
import { TABLES } from '../../lib/tables';
import { median } from './stats';

const run = promisify(execFile);

const LAMBDAS_DIR = fileURLToPath(new URL('../../lambdas/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Imports per bundle; the median is reported. */
const DEFAULT_IMPORTS = 5;
const KB = 1000;

export interface PackageShare {
  /** An npm package, or `(project)` for lambdas/ and lib/. */
  readonly name: string;
  readonly kb: number;
  /** Of the bundle's bytes, in percent. */
  readonly share: number;
}

export interface BundleMeasure {
  readonly name: FunctionName;
  /** The minified `index.mjs`, in kB (1,000 bytes; the source map beside it not counted). */
  readonly kb: number;
  /** Median time to import the bundle in a fresh process, with the NODE_OPTIONS it is deployed with. */
  readonly coldImportMs: number;
  /** Whether that is with `--enable-source-maps`. */
  readonly sourceMapsAtRunTime: boolean;
  /** When asked for: the median without and with `--enable-source-maps`, whichever it is deployed with. */
  readonly sourceMaps?: { readonly offMs: number; readonly onMs: number };
  /** The largest contributors, largest first. */
  readonly topPackages: readonly PackageShare[];
  /** The AWS SDK's part of the bundle (its clients, `@smithy`, `@aws-crypto` and what they bring), in kB. */
  readonly sdkKb: number;
  /**
   * The floor under this function: a bundle of nothing but the SDK clients it uses, each
   * constructed, built and imported the same way. No handler code can make its bundle smaller.
   */
  readonly sdkOnly: { readonly clients: readonly string[]; readonly kb: number; readonly coldImportMs: number };
}

export interface MeasureOptions {
  readonly functions?: readonly FunctionName[];
  readonly imports?: number;
  /** Time each import both without and with `--enable-source-maps`. */
  readonly compareSourceMaps?: boolean;
  readonly topPackages?: number;
}

/**
 * A handler module reads only a little of its environment at import (the idempotency table of
 * the Payter driver callbacks, the logger's service name); every table variable gets a stand-in
 * so that none is missing, and nothing is called.
 */
const IMPORT_ENVIRONMENT: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  LOG_LEVEL: 'INFO',
  ...Object.fromEntries(Object.values(TABLES).map((spec) => [spec.envVar, `bench-${spec.id}`])),
};

/** The time from just before the import to the module (and everything it imports) being evaluated. */
const IMPORT_PROBE = 'const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t);';

export async function measureBundles(options: MeasureOptions = {}): Promise<BundleMeasure[]> {
  const names = options.functions ?? FUNCTION_NAMES;
  const imports = options.imports ?? DEFAULT_IMPORTS;
  const outDir = mkdtempSync(join(tmpdir(), 'csms-bundles-'));
  try {
    const built = await Promise.all(
      names.map(async (name) => {
        const outfile = join(outDir, name, 'index.mjs');
        const result = await build({ ...esbuildOptions(join(LAMBDAS_DIR, `${name}.ts`), outfile), metafile: true, absWorkingDir: ROOT });
        return { name, outfile, metafile: result.metafile };
      }),
    );
    // One SDK-only bundle per set of clients (several functions share a set).
    const clientSets = new Map(built.map(({ name, metafile }) => [name, sdkClientsOf(metafile)]));
    const floors = new Map<string, { file: string; kb: number }>();
    for (const clients of clientSets.values()) {
      const key = clients.join(' ');
      if (floors.has(key)) continue;
      const file = join(outDir, `sdk-only-${floors.size}`, 'index.mjs');
      await build({ ...esbuildOptions('sdk-only.ts', file), entryPoints: undefined, stdin: { contents: sdkOnlyEntry(clients), resolveDir: ROOT, loader: 'ts' }, absWorkingDir: ROOT });
      floors.set(key, { file, kb: round(statSync(file).size / KB) });
    }
    const floorMs = new Map<string, number[]>([...floors.keys()].map((key) => [key, []]));
    // Round robin over the bundles, so that a busy moment of the machine spreads over all of them.
    const deployedWithMaps = (name: FunctionName) => functionSpec(name).sourceMapsAtRunTime !== false;
    const off = new Map<string, number[]>(names.map((name) => [name, []]));
    const on = new Map<string, number[]>(names.map((name) => [name, []]));
    for (let i = 0; i < imports; i++) {
      for (const { name, outfile } of built) {
        if (options.compareSourceMaps || !deployedWithMaps(name)) off.get(name)!.push(await coldImport(outfile, name, false));
        if (options.compareSourceMaps || deployedWithMaps(name)) on.get(name)!.push(await coldImport(outfile, name, true));
      }
      for (const [key, { file }] of floors) floorMs.get(key)!.push(await coldImport(file, 'sdk-only', false));
    }
    return built.map(({ name, outfile, metafile }) => {
      const offMs = off.get(name)!.length > 0 ? round(median(off.get(name)!)) : NaN;
      const onMs = on.get(name)!.length > 0 ? round(median(on.get(name)!)) : NaN;
      return {
        name,
        kb: round(statSync(outfile).size / KB),
        coldImportMs: deployedWithMaps(name) ? onMs : offMs,
        sourceMapsAtRunTime: deployedWithMaps(name),
        ...(options.compareSourceMaps && { sourceMaps: { offMs, onMs } }),
        topPackages: packagesOf(metafile, options.topPackages ?? 5),
        sdkKb: round(sdkBytesOf(metafile) / KB),
        sdkOnly: (() => {
          const clients = clientSets.get(name)!;
          const key = clients.join(' ');
          return { clients, kb: floors.get(key)!.kb, coldImportMs: round(median(floorMs.get(key)!)) };
        })(),
      };
    });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function coldImport(file: string, name: string, sourceMaps: boolean): Promise<number> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...IMPORT_ENVIRONMENT,
    POWERTOOLS_SERVICE_NAME: name,
    ...(sourceMaps && { NODE_OPTIONS: '--enable-source-maps' }),
  };
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE, pathToFileURL(file).href], { env });
  const ms = Number(stdout.trim().split('\n').pop());
  if (!Number.isFinite(ms)) throw new Error(`${name}: the import printed ${JSON.stringify(stdout)}`);
  return ms;
}

/** The packages the AWS SDK is made of: its clients and core, and what they depend on. */
const SDK_PACKAGE = /^(@aws-sdk\/|@smithy\/|@aws-crypto\/|@aws\/|fast-xml-parser$|strnum$|bowser$|tslib$|uuid$)/;

function entryOutput(metafile: Metafile) {
  const [output] = Object.values(metafile.outputs).filter((o) => o.entryPoint !== undefined);
  if (!output) throw new Error('esbuild wrote no entry point output');
  return output;
}

function sdkBytesOf(metafile: Metafile): number {
  return Object.entries(entryOutput(metafile).inputs)
    .filter(([path]) => SDK_PACKAGE.test(packageOf(path)))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

/** The `@aws-sdk/client-*` packages a bundle carries. */
function sdkClientsOf(metafile: Metafile): string[] {
  return [...new Set(Object.keys(entryOutput(metafile).inputs).map(packageOf))].filter((name) => name.startsWith('@aws-sdk/client-')).sort();
}

/** An entry that imports each client and constructs it, as a handler's first call would. */
function sdkOnlyEntry(clients: readonly string[]): string {
  const classes = clients.map((pkg, i) => ({ pkg, local: `C${i}`, exported: `${pascal(pkg.slice('@aws-sdk/client-'.length))}Client` }));
  return [
    ...classes.map((c) => `import { ${c.exported} as ${c.local} } from '${c.pkg}';`),
    `export const clients = [${classes.map((c) => `new ${c.local}({})`).join(', ')}];`,
  ].join('\n');
}

const CLIENT_CLASS: Readonly<Record<string, string>> = { dynamodb: 'DynamoDB', sfn: 'SFN', sesv2: 'SESv2', apigatewaymanagementapi: 'ApiGatewayManagementApi', 'secrets-manager': 'SecretsManager' };
const pascal = (id: string) => CLIENT_CLASS[id] ?? id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** Bytes of the minified output by the package they come from. */
function packagesOf(metafile: Metafile, top: number): PackageShare[] {
  const output = entryOutput(metafile);
  const bytes = new Map<string, number>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const name = packageOf(path);
    bytes.set(name, (bytes.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, size]) => ({ name, kb: round(size / KB), share: round((100 * size) / output.bytes) }));
}

function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return '(project)';
  const [first = '', second = ''] = path.slice(at + 'node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

const round = (value: number) => Math.round(value * 10) / 10;

export function bundleTable(measures: readonly BundleMeasure[]): string {
  const compared = measures.some((m) => m.sourceMaps !== undefined);
  const lines = [
    `| function | kB | cold import ms |${compared ? ' without / with --enable-source-maps |' : ''} largest parts | floor |`,
    `|---|--:|--:|${compared ? '--:|' : ''}---|---|`,
    ...measures.map(
      (m) =>
        `| ${m.name} | ${m.kb.toFixed(1)} | ${m.coldImportMs.toFixed(1)}${m.sourceMapsAtRunTime ? ' (maps)' : ''} |` +
        `${m.sourceMaps ? ` ${m.sourceMaps.offMs.toFixed(1)} / ${m.sourceMaps.onMs.toFixed(1)} |` : ''} ` +
        `${m.topPackages.map((p) => `${p.name} ${p.share.toFixed(0)} %`).join(', ')} | SDK ${m.sdkKb.toFixed(1)} kB; its clients alone ${m.sdkOnly.kb.toFixed(1)} kB, ${m.sdkOnly.coldImportMs.toFixed(1)} ms |`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const names = process.argv.slice(2).filter((arg) => !arg.startsWith('--')) as FunctionName[];
  const imports = Number(process.argv.find((arg) => arg.startsWith('--imports='))?.slice('--imports='.length) ?? DEFAULT_IMPORTS);
  const measures = await measureBundles({
    ...(names.length > 0 && { functions: names }),
    imports,
    compareSourceMaps: process.argv.includes('--source-maps'),
    topPackages: 6,
  });
  console.log(bundleTable(measures));
  console.log(
    `\nlargest ${Math.max(...measures.map((m) => m.kb)).toFixed(1)} kB, slowest import ${Math.max(...measures.map((m) => m.coldImportMs)).toFixed(1)} ms ` +
      `(median of ${imports}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)})`,
  );
}
