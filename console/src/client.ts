// The console's GraphQL client: queries and mutations over HTTP (POST, with the CSRF header the
// server requires), subscriptions over graphql-ws. Both carry the session cookie, never a key.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createSocketClient } from 'graphql-ws';

export function createConsoleClient(onSignedOut: () => void): Client {
  const socketUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
  const sockets = createSocketClient({ url: socketUrl, lazy: true, retryAttempts: 5 });
  return new Client({
    url: '/graphql',
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: { credentials: 'same-origin', headers: { 'x-graphql-yoga-csrf': '1' } },
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) onSignedOut();
      return response;
    },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const operation = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = sockets.subscribe(operation, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
