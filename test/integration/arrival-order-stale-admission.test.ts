/**
 * A message that waits for its turn (ArrivalOrder) is admitted again after
 * the wait: a block or a leave answered during it is seen (before the fix,
 * it was stored and routed on the admission it got before it waited).
 *
 * docs/contract.md, "blocking": "Once A blocks B: B's private messages ... to
 * A are refused (forbidden, nothing stored; also one a host messagePolicy was
 * still holding when the block was answered: admission is checked again after
 * the policy)".
 * docs/contract.md, "leaving a group": "no more of the group's messages
 * (members are read again after a host messagePolicy, right before the store;
 * only a message whose own commit overlaps the leave's may still reach the
 * leaver)".
 *
 * Here the sender's earlier message is held by the host's messagePolicy (a
 * moderation call); the later message's own checks pass at once, and it waits
 * behind the first. The block (or leave) is answered 2xx while it waits; once
 * the first message is let through, the second is stored and delivered to the
 * user who blocked the sender (or left the group) anyway.
 * Real sockets, real SQLite stores, a host app with a UserDirectory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import type { PolicyInput, PolicyResult } from '../../src/websocket/message-policy.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { closeAll, expectNoFrame } from '../support/server.js';

const [ALICE, BOB, CAROL] = [1, 2, 3];

/** A policy that holds the message whose content is 'held' until `release()`; everything else is allowed at once. */
function holdingPolicy() {
  let release!: () => void;
  let opened = new Promise<void>((r) => (release = r));
  const seen: string[] = [];
  return {
    seen,
    policy: {
      async check(input: PolicyInput): Promise<PolicyResult> {
        seen.push(input.content);
        if (input.content === 'held') await opened;
        return { allow: true };
      },
    },
    release: () => release(),
    reset() {
      opened = new Promise<void>((r) => (release = r));
      seen.length = 0;
    },
  };
}

async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a message waiting for its turn behind a message the policy holds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'review-arrival-'));
  const hold = holdingPolicy();
  let stores: Stores;
  let host: HostApp;
  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    host = await startHostApp(stores, {
      userDirectory: { existing: (ids) => ids.filter((id) => [ALICE, BOB, CAROL].includes(id)) },
      messagePolicy: hold.policy,
    });
  });
  afterAll(async () => {
    await host?.close();
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('a block answered while the message waits: the message is refused, the blocker gets nothing', async () => {
    hold.reset();
    const [alice, bob] = [await host.connect(ALICE), await host.connect(BOB)];
    alice.send({ type: 'private', to: CAROL, content: 'held', client_id: 'held-1' });
    alice.send({ type: 'private', to: BOB, content: 'after the block', client_id: 'after-1' });
    // Both policies were asked; the second answered at once and its message now waits for the first.
    await until(() => hold.seen.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    await host.http.post(`/api/users/${ALICE}/block`).set(host.as(BOB)).expect(201);
    hold.release();
    await alice.next('ack', (f) => f.client_id === 'held-1');
    const answer = await alice.next('ack', (f) => f.client_id === 'after-1', 1000).then(
      (f) => f,
      () => alice.next('error', (f) => f.client_id === 'after-1', 1000),
    );
    await expectNoFrame(bob, 'private', 200, (f) => f.content === 'after the block');
    expect(answer).toMatchObject({ type: 'error', code: 'forbidden', client_id: 'after-1' });
  });

  it('a leave answered while the message waits: the leaver gets no group message stored after it left', async () => {
    hold.reset();
    const { body: group } = await host.http.post('/api/groups').set(host.as(ALICE)).send({ name: 'order' }).expect(201);
    await host.http.post('/api/groups/invite').set(host.as(ALICE)).send({ group_id: group.id, user_id: CAROL }).expect(201);
    await host.http.post(`/api/groups/${group.id}/accept`).set(host.as(CAROL)).expect(200);
    const [alice, carol] = [await host.connect(ALICE), await host.connect(CAROL)];
    alice.send({ type: 'private', to: ALICE, content: 'held', client_id: 'held-2' });
    alice.send({ type: 'group', group_id: group.id, content: 'after the leave', client_id: 'after-2' });
    await until(() => hold.seen.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    await host.http.post(`/api/groups/${group.id}/leave`).set(host.as(CAROL)).expect(200);
    hold.release();
    await alice.next('ack', (f) => f.client_id === 'held-2');
    await alice.next('ack', (f) => f.client_id === 'after-2', 1000).catch(() => undefined);
    await expectNoFrame(carol, 'group', 200, (f) => f.content === 'after the leave');
  });
});
