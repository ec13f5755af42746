// A connection authorized (a browser flow's callback, an import, a machine grant): stored, and its
// successful connect recorded in the activity log. Every flow that authorizes a connection ends here,
// so none of them can store one without the CONNECT operation.
import { recordOperation } from '../activity/recorder.js';
import { saveAuthorizedConnection, type AuthorizedConnectionInput, type Connection } from '../domain/connections.js';

export async function saveConnectedConnection(
  input: AuthorizedConnectionInput,
  /** Who connected it (the owner, or the user acting on a shared integration), and when the flow started, for its duration. */
  actor: { userId: string; startedAt?: number },
): Promise<Connection> {
  const connection = await saveAuthorizedConnection(input);
  recordOperation({
    kind: 'CONNECT',
    outcome: 'SUCCESS',
    connectionId: connection.id,
    integrationSlug: input.integration.slug,
    ownerId: input.ownerId ?? actor.userId,
    durationMs: actor.startedAt === undefined ? undefined : performance.now() - actor.startedAt,
  });
  return connection;
}
