import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INDEX_PROJECTION, TABLES, type TableName, type TableSpec } from '../tables';
import type { CsmsFunction, TableAccess } from './csms-function';

export interface DataTablesProps {
  /**
   * What happens to the tables (and their data) when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether DynamoDB refuses to delete the tables.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/** Which tables a function may use, and how. */
export type TableBindings = Partial<Record<TableName, TableAccess>>;

/**
 * One DynamoDB table per entry of `TABLES` (lib/tables.ts, shared with the local runtime), so
 * AWS and dynalite see the same keys: on demand, point-in-time recovery, AWS-managed
 * encryption, deletion protection, TTL and global indexes (keys only: lib/tables.ts) as
 * the spec says. Every key attribute is a string.
 */
export class DataTables extends Construct {
  private readonly tables: Record<TableName, TableV2>;

  constructor(scope: Construct, id: string, props: DataTablesProps = {}) {
    super(scope, id);
    const entries = (Object.keys(TABLES) as TableName[]).map(
      (name) => [name, this.createTable(TABLES[name], props)] as const,
    );
    this.tables = Object.fromEntries(entries) as Record<TableName, TableV2>;
  }

  /** The table built from `TABLES[name]`. */
  table(name: TableName): TableV2 {
    return this.tables[name];
  }

  /**
   * `fn.bindTable` for each table named, e.g. `{ stations: 'RO', sessions: 'RW' }`. Binding
   * a function to a table it already has only ever widens the access.
   */
  bind(fn: CsmsFunction, bindings: TableBindings): void {
    for (const [name, access] of Object.entries(bindings) as [TableName, TableAccess][]) {
      fn.bindTable(this.tables[name], TABLES[name], access);
    }
  }

  private createTable(spec: TableSpec, props: DataTablesProps): TableV2 {
    return new TableV2(this, spec.id, {
      partitionKey: stringKey(spec.partitionKey),
      sortKey: spec.sortKey === undefined ? undefined : stringKey(spec.sortKey),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      timeToLiveAttribute: spec.timeToLiveAttribute,
      globalSecondaryIndexes: spec.globalIndexes?.map((index) => ({
        indexName: index.name,
        partitionKey: stringKey(index.partitionKey),
        sortKey: index.sortKey === undefined ? undefined : stringKey(index.sortKey),
        projectionType: ProjectionType[INDEX_PROJECTION],
      })),
    });
  }
}

function stringKey(name: string): Attribute {
  return { name, type: AttributeType.STRING };
}
