// The built-in provider catalog, for a "pick a provider" screen: what each one is and what a user
// must supply to connect it.
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import { listProviders, providerTemplate, type ProviderTemplate } from '../../catalog/index.js';
import { AuthTypeEnum } from './integrations.js';

type ConfigField = ProviderTemplate['connectionConfig'][number];

const ProviderConfigField = builder.objectRef<ConfigField>('ProviderConfigField').implement({
  description: 'A value the user supplies when connecting (startConnect connectionConfig), e.g. a subdomain.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    default: t.string({ nullable: true, resolve: (field) => field.default ?? null }),
    example: t.string({ nullable: true, resolve: (field) => field.example ?? null }),
    hosts: t.stringList({
      nullable: true,
      description: 'For a host value: the host patterns a user may give (e.g. *.okta.com); an admin may set any host on the integration.',
      resolve: (field) => field.hosts ?? null,
    }),
    kind: t.string({
      description: 'label (a subdomain), segment (a path part), host (a whole host name), text (a token request value) or choice (one of choices).',
      resolve: (field) => field.kind ?? 'label',
    }),
    choices: t.stringList({
      nullable: true,
      description: 'For a choice (a region, a data centre): the values a user picks from.',
      resolve: (field) => field.values ?? null,
    }),
    setByAdmin: t.boolean({
      description: 'Only an admin sets it, on the integration (createIntegration connectionConfig); users are not asked.',
      resolve: (field) => field.setBy === 'admin',
    }),
  }),
});

const Provider = builder.objectRef<ProviderTemplate>('Provider').implement({
  description: 'A built-in provider template: createIntegration(input: { provider: key, clientId, clientSecret }) fills in the rest.',
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    categories: t.exposeStringList('categories'),
    logoUrl: t.string({ nullable: true, resolve: (provider) => provider.logoUrl ?? null }),
    docsUrl: t.exposeString('docsUrl'),
    authType: t.field({ type: AuthTypeEnum, resolve: (provider) => provider.authType }),
    defaultScopes: t.exposeStringList('scopes'),
    pkce: t.exposeString('pkce', { description: 'required, supported or unsupported.' }),
    connectionConfig: t.field({
      type: [ProviderConfigField],
      description: 'What a user must supply when connecting (with defaults where there are any).',
      resolve: (provider) => provider.connectionConfig,
    }),
    needsClientCredentials: t.boolean({
      description: 'Whether an integration needs a clientId and clientSecret (OAuth 2.0 providers).',
      resolve: (provider) => provider.authType === 'OAUTH2',
    }),
    apiBaseUrl: t.string({ nullable: true, resolve: (provider) => provider.apiBaseUrl ?? null }),
    notes: t.string({ nullable: true, resolve: (provider) => provider.notes ?? null }),
  }),
});

builder.queryFields((t) => ({
  providers: t.field({
    authScopes: rootAuthScopes('Query', 'providers'),
    type: [Provider],
    description: 'The built-in provider catalog, by name.',
    args: {
      category: t.arg.string(),
      search: t.arg.string({ description: 'Part of the key or name, any case.' }),
    },
    resolve: (_root, args) => {
      const search = args.search?.toLowerCase();
      return listProviders()
        .filter((provider) => !args.category || provider.categories.includes(args.category))
        .filter((provider) => !search || provider.key.includes(search) || provider.name.toLowerCase().includes(search))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
  }),
  provider: t.field({
    authScopes: rootAuthScopes('Query', 'provider'),
    type: Provider,
    nullable: true,
    args: { key: t.arg.string({ required: true }) },
    resolve: (_root, args) => providerTemplate(args.key) ?? null,
  }),
}));
