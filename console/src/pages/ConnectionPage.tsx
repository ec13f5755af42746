import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import type { OperationKind, OperationOutcome } from '../gql/graphql';
import { useRefusal } from '../access';
import { Empty, ErrorMessage, Loading, Status, When, firstProblem, outcomeOf, type Problem } from '../ui';
import { OperationsTable, OPERATION_KINDS } from './OperationsTable';
import { TagList } from './Connections';

const ConnectionQuery = parsed(
  graphql(`
    query ConsoleConnection($id: ID!, $kind: OperationKind, $outcome: OperationOutcome, $withOperations: Boolean!) {
      node(id: $id) {
        __typename
        ... on Connection {
          id
          name
          displayName
          tags
          ownerId
          isShared
          status
          statusMessage
          scopes
          metadata
          apiBaseUrl
          createdAt
          updatedAt
          lastAuthorizedAt
          lastRefreshedAt
          lastUsedAt
          lastVerifiedAt
          tokenExpiresAt
          refreshTokenExpiresAt
          integration {
            id
            slug
            name
            authType
          }
          operations(first: 50, kind: $kind, outcome: $outcome) @include(if: $withOperations) {
            edges {
              node {
                ...OperationRow
              }
            }
          }
        }
      }
    }
  `),
);

const Verify = parsed(
  graphql(`
    mutation ConsoleVerify($id: ID!) {
      verifyConnection(input: { connectionId: $id }) {
        __typename
        ... on VerifyConnectionPayload {
          ok
          providerStatus
          connection {
            id
            status
            statusMessage
            lastVerifiedAt
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

const Refresh = parsed(
  graphql(`
    mutation ConsoleRefresh($id: ID!) {
      refreshConnection(input: { connectionId: $id }) {
        __typename
        ... on RefreshConnectionPayload {
          connection {
            id
            status
            statusMessage
            lastRefreshedAt
            tokenExpiresAt
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

const Disconnect = parsed(
  graphql(`
    mutation ConsoleDisconnect($id: ID!) {
      disconnect(input: { connectionId: $id }) {
        __typename
        ... on DisconnectPayload {
          disconnectedConnectionId
          revoked
        }
        ... on Error {
          code
          message
        }
      }
    }
  `),
);

const Reconnect = parsed(
  graphql(`
    mutation ConsoleReconnectLink($endUserId: String, $integration: String!, $connectionName: String) {
      createConnectSession(input: { endUserId: $endUserId, integrations: [$integration], connectionName: $connectionName }) {
        __typename
        ... on CreateConnectSessionPayload {
          connectUrl
          expiresAt
        }
        ... on Error {
          code
          message
        }
      }
    }
  `),
);

const Update = parsed(
  graphql(`
    mutation ConsoleUpdateConnection($input: UpdateConnectionInput!) {
      updateConnection(input: $input) {
        __typename
        ... on UpdateConnectionPayload {
          connection {
            id
            displayName
            tags
            metadata
            updatedAt
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

export function ConnectionPage({ id }: { id: string }) {
  const [, navigate] = useLocation();
  const [kind, setKind] = useState<OperationKind | ''>('');
  const [outcome, setOutcome] = useState<OperationOutcome | ''>('');
  // A key without OPERATIONS_READ still sees the connection, without its operations.
  const operationsRefusal = useRefusal('Query.operations');
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: ConnectionQuery,
    variables: { id, kind: kind || undefined, outcome: outcome || undefined, withOperations: !operationsRefusal },
  });
  const [verifyState, verify] = useMutation(Verify);
  const [refreshState, refresh] = useMutation(Refresh);
  const [disconnectState, disconnect] = useMutation(Disconnect);
  const [linkState, makeLink] = useMutation(Reconnect);
  const [notice, setNotice] = useState<string | undefined>();
  // Every action here needs CONNECTIONS_WRITE (the same rule for each): disabled, with the reason, when the key lacks it.
  const refusal = useRefusal('Mutation.verifyConnection');

  if (!data && fetching) return <Loading what="the connection" />;
  const connection = data?.node?.__typename === 'Connection' ? data.node : undefined;
  if (!connection)
    return (
      <section>
        <h1>Connection</h1>
        <ErrorMessage error={error} />
        <Empty>
          <p>
            No connection with this id, or you may not see it. <Link href="/connections">Back to connections</Link>.
          </p>
        </Empty>
      </section>
    );

  const actionError = firstProblem(verifyState, refreshState, disconnectState, linkState);
  const link = outcomeOf(linkState).payload;

  return (
    <section>
      <p className="crumbs">
        <Link href="/connections">Connections</Link> / {connection.integration.name}
      </p>
      <h1>
        {connection.integration.name}: {connection.name} <Status status={connection.status} />
      </h1>
      {connection.statusMessage ? <p className="muted">{connection.statusMessage}</p> : null}
      <div className="actions" role="group" aria-label="Actions" aria-describedby={refusal ? 'actions-refused' : undefined}>
        <button
          type="button"
          disabled={verifyState.fetching || !!refusal}
          onClick={() =>
            void verify({ id }).then((result) => {
              const { payload } = outcomeOf(result);
              if (payload)
                setNotice(payload.ok ? 'The provider accepted the credentials.' : `The provider refused them (${payload.providerStatus ?? 'no status'}).`);
            })
          }
        >
          {verifyState.fetching ? 'Verifying…' : 'Verify'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={refreshState.fetching || !!refusal}
          onClick={() =>
            void refresh({ id }).then((result) => {
              if (outcomeOf(result).payload) setNotice('Refreshed.');
            })
          }
        >
          {refreshState.fetching ? 'Refreshing…' : 'Refresh token'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={linkState.fetching || connection.isShared || !!refusal}
          onClick={() =>
            void makeLink({ endUserId: connection.ownerId ?? undefined, integration: connection.integration.slug, connectionName: connection.name })
          }
        >
          Reconnect link
        </button>
        <button
          type="button"
          className="danger"
          disabled={disconnectState.fetching || !!refusal}
          onClick={() => {
            if (!window.confirm(`Disconnect ${connection.name}? Its tokens are revoked at the provider and the connection is deleted.`)) return;
            void disconnect({ id }).then((result) => {
              if (outcomeOf(result).payload) navigate('/connections');
            });
          }}
        >
          Disconnect
        </button>
      </div>
      {refusal ? (
        <p className="muted" id="actions-refused" data-testid="actions-refused">
          {refusal}
        </p>
      ) : null}
      <div aria-live="polite">{notice ? <p className="notice">{notice}</p> : null}</div>
      <ErrorMessage error={actionError} />
      {link ? (
        <p className="notice">
          Connect link (until <When at={link.expiresAt} />
          ): <CopyText text={link.connectUrl} label="Copy link" />
        </p>
      ) : null}
      <dl className="facts">
        <dt>Display name</dt>
        <dd>{connection.displayName ?? <span className="muted">—</span>}</dd>
        <dt>Tags</dt>
        <dd>{Object.keys(connection.tags).length ? <TagList tags={connection.tags} /> : <span className="muted">none</span>}</dd>
        <dt>Owner</dt>
        <dd>{connection.isShared ? 'shared' : connection.ownerId}</dd>
        <dt>Scopes</dt>
        <dd>{connection.scopes.length ? connection.scopes.join(' ') : <span className="muted">none</span>}</dd>
        <dt>API base URL</dt>
        <dd>{connection.apiBaseUrl ?? <span className="muted">—</span>}</dd>
        <dt>Created</dt>
        <dd>
          <When at={connection.createdAt} />
        </dd>
        <dt>Last authorized</dt>
        <dd>
          <When at={connection.lastAuthorizedAt} />
        </dd>
        <dt>Last refreshed</dt>
        <dd>
          <When at={connection.lastRefreshedAt} />
        </dd>
        <dt>Last used</dt>
        <dd>
          <When at={connection.lastUsedAt} />
        </dd>
        <dt>Last verified</dt>
        <dd>
          <When at={connection.lastVerifiedAt} />
        </dd>
        <dt>Token expires</dt>
        <dd>
          <When at={connection.tokenExpiresAt} />
        </dd>
        <dt>Refresh token expires</dt>
        <dd>
          <When at={connection.refreshTokenExpiresAt} />
        </dd>
      </dl>
      <h2>Metadata</h2>
      {Object.keys(connection.metadata).length ? (
        <pre className="code" tabIndex={0} data-testid="connection-metadata">
          {JSON.stringify(connection.metadata, null, 2)}
        </pre>
      ) : (
        <p className="muted">None.</p>
      )}
      <ConnectionSettings key={connection.updatedAt} connection={connection} refusal={refusal} onSaved={() => setNotice('Saved.')} />
      <h2>Operations</h2>
      {operationsRefusal ? (
        <p className="muted">{operationsRefusal}</p>
      ) : (
        <>
          <div className="filters" role="group" aria-label="Filter operations">
            <label>
              Kind
              <select value={kind} onChange={(event) => setKind(event.target.value as OperationKind | '')}>
                <option value="">All</option>
                {OPERATION_KINDS.map((value) => (
                  <option key={value}>{value}</option>
                ))}
              </select>
            </label>
            <label>
              Outcome
              <select value={outcome} onChange={(event) => setOutcome(event.target.value as OperationOutcome | '')}>
                <option value="">All</option>
                <option>FAILURE</option>
                <option>SUCCESS</option>
              </select>
            </label>
            <button type="button" className="secondary" onClick={() => reexecute({ requestPolicy: 'network-only' })}>
              Reload
            </button>
          </div>
          {connection.operations ? <OperationsTable operations={connection.operations.edges.map((edge) => edge.node)} showConnection={false} /> : null}
        </>
      )}
    </section>
  );
}

export function CopyText({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="copy">
      <input readOnly value={text} aria-label={label} onFocus={(event) => event.target.select()} />
      <button
        type="button"
        className="secondary"
        onClick={() =>
          void navigator.clipboard?.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : label}
      </button>
    </span>
  );
}

type TagRow = { key: string; value: string };

/** Display name, tags and metadata as the app set them: edited here, checked by the server (its field errors shown in words). */
function ConnectionSettings({
  connection,
  refusal,
  onSaved,
}: {
  connection: { id: string; displayName?: string | null; tags: Record<string, unknown>; metadata: Record<string, unknown> };
  refusal: string | undefined;
  onSaved: () => void;
}) {
  const [state, update] = useMutation(Update);
  const [displayName, setDisplayName] = useState(connection.displayName ?? '');
  const [tags, setTags] = useState<TagRow[]>(Object.entries(connection.tags).map(([key, value]) => ({ key, value: String(value) })));
  const [metadata, setMetadata] = useState(JSON.stringify(connection.metadata, null, 2));
  const [local, setLocal] = useState<Problem | undefined>();

  function setTag(index: number, change: Partial<TagRow>) {
    setTags((rows) => rows.map((row, at) => (at === index ? { ...row, ...change } : row)));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setLocal(undefined);
    let next: unknown;
    try {
      next = metadata.trim() ? JSON.parse(metadata) : {};
    } catch (error) {
      return setLocal({ code: 'VALIDATION', message: `Metadata is not valid JSON: ${(error as Error).message}`, fieldErrors: [] });
    }
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      return setLocal({ code: 'VALIDATION', message: 'Metadata is a JSON object, e.g. {"plan": "pro"}.' });
    }
    // The server merges metadata at the top level: keys taken out here are sent as null, which removes them.
    const removed = Object.fromEntries(
      Object.keys(connection.metadata)
        .filter((key) => !(key in next))
        .map((key) => [key, null]),
    );
    const filled = tags.filter((row) => row.key.trim() || row.value.trim());
    void update({
      input: {
        connectionId: connection.id,
        displayName: displayName.trim(),
        tags: Object.fromEntries(filled.map((row) => [row.key.trim(), row.value])),
        metadata: { ...removed, ...(next as Record<string, unknown>) },
      },
    }).then((result) => {
      if (outcomeOf(result).payload) onSaved();
    });
  }

  return (
    <form className="settings" onSubmit={submit} aria-labelledby="settings-title">
      <h2 id="settings-title">Edit display name, tags and metadata</h2>
      <fieldset disabled={!!refusal || state.fetching}>
        <label>
          Display name
          <input value={displayName} onChange={(event) => setDisplayName(event.target.value)} maxLength={200} />
        </label>
        <fieldset className="tag-rows">
          <legend>Tags (up to 10)</legend>
          {tags.map((row, index) => (
            <div className="tag-row" key={index}>
              <input aria-label={`Tag ${index + 1} key`} placeholder="key" value={row.key} onChange={(event) => setTag(index, { key: event.target.value })} />
              <input
                aria-label={`Tag ${index + 1} value`}
                placeholder="value"
                value={row.value}
                onChange={(event) => setTag(index, { value: event.target.value })}
              />
              <button type="button" className="secondary small" onClick={() => setTags((rows) => rows.filter((_, at) => at !== index))}>
                Remove<span className="visually-hidden"> tag {index + 1}</span>
              </button>
            </div>
          ))}
          <button type="button" className="secondary small" onClick={() => setTags((rows) => [...rows, { key: '', value: '' }])}>
            Add a tag
          </button>
        </fieldset>
        <label>
          Metadata (JSON object)
          <textarea rows={6} spellCheck={false} value={metadata} onChange={(event) => setMetadata(event.target.value)} />
        </label>
        <button type="submit">{state.fetching ? 'Saving…' : 'Save'}</button>
      </fieldset>
      <ErrorMessage error={local ?? outcomeOf(state).problem} />
    </form>
  );
}
