/**
 * The reads the page makes in bulk (every group's member list at boot and
 * when membership may have changed, a history page per conversation to learn
 * who wrote in it) go through one queue: a few at a time, and a read the
 * server refused with 429 is tried again after its `Retry-After`. Fired all at
 * once, a user in ~60 groups spends the whole per-user read burst
 * (`HTTP_READ_BURST`) at boot and loses member lists, and so contacts, to 429s.
 */
import { ApiError } from './api.js';

/** Reads in flight at once: enough to boot quickly, few enough to leave the user's own reads room. */
const AT_ONCE = 3;
/** Tries after the first one for a read refused with 429. */
const RETRIES_AFTER_429 = 3;
/** The wait after a 429 without a usable `Retry-After`. */
const DEFAULT_RETRY_MS = 1_000;

class ReadQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly atOnce: number) {}

  /** Runs `read` when a slot is free; the slot is held through its retries, which slows the whole queue down. */
  async run<T>(read: () => Promise<T>): Promise<T> {
    await this.slot();
    try {
      return await retryAfter429(read);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private slot(): Promise<void> {
    return new Promise((resolve) => {
      const take = () => {
        this.running++;
        resolve();
      };
      if (this.running < this.atOnce) take();
      else this.waiting.push(take);
    });
  }
}

async function retryAfter429<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 429 || attempt >= RETRIES_AFTER_429) throw err;
      await new Promise((resolve) => setTimeout(resolve, err.retryAfterMs ?? DEFAULT_RETRY_MS));
    }
  }
}

/** The page's one queue for bulk reads. */
export const bulkReads = new ReadQueue(AT_ONCE);
