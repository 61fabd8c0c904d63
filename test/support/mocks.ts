/**
 * Test doubles for the Manager's three injected interfaces and for a `ws`
 * socket, in three files re-exported here so one import gets them all:
 * - `fake-socket.ts`: FakeSocket, framesOf/framesAfterWelcome/nextFrame, deferred, settle;
 * - `mock-interfaces.ts`: mockSessionResolver, mockGroupMemberFetcher, mockPersister;
 * - `harness.ts`: createHarness, a Manager wired to the mocks.
 */
export * from './fake-socket.js';
export * from './mock-interfaces.js';
export * from './harness.js';
