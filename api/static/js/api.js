// Calls to the TriageDesk JSON API with the session's bearer token.
const TOKEN_KEY = "triagedesk.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function signOut(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  const next = encodeURIComponent(location.pathname + location.search);
  const why = reason ? `&reason=${encodeURIComponent(reason)}` : "";
  location.assign(`/console?next=${next}${why}`);
}

// An error answer from the API: `message` is meant for people, `details` name the fields.
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The request failed (HTTP ${status}).`);
    this.status = status;
    this.code = error.error || "error";
    this.details = Array.isArray(error.details) ? error.details : [];
  }
}

async function send(path, { method = "GET", body, accept = "application/json", bearer } = {}) {
  const headers = { Accept: accept };
  const presented = bearer === undefined ? token() : bearer;
  if (presented) headers.Authorization = `Bearer ${presented}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new ApiError(0, {
      error: { message: "The server cannot be reached; check the connection and try again." },
    });
  }
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return new ApiError(response.status, body);
}

// JSON in, JSON out. A 401 on a signed-in page means the token expired or was rotated.
export async function api(path, options = {}) {
  const response = await send(path, options);
  if (!response.ok) {
    const error = await failure(response);
    if (response.status === 401 && options.bearer === undefined) signOut("expired");
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

// A file (CSV, Markdown) fetched with the token, handed to the browser as a download.
export async function download(path, accept, filename) {
  const response = await send(path, { accept });
  if (!response.ok) throw await failure(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
