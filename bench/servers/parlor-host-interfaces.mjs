// Parlor's standalone server, built (`dist/`), exactly as `node dist/server.js`
// runs it, but with the users and groups owned by a host (contract section 4):
// a UserDirectory and a GroupMemberFetcher over in-process maps, as a host
// would answer from its own (cached) tables, and the host's own group routes
// (create, invite, accept) writing those maps and calling
// `parlor.invalidateGroup` on every change of members. What the host
// interfaces cost on the private and fan-out paths
// (`npm run bench -- --host-interfaces`). Accounts, sessions and messages stay
// Parlor's, so the load drives both servers the same way.

// First, as in dist/server.js: V8 flags must be set before the modules whose objects they concern load.
import '../../dist/v8-settings.js';
import express from 'express';
import { createLogger } from '../../dist/logger.js';
import { startServer } from '../../dist/standalone.js';

/** The host's user table: every id up to this exists (the bench registers far fewer). */
const HOST_USERS = 1_000_000;
/** Host group ids start far from Parlor's own. */
let nextGroupId = 1_000_001;
/** The host's groups and group_members tables. */
const groups = new Map();

const userDirectory = {
  existing: async (ids) => ids.filter((id) => Number.isSafeInteger(id) && id >= 1 && id <= HOST_USERS),
};
const groupMemberFetcher = {
  acceptedMembers: async (groupId) => groups.get(groupId)?.members ?? null,
  contactsOf: async (userId) => {
    const contacts = new Set();
    for (const g of groups.values()) if (g.members.includes(userId)) for (const m of g.members) if (m !== userId) contacts.add(m);
    return [...contacts];
  },
  groupsOf: async (userId) => [...groups].filter(([, g]) => g.members.includes(userId)).map(([id, g]) => ({ id, name: g.name, status: 'accepted' })),
  members: async (groupId) => (groups.get(groupId)?.members ?? []).map((id) => ({ id, status: 'accepted' })),
};

/** The host's group management, answered as Parlor's own routes would (the load's adapter calls these paths). */
function hostRoutes(parlor) {
  const r = express.Router();
  r.use('/api/groups', express.json());
  const who = async (req, res) => {
    const identity = await parlor.manager.sessions.resolve(req);
    if (!identity) res.status(401).json({ error: 'unauthorized', message: 'sign in' });
    return identity?.userId;
  };
  r.post('/api/groups', async (req, res) => {
    const me = await who(req, res);
    if (me === undefined) return;
    const id = nextGroupId++;
    groups.set(id, { name: String(req.body?.name ?? ''), owner: me, members: [me], invited: new Set() });
    res.status(201).json({ id, name: groups.get(id).name, owner_id: me });
  });
  r.post('/api/groups/invite', async (req, res) => {
    const me = await who(req, res);
    if (me === undefined) return;
    const g = groups.get(req.body?.group_id);
    if (!g || g.owner !== me) return void res.status(404).json({ error: 'not_found', message: 'no such group' });
    g.invited.add(req.body.user_id);
    res.status(201).json({});
  });
  r.post('/api/groups/:id/accept', async (req, res) => {
    const me = await who(req, res);
    if (me === undefined) return;
    const id = Number(req.params.id);
    const g = groups.get(id);
    if (!g?.invited.delete(me)) return void res.status(404).json({ error: 'not_found', message: 'no invitation' });
    g.members.push(me);
    parlor.invalidateGroup(id);
    res.json({});
  });
  return r;
}

const logger = createLogger();
const running = await startServer(process.env, { logger, host: { userDirectory, groupMemberFetcher }, hostRoutes });
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => running.close().then(() => process.exit(0)));
