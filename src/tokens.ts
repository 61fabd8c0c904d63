/**
 * Injection tokens, all in one place (tsyringe "Example with interfaces").
 * Interfaces vanish at run time, so every injected interface has a symbol.
 */
export const SESSION_RESOLVER = Symbol.for('parlor.SessionResolver');
export const GROUP_MEMBER_FETCHER = Symbol.for('parlor.GroupMemberFetcher');
export const MESSAGE_PERSISTER = Symbol.for('parlor.MessagePersister');
export const USER_DIRECTORY = Symbol.for('parlor.UserDirectory');
export const MANAGER_OPTIONS = Symbol.for('parlor.ManagerOptions');
export const BROKER = Symbol.for('parlor.Broker');
export const CONSENT_STORE = Symbol.for('parlor.ConsentStore');
