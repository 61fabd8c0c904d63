/** One readable line for any error the page shows: HTTP (`ApiError`), client SDK, or anything else. */
import { isParlorClientError } from '../src/client/index.js';
import { ApiError } from './api.js';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (isParlorClientError(err)) return err.message;
  return err instanceof Error ? err.message : String(err);
}
