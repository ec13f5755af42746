// /metrics: who may scrape it.
import { z } from 'zod';
import { defineSettings, setting } from '../kernel/settings.js';

export const metricsSettings = defineSettings(
  'Metrics and traces',
  {
    METRICS_TOKEN: setting(z.string().optional(), 'when set (16+ characters), `/metrics` wants `Authorization: Bearer <METRICS_TOKEN>`'),
  },
  (values, _context, problems) => {
    if (values.METRICS_TOKEN && values.METRICS_TOKEN.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters.');
    return { token: values.METRICS_TOKEN || undefined };
  },
);
