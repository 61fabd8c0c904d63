import { afterEach, describe, expect, it, vi } from 'vitest';
import { guardInterface } from '../../src/interface-failure.js';
import type { Logger } from '../../src/logger.js';
import { createHarness, framesOf, mockUserDirectory, nextFrame, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('Manager: who exists is asked of the UserDirectory, before anything is stored', () => {
  it('a private message to an id the directory does not know is not_found; nothing stored or routed', async () => {
    const directory = mockUserDirectory([1, 2]);
    h = createHarness({ directory });
    const a = h.connect(1);
    a.receive({ type: 'private', to: 404, content: 'hello?', client_id: 'nf' });
    expect(await nextFrame(a, 'error')).toEqual({ type: 'error', code: 'not_found', message: 'user 404 does not exist', client_id: 'nf' });
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(framesOf(a, 'ack')).toEqual([]);
  });

  it('a second message to the same recipient does not ask the directory again; invalidateUser makes it ask', async () => {
    const directory = mockUserDirectory([1, 2]);
    h = createHarness({ directory });
    await h.manager.sendPrivate({ from: 1, to: 2, content: 'one' });
    await h.manager.sendPrivate({ from: 1, to: 2, content: 'two' });
    expect(directory.existing).toHaveBeenCalledTimes(1);
    h.manager.users.invalidate(2);
    directory.users.delete(2);
    await expect(h.manager.sendPrivate({ from: 1, to: 2, content: 'three' })).rejects.toMatchObject({ code: 'not_found' });
    expect(directory.existing).toHaveBeenCalledTimes(2);
    expect(h.persister.messages.map((m) => m.content)).toEqual(['one', 'two']);
  });

  it('notify to an unknown user rejects with not_found and stores nothing; to a known one it stores and sends', async () => {
    h = createHarness({ directory: mockUserDirectory([1]) });
    const a = h.connect(1);
    await expect(h.manager.notify(5, 'system', 'nobody')).rejects.toMatchObject({ code: 'not_found' });
    expect(h.persister.saveNotification).not.toHaveBeenCalled();
    await h.manager.notify(1, 'system', 'hello');
    expect(await nextFrame(a, 'notification')).toMatchObject({ subtype: 'system', message: 'hello' });
  });

  it('a throwing directory: internal, nothing stored or routed, and the log names userDirectory', async () => {
    const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() } as unknown as Logger;
    const directory = mockUserDirectory([1, 2]);
    directory.existing.mockImplementation(() => {
      throw new Error('directory database down');
    });
    h = createHarness({ directory: guardInterface('userDirectory', directory), options: { logger } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c1' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'internal', client_id: 'c1' });
    await settle();
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(framesOf(b, 'private')).toEqual([]);
    // The host's outage: a warning naming it, never an error line (docs/operations.md).
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ interface: 'userDirectory' }), 'userDirectory failed');
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('without a directory (a Manager built by hand) every id is taken as it is', async () => {
    h = createHarness();
    await h.manager.sendPrivate({ from: 1, to: 12345, content: 'x' });
    expect(h.persister.savePrivate).toHaveBeenCalledTimes(1);
  });
});
