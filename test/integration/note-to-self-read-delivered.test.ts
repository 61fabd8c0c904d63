/**
 * A note to oneself has no `delivered` receipt (docs/contract.md, "private
 * message to oneself | stored, acked, and sent to one's other connections; no
 * `delivered` receipt"; protocol.md). The live and replay paths skip it
 * (LocalDelivery.deliveredOnce). A `read` of a note that was never delivered
 * (written from the only device, or over HTTP) marks it delivered too, and
 * once announced that `delivered` to the sender: oneself, on every device.
 */
import { expect, it } from 'vitest';
import { connectClient, expectNoFrame, registerUsers } from '../support/server.js';
import { describeOnEveryStore } from '../support/every-store.js';

await describeOnEveryStore('note to self read', (on) => {
  it('reading a note to oneself sends no delivered receipt', async () => {
    const [alice] = await registerUsers(on.server, 1);
    const note = (await on.server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: alice.id, content: 'buy milk' }).expect(201))
      .body.id as number;
    const [phone, laptop] = [await connectClient(on.server, alice.cookie), await connectClient(on.server, alice.cookie)];

    phone.send({ type: 'read', message_id: note });
    // The marker moved: the other device hears of the read (this part works).
    expect(await laptop.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: note, status: 'read' });
    await expectNoFrame(phone, 'receipt', 300, (f) => f.status === 'delivered');
    await expectNoFrame(laptop, 'receipt', 0, (f) => f.status === 'delivered');
  });
});
