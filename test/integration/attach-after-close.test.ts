/**
 * `parlor.attach` once `parlor.close()` was called: refused with an Error
 * naming the state, while closing and once closed alike. Taken, it would add
 * an 'upgrade' listener and claim the path that nobody undoes (close() undid
 * the attaches it knew of), so no new Parlor could attach to that server and
 * path.
 */
import { describe, expect, it } from 'vitest';
import { useAttachMounts } from '../support/attach-mounts.js';
import { HOST_USER_HEADER } from '../support/host-app.js';
import { connectClient, targetOf } from '../support/server.js';

const { mount, listening } = useAttachMounts();

describe('parlor.attach after parlor.close()', () => {
  it('throws while close() is under way and after it, adds no listener, and a new Parlor attaches to the same path and serves it', async () => {
    const server = await listening();
    const parlor = mount();
    parlor.attach(server);

    const closing = parlor.close();
    expect(() => parlor.attach(server, { path: '/other/ws' }), 'while closing').toThrow(/this Parlor is closing.*create a new Parlor/);
    await closing;
    expect(() => parlor.attach(server), 'once closed').toThrow(/this Parlor is closed.*create a new Parlor/);
    expect(server.listeners('upgrade'), 'neither refused attach left a listener').toHaveLength(0);

    const next = mount();
    expect(() => next.attach(server), 'the path is free').not.toThrow();
    expect(() => next.attach(server, { path: '/other/ws' }), 'so is the one tried while closing').not.toThrow();
    const { port } = server.address() as { port: number };
    const client = await connectClient(targetOf(`http://127.0.0.1:${port}`), undefined, { headers: { [HOST_USER_HEADER]: '7' } });
    expect(client.frames[0]).toMatchObject({ type: 'welcome', user_id: 7 });
  });
});
