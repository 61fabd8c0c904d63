// Setup shared by the two reference servers (ws relay, Socket.IO relay): users
// are plain numbers, and a group is a member list posted to /bench/groups.

export function referenceSetup(url, serverName) {
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
      if (res.status !== 201) throw new Error(`${serverName} group setup: HTTP ${res.status}`);
      return groupId;
    },
  };
}
