export type ConnectEvent =
  { type: 'open' } | { type: 'redirect'; url: string } | { type: 'success'; connectionId: string } | { type: 'error'; error: string } | { type: 'close' };

export interface OpenConnectOptions {
  /** The session's connectUrl (from createConnectSession). Either this or `token`. */
  url?: string;
  /** The session's token; the page is then `${baseUrl}/connect?token=…`. */
  token?: string;
  /** Your Switchboard's URL; defaults to where this module was loaded from (its /sdk/connect.js). */
  baseUrl?: string;
  /** Show only this integration (slug or ID) of the session's. */
  integration?: string;
  /** "popup", "redirect" (this window goes to the page and comes back to redirectTo), or "auto" (redirect on phones). */
  mode?: 'auto' | 'popup' | 'redirect';
  onEvent?: (event: ConnectEvent) => void;
}

export declare class ConnectError extends Error {
  readonly name: 'ConnectError';
  /** popup_blocked, popup_closed, invalid_options, or the flow's error (e.g. access_denied). */
  readonly code: string;
  constructor(code: string, message: string);
}

/** Resolves with the new connection's global id; rejects with a ConnectError. */
export declare function openConnect(options: OpenConnectOptions): Promise<{ connectionId: string }>;

/** The hosted connect page's URL for these options. */
export declare function connectUrl(options: Pick<OpenConnectOptions, 'url' | 'token' | 'baseUrl' | 'integration'>): URL;
