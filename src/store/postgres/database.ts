/**
 * The pg Pool every PostgreSQL store shares, with the three things the
 * stores need around it: bounded waits (connect, query), transactions that
 * never return a broken connection to the pool, and a close() that lets the
 * queries already started finish before the pool ends.
 */
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { asInputError, connectionUsable } from './sql-errors.js';
import { PendingWork } from '../../pending-work.js';

export interface PgDatabaseOptions {
  /** `postgres://user:pass@host:port/db`; credentials never leave this object. */
  connectionString: string;
  /**
   * Schema for every table (created when missing); must be a lowercase SQL
   * identifier. Default `parlor`: Parlor's tables never land among a host's
   * (its `users` or `session` table in `public`).
   */
  schema?: string;
  /** Connections at most (default 10). */
  poolSize?: number;
  /** How long a query waits for a connection, new or pooled (default 5000 ms). */
  connectionTimeoutMs?: number;
  /**
   * Bound on one statement: sent as statement_timeout, and enforced by the
   * client too, so a server that stopped answering also fails (default 10000 ms).
   */
  queryTimeoutMs?: number;
  logger?: Logger;
}

/** The one place ids become numbers: bigint columns and count(*) (JSON integers per the contract). */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Where Parlor's tables live unless told otherwise (DATABASE_SCHEMA, the `schema` option). */
export const DEFAULT_SCHEMA = 'parlor';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new TypeError(`schema must be a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters), got ${JSON.stringify(schema)}`);
  }
}

/** `postgres://host:port/db`, without user, password or query. */
export function describeConnection(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    return `postgres://${host}:${url.port || '5432'}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'postgres://<unparseable url>';
  }
}

/**
 * The pool's settings. The schema goes into the startup `options`
 * (`-c search_path=...`), appended to any the URL already carries: pg lets the
 * URL's parameters win over the config object's.
 */
function poolConfig(options: PgDatabaseOptions & { schema: string }): pg.PoolConfig {
  const queryTimeout = options.queryTimeoutMs ?? 10_000;
  const config: pg.PoolConfig = {
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    statement_timeout: queryTimeout,
    query_timeout: queryTimeout + 1000,
    // Our transactions never wait on anything but their own statements. One
    // whose client vanished (partition, frozen process) is ended by the server
    // after this long, releasing its locks, the message lock included, which
    // every instance's message inserts wait for.
    idle_in_transaction_session_timeout: queryTimeout,
    keepAlive: true,
    application_name: 'parlor',
    types,
  };
  const searchPath = `-c search_path=${options.schema}`;
  try {
    const url = new URL(options.connectionString);
    const existing = url.searchParams.get('options');
    url.searchParams.set('options', existing ? `${existing} ${searchPath}` : searchPath);
    config.connectionString = url.toString();
  } catch {
    config.options = searchPath; // a bare socket path: no URL parameters to merge with
  }
  return config;
}

/**
 * How long closing waits for PostgreSQL to acknowledge the end of a
 * connection. `end()` waits for the server to close the socket; across a
 * partition that is TCP's retransmission timeout (minutes), and shutdown
 * would hang on it: after this, the socket is destroyed.
 */
export const END_TIMEOUT_MS = 2000;

/** Waits for `ending` at most END_TIMEOUT_MS, then destroys the sockets of `clients` (they are ours to drop). */
export async function endWithin(ending: Promise<unknown>, clients: Iterable<object>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), END_TIMEOUT_MS).unref()));
  const late = await Promise.race([ending.then(() => false, () => false), timedOut]);
  clearTimeout(timer);
  if (late) for (const client of clients) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** What runs a statement: the pool (PgDatabase) or the client of a transaction under way. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export class PgDatabase {
  readonly pool: pg.Pool;
  readonly description: string;
  /** Every table's schema: the search_path of each connection, nothing else. */
  readonly schema: string;
  private readonly inflight = new PendingWork();
  private readonly connections = new Set<pg.PoolClient>();
  private closing: Promise<void> | null = null;
  private readonly config: pg.PoolConfig;

  constructor(options: PgDatabaseOptions) {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    assertSchemaName(schema);
    const poolSize = options.poolSize ?? 10;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new TypeError(`poolSize must be a positive integer, got ${poolSize}`);
    this.schema = schema;
    this.description = describeConnection(options.connectionString);
    this.config = poolConfig({ ...options, schema });
    this.pool = new pg.Pool(this.config);
    // The pool's connections, so close() can drop them when the server no longer answers (endWithin).
    this.pool.on('connect', (client) => void this.connections.add(client));
    this.pool.on('remove', (client) => void this.connections.delete(client));
    // An idle connection that breaks (server restart, network) is dropped by
    // the pool; without a listener the 'error' event would kill the process.
    this.pool.on('error', (err) => options.logger?.warn({ err: err.message, store: this.description }, 'idle PostgreSQL connection lost'));
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** One statement on any pooled connection (autocommit). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.track(() =>
      this.pool.query<R>(text, values).catch((err: unknown) => {
        throw asInputError(err);
      }),
    );
  }

  async rows<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    return (await this.query<R>(text, values)).rows;
  }

  /** `work` inside BEGIN ... COMMIT; any throw rolls back and rethrows. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    }, true);
  }

  /**
   * A connection of its own for `work`. When `work` throws, an open
   * transaction is rolled back (`inTransaction`), and a connection that may
   * be out of sync (client-side timeout, lost socket) is destroyed rather
   * than pooled.
   */
  withClient<T>(work: (client: pg.PoolClient) => Promise<T>, inTransaction = false): Promise<T> {
    return this.track(async () => {
      const client = await this.pool.connect();
      // A socket error while no query runs would otherwise be an unhandled 'error' event.
      let lost: Error | undefined;
      const onError = (err: Error) => void (lost = err);
      client.on('error', onError);
      const release = (err?: Error) => {
        client.removeListener('error', onError);
        client.release(err ?? lost);
      };
      try {
        const value = await work(client);
        release();
        return value;
      } catch (err) {
        if (!connectionUsable(err) || lost) {
          release(err instanceof Error ? err : new Error(String(err)));
        } else if (inTransaction) {
          try {
            await client.query('ROLLBACK');
            release();
          } catch (rollbackErr) {
            release(rollbackErr as Error);
          }
        } else {
          release();
        }
        throw asInputError(err);
      }
    });
  }

  /**
   * A connection outside the pool, with the pool's settings but no statement
   * or query timeout: for migrations, which may legitimately run (or wait for
   * another instance's migration) longer than any request should, and for the
   * membership listener. The caller connects and ends it.
   */
  dedicatedClient(applicationName?: string): pg.Client {
    const { statement_timeout: _s, query_timeout: _q, idle_in_transaction_session_timeout: _i, max: _m, ...config } = this.config;
    return new pg.Client(applicationName ? { ...config, application_name: applicationName } : config);
  }

  /** Refuses new work, waits for the statements already started, then ends the pool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.inflight.drained();
      await endWithin(this.pool.end(), this.connections);
    })();
    return this.closing;
  }

  private track<T>(run: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('the PostgreSQL store is closed'));
    return this.inflight.add(run());
  }
}
