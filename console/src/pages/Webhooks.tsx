import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import { Empty, ErrorMessage, Loading, When, outcomeOf } from '../ui';
import { SecretOnce } from './WebhookEndpointPage';

const EndpointsQuery = parsed(
  graphql(`
    query ConsoleWebhookEndpoints {
      webhookEndpoints(first: 100) {
        edges {
          node {
            id
            url
            description
            enabled
            disabledReason
            eventTypes
            createdAt
            failed: deliveries(first: 1, status: FAILED) {
              totalCount
            }
            pending: deliveries(first: 1, status: PENDING) {
              totalCount
            }
          }
        }
      }
    }
  `),
);

const CreateEndpoint = parsed(
  graphql(`
    mutation ConsoleCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) {
        __typename
        ... on CreateWebhookEndpointPayload {
          secret
          webhookEndpoint {
            id
            url
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

export function Webhooks() {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: EndpointsQuery });
  const [state, create] = useMutation(CreateEndpoint);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    void create({ input: { url: url.trim(), description: description.trim() || undefined } }).then((result) => {
      if (outcomeOf(result).payload) {
        setUrl('');
        setDescription('');
        reexecute({ requestPolicy: 'network-only' });
      }
    });
  }

  const { payload: created, problem } = outcomeOf(state);
  const rows = data?.webhookEndpoints.edges.map((edge) => edge.node) ?? [];
  return (
    <section>
      <h1>Webhooks</h1>
      <p className="muted">Switchboard signs each event (Standard Webhooks) and retries until your endpoint answers 2xx.</p>
      <ErrorMessage error={error} />
      {!data && fetching ? <Loading what="webhook endpoints" /> : null}
      {data && rows.length === 0 ? (
        <Empty>
          <p>No endpoints yet. Add your app&apos;s URL below to hear about new, failing and deleted connections.</p>
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="webhook-endpoints-table">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">State</th>
                <th scope="col">Events</th>
                <th scope="col">Failed</th>
                <th scope="col">Pending</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td>
                    <Link href={`/webhooks/${encodeURIComponent(row.id)}`}>{row.url}</Link>
                    {row.description ? <div className="muted">{row.description}</div> : null}
                  </td>
                  <td>{row.enabled ? 'enabled' : <span className="error-text">disabled{row.disabledReason ? `: ${row.disabledReason}` : ''}</span>}</td>
                  <td>{row.eventTypes.length ? row.eventTypes.join(', ') : 'all'}</td>
                  <td>{row.failed.totalCount ? <strong className="error-text">{row.failed.totalCount}</strong> : 0}</td>
                  <td>{row.pending.totalCount}</td>
                  <td>
                    <When at={row.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Add an endpoint</h2>
      <form onSubmit={submit} className="stack">
        <label>
          URL
          <input type="url" required value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://app.example.com/webhooks/switchboard" />
        </label>
        <label>
          Description
          <input value={description} onChange={(event) => setDescription(event.target.value)} />
        </label>
        <button type="submit" disabled={state.fetching}>
          Add endpoint
        </button>
      </form>
      <ErrorMessage error={problem} />
      {created ? <SecretOnce secret={created.secret} /> : null}
    </section>
  );
}
