import { isIPv6 } from 'node:net';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Request } from 'express';

/** An IPv4-mapped IPv6 address (::ffff:0:0/96) as the WHATWG URL parser writes it: `[::ffff:102:304]`. */
const MAPPED_IPV4 = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/;

/**
 * The IPv4 address an IPv4-mapped IPv6 address stands for, or undefined for
 * any other address. A dual-stack listener (`::`, Node's default for
 * `server.listen(port)`) sees every IPv4 client as one: `::ffff:1.2.3.4`, or
 * written in hex, `::ffff:102:304`. Any spelling is read (the URL parser
 * writes an IPv6 address one way: lower case, zeros compressed, no dotted part).
 */
export function mappedIPv4(address: string): string | undefined {
  if (!isIPv6(address) || address.includes('%')) return undefined;
  const match = MAPPED_IPV4.exec(new URL(`http://[${address}]`).hostname);
  if (!match) return undefined;
  const [high, low] = [parseInt(match[1]!, 16), parseInt(match[2]!, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The rate-limit key of a client address: an IPv4 client by its address,
 * however the listener wrote it (one budget each, contract: "per client IP"),
 * an IPv6 client by its /56 (express-rate-limit's `ipKeyGenerator`: one
 * host's many addresses share a budget). Masking `::ffff:a.b.c.d` to /56
 * instead would give every IPv4 client the one key `::/56`.
 */
export function clientAddressKey(address: string): string {
  return mappedIPv4(address) ?? ipKeyGenerator(address);
}

/** `keyGenerator` for express-rate-limit: the client address (Express's `req.ip`, after `trust proxy`) as clientAddressKey keys it. */
export function rateLimitKeyOf({ ip, socket }: Request): string {
  return clientAddressKey(ip ?? socket.remoteAddress ?? '');
}
