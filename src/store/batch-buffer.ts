/**
 * Same-tick batching, the one copy every group-commit queue uses (SQLite's
 * WriteQueue, WorkerWriter and write worker; PostgreSQL's StatementQueue):
 * writes added during one turn of the event loop wait together, and the
 * owner is told once, on the next turn (`setImmediate`: after this turn's
 * I/O callbacks, so writes arriving in the same read burst join the batch),
 * to take them in batches of at most `maxBatch`, oldest first.
 *
 * The owner decides what a batch becomes (a transaction, a message to the
 * worker, one statement) and when else to take one (a full batch at once, a
 * close): the buffer only holds, schedules and cuts.
 */
export class BatchBuffer<T> {
  private items: T[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  /**
   * @param due called on the turn after items were added (once per turn), unless `cancel()`ed.
   * @param maxBatch items per `take()` at most.
   */
  constructor(
    private readonly due: () => void,
    readonly maxBatch = Number.POSITIVE_INFINITY,
  ) {}

  /** Items added and not taken yet. */
  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    this.items.push(item);
    this.scheduled ??= setImmediate(this.fire);
  }

  addAll(items: readonly T[]): void {
    for (const item of items) this.items.push(item);
    if (items.length > 0) this.scheduled ??= setImmediate(this.fire);
  }

  /** The oldest items, at most `maxBatch` of them. */
  take(): T[] {
    if (this.items.length <= this.maxBatch) return this.takeAll();
    return this.items.splice(0, this.maxBatch);
  }

  /** Every item, whatever `maxBatch`. */
  takeAll(): T[] {
    const all = this.items;
    this.items = [];
    return all;
  }

  /** The owner takes the items now: the call of `due` scheduled for them is dropped. */
  cancel(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
  }

  private readonly fire = (): void => {
    this.scheduled = null;
    this.due();
  };
}
