import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/**
 * The account-and-region-wide role through which API Gateway writes WebSocket (and REST)
 * stage logs. Without it, a WebSocket stage with access logging fails to deploy with
 * "CloudWatch Logs role ARN must be set in account settings to enable logging"; HTTP APIs do
 * not need it. The role and the setting are retained when the stack goes: other APIs of the
 * account may log through them.
 */
export class ApiGatewayAccountLogging extends Construct {
  readonly role: Role;
  readonly account: CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const logGroupsOfThisAccount = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway account setting: pushes stage access and execution logs to CloudWatch Logs',
      // The statement of the AmazonAPIGatewayPushToCloudWatchLogs managed policy, narrowed
      // from every resource to this account's log groups in this region.
      inlinePolicies: {
        PushToCloudWatchLogs: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: [
                'logs:CreateLogGroup',
                'logs:CreateLogStream',
                'logs:DescribeLogGroups',
                'logs:DescribeLogStreams',
                'logs:PutLogEvents',
                'logs:GetLogEvents',
                'logs:FilterLogEvents',
              ],
              resources: [logGroupsOfThisAccount],
            }),
          ],
        }),
      },
    });
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.account = new CfnAccount(this, 'Setting', { cloudWatchRoleArn: this.role.roleArn });
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);

    acknowledge(this.role, {
      id: 'AwsSolutions-IAM5',
      reason:
        'API Gateway creates and names the log groups itself (API-Gateway-Execution-Logs_{apiId}/{stage}) for every API of the account; the wildcard is limited to log groups of this account and region.',
      appliesTo: ['Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*'],
    });
  }
}
