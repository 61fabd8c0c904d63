/** The shared statements' named parameters, as PostgreSQL gets them (src/store/postgres/named-params.ts). */
import { describe, expect, it } from 'vitest';
import { postgresDialect } from '../../src/store/dialect.js';
import { conversationsSql } from '../../src/store/domain/conversations.js';
import { positional } from '../../src/store/postgres/named-params.js';

describe('positional', () => {
  it('numbers each distinct name once, in order of first use, and binds values in that order', () => {
    const q = positional<{ user: number; peer: number }>('SELECT @user, @peer WHERE a = @user AND b = @peer::bigint');
    expect(q.text).toBe('SELECT $1, $2 WHERE a = $1 AND b = $2::bigint');
    expect(q.values({ peer: 2, user: 1 })).toEqual([1, 2]);
  });

  it('binds null, but refuses a missing value (pg would bind it as NULL)', () => {
    const q = positional<{ id: number | null; name?: string }>('SELECT @id, @name');
    expect(q.values({ id: null, name: 'x' })).toEqual([null, 'x']);
    expect(() => q.values({ id: 1 })).toThrow(/@name/);
  });

  it('leaves no named parameter in a shared statement compiled for PostgreSQL', () => {
    const text = positional(conversationsSql(postgresDialect)).text;
    expect(text).not.toMatch(/@\w/);
    // @user and @groups, nothing else.
    expect(text).toContain('$2');
    expect(text).not.toContain('$3');
  });
});
