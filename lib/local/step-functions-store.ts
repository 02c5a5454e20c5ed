/**
 * Keeps the local Step Functions executions on disk (one JSON file per execution under the
 * runtime's DATA_DIR), so that a restart finds them as AWS would: closed ones with their
 * history and outcome, running ones with the state they were in, its input, the callback
 * token it waits with and when its task, wait or execution times out.
 *
 * Writes are gathered per turn of the event loop and each file is replaced atomically
 * (write, then rename). A crash loses at most the last turn's changes, which the engine
 * tolerates: it resumes from the state before, and every step of the session workflow is
 * safe to run twice.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { JSONValue } from './step-functions-definition';

/** Where a running execution goes on from after a restart. */
export interface ResumePoint {
  readonly state: string;
  /** The state's input (before InputPath/Parameters). */
  readonly input: JSONValue;
  /** Its StateEntered event is in the history already. */
  readonly entered: boolean;
  /** The Task running in `state`: its callback token, whether its Lambda answered (then it only waits for the token), its deadline. */
  readonly task?: { readonly token?: string; readonly submitted: boolean; readonly deadlineAt?: number };
  /** The Wait running in `state` ends at this instant (epoch ms). */
  readonly waitUntil?: number;
  /** The last attempt of `state` failed with this error: it was pausing before a retry. */
  readonly failedWith?: string;
}

export interface StoredHistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: string;
  type: string;
  [details: string]: unknown;
}

export interface StoredExecution {
  readonly version: 1;
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** Epoch ms at which the execution times out (its scaled TimeoutSeconds). */
  readonly timeoutAt?: number;
  readonly retryAttempts: Record<string, number[]>;
  readonly resumePoint?: ResumePoint;
  readonly history: StoredHistoryEvent[];
}

export class ExecutionStore {
  private readonly pending = new Map<string, () => StoredExecution>();
  private flushing: NodeJS.Immediate | undefined;
  private frozen = false;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Every execution on disk, oldest first. */
  load(): StoredExecution[] {
    const executions: StoredExecution[] = [];
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith('.json')) continue;
      const stored = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as StoredExecution;
      if (stored.version === 1) executions.push(stored);
    }
    return executions.sort((a, b) => a.startDate.localeCompare(b.startDate));
  }

  /** Schedules a write of the execution's current record (`snapshot` is called at write time). */
  save(arn: string, snapshot: () => StoredExecution): void {
    if (this.frozen) return;
    this.pending.set(arn, snapshot);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Writes nothing more, like a process that died: what is on disk is what a restart finds. */
  freeze(): void {
    this.frozen = true;
    if (this.flushing) clearImmediate(this.flushing);
    this.pending.clear();
  }

  private flush(): void {
    this.flushing = undefined;
    if (this.frozen) return;
    for (const [arn, snapshot] of this.pending) {
      const file = join(this.dir, `${createHash('sha256').update(arn).digest('hex').slice(0, 32)}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify(snapshot()), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    }
    this.pending.clear();
  }
}
