// Imports every feature of the schema and exports the built schema.
import { builder } from '../builder.js';
import './scalars.js';
import './errors.js';
import './connections.js';
import './integrations.js';
import './connect.js';
import './lifecycle.js';
import './proxy.js';
import './status-events.js';
import './providers.js';
import './viewer.js';
import './auth-modes.js';
import './connect-sessions.js';
import './webhooks.js';
import './activity.js';
import './access.js';
import './provider-webhooks.js';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema = builder.toSchema({ sortSchema: false });
