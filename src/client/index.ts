/**
 * The Parlor client SDK (`parlor/client`): runs in browsers, desktop webviews
 * and Node. No Node-only imports here or in anything this file pulls in.
 */
export { ParlorClient, type SendOptions, type TypingTarget } from './parlor-client.js';
export type { ParlorClientOptions } from './options.js';
export type { GetToken, IssuedToken } from './token-refresher.js';
export { CLIENT_DEFAULTS } from './options.js';
export type { ConnectionEvents, ConnectionState, ParlorClientEvents, ServerFrameEvents } from './events.js';
export { ParlorClientError, isParlorClientError, type ParlorClientErrorCode } from './errors.js';
export type { SendAck } from './outbox.js';
export type { CloseEventLike, MessageEventLike, WebSocketConstructor, WebSocketLike } from './socket.js';
export { ReadyState } from './socket.js';
export type { ClientEnvironment, EventTargetLike, PauseReason } from './environment.js';
export { TypedEmitter, type Listener, type Unsubscribe } from './emitter.js';
export { backoffDelay, backoffCeiling, type BackoffOptions } from './backoff.js';
export { generateClientId } from './client-id.js';
export { CloseCode } from '../errors.js';
export type {
  GroupMessage,
  Message,
  Notification,
  PrivateMessage,
  ServerFrame,
  ServerFrameType,
  ServerFrames,
} from '../websocket/protocol.js';
export { ProfileCache, fetchProfilesOverHttp, MAX_IDS_PER_REQUEST, type FetchProfiles, type Profile, type ProfileCacheEvents } from './profiles.js';
