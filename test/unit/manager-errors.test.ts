import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { createHarness, framesAfterWelcome, framesOf, nextFrame, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('Manager: store failures', () => {
  it('answers internal with the client_id, sends no ack and routes nothing when savePrivate rejects', async () => {
    h = createHarness();
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const b = h.connect(2);
    h.persister.savePrivate.mockRejectedValueOnce(new Error('disk full'));
    a1.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c9' });
    const err = await nextFrame(a1, 'error');
    expect(err).toEqual({
      type: 'error',
      code: 'internal',
      message: 'the frame could not be processed (it may or may not have been stored); resend it with the same client_id',
      client_id: 'c9',
    });
    await settle();
    expect(framesOf(a1, 'ack')).toEqual([]);
    expect(framesAfterWelcome(a2)).toEqual([]);
    expect(framesAfterWelcome(b)).toEqual([]);
  });

  it('does not leak the internal error message to the client', async () => {
    h = createHarness();
    const a = h.connect(1);
    h.persister.saveGroup.mockRejectedValueOnce(new Error('password=hunter2 at db.internal'));
    h.groups.groups.set(3, { accepted: [1] });
    a.receive({ type: 'group', group_id: 3, content: 'x' });
    const err = await nextFrame(a, 'error');
    expect(err.code).toBe('internal');
    expect(err.message).not.toContain('hunter2');
  });

  it("passes a store's ParlorError('not_found') through as a not_found error frame", async () => {
    h = createHarness({ knownUsers: [1, 2] });
    const a = h.connect(1);
    a.receive({ type: 'private', to: 404, content: 'hello?', client_id: 'nf' });
    expect(await nextFrame(a, 'error')).toEqual({
      type: 'error',
      code: 'not_found',
      message: 'user 404 does not exist',
      client_id: 'nf',
    });
    expect(framesOf(a, 'ack')).toEqual([]);
  });

  it('turns a ParlorError whose code is HTTP-only into internal', async () => {
    h = createHarness();
    const a = h.connect(1);
    h.persister.savePrivate.mockRejectedValueOnce(new ParlorError('conflict', 'x'));
    a.receive({ type: 'private', to: 2, content: 'hi' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'internal' });
  });

  it('keeps the connection usable after a failed write: the retry with the same client_id is stored once', async () => {
    h = createHarness();
    const a = h.connect(1);
    const b = h.connect(2);
    h.persister.savePrivate.mockRejectedValueOnce(new Error('timeout'));
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'r' });
    await nextFrame(a, 'error');
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'r' });
    expect(await nextFrame(a, 'ack')).toMatchObject({ client_id: 'r', id: 1 });
    await settle();
    expect(framesOf(b, 'private')).toHaveLength(1);
  });
});

describe('Manager: bad frames', () => {
  const cases: Array<{ name: string; send: unknown; code: string; message: RegExp; clientId?: string }> = [
    { name: 'not JSON', send: 'hello there', code: 'bad_request', message: /not valid JSON/ },
    { name: 'a JSON array', send: '[{"type":"private"}]', code: 'bad_request', message: /expected object/ },
    { name: 'a JSON number', send: '42', code: 'bad_request', message: /expected object/ },
    { name: 'JSON null', send: 'null', code: 'bad_request', message: /expected object/ },
    { name: 'an unknown type', send: { type: 'shout', content: 'x' }, code: 'bad_request', message: /^type: / },
    { name: 'no type', send: { to: 2, content: 'x' }, code: 'bad_request', message: /^type: / },
    { name: 'to as a string', send: { type: 'private', to: '2', content: 'x', client_id: 'k' }, code: 'bad_request', message: /^to: /, clientId: 'k' },
    { name: 'content as a number', send: { type: 'private', to: 2, content: 5 }, code: 'bad_request', message: /^content: / },
    { name: 'a fractional id', send: { type: 'private', to: 2.5, content: 'x' }, code: 'bad_request', message: /^to: / },
    { name: 'an unsafe integer id', send: { type: 'private', to: 2 ** 60, content: 'x' }, code: 'bad_request', message: /^to: / },
    { name: 'is_typing as a string', send: { type: 'typing', to: 2, is_typing: 'yes' }, code: 'bad_request', message: /^is_typing: / },
    { name: 'typing with both to and group_id', send: { type: 'typing', to: 2, group_id: 3 }, code: 'bad_request', message: /exactly one/ },
    { name: 'a negative sync cursor', send: { type: 'sync', since: -1 }, code: 'bad_request', message: /^since: / },
    { name: 'content empty after trim', send: { type: 'private', to: 2, content: ' \n\t ', client_id: 'e' }, code: 'bad_request', message: /^content: /, clientId: 'e' },
    { name: 'content over 4000 chars', send: { type: 'private', to: 2, content: 'a'.repeat(4001), client_id: 'big' }, code: 'too_large', message: /^content: /, clientId: 'big' },
    { name: 'client_id over 64 chars', send: { type: 'private', to: 2, content: 'x', client_id: 'c'.repeat(65) }, code: 'too_large', message: /^client_id: / },
    { name: 'a group_id that is not numeric', send: { type: 'group', group_id: 'abc', content: 'x' }, code: 'bad_request', message: /^group_id: / },
  ];

  for (const c of cases) {
    it(`answers ${c.code} to ${c.name}, stores and routes nothing, and keeps the connection open`, async () => {
      h = createHarness({ groups: { 3: { accepted: [1, 2] } }, contacts: { 1: [], 2: [] } });
      const a = h.connect(1);
      const b = h.connect(2);
      a.receive(c.send);
      const err = await nextFrame(a, 'error');
      expect(err.code).toBe(c.code);
      expect(err.message).toMatch(c.message);
      expect(err.client_id).toBe(c.clientId);
      await settle();
      expect(framesAfterWelcome(a)).toHaveLength(1);
      expect(framesAfterWelcome(b)).toEqual([]);
      expect(h.persister.savePrivate).not.toHaveBeenCalled();
      expect(h.persister.saveGroup).not.toHaveBeenCalled();

      expect(a.readyState).toBe(1);
      expect(a.closeCode).toBeUndefined();
      a.receive({ type: 'private', to: 2, content: 'still here', client_id: 'ok' });
      expect(await nextFrame(a, 'ack')).toMatchObject({ client_id: 'ok' });
      await vi.waitFor(() => expect(framesOf(b, 'private')).toHaveLength(1));
    });
  }

  it('answers bad_request to a binary frame even when it holds valid JSON', async () => {
    h = createHarness();
    const a = h.connect(1);
    const b = h.connect(2);
    a.receiveBinary(Buffer.from(JSON.stringify({ type: 'private', to: 2, content: 'x' })));
    expect(await nextFrame(a, 'error')).toEqual({
      type: 'error',
      code: 'bad_request',
      message: 'binary frames are not accepted; send JSON text',
    });
    await settle();
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(framesAfterWelcome(b)).toEqual([]);
    expect(a.closeCode).toBeUndefined();
  });

  it('accepts content of exactly 4000 chars and a client_id of exactly 64', async () => {
    h = createHarness();
    const a = h.connect(1);
    const cid = 'c'.repeat(64);
    a.receive({ type: 'private', to: 2, content: 'a'.repeat(4000), client_id: cid });
    expect(await nextFrame(a, 'ack')).toMatchObject({ client_id: cid });
  });

  it('answers bad_request to read and sync when the persister lacks the optional method', async () => {
    h = createHarness();
    const p = h.persister as Partial<typeof h.persister>;
    delete p.messagesSince;
    delete p.markRead;
    const a = h.connect(1);
    a.receive({ type: 'sync', since: 0 });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'bad_request', message: 'sync is not enabled' });
    a.receive({ type: 'read', message_id: 1 });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'bad_request', message: 'read receipts are not enabled' });
  });
});
