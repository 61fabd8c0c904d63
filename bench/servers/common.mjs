// What both reference servers share: the HTTP side (health, group setup) and
// the readiness line the benchmark waits for.

/** Reads a JSON request body (small: group setup only). */
export function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

/**
 * GET /healthz -> 200; POST /bench/groups {group_id, members: [user ids]} -> 201.
 * `onGroup(groupId, members)` stores the member list (no auth: a reference only).
 */
export function benchHttpHandler(onGroup) {
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
      if (req.method === 'POST' && path === '/bench/groups') {
        const { group_id: groupId, members } = await readJson(req);
        if (!Number.isInteger(groupId) || !Array.isArray(members)) return send(res, 400, { error: 'bad_request' });
        onGroup(groupId, members.map(Number));
        return send(res, 201, { id: groupId, members: members.length });
      }
      return send(res, 404, { error: 'not_found' });
    } catch {
      return send(res, 400, { error: 'bad_request' });
    }
  };
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Listens on HOST:PORT (default 127.0.0.1:0) and prints {"event":"listening","port":N} on stdout. */
export function listen(server, name) {
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 0);
  server.listen(port, host, () => {
    process.stdout.write(`${JSON.stringify({ event: 'listening', server: name, host, port: server.address().port, pid: process.pid })}\n`);
  });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
