// Adapter for the bare `ws` relay (bench/servers/ws-relay.mjs): users are just
// numbers (`?user=ID`), groups are member lists posted to /bench/groups.

import { openFrameClient } from './ws-client.mjs';

export const label = 'ws relay';

export function createAdapter({ url }) {
  const wsBase = url.replace(/^http/, 'ws');
  let nextUser = 1;
  let nextGroup = 1;
  return {
    async prepareUsers(count) {
      return Array.from({ length: count }, () => ({ id: nextUser++ }));
    },
    async createGroup(members) {
      const groupId = nextGroup++;
      const res = await fetch(`${url}/bench/groups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ group_id: groupId, members: members.map((u) => u.id) }),
      });
      if (res.status !== 201) throw new Error(`ws-relay group setup: HTTP ${res.status}`);
      return groupId;
    },
    connect(user, { localAddress, localPort } = {}) {
      return openFrameClient(user, `${wsBase}/?user=${user.id}`, { localAddress, localPort });
    },
  };
}
