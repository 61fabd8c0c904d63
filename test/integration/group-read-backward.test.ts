/**
 * The group read marker moves only forward (src/store/domain/read-markers.ts),
 * and docs/contract.md says of the receipt the reader's other devices get: "the
 * reader's other connections get the same `receipt` frame ...: the marker moved";
 * protocol.md: "so their unread counters move". A `read` of an older group message
 * moves nothing: the Manager once still sent the other devices a receipt naming the
 * older message, so they moved their marker back and showed messages as unread that
 * the server counts as read. The stores now answer 'unchanged' (GroupReadResult).
 */
import { expect, it } from 'vitest';
import { connectClient, createGroup, expectNoFrame, registerUsers } from '../support/server.js';
import { describeOnEveryStore } from '../support/every-store.js';

await describeOnEveryStore('group read marker receipts', (on) => {
  it('a read that does not move the marker tells the other devices no marker move', async () => {
    const [alice, bob] = await registerUsers(on.server, 2);
    const group = await createGroup(on.server, alice, [bob]);
    const send = async (content: string) =>
      (await on.server.http.post('/api/messages/group').set('cookie', bob.cookie).send({ group_id: group, content }).expect(201)).body.id as number;
    const older = await send('one');
    const newer = await send('two');
    const [phone, laptop] = [await connectClient(on.server, alice.cookie), await connectClient(on.server, alice.cookie)];

    phone.send({ type: 'read', group_id: group, message_id: newer });
    expect(await laptop.next('receipt')).toMatchObject({ message_id: newer, group_id: group, status: 'read' });

    phone.send({ type: 'read', group_id: group, message_id: older }); // moves nothing: the marker stays at `newer`
    const list = await on.server.http.get('/api/conversations').set('cookie', alice.cookie).expect(200);
    expect(list.body.conversations.find((c: { group_id?: number }) => c.group_id === group).unread).toBe(0);
    // The laptop must not be told the marker is now at `older` (its unread counter would show 1 again).
    await expectNoFrame(laptop, 'receipt', 300, (f) => f.message_id === older);
  });
});
