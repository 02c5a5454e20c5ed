import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf } from '../../lib/constructs/nag';
import { CsmsStack } from '../../lib/csms-stack';
import { CONSOLE_CSP, consoleCsp } from '../../lib/local/console';

let stack: CsmsStack;
let template: Template;

beforeAll(() => {
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  stack = new CsmsStack(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }), 'ConsoleTest');
  template = Template.fromStack(stack);
});

type Resource = { Type: string; Properties: Record<string, unknown> };
const ofType = (type: string) => Object.entries(template.findResources(type) as Record<string, Resource>);

describe("the console's sign-in", () => {
  it('has the installers and operators groups in its user pool', () => {
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties);
    expect(groups.map((group) => group.GroupName).sort()).toEqual(['installers', 'operators']);
    for (const group of groups) expect(group.UserPoolId).toEqual({ Ref: logicalIdOf(stack.consoleAuth.userPool) });
  });

  it('asks for a strong password and a second factor', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: { MinimumLength: 12, RequireSymbols: true, RequireUppercase: true, RequireNumbers: true } },
    });
  });

  it('gives the console a public code-with-PKCE client and scripts a client-credentials client with the csms scopes', () => {
    const clients = Object.fromEntries(ofType('AWS::Cognito::UserPoolClient').map(([id, client]) => [id, client.Properties]));
    const consoleClient = clients[logicalIdOf(stack.consoleAuth.consoleClient)]!;
    expect(consoleClient.AllowedOAuthFlows).toEqual(['code']);
    expect(consoleClient.GenerateSecret).toBe(false);
    const machineClient = clients[logicalIdOf(stack.consoleAuth.machineClient)]!;
    expect(machineClient.AllowedOAuthFlows).toEqual(['client_credentials']);
    expect(machineClient.GenerateSecret).toBe(true);
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'csms',
      Scopes: [
        { ScopeName: 'installer', ScopeDescription: 'The installer API, for scripts' },
        { ScopeName: 'ops', ScopeDescription: 'The ops API, for scripts' },
      ],
    });
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });
});

describe('the installer and ops routes', () => {
  it('take only JWTs of the user pool, issued to either client', () => {
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer').filter(([, a]) => a.Properties.AuthorizerType === 'JWT');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    const config = authorizer.Properties.JwtConfiguration as { Audience: unknown[]; Issuer: unknown };
    expect(config.Audience).toEqual([
      { Ref: logicalIdOf(stack.consoleAuth.consoleClient) },
      { Ref: logicalIdOf(stack.consoleAuth.machineClient) },
    ]);
    expect(JSON.stringify(config.Issuer)).toContain(logicalIdOf(stack.consoleAuth.userPool));

    const routes = ofType('AWS::ApiGatewayV2::Route')
      .map(([, route]) => route.Properties)
      .filter((route) => /^\w+ \/(installer|ops)\//.test(String(route.RouteKey)));
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(['ANY /installer/{proxy+}', 'ANY /ops/{proxy+}']);
    for (const route of routes) {
      expect(route.AuthorizationType).toBe('JWT');
      expect(route.AuthorizerId).toEqual({ Ref: authorizerId });
    }
  });

  it('leave no route IAM-authorized or open besides the public Payter callbacks and e-receipts', () => {
    const open = ofType('AWS::ApiGatewayV2::Route')
      .filter(([, route]) => route.Properties.AuthorizationType === 'NONE' && route.Properties.ApiId !== undefined)
      .map(([, route]) => String(route.Properties.RouteKey))
      .filter((key) => key.includes('/'));
    expect(open.every((key) => /\/(payter|receipts)\//.test(key))).toBe(true);
  });
});

describe("the console's files", () => {
  it('sit in a private bucket that only the distribution reads, through origin access control', () => {
    const bucketId = logicalIdOf(stack.consoleSite.bucket);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    expect((template.findResources('AWS::S3::Bucket')[bucketId] as Resource).Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties.Bucket).includes(bucketId))!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, any>[] }).Statement;
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(allows[0]!.Action).toBe('s3:GetObject');
    expect(JSON.stringify(allows[0]!.Condition.StringEquals['AWS:SourceArn'])).toContain(logicalIdOf(stack.ocppGateway.distribution));
    // Plain HTTP refused.
    expect(statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'))).toBe(true);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
  });

  it('are served at / and /console/* of the existing distribution with the local CSP, which admits the hosted sign-in too', () => {
    const [, distribution] = ofType('AWS::CloudFront::Distribution')[0]!;
    const config = distribution.Properties.DistributionConfig as Record<string, any>;
    expect(config.DefaultRootObject).toBe('index.html');
    const behaviours = (config.CacheBehaviors as Record<string, any>[]).filter((b) => ['/console/*', '/index.html'].includes(b.PathPattern));
    expect(behaviours).toHaveLength(2);
    const s3Origin = (config.Origins as Record<string, any>[]).find((origin) => origin.S3OriginConfig !== undefined)!;
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    const policies = ofType('AWS::CloudFront::ResponseHeadersPolicy');
    expect(policies).toHaveLength(1);
    const [policyId, policy] = policies[0]!;
    for (const behaviour of behaviours) {
      expect(behaviour.TargetOriginId).toBe(s3Origin.Id);
      expect(behaviour.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    }
    const security = (policy.Properties.ResponseHeadersPolicyConfig as Record<string, any>).SecurityHeadersConfig;
    // The local policy with one more connect source: the hosted sign-in's token endpoint.
    const domain = stack.resolve(stack.consoleAuth.signInUrl);
    expect(security.ContentSecurityPolicy.Override).toBe(true);
    const deployed = security.ContentSecurityPolicy.ContentSecurityPolicy;
    expect(deployed).toEqual(stack.resolve(consoleCsp({ signIn: 'cognito', domain: stack.consoleAuth.signInUrl, clientId: 'any' })));
    const text = (deployed['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<domain>')).join('');
    expect(text).toBe(CONSOLE_CSP.replace("connect-src 'self'", "connect-src 'self' https://<domain>.auth.<domain>.amazoncognito.com"));
    expect(JSON.stringify(domain)).toContain(logicalIdOf(stack.consoleAuth.userPool.node.findChild('Domain')));
    expect(CONSOLE_CSP).toContain("script-src 'self'");
  });

  it('call the APIs on the same origin: every HTTP API route prefix goes through the distribution, uncached, Authorization forwarded', () => {
    const [, distribution] = ofType('AWS::CloudFront::Distribution')[0]!;
    const config = distribution.Properties.DistributionConfig as Record<string, any>;
    const apiBehaviours = (config.CacheBehaviors as Record<string, any>[]).filter((b) => !['/console/*', '/index.html'].includes(b.PathPattern));
    expect(apiBehaviours.map((b) => b.PathPattern).sort()).toEqual(['/installer/*', '/ops/*', '/payter/*', '/receipts/*']);
    const apiOrigin = (config.Origins as Record<string, any>[]).find((origin) => JSON.stringify(origin.DomainName).includes(logicalIdOf(stack.httpApi.api)))!;
    const [cachePolicyId, cachePolicy] = ofType('AWS::CloudFront::CachePolicy')[0]!;
    const cacheConfig = cachePolicy.Properties.CachePolicyConfig as Record<string, any>;
    expect(cacheConfig.DefaultTTL).toBe(0);
    expect(cacheConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({ HeaderBehavior: 'whitelist', Headers: ['Authorization'] });
    for (const behaviour of apiBehaviours) {
      expect(behaviour.TargetOriginId).toBe(apiOrigin.Id);
      expect(behaviour.AllowedMethods).toContain('POST');
      expect(behaviour.CachePolicyId).toEqual({ Ref: cachePolicyId });
    }
  });

  it('are the console build, deployed at synth with no build step of its own', () => {
    template.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  it("tell the page where to sign in: the hosted domain and the console client, and Cognito sends people back to the page's own address", () => {
    const [, deployment] = ofType('Custom::CDKBucketDeployment')[0]!;
    // Source.jsonData's deploy-time values: the config file's markers resolve to these two.
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);
    expect(markers).toContain(logicalIdOf(stack.consoleAuth.consoleClient));
    expect(markers).toContain(logicalIdOf(stack.consoleAuth.userPool.node.findChild('Domain')));
    const consoleClient = ofType('AWS::Cognito::UserPoolClient').find(([id]) => id === logicalIdOf(stack.consoleAuth.consoleClient))![1].Properties;
    // The page's redirect URI is `${location.origin}/`: the distribution's address with a slash.
    const distribution = logicalIdOf(stack.ocppGateway.distribution);
    expect(consoleClient.CallbackURLs).toEqual([{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, '/']] }]);
    expect(consoleClient.LogoutURLs).toEqual(consoleClient.CallbackURLs);
  });

  it('take the hosted sign-in domain prefix from the stack setting', () => {
    const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
    const named = new CsmsStack(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }), 'ConsoleNamed', { consoleDomainPrefix: 'acme-charging' });
    Template.fromStack(named).hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-charging' });
  });
});
