// Adapter for Parlor's standalone server (`node dist/server.js`), through its
// public contract only (shared/contract.md sections 2 and 3):
//  - a user is POST /api/auth/register {username, password} -> 201 + session cookie;
//  - a group is POST /api/groups {name} by its first member, then
//    POST /api/groups/invite {group_id, user_id} by that owner and
//    POST /api/groups/:id/accept by each invitee;
//  - the private pairs are contacts: each recipient first writes once to its
//    sender (POST /api/messages/private), so the sender gets delivered receipts;
//  - a connection is GET /ws with the `cookie` header and the server's own
//    Origin, ready when the `welcome` frame arrives.

import { mapLimit } from '../lib/pool.mjs';
import { openFrameClient } from './ws-client.mjs';

export const label = 'Parlor';

const PASSWORD = 'bench-password-1';
const SETUP_CONCURRENCY = 16;

export function createAdapter({ url }) {
  const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
  let nextName = 1;
  let nextGroup = 1;
  const tag = Math.random().toString(36).slice(2, 7);

  async function api(method, path, cookie, body) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json, setCookie: res.headers.getSetCookie?.() ?? [] };
  }

  function expect(res, status, what) {
    if (res.status !== status) throw new Error(`Parlor ${what}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  }

  async function register() {
    const username = `b${tag}_${nextName++}`;
    const res = await api('POST', '/api/auth/register', undefined, { username, password: PASSWORD });
    const body = expect(res, 201, `register ${username}`);
    const cookie = res.setCookie.map((c) => c.split(';')[0]).join('; ');
    if (!cookie) throw new Error('Parlor register: no Set-Cookie in the 201 answer');
    return { id: body.id, username, cookie };
  }

  return {
    prepareUsers(count) {
      return mapLimit(Array.from({ length: count }), SETUP_CONCURRENCY, () => register());
    },
    /**
     * The private scenario's pairs (users 2i -> 2i+1) as contacts, as a real
     * conversation is: each recipient writes once to its sender first, so
     * the conversation is no message request and the sender gets the
     * `delivered` receipts of its messages (contract section 6: a stranger
     * gets none until the reply).
     */
    async acceptPairs(users) {
      const pairs = [];
      for (let i = 0; i + 1 < users.length; i += 2) pairs.push([users[i], users[i + 1]]);
      await mapLimit(pairs, SETUP_CONCURRENCY, async ([sender, recipient]) => {
        expect(await api('POST', '/api/messages/private', recipient.cookie, { to: sender.id, content: 'hello' }), 201, 'first message of a pair');
      });
    },
    async createGroup(members) {
      const [owner, ...rest] = members;
      const group = expect(await api('POST', '/api/groups', owner.cookie, { name: `bench group ${nextGroup++}` }), 201, 'create group');
      await mapLimit(rest, SETUP_CONCURRENCY, async (m) => {
        expect(await api('POST', '/api/groups/invite', owner.cookie, { group_id: group.id, user_id: m.id }), 201, 'invite');
        expect(await api('POST', `/api/groups/${group.id}/accept`, m.cookie), 200, 'accept');
      });
      return group.id;
    },
    connect(user, { localAddress, localPort } = {}) {
      return openFrameClient(user, wsUrl, { headers: { cookie: user.cookie, origin: url }, localAddress, localPort });
    },
  };
}
