import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CsmsStack, type CsmsStackProps } from '../lib/csms-stack';

// Settings come from CDK context (cdk.json or `-c name=value`); unset means the construct default.
const app = new App();

new CsmsStack(app, 'PayterCsms', {
  description: 'Payment-integrated EV charging backend: OCPP 1.6J CSMS driving Payter card readers',
  heartbeatIntervalSeconds: numberFromContext('heartbeatIntervalSeconds'),
  csmsCallTimeoutSeconds: numberFromContext('csmsCallTimeoutSeconds'),
  allowedCountries: listFromContext('allowedCountries'),
  manageApiGatewayAccountLogging: booleanFromContext('manageApiGatewayAccountLogging'),
  payterApiUrl: stringFromContext('payterApiUrl'),
  payterRefunds: stringFromContext('payterRefunds'),
  myPayterApiUrl: stringFromContext('myPayterApiUrl'),
  workflowLogLevel: stringFromContext('workflowLogLevel') as CsmsStackProps['workflowLogLevel'],
  consoleDomainPrefix: stringFromContext('consoleDomainPrefix'),
  workflowLogExecutionData: booleanFromContext('workflowLogExecutionData'),
  ocppDomainName: stringFromContext('ocppDomainName'),
  ocppCertificateArn: stringFromContext('ocppCertificateArn'),
  ocppOriginDomainName: stringFromContext('ocppOriginDomainName'),
  ocppOriginCertificateArn: stringFromContext('ocppOriginCertificateArn'),
  disableExecuteApiEndpoint: booleanFromContext('disableExecuteApiEndpoint'),
  publicRouteRateLimit: numberFromContext('publicRouteRateLimit'),
  publicRouteBurstLimit: numberFromContext('publicRouteBurstLimit'),
  receiptSender: stringFromContext('receiptSender'),
});

// cdk-nag 3 is a policy-validation plugin: any unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

function numberFromContext(name: string): number | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (Number.isNaN(number)) throw new Error(`context ${name} must be a number, got "${String(value)}"`);
  return number;
}

function stringFromContext(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined ? undefined : String(value);
}

function listFromContext(name: string): string[] | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return String(value).split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function booleanFromContext(name: string): boolean | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${name} must be true or false, got "${String(value)}"`);
}
