// The user's credentials for the gateway: an API key (id and secret, from `finstream keys
// create`) or a JWT. Kept in localStorage; absent means anonymous, which `finstream run`
// serves unless auth is required.

export type Credentials =
  | { kind: "key"; keyId: string; secret: string }
  | { kind: "token"; token: string };

const STORAGE_KEY = "finstream.credentials";

type Listener = () => void;
const listeners = new Set<Listener>();

export function loadCredentials(): Credentials | null {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return isCredentials(value) ? value : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials | null): void {
  if (credentials) localStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever the credentials change; returns the unsubscriber. */
export function onCredentialsChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The headers REST requests carry: Alpaca's key headers, or a bearer token. */
export function authHeaders(credentials: Credentials | null): Record<string, string> {
  if (!credentials) return {};
  if (credentials.kind === "key") {
    return { "APCA-API-KEY-ID": credentials.keyId, "APCA-API-SECRET-KEY": credentials.secret };
  }
  return { Authorization: `Bearer ${credentials.token}` };
}

/** Browsers cannot set headers on a WebSocket: the gateway takes `?key=&secret=` or `?token=`. */
export function authQuery(credentials: Credentials | null): string {
  if (!credentials) return "";
  const params =
    credentials.kind === "key"
      ? new URLSearchParams({ key: credentials.keyId, secret: credentials.secret })
      : new URLSearchParams({ token: credentials.token });
  return `?${params.toString()}`;
}

function isCredentials(v: unknown): v is Credentials {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  if (o.kind === "key") return typeof o.keyId === "string" && typeof o.secret === "string";
  if (o.kind === "token") return typeof o.token === "string";
  return false;
}
