/**
 * The messages between WorkerWriter (main thread) and write-worker.ts. Items
 * are answered strictly in the order they were sent, so a reply carries no
 * ids: it answers the next `outcomes.length` (or `count`) waiting writes.
 */
import { ParlorError, isParlorError } from '../../errors.js';
import type { WriteCall } from './writes.js';

export interface WriteWorkerData {
  path: string;
  busyTimeoutMs: number;
  maxBatch: number;
}

/** Writes in the order they were made (each an operation of writes.ts and its own arguments), or the last message: close. */
export type WorkerRequest = { type: 'write'; items: WriteCall[] } | { type: 'close' };

/** An item's answer: its operation's result (matched to it by order), or the error it failed with alone. */
export type WireOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

export type WorkerReply =
  /** One batch committed; each item has its own outcome. */
  | { type: 'committed'; outcomes: WireOutcome[] }
  /** One batch of `count` items failed as a whole: nothing of it is stored. */
  | { type: 'failed'; count: number; error: WireError };

/** An error as it crosses the thread boundary (structured clone drops classes and `code`). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  parlor: boolean;
}

export function toWireError(err: unknown): WireError {
  if (isParlorError(err)) return { name: err.name, message: err.message, code: err.code, parlor: true };
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}), parlor: false };
}

export function fromWireError(wire: WireError): Error {
  if (wire.parlor) return new ParlorError(wire.code as ParlorError['code'], wire.message);
  const err = new Error(wire.message) as Error & { code?: string };
  err.name = wire.name;
  if (wire.code !== undefined) err.code = wire.code;
  return err;
}
