import { expect, it } from 'vitest';
import { type ContractContext, MISSING, expectParlorError } from './context.js';

/** Parlor's own accounts, in either user mode (a host's users are not accounts). */
export function userContract(ctx: ContractContext): void {
  let seq = 0;
  const account = (prefix: string) => ctx.stores().users.createUser(`${prefix}_${Date.now().toString(36)}_${++seq}`, 'hash');
  it('findByIds: the accounts among the ids, in one call; unknown ids and an empty list give nothing', async () => {
    const users = ctx.stores().users;
    const name = () => `ids_${Math.random().toString(36).slice(2, 10)}`;
    const [a, b] = [await users.createUser(name(), 'h'), await users.createUser(name(), 'h')];
    const found = await users.findByIds([b.id, 999_999_999, a.id, b.id]);
    expect(found.map((u) => ({ id: u.id, username: u.username })).sort((x, y) => x.id - y.id)).toEqual(
      [a, b].map((u) => ({ id: u.id, username: u.username })).sort((x, y) => x.id - y.id),
    );
    expect(found.every((u) => !('passwordHash' in u) && !('password_hash' in u))).toBe(true);
    expect(await users.findByIds([])).toEqual([]);
  });

  it('createUser returns the id and the name as given; findById adds the hash', async () => {
    const users = ctx.stores().users;
    const name = `Mixed_${Date.now().toString(36)}`;
    const created = await users.createUser(name, 'scrypt$hash');
    expect(Number.isInteger(created.id) && created.id > 0).toBe(true);
    expect(created).toEqual({ id: created.id, username: name });
    expect(await users.findById(created.id)).toEqual({
      id: created.id,
      username: name,
      passwordHash: 'scrypt$hash',
    });
  });

  it('deleteUser removes the account, so its name is free again; an unknown id changes nothing', async () => {
    const users = ctx.stores().users;
    const u = await account('Undo');
    await users.deleteUser(u.id);
    expect(await users.findById(u.id)).toBeNull();
    expect(await users.findByUsername(u.username)).toBeNull();
    const again = await users.createUser(u.username, 'hash');
    await users.deleteUser(MISSING);
    expect(await users.findById(again.id)).toEqual({ ...again, passwordHash: 'hash' });
  });

  it('updatePasswordHash replaces the one account\'s hash; an unknown id changes nothing', async () => {
    const users = ctx.stores().users;
    const [u, other] = [await account('Rehash'), await account('Rehash')];
    expect(await users.updatePasswordHash(u.id, 'scrypt$2048$8$1$new')).toBe(true);
    expect(await users.findById(u.id)).toEqual({ ...u, passwordHash: 'scrypt$2048$8$1$new' });
    expect((await users.findByUsername(u.username))?.passwordHash).toBe('scrypt$2048$8$1$new');
    expect((await users.findById(other.id))?.passwordHash).toBe('hash');
    expect(await users.updatePasswordHash(MISSING, 'scrypt$nobody')).toBe(false);
    expect(await users.findById(MISSING)).toBeNull();
  });

  it('updatePasswordHash with `replacing` replaces only that hash: a rehash racing a password change cannot undo it', async () => {
    const users = ctx.stores().users;
    const u = await account('Replace');
    expect(await users.updatePasswordHash(u.id, 'changed', 'hash')).toBe(true);
    // A login that verified the old hash and rehashes it now finds another: nothing is written.
    expect(await users.updatePasswordHash(u.id, 'old password rehashed', 'hash')).toBe(false);
    expect((await users.findById(u.id))?.passwordHash).toBe('changed');
    expect(await users.updatePasswordHash(MISSING, 'x', 'hash')).toBe(false);
  });

  it('findByUsername ignores case and returns null for an unknown name', async () => {
    const users = ctx.stores().users;
    const u = await account('Case');
    const expected = { id: u.id, username: u.username, passwordHash: expect.any(String) };
    expect(await users.findByUsername(u.username.toUpperCase())).toEqual(expected);
    expect(await users.findByUsername(u.username.toLowerCase())).toEqual(expected);
    expect(await users.findByUsername(`${u.username}_nobody`)).toBeNull();
    expect(await users.findById(MISSING)).toBeNull();
  });

  it('createUser with a taken name, in any case, is a conflict and changes nothing', async () => {
    const users = ctx.stores().users;
    const u = await account('Taken');
    await expectParlorError(() => users.createUser(u.username, 'other'), 'conflict');
    await expectParlorError(() => users.createUser(u.username.toUpperCase(), 'other'), 'conflict');
    const found = await users.findByUsername(u.username);
    expect(found?.id).toBe(u.id);
    expect(found?.passwordHash).not.toBe('other');
  });

  it('tokenVersions.bump increments the one user and returns the new value; current starts at 0', async () => {
    const { tokenVersions } = ctx.stores();
    const u = await ctx.user();
    const other = await ctx.user();
    expect(await tokenVersions.current(u.id)).toBe(0);
    expect(await tokenVersions.bump(u.id)).toBe(1);
    expect(await tokenVersions.bump(u.id)).toBe(2);
    expect(await tokenVersions.current(u.id)).toBe(2);
    expect(await tokenVersions.current(other.id)).toBe(0);
  });

  it('tokenVersions need no Parlor account: a host user id Parlor never saw has one too', async () => {
    const { tokenVersions, users } = ctx.stores();
    expect(await users.findById(MISSING)).toBeNull();
    expect(await tokenVersions.current(MISSING)).toBe(0);
    expect(await tokenVersions.bump(MISSING)).toBe(1);
    expect(await tokenVersions.current(MISSING)).toBe(1);
  });

  it('tokenVersions.currentOf answers every asked user at once, as current would one by one (0 for none, host ids too)', async () => {
    const { tokenVersions } = ctx.stores();
    const [u, other] = [await ctx.user(), await ctx.user()];
    await tokenVersions.bump(u.id);
    await tokenVersions.bump(u.id);
    await tokenVersions.bump(MISSING); // a host's id with no account (other tests of the suite bump it too)
    const versions = await tokenVersions.currentOf([u.id, other.id, MISSING, u.id]);
    expect([versions.size, versions.get(u.id), versions.get(other.id)]).toEqual([3, 2, 0]);
    expect(versions.get(MISSING)).toBe(await tokenVersions.current(MISSING));
    expect(versions.get(MISSING)).toBeGreaterThan(0);
    expect(await tokenVersions.currentOf([])).toEqual(new Map());
  });
}
