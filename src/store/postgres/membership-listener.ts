/**
 * Keeps one instance's membership cache honest on PostgreSQL, where every
 * instance changes group membership. `respond` and `leave` send a NOTIFY in the same
 * statement as its UPDATE (delivered only if it commits); each instance
 * LISTENs on one dedicated connection and drops the group from its cache.
 *
 * The cache is enabled only while the LISTEN is known to work: it starts
 * disabled, is enabled once LISTEN succeeded, and is disabled (and emptied)
 * as soon as the connection fails, ends, or misses a heartbeat. A partition
 * that silently drops notifications is therefore noticed within
 * `heartbeatMs + heartbeatTimeoutMs`; until then a cached list can be stale
 * by the membership changes of that window. Reconnects back off from 250 ms
 * to 10 s. LISTEN needs a session-level connection: behind PgBouncer, use
 * session pooling for Parlor or turn the cache off (`membershipCacheGroups: 0`).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import type { MembershipCache } from '../membership-cache.js';
import { endWithin, type PgDatabase } from './database.js';

/** What the listener needs of PgDatabase (a connection of its own), so a test can hand it a fake. */
export type DedicatedClientSource = Pick<PgDatabase, 'dedicatedClient'>;

export interface MembershipListenerOptions {
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  logger?: Logger;
}

const CHANNEL_PREFIX = 'parlor_membership:';
/** PostgreSQL's identifiers, channel names among them, are at most 63 bytes (NAMEDATALEN - 1). */
const MAX_CHANNEL_BYTES = 63;

/**
 * The NOTIFY channel of one schema's membership changes (a quoted identifier:
 * schema names are [a-z0-9_], one byte each). A schema name over 45
 * characters would make it too long: pg_notify refuses it, and LISTEN cuts it
 * short, so that schema's channel is named by a digest of the name instead.
 */
export function membershipChannel(schema: string | undefined): string {
  const plain = `${CHANNEL_PREFIX}${schema ?? ''}`;
  if (plain.length <= MAX_CHANNEL_BYTES) return plain;
  return `${CHANNEL_PREFIX}${createHash('sha256').update(schema ?? '').digest('hex').slice(0, MAX_CHANNEL_BYTES - CHANNEL_PREFIX.length)}`;
}

export class MembershipListener {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;
  private readonly heartbeatMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly db: DedicatedClientSource,
    private readonly cache: MembershipCache,
    readonly channel: string,
    private readonly options: MembershipListenerOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 2000;
    this.retryMinMs = options.retryMinMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
  }

  start(): void {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.drop();
    if (client) await endWithin(client.end(), [client]);
  }

  private async connect(): Promise<void> {
    this.retry = null;
    if (this.closed) return;
    // Named after the channel, so an operator (or a test) can tell it apart in pg_stat_activity.
    const client = this.db.dedicatedClient(this.channel.slice(0, 63));
    this.client = client;
    client.on('notification', (n) => {
      if (n.channel !== this.channel) return;
      const groupId = Number(n.payload);
      if (Number.isSafeInteger(groupId)) this.cache.invalidate(groupId);
      else this.cache.enable(); // not ours to parse: start from empty rather than keep anything
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client) return; // lost or closed while connecting
    if (this.failures > 0) this.options.logger?.info({ channel: this.channel }, 'membership cache: listening again');
    this.failures = 0;
    this.cache.enable();
    this.heartbeat = setInterval(() => this.beat(client), this.heartbeatMs).unref();
  }

  /** A round trip on the listening connection, so a connection that silently stopped is noticed. */
  private beat(client: pg.Client): void {
    const timer = setTimeout(() => this.lost(client, new Error('heartbeat timed out')), this.heartbeatTimeoutMs).unref();
    client.query('SELECT 1').then(
      () => clearTimeout(timer),
      (err: unknown) => {
        clearTimeout(timer);
        this.lost(client, err);
      },
    );
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.drop();
    void endWithin(client.end(), [client]);
    if (this.closed) return;
    const delay = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** this.failures);
    if (this.failures === 0) this.options.logger?.warn({ err, retryInMs: delay }, 'membership cache off: cannot listen for membership changes');
    this.failures += 1;
    this.retry = setTimeout(() => void this.connect(), delay).unref();
  }

  /** Stops trusting the cache and forgets the connection. */
  private drop(): void {
    this.client = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.cache.disable();
  }
}
