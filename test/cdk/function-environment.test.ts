import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CsmsFunction } from '../../lib/constructs/csms-function';
import { CsmsStack } from '../../lib/csms-stack';

// The Lambdas read their configuration when their composition root is first built
// (lambdas/aws/csms-app.ts, lambdas/aws/payter-app.ts), and each repository reads its table's
// variable as it is built, whether or not the function ever uses it. The local runtime sets
// every variable for every handler, so only this test sees what a function in AWS starts with:
// it loads each handler and builds its composition roots with exactly that environment.

type Root = 'csms' | 'payter' | 'reconciliation';

/** The composition roots each handler builds, and why. */
const ROOTS: Record<string, readonly Root[]> = {
  'ocpp-authorizer': [],
  'ocpp-connect': ['csms'],
  // Station events reach the Payter side through csmsApp's withPayter hooks.
  'ocpp-message': ['csms', 'payter'],
  'ocpp-disconnect': ['csms', 'payter'],
  'station-command': ['csms'],
  'station-call-timer': ['csms'],
  // Sessions, refunds and reconciliation live on the Payter side.
  'ops-api': ['csms', 'payter'],
  'installer-api': ['payter'],
  'session-step': ['payter'],
  'session-sweeper': ['payter'],
  'payter-card-read': ['payter'],
  'payter-ui-callback': ['payter'],
  'payter-terminal-state': ['payter'],
  'receipt-page': [],
  'reconciliation-job': ['reconciliation'],
};

let environments: Map<string, Record<string, string>>;

beforeAll(() => {
  // No synthesis needed: each function's environment is resolved from the construct tree.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CsmsStack(app, 'EnvCsms');
  environments = new Map(
    stack.node
      .findAll()
      .filter((c): c is CsmsFunction => c instanceof CsmsFunction)
      .map((fn) => {
        const { environment } = fn.node.defaultChild as CfnFunction;
        const variables = (stack.resolve(environment) as { variables: Record<string, unknown> }).variables;
        // A value CloudFormation fills in at deploy time becomes a stand-in naming its variable.
        const resolved = Object.entries(variables).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : `https://deploy-time.invalid/${name}`,
        ]);
        return [fn.entryName, Object.fromEntries(resolved)];
      }),
  );
});

const savedEnvironment = process.env;
afterEach(() => {
  process.env = savedEnvironment;
  vi.restoreAllMocks();
});

/** Loads the handler module and builds its composition roots in a fresh module graph with `environment` only. */
async function start(entry: string, environment: Record<string, string>): Promise<string[]> {
  vi.resetModules();
  // What the Lambda runtime adds, and the variables the SDK needs to build (not to call) clients.
  process.env = { AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...environment };
  const secretsRead: string[] = [];
  vi.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (command: any) => {
    secretsRead.push(command.input.SecretId);
    // The MyPayter login is JSON; the stand-in ARN names its variable.
    if (String(command.input.SecretId).includes('MYPAYTER')) return { SecretString: JSON.stringify({ username: 'u', password: 'p', domain: 'd' }) };
    return { SecretString: 's'.repeat(48) };
  });
  await import(`../../lambdas/${entry}.ts`);
  if (ROOTS[entry]!.includes('csms')) (await import('../../lambdas/aws/csms-app')).csmsApp();
  if (ROOTS[entry]!.includes('payter')) await (await import('../../lambdas/aws/payter-app')).payterApp();
  if (ROOTS[entry]!.includes('reconciliation')) await (await import('../../lambdas/aws/reconciliation-app')).reconciliationJob();
  return secretsRead;
}

describe('every function starts with the environment the stack gives it', () => {
  it('names the composition roots of every function of the stack, and of no other', () => {
    expect([...environments.keys()].sort()).toEqual(Object.keys(ROOTS).sort());
    for (const [entry, roots] of Object.entries(ROOTS)) {
      const source = readFileSync(new URL(`../../lambdas/${entry}.ts`, import.meta.url), 'utf8');
      if (/\b(payterApp|withPayter)\b/.test(source)) expect(roots, entry).toContain('payter');
      if (/\breconciliationJob\b/.test(source)) expect(roots, entry).toContain('reconciliation');
      if (/\bcsmsApp\b/.test(source)) expect(roots.includes('csms') || roots.includes('payter'), entry).toBe(true);
    }
  });

  it.each(Object.keys(ROOTS))('%s', async (entry) => {
    const environment = environments.get(entry)!;
    const secretsRead = await start(entry, environment);
    if (ROOTS[entry]!.includes('payter')) {
      // Both Payter secrets come from Secrets Manager, by the ARNs the stack hands over.
      expect(secretsRead.sort()).toEqual(
        [environment.PAYTER_API_KEY_SECRET_ARN, environment.PAYTER_CALLBACK_SECRET_ARN].sort(),
      );
    } else if (ROOTS[entry]!.includes('reconciliation')) {
      // The CPS API key and the MyPayter login, never the callback secret.
      expect(secretsRead.sort()).toEqual([environment.PAYTER_API_KEY_SECRET_ARN, environment.MYPAYTER_CREDENTIALS_SECRET_ARN].sort());
    } else {
      expect(secretsRead).toEqual([]);
    }
  });

  it('would notice a missing variable (the check is not vacuous)', async () => {
    const { READERS_TABLE: _left, ...withoutReaders } = environments.get('payter-terminal-state')!;
    await expect(start('payter-terminal-state', withoutReaders)).rejects.toThrow(/READERS_TABLE is not set/);
  });
});
