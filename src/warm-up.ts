// The warm-up, right after an app becomes ready, in the background: what the first requests and the
// first status event would otherwise pay for once. Prisma's query compiler compiles each new query
// shape on first use, the embedded database opens a table's files on first touch, and the code of an
// event's delivery runs unoptimised the first times. Only reads, of rows that cannot exist, and one
// execution of the status subscription's selection against a made-up event: nothing is written,
// nothing is announced, and /ready never waits for it.
import { execute, parse } from 'graphql';
import { SHARED_OWNER_KEY } from './domain/access.js';
import type { ConnectionStatusEvent } from './domain/changes.js';
import type { Viewer } from './domain/viewer.js';
import type { Context, Services } from './graphql/context.js';
import { schema } from './graphql/schema/index.js';
import type { Logger } from './kernel/log.js';
import type { SandboxHandler } from './sandbox/provider.js';
import { loadConnection } from './tokens/lease.js';

/** An id no row has (ids are UUIDv7 strings; this one is all zeros). */
const ABSENT_ID = '00000000-0000-7000-8000-000000000000';
const WARM_UP_VIEWER: Viewer = { userId: 'switchboard-warm-up', isAdmin: true, via: 'api-key' };

/** The selection clients subscribe with most (the console, the docs' example): executed once against a made-up event. */
const STATUS_SELECTION = parse(
  'subscription WarmUp { connectionStatusChanged { connectionId status previousStatus reason sequence at tags connection { id name status } } }',
);

/** Runs the warm-up on an app's services; a step that fails is logged (debug) and skipped. */
export async function warmUp(services: Services, logger: Logger, extra: { sandbox?: Pick<SandboxHandler, 'preloadClients'> } = {}): Promise<void> {
  const started = performance.now();
  const { prisma } = services.db;
  const steps: Array<[string, () => unknown]> = [
    // First: the status event's path is the one a waiting subscriber notices.
    ['status event delivery', () => executeStatusSelection(services)],
    ['connection caches', () => services.lookup.warmUp()],
    // A status event's `connection` field; a refresh's and the proxy's read of a connection.
    ['connection by id', () => prisma.connection.findUnique({ where: { id: ABSENT_ID } })],
    ['connection with its integration', () => loadConnection(prisma, ABSENT_ID)],
    // Creating or importing a connection: its integration, then the connection it may replace.
    ['integration by reference', () => services.integrations.find(ABSENT_ID)],
    [
      'connection by owner and name',
      () => prisma.connection.findUnique({ where: { integrationId_ownerKey_name: { integrationId: ABSENT_ID, ownerKey: SHARED_OWNER_KEY, name: 'default' } } }),
    ],
    // The development sandbox's OAuth clients (its token endpoint would otherwise read them on first use).
    ...(extra.sandbox ? [['sandbox clients', () => extra.sandbox!.preloadClients()] as [string, () => unknown]] : []),
  ];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (error) {
      // A warm-up that fails costs the first request its speed, nothing else.
      logger.debug({ err: error, step: name }, 'warm-up step failed');
    }
  }
  logger.debug({ ms: Math.round(performance.now() - started) }, 'warmed up');
}

async function executeStatusSelection(services: Services): Promise<void> {
  const event: ConnectionStatusEvent = {
    connectionId: ABSENT_ID,
    integrationId: ABSENT_ID,
    integrationSlug: 'warm-up',
    connectionName: 'default',
    ownerId: null,
    status: 'HEALTHY',
    previousStatus: null,
    reason: null,
    tags: {},
    sequence: 1,
    at: new Date().toISOString(),
  };
  const contextValue: Context = { viewer: WARM_UP_VIEWER, app: services };
  const result = await execute({ schema, document: STATUS_SELECTION, rootValue: event, contextValue });
  if (result.errors?.length) throw result.errors[0];
  JSON.stringify(result);
}
