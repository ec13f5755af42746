// User ids come from the app: a JWT's `sub`, `X-User-Id` beside an API key, a connect session's
// `endUserId`. Switchboard's own actors (an admin calling with a bare API key) own rows too, so their
// ids live in a namespace no user id may take: otherwise a user whose `sub` equals an admin actor's id
// would list, proxy with and read the activity of the admin's connections.

/** The namespace of ids Switchboard gives its own actors. */
const RESERVED_ID_PREFIX = 'switchboard:';

/** The owner of what an admin does with a bare API key (no X-User-Id). */
export const API_KEY_ADMIN_ID = `${RESERVED_ID_PREFIX}api-key`;

/** Ids reserved before the namespace (a bare API key's former owner id), still refused. */
const LEGACY_RESERVED_IDS = new Set(['api-key']);

/** Whether a user id is reserved (any case): refused as a JWT `sub`, an `X-User-Id` and an `endUserId`. */
export function isReservedUserId(id: string): boolean {
  const lower = id.toLowerCase();
  return lower.startsWith(RESERVED_ID_PREFIX) || LEGACY_RESERVED_IDS.has(lower);
}
