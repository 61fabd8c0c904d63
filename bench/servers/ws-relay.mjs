// Reference 1: a bare `ws` relay. Routes Parlor's JSON frames by user id with no
// authentication, no validation and no storage: the ceiling of this design on
// this machine. The user is whoever `?user=ID` says; groups are member lists
// posted to POST /bench/groups.
//
//   private {to, content, client_id} -> recipient (and the sender's other
//     connections) get {type:'private', id, from, to, content, timestamp};
//     the sending connection gets {type:'ack', client_id, id, timestamp}
//   group {group_id, content, client_id} -> every connection of every member
//     but the sending one gets {type:'group', id, from, group_id, content,
//     timestamp}; then the ack.

import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { benchHttpHandler, listen } from './common.mjs';

/** userId -> Set of sockets */
const users = new Map();
/** groupId -> array of member user ids */
const groups = new Map();
let nextId = 1;

const server = createServer(benchHttpHandler((id, members) => groups.set(id, members)));
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false, maxPayload: 65536 });

wss.on('connection', (ws, req) => {
  const userId = Number(new URL(req.url ?? '/', 'http://relay').searchParams.get('user'));
  let conns = users.get(userId);
  if (!conns) users.set(userId, (conns = new Set()));
  conns.add(ws);
  ws.on('close', () => {
    conns.delete(ws);
    if (conns.size === 0 && users.get(userId) === conns) users.delete(userId);
  });
  ws.on('error', () => {});
  ws.on('message', (data) => onFrame(ws, userId, data));
  ws.send(JSON.stringify({ type: 'welcome', user_id: userId, timestamp: Date.now() }));
});

function onFrame(ws, from, data) {
  let frame;
  try {
    frame = JSON.parse(data.toString());
  } catch {
    return;
  }
  const id = nextId++;
  const timestamp = Date.now();
  if (frame.type === 'private') {
    const text = JSON.stringify({ type: 'private', id, from, to: frame.to, content: frame.content, timestamp });
    sendToUser(frame.to, text, ws);
    if (frame.to !== from) sendToUser(from, text, ws);
  } else if (frame.type === 'group') {
    const groupId = Number(frame.group_id);
    const members = groups.get(groupId) ?? [];
    const text = JSON.stringify({ type: 'group', id, from, group_id: groupId, content: frame.content, timestamp });
    for (const member of members) sendToUser(member, text, ws);
  } else {
    return;
  }
  ws.send(JSON.stringify({ type: 'ack', client_id: frame.client_id, id, timestamp }));
}

function sendToUser(userId, text, except) {
  const conns = users.get(userId);
  if (!conns) return;
  for (const c of conns) if (c !== except) c.send(text);
}

listen(server, 'ws-relay');
