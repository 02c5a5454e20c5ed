/**
 * What DynamoDB on-demand would bill for a request, computed from the items themselves:
 * dynalite's ConsumedCapacity leaves out index writes, and those are half the bill of a
 * table with several projecting indexes. The rules are AWS's published ones (item size,
 * 4 KB read and 1 KB write units, half a unit for an eventually consistent read, double for a
 * transaction, one index write per index whose entry is added, removed or changed).
 */

/** A DynamoDB attribute value in the wire format ({ S: 'x' }, { N: '1' }, { M: {...} }...). */
type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface IndexShape {
  readonly name: string;
  readonly keys: readonly string[];
  /** 'ALL', 'KEYS_ONLY', or the attributes INCLUDE projects (besides the keys). */
  readonly projection: 'ALL' | 'KEYS_ONLY' | readonly string[];
}

export interface TableShape {
  readonly keys: readonly string[];
  readonly indexes: readonly IndexShape[];
}

export interface Units {
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Write units spent on global secondary indexes (included in `writeUnits`). */
  readonly indexWriteUnits: number;
}

const READ_UNIT_BYTES = 4096;
const WRITE_UNIT_BYTES = 1024;

/** DynamoDB's item size: attribute names plus values (numbers about a byte per two digits). */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N':
      return Math.ceil(String(v).replace(/^-|\.|^0+/g, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'SS':
      return (v as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    case 'NS':
      return (v as string[]).reduce((sum, n) => sum + valueSize({ N: n }), 0);
    case 'BS':
      return (v as string[]).reduce((sum, b) => sum + valueSize({ B: b }), 0);
    case 'L':
      return 3 + (v as AttributeValue[]).reduce((sum, e) => sum + 1 + valueSize(e), 0);
    case 'M':
      return 3 + Object.entries(v as Item).reduce((sum, [k, e]) => sum + 1 + Buffer.byteLength(k) + valueSize(e), 0);
    default:
      return 1; // BOOL, NULL
  }
}

/** Read units of items read together (a Query page, one GetItem): one sum, rounded up once. */
export function readUnits(items: readonly (Item | undefined)[], consistent: boolean, transactional = false): number {
  const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  return transactional ? 2 * units : consistent ? units : units / 2;
}

/**
 * Units of one item write, from the item before and after it (undefined: absent). A write
 * whose condition failed still costs the table its write units, and no index any.
 */
export function writeUnits(table: TableShape, before: Item | undefined, after: Item | undefined, options: { failed?: boolean; transactional?: boolean } = {}): Units {
  const factor = options.transactional ? 2 : 1;
  const tableUnits = Math.max(1, Math.ceil(Math.max(itemSize(before), itemSize(after)) / WRITE_UNIT_BYTES));
  let indexUnits = 0;
  if (!options.failed) {
    for (const index of table.indexes) {
      const old = indexEntry(table, index, before);
      const now = indexEntry(table, index, after);
      const units = (entry: Item) => Math.max(1, Math.ceil(itemSize(entry) / WRITE_UNIT_BYTES));
      if (old && now) {
        const moved = index.keys.some((key) => JSON.stringify(old[key]) !== JSON.stringify(now[key]));
        if (moved) indexUnits += units(old) + units(now);
        else if (JSON.stringify(sorted(old)) !== JSON.stringify(sorted(now))) indexUnits += Math.max(units(old), units(now));
      } else if (old) indexUnits += units(old);
      else if (now) indexUnits += units(now);
    }
  }
  return { readUnits: 0, writeUnits: factor * (tableUnits + indexUnits), indexWriteUnits: factor * indexUnits };
}

/** The item as the index stores it, or undefined when the item is not in the (sparse) index. */
function indexEntry(table: TableShape, index: IndexShape, item: Item | undefined): Item | undefined {
  if (!item || index.keys.some((key) => item[key] === undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  const kept = new Set([...table.keys, ...index.keys, ...(index.projection === 'KEYS_ONLY' ? [] : index.projection)]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => kept.has(name)));
}

function sorted(item: Item): [string, AttributeValue][] {
  return Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** A DescribeTable answer's shape, as the meter needs it. */
export function tableShape(description: {
  KeySchema?: { AttributeName?: string }[];
  GlobalSecondaryIndexes?: { IndexName?: string; KeySchema?: { AttributeName?: string }[]; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } }[];
}): TableShape {
  const names = (schema: { AttributeName?: string }[] = []) => schema.map((k) => k.AttributeName!).filter(Boolean);
  return {
    keys: names(description.KeySchema),
    indexes: (description.GlobalSecondaryIndexes ?? []).map((gsi) => ({
      name: gsi.IndexName ?? '?',
      keys: names(gsi.KeySchema),
      projection:
        gsi.Projection?.ProjectionType === 'KEYS_ONLY' ? 'KEYS_ONLY' : gsi.Projection?.ProjectionType === 'INCLUDE' ? (gsi.Projection.NonKeyAttributes ?? []) : 'ALL',
    })),
  };
}

/** The key of an item under the table's key schema. */
export function keyOf(table: TableShape, item: Item): Item {
  return Object.fromEntries(table.keys.map((key) => [key, item[key]!]));
}
