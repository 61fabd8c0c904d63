/**
 * The messages between WorkerWriter (main thread) and write-worker.ts. Items
 * are answered strictly in the order they were sent, so a reply carries no
 * ids: it answers the next `values.length` (or `count`) waiting writes.
 *
 * Both directions are flat, because a structured clone costs per object and
 * per array, not per byte: a batch of 60 private messages and their 60
 * `delivered` marks cost 2.5 µs per message on the main thread and 1.8 in the
 * worker as arrays of `[name, args]` with an input object each, answered with
 * `{ok, value: {message, duplicate}}` per write; 1.15 + 0.7 as below
 * (bench/wire-roundtrip.mjs, variants clone-nested and shipped, one core).
 * One JSON string each way was slower than the flat clone on both threads.
 */
import { ParlorError, isParlorError } from '../../errors.js';
import type { Outcome } from '../batch.js';
import type { FileIdentity } from './file-health.js';
import { WRITE_OPS, type WriteArgs, type WriteCall, type WriteOp } from './writes.js';

export interface WriteWorkerData {
  path: string;
  /** The file the main connection opened (WorkerWriterOptions.file). */
  file: FileIdentity;
  busyTimeoutMs: number;
  maxBatch: number;
}

/**
 * Writes in the order they were made, or the last message: close. Per write,
 * `ops` holds two numbers, its operation's index in WRITE_OPS and how many
 * arguments it has; `args` holds every write's arguments one after the other.
 */
export type WorkerRequest = WriteRequest | { type: 'close' };
export type WriteRequest = { type: 'write'; ops: number[]; args: unknown[] };

export type WorkerReply =
  /**
   * One batch committed: `values[i]` is the result of its i-th write (matched
   * to it by order), except for the writes in `failures`, which failed alone
   * (null when none did, the usual case).
   */
  | { type: 'committed'; values: unknown[]; failures: WireFailure[] | null }
  /** One batch of `count` items failed as a whole: nothing of it is stored. */
  | { type: 'failed'; count: number; error: WireError };

/** The write at index `at` of a committed batch failed alone, with `error`. */
export interface WireFailure {
  at: number;
  error: WireError;
}

const OP_INDEX = new Map<WriteOp, number>(WRITE_OPS.map((op, i) => [op, i]));

/** The request for these writes, in order. */
export function encodeWrites(calls: readonly WriteCall[]): WriteRequest {
  const ops: number[] = [];
  const args: unknown[] = [];
  for (const [op, opArgs] of calls) {
    ops.push(OP_INDEX.get(op)!, opArgs.length);
    for (const arg of opArgs) args.push(arg);
  }
  return { type: 'write', ops, args };
}

/** The writes of a request, in order. */
export function decodeWrites(request: WriteRequest): WriteCall[] {
  const { ops, args } = request;
  const calls: WriteCall[] = [];
  let at = 0;
  for (let i = 0; i < ops.length; i += 2) {
    const op = WRITE_OPS[ops[i]!]!;
    const count = ops[i + 1]!;
    // The thread boundary: these are the arguments run() checked against `op` before encodeWrites.
    calls.push([op, args.slice(at, at + count) as WriteArgs<typeof op>]);
    at += count;
  }
  return calls;
}

/** The reply for a committed batch: each item's outcome, in order. */
export function committedReply(outcomes: readonly Outcome[]): WorkerReply {
  const values: unknown[] = [];
  let failures: WireFailure[] | null = null;
  outcomes.forEach((outcome, at) => {
    if (outcome.ok) {
      values.push(outcome.value);
    } else {
      values.push(undefined);
      (failures ??= []).push({ at, error: toWireError(outcome.error) });
    }
  });
  return { type: 'committed', values, failures };
}

/** Each item's outcome of a committed reply, in order (errors rebuilt). */
export function committedOutcomes(reply: Extract<WorkerReply, { type: 'committed' }>): Outcome[] {
  const outcomes: Outcome[] = reply.values.map((value) => ({ ok: true, value }));
  for (const { at, error } of reply.failures ?? []) outcomes[at] = { ok: false, error: fromWireError(error) };
  return outcomes;
}

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
