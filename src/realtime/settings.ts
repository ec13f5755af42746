// Real time: Redis for changes across instances, and the limits of status subscriptions.
import { z } from 'zod';
import { defineSettings, integer, optionalUrl, setting, type SettingsOf } from '../kernel/settings.js';

export const realtimeSettings = defineSettings(
  'Real time',
  {
    REDIS_URL: setting(
      optionalUrl(['redis', 'rediss'], { path: true, query: true, credentials: true }),
      'Redis, for changes across instances (status events, cache invalidation) and limits per deployment; unset: one instance, in process',
      {
        example: 'redis://127.0.0.1:6379',
      },
    ),
    REDIS_PREFIX: setting(
      z
        .string()
        .regex(/^[\w.:-]{1,100}$/)
        .default('switchboard'),
      'names the pub/sub channel and the keys of limits shared through Redis; deployments sharing one Redis need different ones',
    ),
    REDIS_LIMIT_TIMEOUT_MS: setting(
      integer({ min: 10, default: 250 }),
      'how long a limit shared through Redis waits for it; beyond it (Redis down) the limit counts on this instance alone',
    ),
    MAX_SUBSCRIPTIONS_PER_USER: setting(
      integer({ min: 1, default: 100 }),
      'open subscriptions per user, per deployment with Redis (else per instance; `QUOTA_EXCEEDED` beyond)',
    ),
    MAX_SUBSCRIPTIONS_PER_CONNECT_SESSION: setting(
      integer({ min: 1, default: 5 }),
      "open subscriptions per connect-session token, per deployment with Redis (else per instance), apart from its end user's own (`QUOTA_EXCEEDED` beyond)",
    ),
    SUBSCRIPTION_QUEUE_MAX: setting(
      integer({ min: 1, default: 1000 }),
      'status events waiting for one subscriber that does not keep up; beyond it the subscription ends (the client resubscribes and reads the current state)',
    ),
  },
  (values) => ({
    redisUrl: values.REDIS_URL,
    redisPrefix: values.REDIS_PREFIX,
    redisLimitTimeoutMs: values.REDIS_LIMIT_TIMEOUT_MS,
    maxSubscriptionsPerUser: values.MAX_SUBSCRIPTIONS_PER_USER,
    maxSubscriptionsPerConnectSession: values.MAX_SUBSCRIPTIONS_PER_CONNECT_SESSION,
    subscriptionQueueMax: values.SUBSCRIPTION_QUEUE_MAX,
  }),
);
export type RealtimeSettings = SettingsOf<typeof realtimeSettings>;
