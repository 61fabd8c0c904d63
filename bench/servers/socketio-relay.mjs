// Reference 2: Socket.IO doing the same routing with rooms: a room per user
// (`u:ID`) and per group (`g:ID`). The user is the `user` handshake query
// parameter; groups are member lists posted to POST /bench/groups. Events
// carry the same objects as Parlor's frames, minus `type` (the event name);
// the ack is a Socket.IO acknowledgement {client_id, id, timestamp}.

import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { benchHttpHandler, listen } from './common.mjs';

/** userId -> Set of group ids */
const groupsOf = new Map();
let nextId = 1;

const server = createServer(
  benchHttpHandler((groupId, members) => {
    for (const m of members) {
      let set = groupsOf.get(m);
      if (!set) groupsOf.set(m, (set = new Set()));
      set.add(groupId);
      io.in(`u:${m}`).socketsJoin(`g:${groupId}`);
    }
  }),
);
const io = new Server(server, { serveClient: false, perMessageDeflate: false, httpCompression: false, maxHttpBufferSize: 65536 });

io.on('connection', (socket) => {
  const from = Number(socket.handshake.query.user);
  socket.join(`u:${from}`);
  for (const g of groupsOf.get(from) ?? []) socket.join(`g:${g}`);

  socket.on('private', (frame, ack) => {
    const id = nextId++;
    const timestamp = Date.now();
    socket.to([`u:${frame.to}`, `u:${from}`]).emit('private', { id, from, to: frame.to, content: frame.content, timestamp });
    if (typeof ack === 'function') ack({ client_id: frame.client_id, id, timestamp });
  });

  socket.on('group', (frame, ack) => {
    const id = nextId++;
    const timestamp = Date.now();
    const groupId = Number(frame.group_id);
    socket.to(`g:${groupId}`).emit('group', { id, from, group_id: groupId, content: frame.content, timestamp });
    if (typeof ack === 'function') ack({ client_id: frame.client_id, id, timestamp });
  });
});

listen(server, 'socketio-relay');
