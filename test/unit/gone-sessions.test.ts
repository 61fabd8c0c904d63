import { describe, expect, it } from 'vitest';
import { GoneSessions } from '../../src/session/gone-sessions.js';

describe('GoneSessions (ids a session store found missing)', () => {
  it('remembers a miss, forgets it when the id is saved', () => {
    const gone = new GoneSessions(10);
    gone.missed('a', gone.lookingUp());
    expect(gone.has('a')).toBe(true);
    gone.saving('a');
    expect(gone.has('a')).toBe(false);
  });

  it('a lookup that overlapped a save (of any id) does not remember its miss: it may have read before the save landed', () => {
    const gone = new GoneSessions(10);
    const mark = gone.lookingUp();
    gone.saving('a'); // the save starts
    gone.missed('a', mark);
    expect(gone.has('a')).toBe(false);
    const during = gone.lookingUp(); // a lookup while the save is under way
    gone.saving('a'); // the save has settled
    gone.missed('a', during);
    expect(gone.has('a')).toBe(false);
  });

  it('a destroyed id is gone; forgetAll (a store cleared) forgets every id', () => {
    const gone = new GoneSessions(10);
    gone.destroyed('b');
    expect(gone.has('b')).toBe(true);
    gone.forgetAll();
    expect(gone.has('b')).toBe(false);
  });

  it('is bounded: past its capacity the ids not seen lately leave', () => {
    const gone = new GoneSessions(3);
    for (const id of ['a', 'b', 'c', 'd']) gone.destroyed(id);
    expect(['a', 'b', 'c', 'd'].filter((id) => gone.has(id))).toHaveLength(3);
    expect(gone.has('d')).toBe(true);
  });
});
