/**
 * When to try again after a connection is lost: exponential backoff with full
 * jitter, a limit on consecutive attempts (none by default), and a pause while
 * the platform reports the device offline or the page hidden.
 */
import { backoffDelay } from './backoff.js';
import { pauseReason, whenReachable, type ClientEnvironment, type PauseReason } from './environment.js';

/** The client options it reads (named as in `ParlorClientOptions`). */
export interface ReconnectorOptions {
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  maxReconnectAttempts: number;
  random: () => number;
  environment: ClientEnvironment;
  pauseWhenHidden: boolean;
}

export interface ReconnectPlan {
  /** 1 for the first retry after a good connection (its replay over) or a `connect()`. */
  attempt: number;
  delayMs: number;
}

export class Reconnector {
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private cancelWait: (() => void) | undefined;
  /** Bumped by `cancel`, so a callback that cancelled the plan stops it from going on. */
  private generation = 0;

  constructor(private readonly options: ReconnectorOptions) {}

  /** Retries planned since the last good connection or `connect()` (0 for a first connection). */
  get attempt(): number {
    return this.attempts;
  }

  /** True while a retry is waiting for its delay or for the platform. */
  get scheduled(): boolean {
    return this.timer !== undefined || this.cancelWait !== undefined;
  }

  /** A connection proved good (or the app called `connect()`): the next loss starts again from the shortest delay. */
  reset(): void {
    this.attempts = 0;
  }

  /** Plan the next retry, or undefined when `maxReconnectAttempts` are used up. */
  plan(): ReconnectPlan | undefined {
    const { maxReconnectAttempts, reconnectBaseMs, reconnectMaxMs, random } = this.options;
    if (this.attempts >= maxReconnectAttempts) return undefined;
    const delayMs = backoffDelay(this.attempts, { baseMs: reconnectBaseMs, maxMs: reconnectMaxMs, random });
    return { attempt: ++this.attempts, delayMs };
  }

  /**
   * After `delayMs`, call `open`; if the platform then says offline/hidden,
   * call `paused` first and `open` once that ends.
   */
  schedule(delayMs: number, paused: (reason: PauseReason) => void, open: () => void): void {
    this.cancel();
    const generation = this.generation;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const { environment, pauseWhenHidden } = this.options;
      const reason = pauseReason(environment, pauseWhenHidden);
      if (!reason) return open();
      paused(reason);
      if (generation !== this.generation) return;
      // whenReachable calls back at once when the platform is reachable again already (a `paused` listener changed
      // it): its canceller must not be kept then, or `scheduled` would stay true and no loss would be retried again.
      let reached = false;
      const cancel = whenReachable(environment, pauseWhenHidden, () => {
        reached = true;
        this.cancelWait = undefined;
        open();
      });
      if (!reached) this.cancelWait = cancel;
    }, delayMs);
  }

  /** Forget a scheduled retry (its timer and any platform listener). */
  cancel(): void {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.cancelWait?.();
    this.cancelWait = undefined;
  }
}
