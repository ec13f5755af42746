import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { parsed } from '../document';
import type { ApiKeyScope } from '../gql/graphql';
import { Empty, ErrorMessage, Loading, When, firstProblem, outcomeOf } from '../ui';
import { CopyText } from './ConnectionPage';

const SCOPES: { scope: ApiKeyScope; says: string }[] = [
  { scope: 'ADMIN', says: 'everything' },
  { scope: 'INTEGRATIONS_WRITE', says: 'integrations' },
  { scope: 'CONNECTIONS_READ', says: 'read connections' },
  { scope: 'CONNECTIONS_WRITE', says: 'change connections, connect sessions' },
  { scope: 'CREDENTIALS_READ', says: "read connections' credentials" },
  { scope: 'PROXY', says: 'call providers through the proxy' },
  { scope: 'OPERATIONS_READ', says: 'the activity log' },
  { scope: 'WEBHOOKS_WRITE', says: 'webhook endpoints' },
  { scope: 'AUDIT_READ', says: 'the audit trail' },
];

const ApiKeysQuery = parsed(
  graphql(`
    query ConsoleApiKeys {
      apiKeys(first: 100) {
        edges {
          node {
            id
            name
            scopes
            prefix
            createdAt
            createdBy
            expiresAt
            lastUsedAt
            revokedAt
          }
        }
      }
    }
  `),
);

const CreateKey = parsed(
  graphql(`
    mutation ConsoleCreateApiKey($input: CreateApiKeyInput!) {
      createApiKey(input: $input) {
        __typename
        ... on CreateApiKeyPayload {
          secret
          apiKey {
            id
            name
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

const RevokeKey = parsed(
  graphql(`
    mutation ConsoleRevokeApiKey($id: ID!) {
      revokeApiKey(input: { id: $id }) {
        __typename
        ... on RevokeApiKeyPayload {
          apiKey {
            id
            revokedAt
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

export function ApiKeys() {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: ApiKeysQuery });
  const [createState, create] = useMutation(CreateKey);
  const [revokeState, revoke] = useMutation(RevokeKey);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>([]);
  const [days, setDays] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    const expiresInSeconds = days ? Math.round(Number(days) * 86_400) : undefined;
    void create({ input: { name: name.trim(), scopes, expiresInSeconds } }).then((result) => {
      if (outcomeOf(result).payload) {
        setName('');
        setScopes([]);
        reexecute({ requestPolicy: 'network-only' });
      }
    });
  }

  const { payload: created, problem } = outcomeOf(createState);
  const rows = data?.apiKeys.edges.map((edge) => edge.node) ?? [];
  return (
    <section>
      <h1>API keys</h1>
      <p className="muted">Keys for your servers, each with the scopes it needs. Keys in API_KEYS (the configuration) are admins and are not listed.</p>
      <ErrorMessage error={error ?? firstProblem(revokeState)} />
      {!data && fetching ? <Loading what="API keys" /> : null}
      {data && rows.length === 0 ? (
        <Empty>
          <p>No keys yet. Create one below for each server or tool, with only the scopes it needs.</p>
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="api-keys-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((key) => (
                <tr key={key.id}>
                  <td>
                    {key.name}
                    {key.createdBy ? <div className="muted">by {key.createdBy}</div> : null}
                  </td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.scopes.join(', ')}</td>
                  <td>
                    <When at={key.lastUsedAt} />
                  </td>
                  <td>
                    <When at={key.expiresAt} />
                  </td>
                  <td>{key.revokedAt ? <span className="error-text">revoked</span> : 'active'}</td>
                  <td>
                    {key.revokedAt ? null : (
                      <button
                        type="button"
                        className="danger small"
                        disabled={revokeState.fetching}
                        onClick={() => {
                          if (window.confirm(`Revoke ${key.name}? Every instance refuses it within a second; this cannot be undone.`))
                            void revoke({ id: key.id });
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Create a key</h2>
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} placeholder="billing backend" />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map(({ scope, says }) => (
            <label key={scope} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) => setScopes(event.target.checked ? [...scopes, scope] : scopes.filter((candidate) => candidate !== scope))}
              />
              {scope} <span className="muted">({says})</span>
            </label>
          ))}
        </fieldset>
        <label>
          Expires after (days, empty: never)
          <input type="number" min={1} value={days} onChange={(event) => setDays(event.target.value)} />
        </label>
        <button type="submit" disabled={createState.fetching || scopes.length === 0}>
          Create key
        </button>
      </form>
      <ErrorMessage error={problem} />
      {created ? (
        <div className="notice" data-testid="api-key-secret">
          <p>
            <strong>The key {created.apiKey.name}, shown this once:</strong> only its hash is kept.
          </p>
          <CopyText text={created.secret} label="Copy key" />
        </div>
      ) : null}
    </section>
  );
}
