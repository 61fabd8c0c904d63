/**
 * The request URL as logged: the path, and the query with the value of every
 * parameter that could carry a credential replaced, whatever its spelling
 * (`access_token`, `access%5Ftoken`, `ACCESS_TOKEN`, `token`, `password`,
 * `jwt`, `bearer`...), and any parameter whose name or value looks like a
 * JWT (a client that put the token itself in the query, `?eyJ...`).
 */
const CREDENTIAL_PARAM = /token|pass|secret|sid|session|auth|key|cookie|jwt|bearer|credential/i;
/** A JWT's header: base64url of `{"` then a dot. */
const LOOKS_LIKE_JWT = /eyJ[\w-]*\./;

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      if (LOOKS_LIKE_JWT.test(pair)) return eq === -1 ? '[redacted]' : `${rawName}=[redacted]`;
      return CREDENTIAL_PARAM.test(decodeName(rawName)) ? `${rawName}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

/** The parameter name as a server would read it; a name that cannot be decoded is treated as a credential. */
function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return 'token';
  }
}
