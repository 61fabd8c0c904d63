import type { Redis } from 'ioredis';

/** ioredis's rejection of a command that got no answer within `commandTimeout`. */
export function isNoAnswer(err: unknown): boolean {
  return err instanceof Error && err.message === 'Command timed out';
}

/**
 * Notices a Redis that stopped answering while its connection stays open (a
 * network partition, a frozen server): ioredis keeps such a connection
 * `ready`, so nothing else would. Every `intervalMs` it PINGs each ready
 * connection (a subscriber may PING too); a PING that the connection's
 * `commandTimeout` fails calls `onSilent` (for each connection that got no
 * answer; the broker acts on the first).
 */
export class RedisLiveness {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: ReadonlyArray<{ conn: Redis; role: string }>,
    private readonly onSilent: (role: string, err: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round of PINGs. */
  private check(): Promise<void> {
    return Promise.all(
      this.connections
        .filter(({ conn }) => conn.status === 'ready')
        .map(({ conn, role }) =>
          conn.ping().then(
            () => undefined,
            (err: unknown) => {
              if (isNoAnswer(err)) this.onSilent(role, err);
            },
          ),
        ),
    ).then(() => undefined);
  }
}
