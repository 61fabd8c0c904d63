/**
 * README: "The Manager depends on five small interfaces", `ConsentStore`
 * among them (`createParlorContainer({..., consentStore? })`, `Manager`'s
 * seventh argument). The package entry exported the other four but not
 * `ConsentStore`, the `Relation` its `relation()` answers or `BlockedUser`:
 * a team writing a ConsentStore mock had to import from src internals. The
 * mock below is type-checked against the package entry alone.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { typeErrorsIn } from '../support/type-check.js';

const ROOT = join(import.meta.dirname, '../..');
const VIRTUAL = join(ROOT, 'test/unit/__consent_mock__.ts');

const SOURCE = `
import { Manager, type ConsentStore, type Relation, type BlockedUser } from '../../src/index.js';
const open: Relation = { blocking: false, blockedBy: false, wrote: true, peerWrote: true, shareGroup: false };
const blocked: BlockedUser[] = [];
const consent: ConsentStore = {
  relation: () => open,
  block: () => true,
  unblock: () => true,
  blockedBy: () => blocked,
  blockedEitherWay: () => [],
};
export const manager = new Manager({ resolve: () => null }, { acceptedMembers: () => null },
  { savePrivate: null!, saveGroup: null!, saveNotification: null!, privateHistory: null!, groupHistory: null! },
  {}, undefined, undefined, consent);
`;

it('a ConsentStore mock can be written with the types of the package entry alone', () => {
  expect(typeErrorsIn(SOURCE, VIRTUAL)).toEqual([]);
}, 120_000);
