import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../gql';
import type { OperationKind, OperationOutcome } from '../gql/graphql';
import { Empty, ErrorMessage, Loading, Status, When, errorOf } from '../ui';
import { OperationsTable, OPERATION_KINDS } from './OperationsTable';
import { TagList } from './Connections';

const ConnectionQuery = graphql(`
  query ConsoleConnection($id: ID!, $kind: OperationKind, $outcome: OperationOutcome) {
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
        operations(first: 50, kind: $kind, outcome: $outcome) {
          edges {
            node {
              ...OperationRow
            }
          }
        }
      }
    }
  }
`);

const Verify = graphql(`
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
`);

const Refresh = graphql(`
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
`);

const Disconnect = graphql(`
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
`);

const Reconnect = graphql(`
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
`);

export function ConnectionPage({ id }: { id: string }) {
  const [, navigate] = useLocation();
  const [kind, setKind] = useState<OperationKind | ''>('');
  const [outcome, setOutcome] = useState<OperationOutcome | ''>('');
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: ConnectionQuery,
    variables: { id, kind: kind || undefined, outcome: outcome || undefined },
  });
  const [verifyState, verify] = useMutation(Verify);
  const [refreshState, refresh] = useMutation(Refresh);
  const [disconnectState, disconnect] = useMutation(Disconnect);
  const [linkState, makeLink] = useMutation(Reconnect);
  const [notice, setNotice] = useState<string | undefined>();

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

  const actionError =
    verifyState.error ??
    refreshState.error ??
    disconnectState.error ??
    linkState.error ??
    errorOf(verifyState.data?.verifyConnection) ??
    errorOf(refreshState.data?.refreshConnection) ??
    errorOf(disconnectState.data?.disconnect) ??
    errorOf(linkState.data?.createConnectSession);
  const link = linkState.data?.createConnectSession.__typename === 'CreateConnectSessionPayload' ? linkState.data.createConnectSession : undefined;

  return (
    <section>
      <p className="crumbs">
        <Link href="/connections">Connections</Link> / {connection.integration.name}
      </p>
      <h1>
        {connection.integration.name}: {connection.name} <Status status={connection.status} />
      </h1>
      {connection.statusMessage ? <p className="muted">{connection.statusMessage}</p> : null}
      <div className="actions" role="group" aria-label="Actions">
        <button
          type="button"
          disabled={verifyState.fetching}
          onClick={() =>
            void verify({ id }).then((result) => {
              const payload = result.data?.verifyConnection;
              if (payload?.__typename === 'VerifyConnectionPayload')
                setNotice(payload.ok ? 'The provider accepted the credentials.' : `The provider refused them (${payload.providerStatus ?? 'no status'}).`);
            })
          }
        >
          {verifyState.fetching ? 'Verifying…' : 'Verify'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={refreshState.fetching}
          onClick={() =>
            void refresh({ id }).then((result) => {
              if (result.data?.refreshConnection.__typename === 'RefreshConnectionPayload') setNotice('Refreshed.');
            })
          }
        >
          {refreshState.fetching ? 'Refreshing…' : 'Refresh token'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={linkState.fetching || connection.isShared}
          onClick={() =>
            void makeLink({ endUserId: connection.ownerId ?? undefined, integration: connection.integration.slug, connectionName: connection.name })
          }
        >
          Reconnect link
        </button>
        <button
          type="button"
          className="danger"
          disabled={disconnectState.fetching}
          onClick={() => {
            if (!window.confirm(`Disconnect ${connection.name}? Its tokens are revoked at the provider and the connection is deleted.`)) return;
            void disconnect({ id }).then((result) => {
              if (result.data?.disconnect.__typename === 'DisconnectPayload') navigate('/connections');
            });
          }}
        >
          Disconnect
        </button>
      </div>
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
        <pre className="code" tabIndex={0}>
          {JSON.stringify(connection.metadata, null, 2)}
        </pre>
      ) : (
        <p className="muted">None.</p>
      )}
      <h2>Operations</h2>
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
      <OperationsTable operations={connection.operations.edges.map((edge) => edge.node)} showConnection={false} />
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
