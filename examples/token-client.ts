/**
 * A client that never sees a cookie (desktop app, mobile app, bot): it trades
 * a password for a bearer token, connects with it, sends a message and
 * refreshes the socket's token (a `refresh` frame) before it expires: the
 * server closes a token socket with 4401 at the token's `exp` otherwise.
 * test/integration/tokens.test.ts runs this very file against a real server.
 */
import WebSocket from 'ws';

export interface TokenClientOptions {
  baseUrl: string; // e.g. http://127.0.0.1:3000
  username: string;
  password: string;
}

export async function getToken(o: TokenClientOptions): Promise<{ token: string; expires_at: number }> {
  const res = await fetch(`${o.baseUrl}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: o.username, password: o.password }),
  });
  if (res.status !== 201) throw new Error(`token request failed: HTTP ${res.status}`);
  return (await res.json()) as { token: string; expires_at: number };
}

/** Opens /ws with `Authorization: Bearer`; resolves after the server's `welcome`. */
export function connect(baseUrl: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'welcome') resolve(ws);
      else reject(new Error(`expected welcome, got ${frame.type}`));
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Calls `refresh` one minute before `expires_at` (or halfway for short tokens); returns a cancel function. */
export function scheduleRefresh(expiresAt: number, refresh: () => void, now = Date.now()): () => void {
  const lifetime = expiresAt - now;
  const delay = Math.max(0, lifetime > 120_000 ? lifetime - 60_000 : lifetime / 2);
  const timer = setTimeout(refresh, delay);
  return () => clearTimeout(timer);
}

/**
 * Keeps an open socket's token fresh: ahead of each expiry, a new token goes
 * out in a `refresh` frame and the server's `refreshed` schedules the next
 * one. Returns the function that stops it.
 */
export function keepFresh(ws: WebSocket, expiresAt: number, options: TokenClientOptions): () => void {
  let cancel = () => {};
  const refresh = () =>
    void getToken(options).then(
      ({ token }) => ws.send(JSON.stringify({ type: 'refresh', token })),
      (err: unknown) => console.error('token refresh failed; the socket closes at expiry', err),
    );
  const onMessage = (data: WebSocket.RawData) => {
    const frame = JSON.parse(data.toString());
    if (frame.type !== 'refreshed') return;
    cancel();
    cancel = scheduleRefresh(frame.expires_at, refresh);
  };
  ws.on('message', onMessage);
  cancel = scheduleRefresh(expiresAt, refresh);
  return () => {
    cancel();
    ws.off('message', onMessage);
  };
}

/** Sends a private message and resolves with its `ack` (the message is stored). */
export function sendPrivate(ws: WebSocket, to: number, content: string): Promise<{ id: number }> {
  const clientId = `bot-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString());
      if (frame.client_id !== clientId) return;
      ws.off('message', onMessage);
      if (frame.type === 'ack') resolve(frame);
      else reject(new Error(`${frame.code}: ${frame.message}`));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'private', to, content, client_id: clientId }));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [baseUrl = 'http://127.0.0.1:3000', username = 'bot', password = 'correct horse', to = '1'] = process.argv.slice(2);
  const options = { baseUrl, username, password };
  const { token, expires_at } = await getToken(options);
  const ws = await connect(baseUrl, token);
  const stop = keepFresh(ws, expires_at, options);
  console.log('acked', await sendPrivate(ws, Number(to), 'hello from a bot'));
  stop();
  ws.close();
  process.exit(0);
}
