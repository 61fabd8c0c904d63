/**
 * Names for the people a page shows (contract section 4, "names for
 * clients"): `GET /api/users?ids=` answered once per id for the life of the
 * page. Ids asked for in the same tick go out in one request (at most 100 ids
 * each); an id the server does not know is remembered as unknown, so it is
 * never asked for again.
 */
import { TypedEmitter } from './emitter.js';
import { MAX_PROFILE_IDS_PER_REQUEST } from '../wire-limits.js';

export interface Profile {
  id: number;
  username: string;
  display_name?: string;
  avatar_url?: string;
}

/** Fetches the profiles of these ids (at most 100); ids that do not exist are simply absent. */
export type FetchProfiles = (ids: readonly number[]) => Promise<Profile[]>;

/** The server's limit on ids per `GET /api/users` (MAX_PROFILE_IDS_PER_REQUEST, src/wire-limits.ts). */
export const MAX_IDS_PER_REQUEST = MAX_PROFILE_IDS_PER_REQUEST;

export interface ProfileCacheEvents {
  /** Profiles arrived (re-render what shows names). */
  loaded: Profile[];
  /** A request failed; its ids may be asked for again later. */
  error: unknown;
}

export class ProfileCache extends TypedEmitter<ProfileCacheEvents> {
  private readonly known = new Map<number, Profile | null>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private queued = new Set<number>();
  private flushScheduled: Promise<void> | null = null;

  constructor(private readonly fetchProfiles: FetchProfiles) {
    super();
  }

  /** The cached profile; undefined while unknown or not loaded yet. */
  get(id: number): Profile | undefined {
    return this.known.get(id) ?? undefined;
  }

  /** What to show for a user: display name, else username, else `user #id` (and a load starts for an id not seen yet). */
  nameOf(id: number): string {
    const profile = this.known.get(id);
    if (profile === undefined) void this.load([id]).catch(() => {});
    return profile?.display_name ?? profile?.username ?? `user #${id}`;
  }

  /** Every profile loaded so far. */
  loaded(): Profile[] {
    return [...this.known.values()].filter((p): p is Profile => p !== null);
  }

  /** Remembers profiles the page already has (e.g. the signed-in user, a member list). */
  remember(profiles: readonly Profile[]): void {
    for (const p of profiles) this.known.set(p.id, p);
  }

  /** Loads the ids not seen yet (batched with the others asked for in this tick); resolves when all are known. */
  async load(ids: readonly number[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const id of new Set(ids)) {
      if (this.known.has(id)) continue;
      const pending = this.inFlight.get(id);
      if (pending) {
        waits.push(pending);
        continue;
      }
      this.queued.add(id);
      const flush = (this.flushScheduled ??= Promise.resolve().then(() => this.flush()));
      this.inFlight.set(id, flush);
      waits.push(flush);
    }
    await Promise.all(waits);
  }

  private async flush(): Promise<void> {
    const ids = [...this.queued];
    this.queued = new Set();
    this.flushScheduled = null;
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_REQUEST) chunks.push(ids.slice(i, i + MAX_IDS_PER_REQUEST));
    try {
      const found = (await Promise.all(chunks.map((chunk) => this.fetchProfiles(chunk)))).flat();
      for (const id of ids) this.known.set(id, null);
      this.remember(found);
      if (found.length > 0) this.emit('loaded', found);
    } catch (err) {
      this.emit('error', err);
      throw err;
    } finally {
      for (const id of ids) this.inFlight.delete(id);
    }
  }
}

/**
 * `GET {baseUrl}/api/users?ids=...` with the page's cookie (or a bearer token
 * in `headers`), for browsers and Node alike (global `fetch`).
 */
export function fetchProfilesOverHttp(baseUrl = '', init: { headers?: Record<string, string>; credentials?: 'same-origin' | 'include' } = {}): FetchProfiles {
  return async (ids) => {
    const res = await fetch(`${baseUrl}/api/users?ids=${ids.join(',')}`, {
      credentials: init.credentials ?? 'same-origin',
      headers: { accept: 'application/json', ...init.headers },
    });
    if (!res.ok) throw new Error(`GET /api/users answered ${res.status}`);
    return ((await res.json()) as { users: Profile[] }).users;
  };
}
