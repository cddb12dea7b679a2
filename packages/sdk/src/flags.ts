/**
 * Feature flags (A/B 实验) for a storefront: the server assigns each visitor a variant, sticky per person,
 * and records the exposure; this client asks once per identity and shares the answer among all callers.
 * A failed request falls back to "no flags" so the page shows its default (the control) and never breaks.
 */

export interface Flag {
  variant: string;
  payload: Record<string, unknown>;
  /** False for people outside the experiment's traffic or after it stopped (the shipped variant). */
  inExperiment: boolean;
}

export type FlagFetch = (url: string, init: { headers: Record<string, string> }) => Promise<{ ok: boolean; json(): Promise<unknown> }>;

export interface FlagsOptions {
  /** e.g. `/api/store/<shop>/flags` */
  url: string;
  /** The tracker's anonymous id, so events and the assignment name the same device. */
  device: () => string | null;
  /** The signed-in customer's bearer token, when there is one. */
  token?: () => string | null;
  fetch?: FlagFetch;
}

export interface FlagsClient {
  get(key: string): Promise<Flag | null>;
  /** Forget the answer (after sign-in or sign-out, the person may be someone else). */
  reset(): void;
}

export function createFlags(options: FlagsOptions): FlagsClient {
  const doFetch: FlagFetch = options.fetch ?? ((url, init) => fetch(url, init));
  let pending: { identity: string; flags: Promise<Record<string, Flag>> } | null = null;

  const load = (device: string | null, token: string | null): Promise<Record<string, Flag>> => {
    const url = device ? `${options.url}?device=${encodeURIComponent(device)}` : options.url;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    return doFetch(url, { headers })
      .then(async (res) => {
        if (!res.ok) return {};
        const body = (await res.json()) as { flags?: Record<string, Flag> } | null;
        return body && typeof body.flags === 'object' && body.flags ? body.flags : {};
      })
      .catch(() => ({}));
  };

  return {
    async get(key) {
      const device = options.device();
      const token = options.token?.() ?? null;
      const identity = `${device ?? ''}|${token ?? ''}`;
      if (!pending || pending.identity !== identity) pending = { identity, flags: load(device, token) };
      return (await pending.flags)[key] ?? null;
    },
    reset() {
      pending = null;
    },
  };
}
