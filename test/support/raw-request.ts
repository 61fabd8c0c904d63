/** A raw HTTP request whose path is sent byte for byte (supertest/superagent would re-encode odd paths). */
import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  type: string;
  text: string;
}

/** `localAddress`: the source address, e.g. 127.0.0.2, another client IP to a server on loopback. */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  { localAddress }: { localAddress?: string } = {},
): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method, path, agent: false, localAddress, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), text }));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${method} ${path} within 5 s`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
