// Integration fields of the machine-to-machine and OAuth 1.0a auth modes. The private key itself is
// write-only: only whether one is set can be read.
import { builder } from '../builder.js';
import { IntegrationRef } from './integrations.js';

builder.prismaObjectFields(IntegrationRef, (t) => ({
  appId: t.exposeString('appId', { nullable: true, authScopes: { $all: { admin: true, INTEGRATIONS_WRITE: true } }, description: 'GITHUB_APP: the app id.' }),
  hasPrivateKey: t.boolean({
    description: 'Whether a private key is configured (GitHub App, or a shared JWT bearer key). The key itself is never readable.',
    authScopes: { $all: { admin: true, INTEGRATIONS_WRITE: true } },
    select: { privateKeyEnc: true },
    resolve: (integration) => integration.privateKeyEnc !== null,
  }),
  requestTokenUrl: t.exposeString('requestTokenUrl', { nullable: true, description: 'OAUTH1: where temporary credentials are requested.' }),
}));
