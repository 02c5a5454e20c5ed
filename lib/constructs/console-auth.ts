import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClient,
  UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** The groups of the console's people: installers reach /installer, operators everything. */
export const CONSOLE_GROUPS = ['installers', 'operators'] as const;

/** The resource server of the installer and ops APIs and the scopes a machine client may hold (as a group). */
export const API_RESOURCE_SERVER = 'csms';
export const API_SCOPES = { installers: 'installer', operators: 'ops' } as const;

export interface ConsoleAuthProps {
  /** The console's sign-in callback and sign-out URLs (its address on the CloudFront distribution). */
  readonly consoleUrls: readonly string[];
  /**
   * The hosted sign-in domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`).
   * @default - the stack name, lower case
   */
  readonly domainPrefix?: string;
}

/**
 * Sign-in for the console and for scripts: a Cognito user pool with the `installers` and
 * `operators` groups, a public client for the console (authorization code with PKCE) and a
 * machine client (client credentials) whose scopes stand for the groups. The installer and ops
 * routes take its tokens through `authorizer`; the handlers refuse a route outside the caller's
 * group (403), as API Gateway's JWT authorizer checks scopes, not groups.
 */
export class ConsoleAuth extends Construct {
  readonly userPool: UserPool;
  readonly consoleClient: UserPoolClient;
  readonly machineClient: UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  /** The hosted sign-in's base URL. */
  readonly signInUrl: string;

  constructor(scope: Construct, id: string, props: ConsoleAuthProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      // People are invited by an operator; nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Refunds and remote OCPP commands are behind these accounts: a second factor always.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const group of CONSOLE_GROUPS) {
      new CfnUserPoolGroup(this, `${group[0]!.toUpperCase()}${group.slice(1)}Group`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description: group === 'operators' ? 'Operators: everything, including refunds' : 'Installers: sites, stations and readers',
      });
    }
    const scopes = Object.values(API_SCOPES).map(
      (name) => new ResourceServerScope({ scopeName: name, scopeDescription: `The ${name} API, for scripts` }),
    );
    const resourceServer = new UserPoolResourceServer(this, 'ApiResourceServer', {
      userPool: this.userPool,
      identifier: API_RESOURCE_SERVER,
      scopes,
    });
    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [...props.consoleUrls],
        logoutUrls: [...props.consoleUrls],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    this.machineClient = this.userPool.addClient('MachineClient', {
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { clientCredentials: true },
        scopes: scopes.map((scope) => OAuthScope.resourceServer(resourceServer, scope)),
      },
      accessTokenValidity: Duration.hours(1),
    });
    const domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? Stack.of(this).stackName.toLowerCase() },
    });
    this.signInUrl = domain.baseUrl();
    this.authorizer = new HttpJwtAuthorizer('ConsoleJwt', this.userPool.userPoolProviderUrl, {
      jwtAudience: [this.consoleClient.userPoolClientId, this.machineClient.userPoolClientId],
    });
  }
}
