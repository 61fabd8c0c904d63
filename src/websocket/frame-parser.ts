import type { RawData } from 'ws';
import type { FrameErrorCode } from '../errors.js';
import { MAX_CLIENT_ID_CHARS, withinCharacters } from '../wire-limits.js';
import { ClientFrame } from './protocol.js';

export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: FrameErrorCode; message: string; clientId?: string };

/**
 * Turns one WebSocket message into a validated client frame, or into the
 * `error` frame to answer with. Never throws.
 */
export function parseClientFrame(data: RawData | string, isBinary: boolean): ParseResult {
  if (isBinary) return fail('bad_request', 'binary frames are not accepted; send JSON text');
  let json: unknown;
  try {
    json = JSON.parse(typeof data === 'string' ? data : rawToString(data));
  } catch {
    return fail('bad_request', 'the frame is not valid JSON');
  }
  const parsed = ClientFrame.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  // Looked up only for a frame refused: a valid frame's client_id was just checked by the schema.
  const clientId = clientIdOf(json);
  const issue = parsed.error.issues[0]!;
  // too_large means "a field is longer than allowed"; an out-of-range number is a bad_request.
  const code: FrameErrorCode = issue.code === 'too_big' && issue.origin === 'string' ? 'too_large' : 'bad_request';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return fail(code, `${where}${issue.message}`, clientId);
}

function fail(code: FrameErrorCode, message: string, clientId?: string): ParseResult {
  return clientId === undefined ? { ok: false, code, message } : { ok: false, code, message, clientId };
}

/** The client_id of a rejected frame, when it had a usable one, so the client can match the error. */
function clientIdOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const id = (json as Record<string, unknown>).client_id;
  return typeof id === 'string' && withinCharacters(id, MAX_CLIENT_ID_CHARS) ? id : undefined;
}

/**
 * The client_id of a frame we will not process (rate limited), so the client
 * can fail that one send at once instead of waiting for its ack timeout.
 * Cheap: only text frames that mention client_id are parsed.
 */
export function clientIdOfRaw(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  const text = rawToString(data);
  if (!text.includes('"client_id"')) return undefined;
  try {
    return clientIdOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
