// /metrics: who may scrape it.
import { z } from 'zod';
import { defineSettings, setting } from '../kernel/settings.js';

export const metricsSettings = defineSettings(
  'Metrics and traces',
  {
    METRICS_TOKEN: setting(
      z.string().optional(),
      'when set (16+ characters), `/metrics` wants `Authorization: Bearer <METRICS_TOKEN>`; in production without it, `/metrics` is off (404)',
    ),
  },
  (values, context, problems) => {
    if (values.METRICS_TOKEN && values.METRICS_TOKEN.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters.');
    const token = values.METRICS_TOKEN || undefined;
    // Open metrics tell anyone the traffic per integration, error rates and pool use: in production
    // they are served only behind the token (off, not an error, so an upgrade keeps serving users).
    return { token, served: token !== undefined || !context.isProduction };
  },
);
