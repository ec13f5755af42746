// Whether an error means "the database is not answering" (down, restarting, frozen, pool exhausted),
// as opposed to a bug or bad data: such errors are reported as DATABASE_UNAVAILABLE (try again),
// never as an internal error.
const UNAVAILABLE_CODES = new Set([
  // Prisma: cannot reach, timed out, server closed the connection, pool timeout, transaction API error.
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  'P2028',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, query canceled (statement timeout).
  '57P01',
  '57P02',
  '57P03',
  '57014',
  // PostgreSQL (and PGlite): disk full, out of memory, insufficient resources. The embedded database's
  // full disk is also seen before it happens (free-space.ts: /ready 503).
  '53100',
  '53200',
  '53000',
  // Node sockets.
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOSPC',
]);
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const UNAVAILABLE_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|query read timeout|connection (is )?closed|server closed the connection|the database system is (starting up|shutting down)|terminating connection|canceling statement due to statement timeout|Client has encountered a connection error|Connection ended unexpectedly|No space left on device|could not extend file/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    // Prisma's driver adapter errors name the kind of failure.
    const kind = (current as { kind?: unknown }).kind;
    if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
    current = cause ?? (current as { originalError?: unknown }).originalError;
  }
  return false;
}
