import { describe, expect, it } from 'vitest';
import { hashedWithOtherParams, hashPassword, scryptParams, verifyPassword } from '../../src/http/password.js';

describe('hashedWithOtherParams', () => {
  it('is false for a hash made with the given parameters, true for one made with others (a rehash is due)', async () => {
    const at10 = await hashPassword('correct horse battery', scryptParams(10));
    expect(hashedWithOtherParams(at10, scryptParams(10))).toBe(false);
    expect(hashedWithOtherParams(at10, scryptParams(11))).toBe(true);
    expect(hashedWithOtherParams(at10, { ...scryptParams(10), r: 16 })).toBe(true);
    expect(hashedWithOtherParams(at10, { ...scryptParams(10), p: 2 })).toBe(true);
    expect(hashedWithOtherParams(at10)).toBe(true); // the default cost is 17
  });

  it('a rehash at other parameters verifies the same password', async () => {
    const at11 = await hashPassword('correct horse battery', scryptParams(11));
    expect(hashedWithOtherParams(at11, scryptParams(11))).toBe(false);
    expect(await verifyPassword('correct horse battery', at11)).toBe(true);
    expect(await verifyPassword('wrong password', at11)).toBe(false);
  });
});
