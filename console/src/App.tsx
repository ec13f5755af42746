import { useCallback, useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { createConsoleClient } from './client';
import { readSession, signOut, type Session } from './session';
import { SignIn } from './pages/SignIn';
import { Integrations } from './pages/Integrations';
import { IntegrationForm } from './pages/IntegrationForm';
import { Connections } from './pages/Connections';
import { ConnectionPage } from './pages/ConnectionPage';
import { ConnectLinks } from './pages/ConnectLinks';
import { Activity } from './pages/Activity';
import { Webhooks } from './pages/Webhooks';
import { WebhookEndpointPage } from './pages/WebhookEndpointPage';
import { ApiKeys } from './pages/ApiKeys';
import { AuditTrail } from './pages/AuditTrail';

const NAV = [
  { href: '/connections', label: 'Connections' },
  { href: '/integrations', label: 'Integrations' },
  { href: '/connect-links', label: 'Connect links' },
  { href: '/activity', label: 'Activity' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/api-keys', label: 'API keys' },
  { href: '/audit', label: 'Audit trail' },
];

function Navigation({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const [location] = useLocation();
  return (
    <header className="top">
      <a className="brand" href="/console/">
        Switchboard
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={location.startsWith(item.href) ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="who">
        <span title="Signed in as">{session.via === 'dev' ? 'dev (development)' : (session.userId ?? '')}</span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

export function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    readSession()
      .then(setSession)
      .catch((error: Error) => setProblem(error.message));
  }, []);

  const signedOut = useCallback(() => setSession({ signedIn: false }), []);
  const client = useMemo(() => (session?.signedIn ? createConsoleClient(signedOut) : undefined), [session?.signedIn, signedOut]);

  if (problem)
    return (
      <p role="alert" className="error page-message">
        {problem}
      </p>
    );
  if (!session)
    return (
      <p className="page-message" aria-busy="true">
        Loading…
      </p>
    );
  if (!session.signedIn || !client) return <SignIn onSignedIn={setSession} />;

  return (
    <Provider value={client}>
      <Router base="/console">
        <Navigation
          session={session}
          onSignOut={() => {
            void signOut().finally(signedOut);
          }}
        />
        <main id="main">
          <Switch>
            <Route path="/">
              <Redirect to="/connections" />
            </Route>
            <Route path="/connections" component={Connections} />
            <Route path="/connections/:id">{(params) => <ConnectionPage id={decodeURIComponent(params.id)} />}</Route>
            <Route path="/integrations" component={Integrations} />
            <Route path="/integrations/new">
              <IntegrationForm />
            </Route>
            <Route path="/integrations/:slug">{(params) => <IntegrationForm slug={decodeURIComponent(params.slug)} />}</Route>
            <Route path="/connect-links" component={ConnectLinks} />
            <Route path="/activity" component={Activity} />
            <Route path="/webhooks" component={Webhooks} />
            <Route path="/api-keys" component={ApiKeys} />
            <Route path="/audit" component={AuditTrail} />
            <Route path="/webhooks/:id">{(params) => <WebhookEndpointPage id={decodeURIComponent(params.id)} />}</Route>
            <Route>
              <section>
                <h1>Not found</h1>
                <p>
                  There is no page here. <Link href="/connections">Go to connections</Link>.
                </p>
              </section>
            </Route>
          </Switch>
        </main>
      </Router>
    </Provider>
  );
}
