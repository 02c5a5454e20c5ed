/**
 * The fuzz suites' common parts: a seeded random source (FUZZ_SEED replays a run; a failure
 * prints it), snapshots of every local DynamoDB table to prove that a refused input stored
 * nothing, and the list of what went wrong.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { TABLES, type TableSpec } from '../../lib/tables';
import { localDynamoDb } from '../support/local-system';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261201);

/** mulberry32: small, fast and the same on every machine. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  string(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.'): string {
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(this.next() * alphabet.length)];
    return text;
  }
  /** Any UTF-16 text, lone surrogates and control characters included. */
  unicode(length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCharCode(this.pick([this.int(0, 0x1f), this.int(0x20, 0x7e), this.int(0x80, 0xffff)]));
    return text;
  }
}

/** Every item of every table, by table and key, as JSON. */
export type TablesSnapshot = Map<string, Map<string, string>>;

export async function snapshotTables(): Promise<TablesSnapshot> {
  const db = localDynamoDb();
  const snapshot: TablesSnapshot = new Map();
  await Promise.all(
    Object.values<TableSpec>(TABLES).map(async (spec) => {
      const table = process.env[spec.envVar]!;
      const items = new Map<string, string>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          const key = JSON.stringify([item[spec.partitionKey], spec.sortKey ? item[spec.sortKey] : null]);
          items.set(key, JSON.stringify(item, Object.keys(item).sort()));
        }
        start = page.LastEvaluatedKey;
      } while (start);
      snapshot.set(spec.id, items);
    }),
  );
  return snapshot;
}

/** What changed between two snapshots, one line per item (empty: nothing). */
export function tableChanges(before: TablesSnapshot, after: TablesSnapshot): string[] {
  const changes: string[] = [];
  for (const [table, items] of after) {
    const earlier = before.get(table) ?? new Map<string, string>();
    for (const [key, item] of items) {
      if (!earlier.has(key)) changes.push(`${table} ${key} added: ${item.slice(0, 300)}`);
      else if (earlier.get(key) !== item) changes.push(`${table} ${key} changed: ${item.slice(0, 300)}`);
    }
    for (const key of earlier.keys()) if (!items.has(key)) changes.push(`${table} ${key} removed`);
  }
  return changes;
}

/** Failures found in a run, each with what caused it; reported with the seed. */
export class Findings {
  private readonly found: string[] = [];
  private readonly kinds = new Map<string, number>();

  add(kind: string, detail: string): void {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    // The first few of each kind say enough.
    if ((this.kinds.get(kind) ?? 0) <= 5) this.found.push(`${kind}: ${detail.slice(0, 600)}`);
  }

  get count(): number {
    return [...this.kinds.values()].reduce((a, b) => a + b, 0);
  }

  report(suite: string): string {
    const counts = [...this.kinds].map(([kind, n]) => `${n} x ${kind}`).join(', ');
    return `${suite} with FUZZ_SEED=${FUZZ_SEED} found ${this.count} problem(s) (${counts}):\n${this.found.join('\n')}`;
  }
}

/** Catches rejections nobody handled while a suite runs (vitest would only say one happened). */
export function watchUnhandledRejections(findings: Findings): () => void {
  const onRejection = (reason: unknown) => findings.add('unhandled rejection', String((reason as Error)?.stack ?? reason));
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
