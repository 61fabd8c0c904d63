/**
 * The frame protocol of contract section 3: one schema per client frame, and
 * the typed map of server frames. The schemas validate; the types are derived
 * from them, so the two cannot drift.
 */
import { z } from 'zod';
import { hasLoneSurrogate } from '../lone-surrogate.js';
import { MAX_CLIENT_ID_CHARS, MAX_CONTENT_CHARS, withinCharacters } from '../wire-limits.js';

export { MAX_CLIENT_ID_CHARS, MAX_CONTENT_CHARS };

/** A positive integer id, sent as a JSON number. */
export const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A group id may arrive as a number or a numeric string; it is always a number after parsing. */
export const GroupId = z.union([Id, z.string().regex(/^[1-9]\d{0,15}$/).transform(Number).pipe(Id)]);

/**
 * Text of 1..max characters after trimming, with no lone surrogate (what is
 * acked is what is stored). Characters are code points, as a user counts
 * them: an emoji is one, though it is two UTF-16 units.
 */
export function Text(max: number) {
  return characters(z.string().trim(), max);
}

export const Content = Text(MAX_CONTENT_CHARS);

/**
 * A client_id: 1..64 characters, counted as Text counts them, not trimmed.
 * No lone surrogate: a store keeps U+FFFD in its place, so `"a\uD800"` and
 * `"a\uD801"` would be one key, and the second message would be acked as the
 * first and never stored.
 */
export const ClientId = characters(z.string(), MAX_CLIENT_ID_CHARS);

/**
 * 1..max code points of well-formed text. Counted only past `max` units
 * (fewer units cannot be more code points), so ordinary text costs one
 * length check.
 */
function characters(text: z.ZodString, max: number) {
  const tooLong = `must be at most ${max} characters`;
  return text
    .min(1)
    .max(2 * max, tooLong) // no text of `max` code points is longer in UTF-16
    // A plain check that pushes its issue: superRefine gives every parse's payload a new
    // addIssue closure, and with it each frame's objects were promoted out of the young
    // generation (issue 19, eighth pass in bench/RESULTS.md).
    .check((payload) => {
      const s = payload.value;
      if (!withinCharacters(s, max)) {
        payload.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input: s, message: tooLong });
      }
    })
    .refine((s) => !hasLoneSurrogate(s), 'must be valid Unicode text (no lone surrogates)');
}

export const PrivateFrame = z.object({
  type: z.literal('private'),
  to: Id,
  content: Content,
  client_id: ClientId.optional(),
});

export const GroupFrame = z.object({
  type: z.literal('group'),
  group_id: GroupId,
  content: Content,
  client_id: ClientId.optional(),
});

export const BroadcastFrame = z.object({
  type: z.literal('broadcast'),
  content: Content,
});

export const TypingFrame = z
  .object({
    type: z.literal('typing'),
    to: Id.optional(),
    group_id: GroupId.optional(),
    is_typing: z.boolean().default(true),
  })
  .refine((f) => (f.to === undefined) !== (f.group_id === undefined), {
    message: 'typing needs exactly one of `to` or `group_id`',
  });

export const ReadFrame = z.object({
  type: z.literal('read'),
  message_id: Id,
  group_id: GroupId.optional(),
});

export const SyncFrame = z.object({
  type: z.literal('sync'),
  since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/** Bearer tokens are a few hundred bytes; this bounds what a `refresh` makes the server verify. */
export const MAX_TOKEN_CHARS = 4096;

export const RefreshFrame = z.object({
  type: z.literal('refresh'),
  token: z.string().min(1).max(MAX_TOKEN_CHARS),
});

export const ClientFrame = z.discriminatedUnion('type', [
  PrivateFrame,
  GroupFrame,
  BroadcastFrame,
  TypingFrame,
  ReadFrame,
  SyncFrame,
  RefreshFrame,
]);

export type ClientFrame = z.output<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>;

/** A stored message as it travels in frames and HTTP bodies. */
export interface PrivateMessage {
  id: number;
  from: number;
  to: number;
  content: string;
  timestamp: number;
  status?: 'sent' | 'delivered' | 'read'; // history pages only: how far the message got
}
export interface GroupMessage {
  id: number;
  from: number;
  group_id: number;
  content: string;
  timestamp: number;
}
export type Message = PrivateMessage | GroupMessage;

export function isGroupMessage(m: Message): m is GroupMessage {
  return 'group_id' in m;
}

export interface Notification {
  id: number;
  subtype: string;
  message: string;
  timestamp: number;
  [data: string]: unknown;
}

/**
 * Set on the frames of a `sync` replay: they come in id order with nothing
 * visible skipped, so the highest replayed id a client holds is a safe `since`
 * even when the replay was cut off (live frames, which may overtake the
 * replay, carry no such promise).
 */
export interface ReplayMark {
  replayed?: true;
}

/** Every frame the server sends, by type. */
export interface ServerFrames {
  welcome: { user_id: number; timestamp: number };
  private: PrivateMessage & ReplayMark;
  group: GroupMessage & ReplayMark;
  broadcast: { from: number; content: string; timestamp: number };
  notification: Notification;
  ack: { client_id: string | null; id: number; timestamp: number };
  receipt: {
    message_id: number;
    status: 'delivered' | 'read';
    user_id: number;
    timestamp: number;
    group_id?: number;
  };
  presence: { user_id: number; online: boolean };
  typing: { from: number; to?: number; group_id?: number; is_typing: boolean };
  synced: { last_id: number };
  /** The answer to `refresh`: the socket now closes at this time (Unix ms) instead. */
  refreshed: { expires_at: number };
  error: { code: string; message: string; client_id?: string };
}
export type ServerFrameType = keyof ServerFrames;
export type ServerFrame<T extends ServerFrameType = ServerFrameType> = { type: T } & ServerFrames[T];

/** Frames a slow client may lose without losing data: they only describe the present moment. */
export const EPHEMERAL_FRAMES: ReadonlySet<ServerFrameType> = new Set(['typing', 'presence']);

/**
 * What a newer ephemeral frame supersedes: one presence state per user, one
 * typing state per typist and conversation. Undefined for stored frames.
 */
export function latestStateKey<T extends ServerFrameType>(type: T, body: ServerFrames[T]): string | undefined {
  if (type === 'presence') return `presence:${(body as ServerFrames['presence']).user_id}`;
  if (type === 'typing') {
    const t = body as ServerFrames['typing'];
    return t.group_id !== undefined ? `typing:${t.from}:g${t.group_id}` : `typing:${t.from}:u${t.to}`;
  }
  return undefined;
}

/**
 * Serialise a server frame once; the string is reused for every recipient.
 * `type` comes first and is always the one given: a body that carries a
 * `type` of its own (a notification's host data) cannot turn the frame into
 * another kind.
 */
export function encodeFrame<T extends ServerFrameType>(type: T, body: ServerFrames[T]): string {
  const frame: { type: T } & ServerFrames[T] = { type, ...body };
  frame.type = type;
  return JSON.stringify(frame);
}

/*
 * The three frames of every private message (the message, the sender's ack,
 * the delivered receipt), written from a template: the same JSON as
 * encodeFrame gives for these shapes, without building a merged object to
 * stringify (half the time, and no garbage). Strings still go through
 * JSON.stringify, so escaping is exactly JSON's; ids and times are integers.
 */

/** A live private message; one carrying `status` or `replayed` takes the general path. */
export function encodePrivate(m: PrivateMessage & ReplayMark): string {
  if (m.status !== undefined || m.replayed !== undefined) return encodeFrame('private', m);
  return `{"type":"private","id":${m.id},"from":${m.from},"to":${m.to},"content":${JSON.stringify(m.content)},"timestamp":${m.timestamp}}`;
}

export function encodeAck(clientId: string | null, id: number, timestamp: number): string {
  return `{"type":"ack","client_id":${clientId === null ? 'null' : JSON.stringify(clientId)},"id":${id},"timestamp":${timestamp}}`;
}

/** A `delivered` receipt of a private message (a read receipt, or a group's, takes the general path). */
export function encodeDelivered(messageId: number, userId: number, timestamp: number): string {
  return `{"type":"receipt","message_id":${messageId},"status":"delivered","user_id":${userId},"timestamp":${timestamp}}`;
}
