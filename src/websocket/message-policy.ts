/**
 * The host's own rules for messages (contract section 6, "a policy the host
 * plugs in"): "only friends may message", "new accounts may not send links",
 * a moderation filter. Optional, sync or async; it runs before a private or
 * group message is stored, over WebSocket and HTTP alike (both go through
 * the Manager's sendPrivate/sendGroup).
 */
import { ParlorError } from '../errors.js';
import type { Awaitable } from '../types.js';
import { Content } from './protocol.js';

export interface PolicyInput {
  from: number;
  /** Set for a private message. */
  to?: number;
  /** Set for a group message. */
  group_id?: number;
  content: string;
}

export type PolicyResult = { allow: true; content?: string } | { allow: false; reason: string };

export interface MessagePolicy {
  /** `{allow: true}`, `{allow: true, content}` (the rewritten content is what is stored), or `{allow: false, reason}` (`forbidden`). */
  check(input: PolicyInput): Awaitable<PolicyResult>;
}

/**
 * The content to store: the policy's answer applied. A refusal is `forbidden`
 * with the policy's reason; a rewrite must still be valid content (1-4000
 * characters after trimming), or the host's policy has a bug (an `internal` error).
 */
export async function applyPolicy(policy: MessagePolicy | undefined, input: PolicyInput): Promise<string> {
  if (!policy) return input.content;
  const result = await policy.check(input);
  if (!result.allow) throw new ParlorError('forbidden', result.reason || 'refused by the message policy');
  if (result.content === undefined) return input.content;
  const rewritten = Content.safeParse(result.content);
  if (!rewritten.success) throw new Error(`messagePolicy.check rewrote the content into something invalid: ${rewritten.error.issues[0]?.message}`);
  return rewritten.data;
}
