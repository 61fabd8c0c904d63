import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../../src/websocket/frame-parser.js';

const ok = (text: string) => parseClientFrame(Buffer.from(text), false);
const json = (v: unknown) => ok(JSON.stringify(v));

describe('parseClientFrame: valid frames', () => {
  it('parses every client frame type, trimming content and defaulting is_typing', () => {
    expect(json({ type: 'private', to: 2, content: ' hi ', client_id: 'a' })).toEqual({
      ok: true,
      frame: { type: 'private', to: 2, content: 'hi', client_id: 'a' },
    });
    expect(json({ type: 'group', group_id: 3, content: 'x' })).toEqual({
      ok: true,
      frame: { type: 'group', group_id: 3, content: 'x' },
    });
    expect(json({ type: 'broadcast', content: 'x' })).toEqual({ ok: true, frame: { type: 'broadcast', content: 'x' } });
    expect(json({ type: 'typing', to: 2 })).toEqual({ ok: true, frame: { type: 'typing', to: 2, is_typing: true } });
    expect(json({ type: 'typing', group_id: 3, is_typing: false })).toEqual({
      ok: true,
      frame: { type: 'typing', group_id: 3, is_typing: false },
    });
    expect(json({ type: 'read', message_id: 9 })).toEqual({ ok: true, frame: { type: 'read', message_id: 9 } });
    expect(json({ type: 'read', message_id: 9, group_id: '3' })).toEqual({
      ok: true,
      frame: { type: 'read', message_id: 9, group_id: 3 },
    });
    expect(json({ type: 'sync', since: 0 })).toEqual({ ok: true, frame: { type: 'sync', since: 0 } });
  });

  it('turns a numeric-string group_id into a number and rejects other strings', () => {
    expect(json({ type: 'group', group_id: '42', content: 'x' })).toMatchObject({ ok: true, frame: { group_id: 42 } });
    for (const bad of ['042', '4.2', '-4', '', ' 4', '0', '12345678901234567']) {
      expect(json({ type: 'group', group_id: bad, content: 'x' })).toMatchObject({ ok: false, code: 'bad_request' });
    }
  });

  it('drops fields the protocol does not define, such as a claimed `from`', () => {
    const r = json({ type: 'private', to: 2, content: 'x', from: 1, user_id: 1 });
    expect(r).toEqual({ ok: true, frame: { type: 'private', to: 2, content: 'x' } });
  });

  it('reads every RawData shape ws may deliver and plain strings', () => {
    const text = JSON.stringify({ type: 'sync', since: 1 });
    const buf = Buffer.from(text);
    const expected = { ok: true, frame: { type: 'sync', since: 1 } };
    expect(parseClientFrame(text, false)).toEqual(expected);
    expect(parseClientFrame(buf, false)).toEqual(expected);
    expect(parseClientFrame([buf.subarray(0, 5), buf.subarray(5)], false)).toEqual(expected);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    expect(parseClientFrame(ab, false)).toEqual(expected);
  });

  it('keeps non-ASCII content intact, counting characters, not bytes', () => {
    const content = 'é'.repeat(4000); // 8000 bytes, 4000 chars
    expect(json({ type: 'private', to: 2, content })).toMatchObject({ ok: true, frame: { content } });
  });
});

describe('parseClientFrame: rejections', () => {
  it('rejects binary frames without looking inside', () => {
    expect(parseClientFrame(Buffer.from('{"type":"sync","since":0}'), true)).toEqual({
      ok: false,
      code: 'bad_request',
      message: 'binary frames are not accepted; send JSON text',
    });
  });

  it('rejects what is not JSON or not an object', () => {
    expect(ok('{"type":')).toEqual({ ok: false, code: 'bad_request', message: 'the frame is not valid JSON' });
    for (const text of ['[]', '"private"', '7', 'true', 'null']) {
      expect(ok(text)).toMatchObject({ ok: false, code: 'bad_request' });
    }
  });

  it('names the offending field in the message', () => {
    expect(json({ type: 'private', to: 2 })).toMatchObject({ ok: false, code: 'bad_request', message: expect.stringMatching(/^content: /) });
    expect(json({ type: 'sync' })).toMatchObject({ message: expect.stringMatching(/^since: /) });
    expect(json({ type: 'nope' })).toMatchObject({ message: expect.stringMatching(/^type: /) });
  });

  it('answers too_large only for over-long strings', () => {
    expect(json({ type: 'group', group_id: 1, content: 'x'.repeat(4001) })).toMatchObject({ ok: false, code: 'too_large' });
    expect(json({ type: 'broadcast', content: 'x'.repeat(4001) })).toMatchObject({ ok: false, code: 'too_large' });
    expect(json({ type: 'private', to: 2, content: 'x', client_id: 'c'.repeat(65) })).toMatchObject({ code: 'too_large' });
    expect(json({ type: 'sync', since: Number.MAX_SAFE_INTEGER + 2 })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(json({ type: 'read', message_id: 2 ** 60 })).toMatchObject({ ok: false, code: 'bad_request' });
  });

  it('returns the client_id of a rejected frame when it is usable, so the client can match the error', () => {
    expect(json({ type: 'private', to: 'x', content: 'y', client_id: 'm1' })).toMatchObject({ ok: false, clientId: 'm1' });
    expect(json({ type: 'private', to: 2, content: '', client_id: 'm2' })).toMatchObject({ ok: false, clientId: 'm2' });
    const tooLong = json({ type: 'private', to: 2, content: 'y', client_id: 'c'.repeat(65) });
    expect(tooLong.ok === false && 'clientId' in tooLong).toBe(false);
    const notString = json({ type: 'private', to: 'x', content: 'y', client_id: 5 });
    expect(notString.ok === false && 'clientId' in notString).toBe(false);
  });

  it('rejects typing with neither or both targets, and empty client_id', () => {
    expect(json({ type: 'typing' })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(json({ type: 'typing', to: 1, group_id: 1 })).toMatchObject({ ok: false, code: 'bad_request' });
    expect(json({ type: 'private', to: 2, content: 'x', client_id: '' })).toMatchObject({ ok: false, code: 'bad_request' });
  });

  it('rejects content with a lone surrogate in every frame that carries content, and keeps valid pairs', () => {
    for (const frame of [
      { type: 'private', to: 2, content: 'a\ud800' },
      { type: 'group', group_id: 3, content: '\udc00b' },
      { type: 'broadcast', content: 'x\udbffy' },
    ]) {
      expect(json(frame)).toMatchObject({ ok: false, code: 'bad_request', message: expect.stringContaining('lone surrogate') });
    }
    expect(json({ type: 'private', to: 2, content: 'emoji \ud83d\ude00' })).toMatchObject({ ok: true });
  });

  it('counts a client_id in characters, as content is counted: 64 emoji are one id, 65 are too_large, 40 are echoed', () => {
    expect(json({ type: 'private', to: 2, content: 'x', client_id: '\u{1F600}'.repeat(64) })).toMatchObject({ ok: true });
    expect(json({ type: 'private', to: 2, content: 'x', client_id: '\u{1F600}'.repeat(65) })).toMatchObject({ ok: false, code: 'too_large' });
    const refused = '\u{1F600}'.repeat(40);
    expect(json({ type: 'private', to: 'x', content: 'y', client_id: refused })).toMatchObject({ ok: false, clientId: refused });
  });

  it('refuses a client_id with a lone surrogate (a store would keep U+FFFD: two such ids would be one), naming it in the error', () => {
    for (const frame of [
      { type: 'private', to: 2, content: 'x', client_id: 'a\ud800' },
      { type: 'group', group_id: 3, content: 'x', client_id: '\udc00' },
    ]) {
      expect(json(frame)).toMatchObject({ ok: false, code: 'bad_request', clientId: frame.client_id, message: expect.stringContaining('client_id') });
    }
    expect(json({ type: 'private', to: 2, content: 'x', client_id: 'a\ud83d\ude00' })).toMatchObject({ ok: true });
  });

  it('never throws, whatever arrives', () => {
    for (const text of ['', '\u0000', '{"__proto__":{"type":"sync"}}', '{"type":{"toString":1}}', 'x'.repeat(10_000)]) {
      expect(() => ok(text)).not.toThrow();
      expect(ok(text).ok).toBe(false);
    }
  });
});
