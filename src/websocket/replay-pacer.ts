import type { Connection } from './connection.js';

/**
 * Paces the writes of one `sync` replay by bytes. A frame is written while the
 * socket's buffer plus that frame stays within `budget`; otherwise the pacer
 * waits until the replay's earlier frames have left the buffer (their write
 * callbacks: the socket handed them to the kernel, or failed them when it
 * closed), or until the server shuts down. No timer, no polling: a replay to a
 * client that reads slowly just waits.
 *
 * When nothing of the replay is in the buffer (live frames filled it), the
 * frame is written anyway: the replay then adds at most one frame to what the
 * slow-consumer rule already governs.
 */
export class ReplayPacer {
  /** Replay frames handed to the socket whose write has not completed. */
  private unwritten = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly budget: number,
    private readonly shutdown: AbortSignal,
  ) {}

  /** The connection closed or the server is shutting down: the replay must stop. */
  get stopped(): boolean {
    return !this.conn.isOpen || this.shutdown.aborted;
  }

  /** True when a frame of `bytes` must wait for room in the buffer. */
  mustWait(bytes: number): boolean {
    return !this.stopped && this.unwritten > 0 && this.conn.bufferedBytes + bytes > this.budget;
  }

  /** Resolves once a frame of `bytes` fits, or the replay must stop (check `stopped`). */
  async roomFor(bytes: number): Promise<void> {
    while (this.mustWait(bytes)) await this.progress();
  }

  /** Writes a stored frame of the replay; `onWritten` (the `delivered` receipt) runs after the write. */
  write(frame: Buffer, onWritten?: (err?: Error) => void): void {
    this.unwritten++;
    this.conn.send(frame, (err) => {
      this.unwritten--;
      onWritten?.(err);
      this.wake?.();
    });
  }

  /** The next completed write of this replay, or the shutdown. */
  private progress(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = undefined;
        this.shutdown.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      this.shutdown.addEventListener('abort', done, { once: true });
    });
  }
}
