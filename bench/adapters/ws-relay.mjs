// Adapter for the bare `ws` relay (bench/servers/ws-relay.mjs): users are just
// numbers (`?user=ID`), groups are member lists posted to /bench/groups.

import { openFrameClient } from './ws-client.mjs';
import { referenceSetup } from './reference-setup.mjs';

export const label = 'ws relay';

export function createAdapter({ url }) {
  const wsBase = url.replace(/^http/, 'ws');
  return {
    ...referenceSetup(url, 'ws-relay'),
    connect(user, { localAddress, localPort } = {}) {
      return openFrameClient(user, `${wsBase}/?user=${user.id}`, { localAddress, localPort });
    },
  };
}
