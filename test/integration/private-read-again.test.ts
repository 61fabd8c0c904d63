/**
 * A private `read` of a message already read marks nothing and moves no
 * marker (docs/contract.md, "`read` receipts to the reader's other devices").
 * Before, the reader's other devices got a `read` receipt naming the older
 * message, which moved their marker back (their unread counters showed
 * messages as unread that the server counts as read), and the host got a
 * second `read` event. The stores now answer `unchanged: true` (ReadResult).
 */
import { expect, it } from 'vitest';
import { connectClient, expectFrameCount, expectNoFrame, registerUsers } from '../support/server.js';
import { describeOnEveryStore } from '../support/every-store.js';

await describeOnEveryStore('private read receipts', (on) => {
  it("a read of a message already read moves no other device's marker back, and is not a second host event", async () => {
    const [alice, bob] = await registerUsers(on.server, 2);
    const send = async (from: typeof alice, to: typeof alice, content: string) =>
      (await on.server.http.post('/api/messages/private').set('cookie', from.cookie).send({ to: to.id, content }).expect(201)).body.id as number;
    await send(alice, bob, 'hi'); // alice wrote first: bob's messages to her are not a request
    const older = await send(bob, alice, 'one');
    const newer = await send(bob, alice, 'two');
    const reads: unknown[] = [];
    on.server.parlor.events.on('read', (e) => reads.push(e));
    const [phone, laptop, sender] = [
      await connectClient(on.server, alice.cookie),
      await connectClient(on.server, alice.cookie),
      await connectClient(on.server, bob.cookie),
    ];

    phone.send({ type: 'read', message_id: newer });
    expect(await laptop.next('receipt')).toMatchObject({ message_id: newer, status: 'read' });
    expect(await sender.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: newer, user_id: alice.id });

    phone.send({ type: 'read', message_id: older }); // read with `newer` already
    // The sender is told again (harmless for it: `older` was read), as a read kept from a stranger is told after the reply.
    expect(await sender.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: older, user_id: alice.id });
    // All frames so far, taken or not: the laptop still has only the receipt of the first read (its marker stays at `newer`).
    await expectFrameCount(laptop, 'receipt', 1, 200);
    expect(reads).toEqual([{ user_id: alice.id, message_id: newer }]);
    await expectNoFrame(phone, 'error', 0);
  });

  it('a read of an unread message below the newest read one is still told', async () => {
    const [alice, bob] = await registerUsers(on.server, 2);
    const send = async (from: typeof alice, to: typeof alice, content: string) =>
      (await on.server.http.post('/api/messages/private').set('cookie', from.cookie).send({ to: to.id, content }).expect(201)).body.id as number;
    await send(alice, bob, 'hi');
    const first = await send(bob, alice, 'one');
    const [phone, laptop] = [await connectClient(on.server, alice.cookie), await connectClient(on.server, alice.cookie)];
    phone.send({ type: 'read', message_id: first });
    expect(await laptop.next('receipt')).toMatchObject({ message_id: first, status: 'read' });
    const second = await send(bob, alice, 'two');
    phone.send({ type: 'read', message_id: second });
    expect(await laptop.next('receipt', (f) => f.message_id === second)).toMatchObject({ status: 'read' });
  });
});
