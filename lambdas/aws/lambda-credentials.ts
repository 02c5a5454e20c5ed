/**
 * The SDK's default credential chain as a Lambda bundle has it (lib/bundling.ts aliases
 * `@aws-sdk/credential-provider-node` to this file): the Lambda runtime hands the function its
 * role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the
 * first place the chain looks (AWS_PROFILE is never set there), so in a Lambda the chain ends
 * at its first link. The links it never reaches (SSO, STS web identity, profiles, processes,
 * container and instance metadata, with their clients) were about 130 kB of every bundle.
 * The local runtime and the tests run the sources, with the whole chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** What the SDK clients import from `@aws-sdk/credential-provider-node`; each client memoizes what it returns. */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
