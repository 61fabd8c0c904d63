/**
 * The request URL as logged: the path, and the query with the value of every
 * parameter that could carry a credential replaced, whatever its spelling
 * (`access_token`, `access%5Ftoken`, `ACCESS_TOKEN`, `token`, `password`,
 * `jwt`, `bearer`...), and any parameter whose name or value looks like a
 * JWT (a client that put the token itself in the query, `?eyJ...`).
 */
const CREDENTIAL_PARAM = /token|pass|secret|sid|session|auth|key|cookie|jwt|bearer|credential/i;
/** A JWT's header starts with base64url of `{"`. */
const JWT_HEADER_START = 'eyJ';

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      if (looksLikeJwt(pair)) return eq === -1 ? '[redacted]' : `${rawName}=[redacted]`;
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

/**
 * Whether `text` holds a JWT's header: `eyJ`, more base64url (`[\w-]*`), then
 * a dot; the same test as /eyJ[\w-]*\./, in one pass. That regex is
 * unanchored, so on a long run of "eyJ" with no dot every "eyJ" starts an
 * attempt that scans to the end of the run and fails: quadratic in the URL,
 * which a stranger chooses (up to Node's ~16 KB request line) and which is
 * redacted for every logged request. Here each character is looked at once:
 * the dot must end the run of base64url characters that holds the "eyJ".
 */
export function looksLikeJwt(text: string): boolean {
  let runHasHeader = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isBase64UrlChar(c)) {
      if (i >= 2 && text.startsWith(JWT_HEADER_START, i - 2)) runHasHeader = true;
    } else if (c === DOT && runHasHeader) {
      return true;
    } else {
      runHasHeader = false;
    }
  }
  return false;
}

const DOT = 0x2e;

/** `[\w-]` (no `u` flag): ASCII letters, digits, `_` and `-`. */
function isBase64UrlChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
}
