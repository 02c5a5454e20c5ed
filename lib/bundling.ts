/**
 * How every Lambda is bundled, in one place: the CDK stack (lib/constructs/csms-function.ts,
 * through NodejsFunction) and the bundle benchmark (test/bench/bundles.ts, through esbuild's
 * API) both build from this constant, so what is measured is what is deployed.
 */
import type { BuildOptions } from 'esbuild';

/**
 * esbuild's ESM output has no `require`; a CommonJS dependency that calls it (several AWS SDK
 * and Powertools transitive dependencies do) needs one created from the module's URL.
 */
export const ESM_REQUIRE_SHIM = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_SHIM,
  minify: true,
  /**
   * A `.map` file beside the bundle, for reading stack traces (NODE_OPTIONS in
   * csms-function.ts); it maps to the repository's files and lines without carrying their
   * text, which keeps it small to ship and to parse.
   */
  sourceMap: true,
  sourcesContent: false,
  // The SDK versions are pinned in package.json and tested on Node 20 locally; the copy
  // in the Lambda runtime changes under us, so the pinned one is bundled.
  bundleAwsSDK: true,
} as const;

/**
 * Modules a bundle takes in place of others, as esbuild `alias` paths relative to the project
 * root (where CDK runs esbuild): the credential chain of a Lambda (lambdas/aws/lambda-credentials.ts).
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './lambdas/aws/lambda-credentials.ts',
};

/**
 * The esbuild options NodejsFunction derives from LAMBDA_BUNDLING (aws-lambda-nodejs'
 * `buildEsbuildArgs`: `--bundle --platform=node --outfile=index.mjs` and one flag per option,
 * `--alias:` from `esbuildArgs`),
 * for building a bundle outside CDK.
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions & { entryPoints: string[]; outfile: string } {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    // bundleAwsSDK: no externals at all.
    external: [],
    alias: { ...LAMBDA_ALIASES },
    logLevel: 'warning',
  };
}
