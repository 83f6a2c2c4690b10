// The console's only way to the server: the AWS JSON 1.0 API on `POST /` and the native `/functions`.

const TOKEN_KEY = 'stepwasm.apiToken';

/** An API call that failed: `code` is the AWS error code (`StateMachineDoesNotExist`, ...) or `HTTP <status>`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message ? `${code}: ${message}` : code);
    this.status = status;
    this.code = code;
  }
  /** Whether the server refused the token (or wants one). */
  get unauthorized() {
    return this.status === 401 || this.status === 403;
  }
}

export function token() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

async function send(method, path, headers, body) {
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `the server did not answer (${e.message})`);
  }
  const textBody = await res.text();
  let json = null;
  try {
    json = textBody ? JSON.parse(textBody) : {};
  } catch {
    json = null;
  }
  if (!res.ok) {
    const type = (json && (json.__type || json.code || json.error)) || res.headers.get('x-amzn-errortype') || `HTTP ${res.status}`;
    const code = String(type).split(':')[0].split('#').pop();
    const message = (json && (json.message || json.Message || json.cause)) || (json ? '' : textBody.slice(0, 200));
    throw new ApiError(res.status, code, message);
  }
  if (json === null) throw new ApiError(res.status, 'BadResponse', `the server's answer is not JSON: ${textBody.slice(0, 120)}`);
  return json;
}

/** Calls one Step Functions operation (`ListStateMachines`, ...) with its request object. */
export function call(op, body = {}) {
  return send('POST', '/', { 'X-Amz-Target': `AWSStepFunctions.${op}`, 'Content-Type': 'application/x-amz-json-1.0' }, JSON.stringify(body));
}

/** Calls a paginated operation until the end (or `limit` items) and returns the items under `key`. */
export async function all(op, body, key, limit = 10000) {
  const items = [];
  let nextToken;
  do {
    const page = await call(op, { ...body, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    items.push(...(page[key] || []));
    nextToken = page.nextToken;
  } while (nextToken && items.length < limit);
  return items;
}

/** The uploaded Wasm functions (`GET /functions`). */
export async function functions() {
  const res = await send('GET', '/functions', {}, undefined);
  return Array.isArray(res) ? res : res.functions || [];
}
