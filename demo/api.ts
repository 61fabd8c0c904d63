/**
 * The HTTP half of the contract the page uses (same origin, session cookie).
 * Errors come back as `ApiError` with the server's `{error, message}`.
 */
import type { GroupMessage, Notification, PrivateMessage } from '../src/client/index.js';

export interface User {
  id: number;
  username: string;
}
export type GroupStatus = 'accepted' | 'invited';
export interface GroupSummary {
  id: number;
  name: string;
  status: GroupStatus;
}
export interface Member {
  id: number;
  username: string;
  status: GroupStatus;
}
export type ConversationSummary = ({ kind: 'private'; user_id: number } | { kind: 'group'; group_id: number }) & {
  last_message: PrivateMessage | GroupMessage;
  unread: number;
  /** A stranger's first messages to me, until I reply (contract section 6). */
  request?: true;
};
export interface Page<M> {
  messages: M[];
  has_more: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A 429's `Retry-After`, in ms: when the server takes this request again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection.');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, data.error ?? `http_${res.status}`, data.message ?? `HTTP ${res.status}`, retryAfterMs(res));
  return data as T;
}

/** `Retry-After` in seconds (the server's form), as ms; undefined when absent or not a number. */
function retryAfterMs(res: Response): number | undefined {
  const seconds = Number(res.headers.get('retry-after') ?? NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Page size for history: enough to fill a tall window, small enough to load fast. */
export const HISTORY_PAGE = 30;

export const api = {
  me: () => request<User>('GET', '/api/auth/me'),
  login: (username: string, password: string) => request<User>('POST', '/api/auth/login', { username, password }),
  register: (username: string, password: string) => request<User>('POST', '/api/auth/register', { username, password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  /** Parlor's own accounts only (docs/contract.md, "Beyond the contract"): 204, this session renewed and every other sign-in ended. */
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/api/auth/password', { current_password: currentPassword, new_password: newPassword }),
  /** 204: every session and token of the user ends, this one too. */
  logoutEverywhere: () => request<void>('POST', '/api/auth/logout-all'),
  /** A bearer token for this session (the page's `?socket=token` mode): what a webview or a mobile app would do. */
  token: () => request<{ token: string; expires_at: number }>('POST', '/api/auth/token'),
  block: (userId: number) => request<unknown>('POST', `/api/users/${userId}/block`),
  blocked: () => request<{ users: Array<{ user_id: number; since: number }> }>('GET', '/api/users/blocked'),

  groups: () => request<{ groups: GroupSummary[] }>('GET', '/api/groups'),
  createGroup: (name: string) => request<{ id: number; name: string; owner_id: number }>('POST', '/api/groups', { name }),
  members: (groupId: number) => request<{ members: Member[] }>('GET', `/api/groups/${groupId}/members`),
  invite: (groupId: number, userId: number) => request<unknown>('POST', '/api/groups/invite', { group_id: groupId, user_id: userId }),
  respond: (groupId: number, accept: boolean) => request<unknown>('POST', `/api/groups/${groupId}/${accept ? 'accept' : 'decline'}`),
  leave: (groupId: number) => request<unknown>('POST', `/api/groups/${groupId}/leave`),

  conversations: () => request<{ conversations: ConversationSummary[] }>('GET', '/api/conversations'),
  /** One page of a conversation, newest first; `before` is the oldest id already shown. */
  privateHistory: (userId: number, before?: number) =>
    request<Page<PrivateMessage>>('GET', `/api/messages/private?user=${userId}&limit=${HISTORY_PAGE}${before ? `&before=${before}` : ''}`),
  groupHistory: (groupId: number, before?: number) =>
    request<Page<GroupMessage>>('GET', `/api/messages/group?group=${groupId}&limit=${HISTORY_PAGE}${before ? `&before=${before}` : ''}`),

  notifications: () => request<{ notifications: Notification[]; unread: number }>('GET', '/api/notifications?limit=50'),
  readNotifications: () => request<{ updated: number }>('POST', '/api/notifications/read', {}),
  online: () => request<{ users: number[] }>('GET', '/api/users/online'),
};
