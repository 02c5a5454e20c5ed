import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CsmsStack } from '../../lib/csms-stack';
import { FUNCTION_NAMES, SECRET_VARIABLES, SETTING_VARIABLES, functionSpec, type FunctionName } from '../../lib/functions';
import { TABLES, type TableName } from '../../lib/tables';

// Each service of lambdas/aws/composition.ts reads its configuration when it is first built,
// and a function builds only the services its handler uses. The local runtime sets every
// variable for every handler, so only this test sees what a function in AWS starts with: it
// loads each handler with exactly the stack's environment for it, builds the services the
// handler imports from the composition root, and compares the variables they read with the function's
// declaration in lib/functions.ts: its tables, settings and secrets, no more and no fewer.

/**
 * The services that hand station events to the payment side (only where it is deployed), and
 * the payment-side services that take them: connector statuses and stations gone offline
 * move readers, transactions move sessions.
 */
const PAYMENT_SIDE_OF: Record<string, readonly string[]> = {
  chargingStations: ['stationReaders', 'sessionEvents'],
  calls: ['stationReaders'],
  stationEvents: ['stationReaders'],
};

let environments: Map<string, Record<string, string>>;

beforeAll(() => {
  // No synthesis needed: each function's environment is resolved from the construct tree.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CsmsStack(app, 'EnvCsms');
  environments = new Map(
    Object.entries(stack.functions).map(([name, fn]) => {
      const { environment } = fn.node.defaultChild as CfnFunction;
      const variables = (stack.resolve(environment) as { variables: Record<string, unknown> }).variables;
      // A value CloudFormation fills in at deploy time becomes a stand-in naming its variable.
      const resolved = Object.entries(variables).map(([variable, value]) => [
        variable,
        typeof value === 'string' ? value : `https://deploy-time.invalid/${variable}`,
      ]);
      return [name, Object.fromEntries(resolved)];
    }),
  );
});

const savedEnvironment = process.env;
afterEach(() => {
  process.env = savedEnvironment;
  vi.restoreAllMocks();
});

/**
 * The services a handler reaches: those it imports from lambdas/aws/composition.ts, in its file
 * and in the lambdas/aws helpers it imports (`import { calls, link } from './aws/composition'`).
 */
function servicesOf(name: FunctionName): string[] {
  const sources = [readFileSync(new URL(`../../lambdas/${name}.ts`, import.meta.url), 'utf8')];
  for (const [, helper] of sources[0]!.matchAll(/from '\.\/aws\/([\w-]+)'/g)) {
    if (helper !== 'composition') sources.push(readFileSync(new URL(`../../lambdas/aws/${helper}.ts`, import.meta.url), 'utf8'));
  }
  const imported = sources.flatMap((source) =>
    [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\.?\/(?:aws\/)?composition'/g)].flatMap((match) =>
      match[1]!.split(',').map((service) => service.trim()).filter(Boolean),
    ),
  );
  return [...new Set(imported)];
}

interface Started {
  /** Whether its services send frames to chargers (they read the `@connections` endpoint). */
  readonly reachesChargers: boolean;
  readonly tables: TableName[];
  readonly settings: string[];
  readonly secretsRead: string[];
}

/** Loads the handler and builds its services in a fresh module graph with `environment` only. */
async function start(name: FunctionName, environment: Record<string, string>): Promise<Started> {
  vi.resetModules();
  const read = new Set<string>();
  // What the Lambda runtime adds, and the variables the SDK needs to build (not to call) clients.
  const given: Record<string, string> = { AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...environment };
  process.env = new Proxy(given, {
    get: (target, key) => {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
  });
  const secretsRead: string[] = [];
  vi.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (command: any) => {
    secretsRead.push(command.input.SecretId);
    // The MyPayter login is JSON; the stand-in ARN names its variable.
    if (String(command.input.SecretId).includes('MYPAYTER')) return { SecretString: JSON.stringify({ username: 'u', password: 'p', domain: 'd' }) };
    return { SecretString: 's'.repeat(48) };
  });
  await import(`../../lambdas/${name}.ts`);
  const composition: Record<string, unknown> = await import('../../lambdas/aws/composition');
  const services = servicesOf(name);
  expect(services.length, `lambdas/${name}.ts reaches some service`).toBeGreaterThan(0);
  if ('PAYTER_API_URL' in given) services.push(...services.flatMap((service) => PAYMENT_SIDE_OF[service] ?? []));
  for (const service of services) {
    const build = composition[service];
    expect(build, `${service} in lambdas/${name}.ts`).toBeTypeOf('function');
    await (build as () => unknown)();
  }
  const tableOf = new Map(Object.entries(TABLES).map(([table, spec]) => [spec.envVar as string, table as TableName]));
  return {
    reachesChargers: read.has('WS_MANAGEMENT_ENDPOINT'),
    tables: [...read].flatMap((variable) => tableOf.get(variable) ?? []).sort(),
    settings: [...read].filter((variable) => Object.values(SETTING_VARIABLES).includes(variable)).sort(),
    secretsRead: secretsRead.sort(),
  };
}

describe('every function starts with the environment the stack gives it, and uses all of it', () => {
  it('builds every function of lib/functions.ts, and no other', () => {
    expect([...environments.keys()].sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  it.each(FUNCTION_NAMES)('%s', async (name) => {
    const environment = environments.get(name)!;
    const spec = functionSpec(name);
    const started = await start(name, environment);
    expect(started.reachesChargers, 'whether it sends frames to chargers').toBe(spec.stations !== undefined);
    expect(started.tables, 'the tables its services read').toEqual(Object.keys(spec.tables).sort());
    expect(started.settings, 'the settings its services read').toEqual((spec.settings ?? []).map((setting) => SETTING_VARIABLES[setting]).sort());
    expect(started.secretsRead, 'the secrets it reads').toEqual((spec.secrets ?? []).map((secret) => environment[SECRET_VARIABLES[secret]]).sort());
  });

  it('would notice a missing variable (the check is not vacuous)', async () => {
    const { READERS_TABLE: _left, ...withoutReaders } = environments.get('payter-terminal-state')!;
    await expect(start('payter-terminal-state', withoutReaders)).rejects.toThrow(/READERS_TABLE is not set/);
  });
});
