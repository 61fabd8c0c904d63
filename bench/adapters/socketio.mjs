// Adapter for the Socket.IO reference (bench/servers/socketio-relay.mjs).
//
// By default the load side speaks the Socket.IO protocol (v5 over Engine.IO v4,
// WebSocket transport) itself on a plain `ws` socket, with the same lean frame
// handling as the other adapters, so the load process spends about the same
// CPU per frame whichever server it drives and the figures compare servers.
// BENCH_SIO_CLIENT=official uses the real socket.io-client instead
// (adapters/socketio-official.mjs): closer to an application, but its extra
// client-side cost comes out of the same two cores as the server's.
//
// Wire format used here (https://socket.io/docs/v4/socket-io-protocol/):
//   server "0{...}" (Engine.IO open)  -> client "40" (connect to "/")
//   server "40{"sid":...}"            -> ready
//   server "2" (ping)                 -> client "3" (pong)
//   client 42<ack>["private",{...}]   -> server 43<ack>[{client_id, id, timestamp}]
//   server 42["private",{...}] / 42["group",{...}]

import WebSocket from 'ws';
import { closeSocket, openSocket, stringField } from './ws-client.mjs';
import * as official from './socketio-official.mjs';
import { referenceSetup } from './reference-setup.mjs';

export const label = 'Socket.IO';

const NOOP = () => {};

class LeanSocketIoClient {
  constructor(user, ws) {
    this.user = user;
    this.ws = ws;
    this.handlers = { private: NOOP, group: NOOP, ack: NOOP, error: NOOP };
    this.errors = 0;
    this.nextAck = 0;
    ws.on('message', (data) => this.onMessage(data.toString()));
  }

  onMessage(text) {
    if (text === '2') return this.ws.send('3');
    if (text.startsWith('43')) {
      const clientId = stringField(text, 'client_id');
      return this.handlers.ack(clientId !== undefined ? { client_id: clientId } : JSON.parse(text.slice(text.indexOf('[')))[0]);
    }
    if (text.startsWith('42["private"') || text.startsWith('42["group"')) {
      const content = stringField(text, 'content');
      const type = text.startsWith('42["private"') ? 'private' : 'group';
      return this.handlers[type](content !== undefined ? { content } : JSON.parse(text.slice(2))[1]);
    }
    return undefined;
  }

  sendPrivate(to, content, clientId) {
    this.ws.send(`42${this.nextAck++}["private",{"to":${to},"content":"${content}","client_id":"${clientId}"}]`);
  }

  sendGroup(groupId, content, clientId) {
    this.ws.send(`42${this.nextAck++}["group",{"group_id":${groupId},"content":"${content}","client_id":"${clientId}"}]`);
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(ms = 2000) {
    return closeSocket(this.ws, ms);
  }
}

/** Engine.IO open -> send the namespace CONNECT; Socket.IO CONNECT answer -> ready. */
function handshake(text, ws) {
  if (text.startsWith('0{')) {
    ws.send('40');
    return false;
  }
  if (text === '2') {
    ws.send('3');
    return false;
  }
  if (text.startsWith('44')) throw new Error(`Socket.IO connect_error ${text}`);
  return text.startsWith('40');
}

export function createAdapter(options) {
  if (process.env.BENCH_SIO_CLIENT === 'official') return official.createAdapter(options);
  const { url } = options;
  const wsBase = url.replace(/^http/, 'ws');
  return {
    ...referenceSetup(url, 'socketio-relay'),
    async connect(user, { localAddress, localPort } = {}) {
      const ws = await openSocket(`${wsBase}/socket.io/?EIO=4&transport=websocket&user=${user.id}`, { localAddress, localPort }, handshake);
      return new LeanSocketIoClient(user, ws);
    },
  };
}
