import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataTables } from './constructs/data-tables';
import { CsmsHttpApi } from './constructs/http-api';
import { OcppGateway } from './constructs/ocpp-gateway';
import { SessionWorkflow } from './constructs/session-workflow';

export interface CsmsStackProps extends StackProps {
  /**
   * The heartbeat interval BootNotification hands to chargers, 1 to 540 s.
   * @default 300
   */
  readonly heartbeatIntervalSeconds?: number;
  /**
   * How long the CSMS waits for a charger's answer to its CALL.
   * @default 30
   */
  readonly csmsCallTimeoutSeconds?: number;
  /**
   * ISO 3166-1 alpha-2 codes of the countries chargers may connect from.
   * @default - every country
   */
  readonly allowedCountries?: readonly string[];
  /**
   * Whether the stack sets the account-wide API Gateway CloudWatch Logs role.
   * @default true
   */
  readonly manageApiGatewayAccountLogging?: boolean;
}

/** The payment-integrated CSMS on AWS: data, OCPP gateway, session workflow, HTTP APIs. */
export class CsmsStack extends Stack {
  readonly tables: DataTables;
  readonly ocppGateway: OcppGateway;
  readonly sessionWorkflow: SessionWorkflow;
  readonly httpApi: CsmsHttpApi;

  constructor(scope: Construct, id: string, props: CsmsStackProps = {}) {
    super(scope, id, props);

    this.tables = new DataTables(this, 'Data');

    this.ocppGateway = new OcppGateway(this, 'Ocpp', {
      tables: this.tables,
      heartbeatIntervalSeconds: props.heartbeatIntervalSeconds,
      csmsCallTimeoutSeconds: props.csmsCallTimeoutSeconds,
      allowedCountries: props.allowedCountries,
      manageApiGatewayAccountLogging: props.manageApiGatewayAccountLogging,
    });

    this.sessionWorkflow = new SessionWorkflow(this, 'SessionWorkflow', {
      tables: this.tables,
      stationConnections: this.ocppGateway,
    });
    // StartTransaction / StopTransaction and the answers to the workflow's CALLs complete its tasks.
    this.sessionWorkflow.bindTaskCallbacks(this.ocppGateway.messageFunction);

    this.httpApi = new CsmsHttpApi(this, 'Http');

    const installerApi = this.httpApi.addFunctionRoute('installer-api', { path: '/installer/{proxy+}' });
    this.tables.bind(installerApi, { sites: 'RW', stations: 'RW', readers: 'RW' });

    const opsApi = this.httpApi.addFunctionRoute('ops-api', { path: '/ops/{proxy+}' });
    this.tables.bind(opsApi, {
      stations: 'RO',
      connections: 'RO',
      transactions: 'RO',
      pendingCalls: 'RW',
      sessions: 'RO',
    });
    this.ocppGateway.bindStationConnections(opsApi);
    this.sessionWorkflow.bindOperations(opsApi);

    // Payter (a later issue): a Secrets Manager secret holding the CPS API key, handed to the
    // Payter functions as PAYTER_API_KEY_SECRET_ARN with read access, and the callback routes,
    // public because their URLs carry capability tokens:
    //   const payterCallbacks = this.httpApi.addFunctionRoute('payter-callbacks',
    //     { path: '/payter/{proxy+}', publicBecause: 'Payter cannot sign requests; callback URLs carry capability tokens' });

    new CfnOutput(this, 'WebSocketApiUrl', {
      description: 'The WebSocket API itself (chargers that can add ?stationId=...)',
      value: this.ocppGateway.stage.url,
    });
    new CfnOutput(this, 'OcppEndpointUrl', {
      description: 'The OCPP 1.6J URL chargers are configured with',
      value: this.ocppGateway.ocppUrl,
    });
    new CfnOutput(this, 'HttpApiUrl', {
      description: 'Installer (/installer), ops (/ops) and Payter callback API, IAM-authorized',
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'SessionStateMachineArn', {
      description: 'The charging-session workflow; executions are named after session ids',
      value: this.sessionWorkflow.stateMachine.stateMachineArn,
    });
  }
}
