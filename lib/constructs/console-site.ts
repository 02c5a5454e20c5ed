import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  OriginRequestPolicy,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type CfnDistribution,
  type Distribution,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { OriginProtocolPolicy, OriginSslPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONSOLE_CONFIG_PATH, buildConsoleSync, consoleCsp, type SignInConfig } from '../local/console';
import { acknowledge, logicalIdOf } from './nag';

export interface ConsoleSiteProps {
  /** The existing CloudFront distribution (the OCPP edge) the console is served from. */
  readonly distribution: Distribution;
  /** The HTTP API (its id) whose routes the console calls, served on the same distribution. */
  readonly httpApiId: string;
  /** The first segments of the HTTP API's routes, e.g. `/installer`, `/ops`. */
  readonly apiPrefixes: readonly string[];
  /** The hosted sign-in the console sends people to (ConsoleAuth's domain and console client). */
  readonly signIn: Extract<SignInConfig, { signIn: 'cognito' }>;
}

/** The S3 key of each console path: `/` is the page, CloudFront's default root object. */
export const CONSOLE_PAGE_KEY = 'index.html';

/**
 * The console's static files on AWS: bundled at synth (the same esbuild build the local runtime
 * serves), kept in a private bucket that only the distribution reads (origin access control),
 * and served at `/` and `/console/*` with the local Content-Security-Policy, which admits the
 * hosted sign-in's token endpoint besides.
 */
export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly headersPolicy: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Files', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // Rebuilt from the repository on every deploy: nothing in it to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    acknowledge(this.bucket, {
      id: 'AwsSolutions-S1',
      reason: "Only the distribution reads this bucket (origin access control), and the distribution's standard logs record every request for it; the deployment alone writes it.",
    });
    this.headersPolicy = new ResponseHeadersPolicy(this, 'Headers', {
      comment: "The console's CSP and security headers, as the local runtime sends them",
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleCsp(props.signIn), override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const behaviour = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: this.headersPolicy,
      compress: true,
    };
    props.distribution.addBehavior(`/${CONSOLE_PAGE_KEY}`, behaviour.origin, behaviour);
    props.distribution.addBehavior('/console/*', behaviour.origin, behaviour);
    // `/` is the page: CloudFront asks for the default root object, matched to its behaviour.
    (props.distribution.node.defaultChild as CfnDistribution).addPropertyOverride('DistributionConfig.DefaultRootObject', CONSOLE_PAGE_KEY);

    // The APIs on the same origin as the page (the CSP's connect-src 'self'). Nothing cached:
    // every answer is per caller; Authorization goes in the cache key, which makes CloudFront
    // forward it, and the query string with it.
    const apiCache = new CachePolicy(this, 'ApiPassThrough', {
      comment: 'The HTTP API through the distribution: nothing kept, Authorization forwarded',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: CacheQueryStringBehavior.all(),
    });
    const apiOrigin = new HttpOrigin(`${props.httpApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    for (const prefix of props.apiPrefixes) {
      props.distribution.addBehavior(`${prefix}/*`, apiOrigin, {
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: apiCache,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: false,
      });
    }

    const files = buildConsoleSync();
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        ...[...files].map(([path, asset]) => Source.data(path === '/' ? CONSOLE_PAGE_KEY : path.slice(1), asset.body.toString('utf8'))),
        // The sign-in's domain and client id are known at deploy time only.
        Source.jsonData(CONSOLE_CONFIG_PATH.slice(1), props.signIn),
      ],
      // A deploy's new files show at once: the page and its script are revalidated each time.
      cacheControl: [CacheControl.noCache()],
      distribution: props.distribution,
      distributionPaths: [`/${CONSOLE_PAGE_KEY}`, '/console/*'],
      prune: true,
    });
    acknowledgeDeploymentFunction(Stack.of(this), this.bucket);
  }
}

/** cdk-nag's findings on the aws-s3-deployment singleton Lambda (CDK's own, not ours to shape). */
function acknowledgeDeploymentFunction(stack: Stack, bucket: Bucket): void {
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    acknowledge(
      child,
      {
        id: 'AwsSolutions-IAM4',
        reason: "aws-s3-deployment's own copy function uses the AWS managed basic execution role for its logs; it runs at deploy time only.",
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: "aws-s3-deployment's copy function reads the CDK asset bucket and replaces every console key (and invalidates the distribution): wildcards CDK sets, on those buckets.",
        appliesTo: [
          'Action::s3:GetBucket*',
          'Action::s3:GetObject*',
          'Action::s3:List*',
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
          `Resource::<${logicalIdOf(bucket)}.Arn>/*`,
          'Resource::*',
        ],
      },
      { id: 'AwsSolutions-L1', reason: "aws-s3-deployment pins its copy function's runtime; it runs at deploy time only, never on a request." },
    );
  }
}
