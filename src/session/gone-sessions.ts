/**
 * Session ids a session store found missing (never saved, destroyed or
 * expired), so that a cookie for a session that has ended costs one store
 * read per instance, not one per request: its signature is still valid, so
 * without this every upgrade and every HTTP request it comes with reads the
 * store before its 401, and a 401 is charged to no budget. One stranger
 * holding one old cookie could drive store reads without bound.
 *
 * Sound because an id that is gone does not come back: express-session gives
 * a request whose session was not found a new id, and the ids are random.
 * The one way back is a `set` of the id by a request that loaded the session
 * before it ended (a rolling save racing its expiry): a save forgets the id,
 * and a lookup that overlapped any save does not remember its miss.
 * Bounded (LruMap): the ids not seen lately leave first, and cost one more
 * read when they come back.
 */
import { LruMap } from '../store/lru-map.js';

/** Ids remembered per store (~100 bytes each). */
export const GONE_SESSIONS_KEPT = 10_000;

export class GoneSessions {
  private readonly ids: LruMap<string, true>;
  /** Moves on every `set`: a lookup that saw it move does not remember its miss. */
  private sets = 0;

  constructor(capacity = GONE_SESSIONS_KEPT) {
    this.ids = new LruMap(capacity);
  }

  /** True when the id is known to be gone: answer "no session" without a read. */
  has(sid: string): boolean {
    return this.ids.get(sid) !== undefined;
  }

  /** Call before a lookup; hand what it returns to `missed` when the store found nothing. */
  lookingUp(): number {
    return this.sets;
  }

  /** The lookup begun at `mark` found no session. */
  missed(sid: string, mark: number): void {
    if (mark === this.sets) this.ids.set(sid, true);
  }

  /**
   * A session is saved under `sid`: it is not gone (any more). Call it when the
   * save starts and again when it has settled, so a lookup that read the store
   * before the save landed does not remember its miss.
   */
  saving(sid: string): void {
    this.sets += 1;
    this.ids.delete(sid);
  }

  /** A session was destroyed: its id is gone. */
  destroyed(sid: string): void {
    this.ids.set(sid, true);
  }

  forgetAll(): void {
    this.sets += 1;
    this.ids.clear();
  }
}
