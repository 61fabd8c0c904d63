// The official-client variant of adapters/socketio.mjs (BENCH_SIO_CLIENT=official):
// the real socket.io-client on the WebSocket transport only (no long-polling
// phase), no reconnection, one Manager per connection (forceNew).

import { io } from 'socket.io-client';
import { referenceSetup } from './reference-setup.mjs';

export const label = 'Socket.IO';

const NOOP = () => {};

class SocketIoClient {
  constructor(user, socket) {
    this.user = user;
    this.socket = socket;
    this.handlers = { private: NOOP, group: NOOP, ack: NOOP, error: NOOP };
    this.errors = 0;
    this.onAck = (ack) => this.handlers.ack(ack);
    socket.on('private', (m) => this.handlers.private(m));
    socket.on('group', (m) => this.handlers.group(m));
  }
  sendPrivate(to, content, clientId) {
    this.socket.emit('private', { to, content, client_id: clientId }, this.onAck);
  }
  sendGroup(groupId, content, clientId) {
    this.socket.emit('group', { group_id: groupId, content, client_id: clientId }, this.onAck);
  }
  get isOpen() {
    return this.socket.connected;
  }
  close() {
    this.socket.disconnect();
    this.socket.io.engine?.close();
    return Promise.resolve();
  }
}

export function createAdapter({ url }) {
  return {
    ...referenceSetup(url, 'socketio-relay'),
    connect(user, { localAddress } = {}, timeoutMs = 30000) {
      return new Promise((resolve, reject) => {
        const socket = io(url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          timeout: timeoutMs,
          query: { user: String(user.id) },
          ...(localAddress ? { localAddress } : {}),
        });
        socket.once('connect', () => {
          socket.off('connect_error');
          resolve(new SocketIoClient(user, socket));
        });
        socket.once('connect_error', (err) => {
          socket.close();
          reject(err);
        });
      });
    },
  };
}
