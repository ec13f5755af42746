// Small shared pieces: typed errors in words, loading and empty states, dates, status badges.
import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { useSearchParams } from 'wouter';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** A transport error, or an error member of a result union ({ __typename, code, message }). */
export function ErrorMessage({ error }: { error?: Problem | null }) {
  if (!error) return null;
  const message = 'graphQLErrors' in error ? (error.graphQLErrors[0]?.message ?? error.networkError?.message ?? error.message) : error.message;
  const code = 'graphQLErrors' in error ? (error.graphQLErrors[0]?.extensions?.code as string | undefined) : error.code;
  const fieldErrors = 'fieldErrors' in error ? error.fieldErrors : undefined;
  return (
    <div role="alert" className="error">
      {code ? <strong>{code}: </strong> : null}
      {message}
      {fieldErrors?.length ? (
        <ul>
          {fieldErrors.map((fieldError) => (
            <li key={fieldError.field}>
              {fieldError.field}: {fieldError.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function When({ at }: { at?: string | null }) {
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={date.toISOString()}>
      {date.toLocaleString()}
    </time>
  );
}

export function Status({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

/** What a page shows when something failed: a transport error, or the error member of a result union. */
export type Problem = CombinedError | { code?: string; message: string; fieldErrors?: { field: string; message: string }[] };

type RootValue<Data> = Data extends Record<string, infer Value> ? Value : never;
type PayloadOf<Data> = Extract<RootValue<Data>, { __typename: `${string}Payload` }>;

/**
 * The one way pages read a mutation's result (its state, or the result its promise resolves to): the
 * payload when the mutation succeeded, or the problem to show in words — the transport error, or the
 * error member of the result union with its code and field errors.
 */
export function outcomeOf<Data>(result: { data?: Data | null; error?: CombinedError } | undefined): { payload?: PayloadOf<Data>; problem?: Problem } {
  if (!result) return {};
  if (result.error) return { problem: result.error };
  const value = result.data ? (Object.values(result.data as Record<string, unknown>)[0] as { __typename?: string; message?: unknown } | null) : undefined;
  if (!value?.__typename) return {};
  if (value.__typename.endsWith('Payload')) return { payload: value as PayloadOf<Data> };
  if (typeof value.message === 'string') return { problem: value as Problem };
  return { problem: { message: `The server answered ${value.__typename}.` } };
}

/** The first problem of several actions' results, to show in one place. */
export function firstProblem(...results: ({ data?: unknown; error?: CombinedError } | undefined)[]): Problem | undefined {
  for (const result of results) {
    const { problem } = outcomeOf(result);
    if (problem) return problem;
  }
  return undefined;
}

/** A list's filters, kept in the URL so that a filtered page can be shared; changing one goes back to the first page. */
export function useFilters(): [URLSearchParams, (changes: Record<string, string | undefined>) => void] {
  const [params, setParams] = useSearchParams();
  function update(changes: Record<string, string | undefined>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!('after' in changes)) next.delete('after');
    setParams(next);
  }
  return [params, update];
}

/** The integration filter of a list: "All", or one integration by its slug. */
export function IntegrationFilter({
  value,
  integrations,
  onChange,
}: {
  value: string | undefined;
  integrations: { node: { id: string; slug: string; name: string } }[] | undefined;
  onChange: (slug: string | undefined) => void;
}) {
  return (
    <label>
      Integration
      <select value={value ?? ''} onChange={(event) => onChange(event.target.value || undefined)}>
        <option value="">All</option>
        {integrations?.map(({ node }) => (
          <option key={node.id} value={node.slug}>
            {node.name}
          </option>
        ))}
      </select>
    </label>
  );
}
