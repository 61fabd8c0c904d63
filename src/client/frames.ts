/**
 * Frames on the wire. Outgoing ones are typed against the protocol's client
 * frames. Incoming ones are read defensively: the client trusts the server's
 * shapes but not that every text is JSON of a known type; unknown types are
 * ignored, so a newer server can add frames without breaking older clients.
 */
import type { ClientFrameOf, ClientFrameType, ServerFrame, ServerFrameType } from '../websocket/protocol.js';
import type { MessageFrame } from './inbox.js';

/** Every server frame type; `satisfies` makes the compiler flag a type the contract adds. */
const SERVER_FRAME_TYPES: ReadonlySet<string> = new Set(
  Object.keys({
    welcome: true,
    private: true,
    group: true,
    broadcast: true,
    notification: true,
    ack: true,
    receipt: true,
    presence: true,
    typing: true,
    synced: true,
    refreshed: true,
    error: true,
  } satisfies Record<ServerFrameType, true>),
);

export type AnyServerFrame = { [K in ServerFrameType]: ServerFrame<K> }[ServerFrameType];

/** A server frame of a known type, or undefined for anything else. */
export function parseServerFrame(text: string): AnyServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && SERVER_FRAME_TYPES.has(type) ? (value as AnyServerFrame) : undefined;
}

/** A private or group frame whose id can serve as a cursor. */
export function isMessageFrame(frame: AnyServerFrame): frame is MessageFrame {
  return (frame.type === 'private' || frame.type === 'group') && Number.isSafeInteger(frame.id) && frame.id > 0;
}

export type TypingTarget = { to: number } | { group_id: number };

/** Serialise client frames; each builder is checked against the protocol's frame type. */
export const encode = {
  privateMessage: (to: number, content: string, clientId: string): string =>
    json<'private'>({ type: 'private', to, content, client_id: clientId }),
  groupMessage: (groupId: number, content: string, clientId: string): string =>
    json<'group'>({ type: 'group', group_id: groupId, content, client_id: clientId }),
  broadcast: (content: string): string => json<'broadcast'>({ type: 'broadcast', content }),
  typing: (target: TypingTarget, isTyping: boolean): string =>
    json<'typing'>(
      'to' in target
        ? { type: 'typing', to: target.to, is_typing: isTyping }
        : { type: 'typing', group_id: target.group_id, is_typing: isTyping },
    ),
  read: (messageId: number, groupId?: number): string =>
    json<'read'>(groupId === undefined ? { type: 'read', message_id: messageId } : { type: 'read', message_id: messageId, group_id: groupId }),
  sync: (since: number): string => json<'sync'>({ type: 'sync', since }),
  refresh: (token: string): string => json<'refresh'>({ type: 'refresh', token }),
};

function json<T extends ClientFrameType>(frame: ClientFrameOf<T>): string {
  return JSON.stringify(frame);
}
