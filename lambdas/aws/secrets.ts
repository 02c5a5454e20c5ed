/**
 * Secrets for the Lambdas: on AWS from Secrets Manager (the ARN in `arnVariable`), read once
 * per container; locally the value itself in `localVariable`.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getStringFromEnv } from '../shared/config';

let secrets: SecretsManagerClient | undefined;
const cache = new Map<string, Promise<string>>();

export async function secret(arnVariable: string, localVariable: string): Promise<string> {
  const arn = process.env[arnVariable];
  if (!arn) return getStringFromEnv(localVariable);
  let value = cache.get(arn);
  if (!value) {
    secrets ??= new SecretsManagerClient({});
    value = secrets.send(new GetSecretValueCommand({ SecretId: arn })).then((answer) => {
      if (!answer.SecretString) throw new Error(`secret ${arnVariable} is empty`);
      return answer.SecretString;
    });
    // A failed read is retried on the next call instead of being cached.
    value.catch(() => cache.delete(arn));
    cache.set(arn, value);
  }
  return value;
}
