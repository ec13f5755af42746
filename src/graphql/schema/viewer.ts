// The authenticated caller.
import type { Viewer } from '../../domain/viewer.js';
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';

export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who the server takes the caller to be.',
  fields: (t) => ({
    userId: t.exposeString('userId'),
    isAdmin: t.exposeBoolean('isAdmin'),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({ authScopes: rootAuthScopes('Query', 'viewer'), type: ViewerRef, resolve: (_root, _args, context) => context.viewer }),
);
