// Shared by the console and the dashboard: JSON calls to keel that turn any failure into an
// ApiError carrying the server's sentence, and DOM building that sets server text only as text.

export const $ = (id) => document.getElementById(id);

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(method, url, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, 'Cannot reach the keel server. Check that it is running and try again.');
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) {
    // Errors answer {"error": {"code", "message"}}.
    const told = data && data.error && typeof data.error.message === 'string'
      ? data.error.message
      : null;
    const text = told || `The server answered ${response.status} ${response.statusText}.`;
    throw new ApiError(response.status, text, data);
  }
  return data || {};
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
