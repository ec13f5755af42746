import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import type { WebhookDeliveryStatus } from '../gql/graphql';
import { Empty, ErrorMessage, Loading, When, firstProblem, outcomeOf } from '../ui';
import { CopyText } from './ConnectionPage';

const EndpointQuery = parsed(
  graphql(`
    query ConsoleWebhookEndpoint($id: ID!, $status: WebhookDeliveryStatus) {
      node(id: $id) {
        __typename
        ... on WebhookEndpoint {
          id
          url
          description
          enabled
          disabledReason
          eventTypes
          secretRotationEndsAt
          deliveries(first: 50, status: $status) {
            edges {
              node {
                id
                eventType
                status
                attempts
                createdAt
                deliveredAt
                nextAttemptAt
                responseStatus
                responseExcerpt
                error
              }
            }
          }
        }
      }
    }
  `),
);

const Rotate = parsed(
  graphql(`
    mutation ConsoleRotateWebhookSecret($id: ID!) {
      rotateWebhookSecret(input: { id: $id }) {
        __typename
        ... on RotateWebhookSecretPayload {
          secret
          webhookEndpoint {
            id
            secretRotationEndsAt
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

const SetEnabled = parsed(
  graphql(`
    mutation ConsoleSetWebhookEnabled($id: ID!, $enabled: Boolean!) {
      updateWebhookEndpoint(input: { id: $id, enabled: $enabled }) {
        __typename
        ... on UpdateWebhookEndpointPayload {
          webhookEndpoint {
            id
            enabled
            disabledReason
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

const Redeliver = parsed(
  graphql(`
    mutation ConsoleRedeliverWebhook($deliveryId: ID!) {
      redeliverWebhook(input: { deliveryId: $deliveryId }) {
        __typename
        ... on RedeliverWebhookPayload {
          delivery {
            id
            status
            attempts
            nextAttemptAt
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

export function SecretOnce({ secret }: { secret: string }) {
  return (
    <div className="notice" data-testid="webhook-secret">
      <p>
        <strong>The signing secret, shown this once:</strong> keep it in your app&apos;s configuration to verify signatures.
      </p>
      <CopyText text={secret} label="Copy secret" />
    </div>
  );
}

export function WebhookEndpointPage({ id }: { id: string }) {
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const [{ data, fetching, error }, reexecute] = useQuery({ query: EndpointQuery, variables: { id, status: status || undefined } });
  const [rotateState, rotate] = useMutation(Rotate);
  const [enableState, setEnabled] = useMutation(SetEnabled);
  const [redeliverState, redeliver] = useMutation(Redeliver);
  const [notice, setNotice] = useState<string | undefined>();

  if (!data && fetching) return <Loading what="the endpoint" />;
  const endpoint = data?.node?.__typename === 'WebhookEndpoint' ? data.node : undefined;
  if (!endpoint)
    return (
      <section>
        <h1>Webhook endpoint</h1>
        <ErrorMessage error={error} />
        <Empty>
          <p>
            No such endpoint. <Link href="/webhooks">Back to webhooks</Link>.
          </p>
        </Empty>
      </section>
    );

  const rotated = outcomeOf(rotateState).payload;
  const actionError = firstProblem(rotateState, enableState, redeliverState);
  const deliveries = endpoint.deliveries.edges.map((edge) => edge.node);
  return (
    <section>
      <p className="crumbs">
        <Link href="/webhooks">Webhooks</Link> / endpoint
      </p>
      <h1>{endpoint.url}</h1>
      <p>
        {endpoint.enabled ? 'Enabled' : <span className="error-text">Disabled{endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}</span>} · events:{' '}
        {endpoint.eventTypes.length ? endpoint.eventTypes.join(', ') : 'all'}
        {endpoint.secretRotationEndsAt ? (
          <>
            {' '}
            · previous secret signs until <When at={endpoint.secretRotationEndsAt} />
          </>
        ) : null}
      </p>
      <div className="actions" role="group" aria-label="Actions">
        <button
          type="button"
          className="secondary"
          disabled={rotateState.fetching}
          onClick={() => {
            if (window.confirm('Rotate the signing secret? The old one keeps signing beside the new one for a grace period.')) void rotate({ id });
          }}
        >
          Rotate secret
        </button>
        <button
          type="button"
          className={endpoint.enabled ? 'danger' : 'secondary'}
          disabled={enableState.fetching}
          onClick={() => void setEnabled({ id, enabled: !endpoint.enabled })}
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </button>
      </div>
      <ErrorMessage error={actionError} />
      <div aria-live="polite">{notice ? <p className="notice">{notice}</p> : null}</div>
      {rotated ? <SecretOnce secret={rotated.secret} /> : null}
      <h2>Deliveries</h2>
      <div className="filters" role="group" aria-label="Filter deliveries">
        <label>
          Status
          <select value={status} onChange={(event) => setStatus(event.target.value as WebhookDeliveryStatus | '')}>
            <option value="">All</option>
            <option>FAILED</option>
            <option>PENDING</option>
            <option>SUCCEEDED</option>
          </select>
        </label>
        <button type="button" className="secondary" onClick={() => reexecute({ requestPolicy: 'network-only' })}>
          Reload
        </button>
      </div>
      {deliveries.length === 0 ? (
        <Empty>
          <p>No deliveries{status ? ` with status ${status}` : ' yet'}. Events are sent when connections are created, fail, recover or are deleted.</p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="deliveries-table">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Next attempt</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={delivery.id} data-delivery-status={delivery.status} className={delivery.status === 'FAILED' ? 'failed' : undefined}>
                  <td>
                    <When at={delivery.createdAt} />
                  </td>
                  <td>{delivery.eventType}</td>
                  <td>
                    <span className={`badge badge-${delivery.status.toLowerCase()}`}>{delivery.status}</span>
                  </td>
                  <td>{delivery.attempts}</td>
                  <td>
                    {delivery.responseStatus ?? ''} {delivery.error ? <span className="error-text">{delivery.error}</span> : null}
                    {delivery.responseExcerpt ? (
                      <pre className="excerpt" tabIndex={0}>
                        {delivery.responseExcerpt}
                      </pre>
                    ) : null}
                  </td>
                  <td>
                    <When at={delivery.nextAttemptAt} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      disabled={redeliverState.fetching}
                      onClick={() =>
                        void redeliver({ deliveryId: delivery.id }).then((result) => {
                          if (outcomeOf(result).payload) {
                            setNotice('Queued for delivery again.');
                            reexecute({ requestPolicy: 'network-only' });
                          }
                        })
                      }
                    >
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
