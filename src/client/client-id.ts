/**
 * Client ids make sends idempotent: the server stores one message per
 * (sender, client_id), so a send may be repeated after a reconnect.
 */

/** The parts of Web Crypto the client uses; both are optional (insecure browser contexts lack `randomUUID`). */
export interface CryptoLike {
  randomUUID?: () => string;
  getRandomValues?: <T extends Uint8Array>(array: T) => T;
}

/**
 * A fresh client id: `crypto.randomUUID()` when available, else 16 random
 * bytes as hex (Web Crypto when present, `Math.random` as the last resort).
 */
export function generateClientId(crypto: CryptoLike | undefined = globalCrypto()): string {
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function globalCrypto(): CryptoLike | undefined {
  return (globalThis as { crypto?: CryptoLike }).crypto;
}
