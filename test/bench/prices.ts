/**
 * us-east-1 list prices the cost model multiplies its counts by (on demand, beyond any free
 * tier, no Savings Plans). Each says where it was read and whether that source gave the number
 * itself ('confirmed') or the number is the one AWS published last we knew ('assumed'): check
 * https://aws.amazon.com/pricing/ before quoting a cost.
 */
export const PRICES_READ_ON = '2026-12-01';

export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly status: 'confirmed' | 'assumed';
  readonly source: string;
}

export const PRICES = {
  lambdaGbSecondArm: {
    usd: 0.0000133334,
    per: 'GB-second, arm64',
    status: 'confirmed',
    source: 'aws.amazon.com/lambda/pricing (as mirrored in artillery lib/platform/aws-lambda/prices.js: arm64 1333340e-11)',
  },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'request', status: 'confirmed', source: 'aws.amazon.com/lambda/pricing: $0.20 per million requests' },
  stepFunctionsTransition: {
    usd: 0.025 / 1000,
    per: 'state transition, Standard',
    status: 'confirmed',
    source: 'the Step Functions startup guide of aws/agent-toolkit-for-aws (architect-for-startups references): $0.025/1000 transitions',
  },
  dynamoWriteUnit: { usd: 0.625 / 1e6, per: 'write request unit, on demand', status: 'assumed', source: 'aws.amazon.com/dynamodb/pricing/on-demand (rates rendered client-side; the Nov 2024 price cut)' },
  dynamoReadUnit: { usd: 0.125 / 1e6, per: 'read request unit, on demand', status: 'assumed', source: 'as above' },
  webSocketMessage: { usd: 1.0 / 1e6, per: 'WebSocket message (32 KB unit), first billion', status: 'assumed', source: 'aws.amazon.com/api-gateway/pricing (32 KB metering confirmed there; rate rendered client-side)' },
  webSocketConnectionMinute: { usd: 0.25 / 1e6, per: 'WebSocket connection minute', status: 'confirmed', source: 'repost.aws question quoting aws.amazon.com/api-gateway/pricing: $0.25 per million connection minutes' },
  httpApiRequest: { usd: 1.0 / 1e6, per: 'HTTP API request, first 300 million', status: 'confirmed', source: 'aws.amazon.com/api-gateway/pricing worked example: $1.00/million' },
  logIngestionGb: { usd: 0.5, per: 'GB of CloudWatch Logs ingested (standard class)', status: 'assumed', source: 'aws.amazon.com/cloudwatch/pricing' },
  fargateVcpuHourArm: {
    usd: 0.03238,
    per: 'vCPU-hour, Fargate Linux/ARM',
    status: 'assumed',
    source: 'aws.amazon.com/fargate/pricing (x86 $0.000011244 per vCPU-second confirmed there = $0.04048/h; ARM 20 % lower)',
  },
  fargateGbHourArm: { usd: 0.00356, per: 'GB-hour, Fargate Linux/ARM', status: 'assumed', source: 'aws.amazon.com/fargate/pricing' },
  nlbHour: { usd: 0.0225, per: 'Network Load Balancer hour', status: 'assumed', source: 'aws.amazon.com/elasticloadbalancing/pricing' },
  nlbLcuHour: { usd: 0.006, per: 'NLB LCU-hour (TCP: 100,000 active connections or 800 new/s or 1 GB/h)', status: 'assumed', source: 'aws.amazon.com/elasticloadbalancing/pricing' },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof PRICES;

/**
 * What Lambda itself writes per invocation. Its START, END and REPORT lines (about 300 bytes) are
 * INFO system logs, and every function is deployed with system logs at WARN (lib/constructs/csms-function.ts).
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 0;
export const HOURS_PER_MONTH = 730;
