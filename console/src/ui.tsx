// Small shared pieces: typed errors in words, loading and empty states, dates, status badges.
import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';

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
export function ErrorMessage({
  error,
}: {
  error?: CombinedError | { code?: string; message: string; fieldErrors?: { field: string; message: string }[] } | null;
}) {
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

/** The error member of a mutation's result union, when the result is one. */
export function errorOf<T extends { __typename?: string }>(result: T | undefined | null): { code?: string; message: string } | undefined {
  if (result && 'message' in result && typeof result.message === 'string' && result.__typename?.endsWith('Error')) {
    return result as unknown as { code?: string; message: string };
  }
  return undefined;
}
