import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import { ErrorMessage, Loading, outcomeOf } from '../ui';

const ProvidersQuery = parsed(
  graphql(`
    query ConsoleProviders($search: String, $category: String) {
      providers(search: $search, category: $category) {
        key
        name
        authType
        categories
        docsUrl
        notes
        defaultScopes
        needsClientCredentials
        connectionConfig {
          name
          description
          example
          default
          setByAdmin
          hosts
        }
      }
    }
  `),
);

const IntegrationQuery = parsed(
  graphql(`
    query ConsoleIntegration($slug: String!) {
      integration(integration: $slug) {
        id
        slug
        name
        provider
        authType
        clientId
        hasClientSecret
        scopes
        isShared
        ownerCanReadCredentials
        apiBaseUrl
      }
    }
  `),
);

const CreateIntegration = parsed(
  graphql(`
    mutation ConsoleCreateIntegration($input: CreateIntegrationInput!) {
      createIntegration(input: $input) {
        __typename
        ... on CreateIntegrationPayload {
          integration {
            id
            slug
          }
        }
        ... on ValidationError {
          fieldErrors {
            field
            message
          }
        }
        ... on Error {
          code
          message
        }
      }
    }
  `),
);

const UpdateIntegration = parsed(
  graphql(`
    mutation ConsoleUpdateIntegration($input: UpdateIntegrationInput!) {
      updateIntegration(input: $input) {
        __typename
        ... on UpdateIntegrationPayload {
          integration {
            id
            slug
            name
            clientId
            hasClientSecret
            scopes
            isShared
            ownerCanReadCredentials
          }
        }
        ... on ValidationError {
          fieldErrors {
            field
            message
          }
        }
        ... on Error {
          code
          message
        }
      }
    }
  `),
);

function callbackFor(authType: string): string | undefined {
  if (authType === 'OAUTH2') return `${location.origin}/oauth2/callback`;
  if (authType === 'OAUTH1') return `${location.origin}/oauth1/callback`;
  return undefined;
}

function slugOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** New from the catalog (no slug), or edit an existing integration. */
export function IntegrationForm({ slug }: { slug?: string }) {
  const [, navigate] = useLocation();
  const [search, setSearch] = useState('');
  const [providerKey, setProviderKey] = useState<string | undefined>(() => new URLSearchParams(location.search).get('provider') ?? undefined);
  const [providers] = useQuery({ query: ProvidersQuery, variables: { search: search || undefined }, pause: Boolean(slug) });
  const [existing] = useQuery({ query: IntegrationQuery, variables: { slug: slug ?? '' }, pause: !slug });
  const [createState, create] = useMutation(CreateIntegration);
  const [updateState, update] = useMutation(UpdateIntegration);
  const [form, setForm] = useState({ slug: '', name: '', clientId: '', clientSecret: '', scopes: '', isShared: false, ownerCanReadCredentials: false });
  const [config, setConfig] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const integration = existing.data?.integration;
  useEffect(() => {
    if (integration)
      setForm({
        slug: integration.slug,
        name: integration.name,
        clientId: integration.clientId ?? '',
        clientSecret: '',
        scopes: integration.scopes.join(' '),
        isShared: integration.isShared,
        ownerCanReadCredentials: integration.ownerCanReadCredentials,
      });
  }, [integration]);

  const provider = providers.data?.providers.find((candidate) => candidate.key === providerKey);
  useEffect(() => {
    if (provider && !slug)
      setForm((current) => ({
        ...current,
        slug: current.slug || slugOf(provider.key),
        name: current.name || provider.name,
        scopes: current.scopes || provider.defaultScopes.join(' '),
      }));
  }, [provider, slug]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const scopes = form.scopes.split(/[\s,]+/).filter(Boolean);
    const common = {
      name: form.name || undefined,
      clientId: form.clientId || undefined,
      clientSecret: form.clientSecret || undefined,
      scopes,
      isShared: form.isShared,
      ownerCanReadCredentials: form.ownerCanReadCredentials,
    };
    if (slug) {
      void update({ input: { integration: slug, ...common } }).then((result) => {
        if (outcomeOf(result).payload) setSaved(true);
      });
      return;
    }
    const connectionConfig = Object.fromEntries(Object.entries(config).filter(([, value]) => value.trim() !== ''));
    void create({
      input: { provider: providerKey!, slug: form.slug, ...common, connectionConfig: Object.keys(connectionConfig).length ? connectionConfig : undefined },
    }).then((result) => {
      const { payload } = outcomeOf(result);
      if (payload) navigate(`/integrations/${encodeURIComponent(payload.integration.slug)}`);
    });
  }

  const mutationError = slug ? outcomeOf(updateState).problem : outcomeOf(createState).problem;
  const authType = integration?.authType ?? provider?.authType;
  const callback = authType ? callbackFor(authType) : undefined;

  if (slug && !integration) {
    if (existing.fetching) return <Loading what="the integration" />;
    return (
      <section>
        <h1>Integration</h1>
        <ErrorMessage error={existing.error} />
        <p>
          No integration <code>{slug}</code>. <Link href="/integrations">Back to integrations</Link>.
        </p>
      </section>
    );
  }

  return (
    <section>
      <p className="crumbs">
        <Link href="/integrations">Integrations</Link> / {slug ? integration!.name : 'New'}
      </p>
      <h1>{slug ? `Edit ${integration!.name}` : 'New integration'}</h1>
      {!slug ? (
        <div className="catalog">
          <label>
            Search the catalog
            <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Slack, Google, Xero, CRM…" />
          </label>
          {providers.fetching && !providers.data ? <Loading what="providers" /> : null}
          <ErrorMessage error={providers.error} />
          <ul className="provider-list" aria-label="Providers">
            {providers.data?.providers.slice(0, 60).map((candidate) => (
              <li key={candidate.key}>
                <button
                  type="button"
                  className={candidate.key === providerKey ? 'chosen' : 'secondary'}
                  aria-pressed={candidate.key === providerKey}
                  onClick={() => setProviderKey(candidate.key)}
                >
                  {candidate.name}
                  <span className="muted"> · {candidate.categories.join(', ')}</span>
                </button>
              </li>
            ))}
          </ul>
          {providers.data && providers.data.providers.length > 60 ? (
            <p className="muted">{providers.data.providers.length - 60} more: refine the search.</p>
          ) : null}
          {providers.data?.providers.length === 0 ? <p className="muted">No provider matches “{search}”.</p> : null}
        </div>
      ) : null}
      {slug || provider ? (
        <form onSubmit={submit} className="stack" aria-label="Integration settings">
          {provider ? (
            <div className="provider-facts">
              <p>
                <strong>{provider.name}</strong> ({provider.authType}) ·{' '}
                <a href={provider.docsUrl} target="_blank" rel="noreferrer noopener">
                  provider documentation
                </a>
              </p>
              {provider.notes ? <p className="muted">{provider.notes}</p> : null}
            </div>
          ) : null}
          {callback ? (
            <p className="notice">
              Register this callback URL with the provider: <code>{callback}</code>
            </p>
          ) : null}
          {!slug ? (
            <label>
              Slug (the integration&apos;s name in the API)
              <input required pattern="[a-z0-9][a-z0-9\-]*" value={form.slug} onChange={(event) => setForm({ ...form, slug: event.target.value })} />
            </label>
          ) : null}
          <label>
            Display name
            <input value={form.name} onChange={(event) => setForm({ ...form, name: event.target.value })} />
          </label>
          {provider?.needsClientCredentials !== false ? (
            <>
              <label>
                Client id
                <input value={form.clientId} onChange={(event) => setForm({ ...form, clientId: event.target.value })} autoComplete="off" />
              </label>
              <label>
                Client secret {integration?.hasClientSecret ? '(set; leave empty to keep it)' : ''}
                <input
                  type="password"
                  value={form.clientSecret}
                  onChange={(event) => setForm({ ...form, clientSecret: event.target.value })}
                  autoComplete="new-password"
                />
              </label>
            </>
          ) : null}
          <label>
            Scopes (space-separated)
            <input value={form.scopes} onChange={(event) => setForm({ ...form, scopes: event.target.value })} />
          </label>
          {!slug &&
            provider?.connectionConfig.map((field) => (
              <label key={field.name}>
                {field.name} {field.setByAdmin ? '(set by you, for every connection)' : '(optional: users give it when they connect)'}
                <input
                  value={config[field.name] ?? ''}
                  placeholder={field.example ?? field.default ?? ''}
                  onChange={(event) => setConfig({ ...config, [field.name]: event.target.value })}
                  aria-describedby={`field-${field.name}`}
                />
                <span id={`field-${field.name}`} className="muted small-text">
                  {field.description}
                  {field.hosts?.length ? ` (hosts: ${field.hosts.join(', ')})` : ''}
                </span>
              </label>
            ))}
          <label className="check">
            <input type="checkbox" checked={form.isShared} onChange={(event) => setForm({ ...form, isShared: event.target.checked })} />
            Shared: one connection for every user (e.g. a company account)
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={form.ownerCanReadCredentials}
              onChange={(event) => setForm({ ...form, ownerCanReadCredentials: event.target.checked })}
            />
            A connection&apos;s owner may read its credentials
          </label>
          <ErrorMessage error={mutationError} />
          <div aria-live="polite">{saved ? <p className="notice">Saved.</p> : null}</div>
          <button type="submit" disabled={createState.fetching || updateState.fetching}>
            {slug ? 'Save' : 'Create integration'}
          </button>
        </form>
      ) : null}
    </section>
  );
}
