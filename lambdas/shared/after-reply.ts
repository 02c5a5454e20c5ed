/**
 * Work a frame causes that its reply need not wait for (the reader's live screen, a Payter
 * call): `afterReply` hands it to the handler that is answering, which runs it once the reply
 * is on its way (`answeringFirst`). Outside such a handler it runs at once, as it always did.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const deferred = new AsyncLocalStorage<(() => Promise<void>)[]>();

export async function afterReply(work: () => Promise<void>): Promise<void> {
  const queue = deferred.getStore();
  if (queue) queue.push(work);
  else await work();
}

/**
 * Runs `answer` (which computes and sends the reply), then the work it deferred, in order;
 * a failure of that work is reported to `failed` and never undoes the answer.
 */
export async function answeringFirst<T>(answer: () => Promise<T>, failed: (error: unknown) => void): Promise<T> {
  const queue: (() => Promise<void>)[] = [];
  const result = await deferred.run(queue, answer);
  for (const work of queue) await work().catch(failed);
  return result;
}
