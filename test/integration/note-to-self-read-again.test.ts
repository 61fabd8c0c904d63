/**
 * A read of an older note to oneself, already read, tells the reader's other
 * devices nothing: for a note the "sender" is the reader, so it must not be
 * told as the sender either, or their marker would move back.
 */
import { expect, it } from 'vitest';
import { connectClient, expectFrameCount, expectNoFrame, registerUsers } from '../support/server.js';
import { describeOnEveryStore } from '../support/every-store.js';

await describeOnEveryStore('note to self read again', (on) => {
  it("a read of an older note already read moves no other device's marker back", async () => {
    const [alice] = await registerUsers(on.server, 1);
    const note = async (content: string) =>
      (await on.server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: alice.id, content }).expect(201)).body.id as number;
    const older = await note('one');
    const newer = await note('two');
    const [phone, laptop] = [await connectClient(on.server, alice.cookie), await connectClient(on.server, alice.cookie)];
    phone.send({ type: 'read', message_id: newer });
    expect(await laptop.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: newer });
    phone.send({ type: 'read', message_id: older }); // already read with `newer`
    await expectFrameCount(laptop, 'receipt', 1, 300);
    await expectNoFrame(phone, 'error', 0);
  });
});
