// @switchboard/connect: opens Switchboard's hosted connect page for a connect session and resolves
// with the new connection's id. Dependency-free ES module; Switchboard serves it at /sdk/connect.js.

const MESSAGE_TYPE = 'switchboard:connect';
const POPUP_NAME = 'switchboard-connect';
const POPUP_WIDTH = 520;
const POPUP_HEIGHT = 720;
const CLOSED_POLL_MS = 400;

/** Where this module was loaded from: the Switchboard that serves /sdk/connect.js. */
const LOADED_FROM = (() => {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return undefined;
  }
})();

/** Why connecting did not finish: `code` is popup_blocked, popup_closed, invalid_options, or the flow's error (e.g. access_denied). */
export class ConnectError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ConnectError';
    this.code = code;
  }
}

/** The hosted connect page's URL for a session: its connectUrl as it is, or built from a token. */
export function connectUrl({ url, token, baseUrl, integration } = {}) {
  let target;
  if (url) {
    target = new URL(url, typeof location === 'undefined' ? undefined : location.href);
  } else if (token) {
    const base = baseUrl ?? LOADED_FROM;
    if (!base) throw new ConnectError('invalid_options', "Give `baseUrl` (your Switchboard) with `token`, or pass the session's connectUrl as `url`.");
    target = new URL('connect', base.endsWith('/') ? base : `${base}/`);
    target.searchParams.set('token', token);
  } else {
    throw new ConnectError('invalid_options', "openConnect needs the session's connectUrl (`url`) or its `token`.");
  }
  if (integration) target.searchParams.set('integration', integration);
  return target;
}

function isSmallScreen() {
  const narrow = typeof matchMedia === 'function' && matchMedia('(max-width: 640px)').matches;
  return narrow || /Android|iPhone|iPad|iPod|Mobi/i.test(navigator.userAgent);
}

function popupFeatures() {
  const left = Math.max(0, Math.round((window.screenX ?? 0) + ((window.outerWidth ?? POPUP_WIDTH) - POPUP_WIDTH) / 2));
  const top = Math.max(0, Math.round((window.screenY ?? 0) + ((window.outerHeight ?? POPUP_HEIGHT) - POPUP_HEIGHT) / 2));
  return `popup=yes,width=${POPUP_WIDTH},height=${POPUP_HEIGHT},left=${left},top=${top}`;
}

/**
 * Opens the hosted connect page in a popup (or, on a phone or with mode "redirect", in this window,
 * which then comes back to the session's redirectTo with connect=success&connectionId=…).
 * Resolves with { connectionId }; rejects with a ConnectError. Call it from a click handler, or the
 * browser may block the popup.
 */
export function openConnect(options = {}) {
  const emit = (event) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a listener's failure is not the flow's
    }
  };
  let target;
  try {
    target = connectUrl(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const mode = options.mode ?? 'auto';
  if (mode === 'redirect' || (mode === 'auto' && isSmallScreen())) {
    emit({ type: 'redirect', url: target.href });
    window.location.assign(target.href);
    // This page is going away; the outcome arrives on redirectTo.
    return new Promise(() => {});
  }

  target.searchParams.set('popup', '1');
  const popup = window.open(target.href, POPUP_NAME, popupFeatures());
  if (!popup) {
    const error = new ConnectError('popup_blocked', 'The browser blocked the popup: call openConnect from a click.');
    emit({ type: 'error', error: error.code });
    return Promise.reject(error);
  }
  emit({ type: 'open' });
  const origin = target.origin;

  return new Promise((resolve, reject) => {
    let done = false;
    const finish = () => {
      done = true;
      window.removeEventListener('message', onMessage);
      clearInterval(timer);
    };
    function onMessage(event) {
      // Only the hosted page we opened, on Switchboard's origin, is listened to.
      if (done || event.origin !== origin || event.source !== popup) return;
      const data = event.data;
      if (!data || data.type !== MESSAGE_TYPE) return;
      finish();
      if (data.connect === 'success' && typeof data.connectionId === 'string') {
        emit({ type: 'success', connectionId: data.connectionId });
        resolve({ connectionId: data.connectionId });
      } else {
        const code = typeof data.error === 'string' ? data.error : 'connect_failed';
        emit({ type: 'error', error: code });
        reject(new ConnectError(code, `Connecting failed: ${code}.`));
      }
    }
    const timer = setInterval(() => {
      if (done || !popup.closed) return;
      finish();
      emit({ type: 'close' });
      reject(new ConnectError('popup_closed', 'The connect window was closed before connecting finished.'));
    }, CLOSED_POLL_MS);
    window.addEventListener('message', onMessage);
  });
}
