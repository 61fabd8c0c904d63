/**
 * Limits of the wire protocol that both ends check: the server's frame
 * schemas (src/websocket/protocol.ts) and the client SDK, which refuses a
 * send the server could not even name in its error. No dependencies, so the
 * SDK's bundle takes it as it is.
 */
export const MAX_CONTENT_CHARS = 4000;
export const MAX_CLIENT_ID_CHARS = 64;
