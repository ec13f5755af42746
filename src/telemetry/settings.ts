// OpenTelemetry traces: exported over OTLP/HTTP when an endpoint is set.
import { z } from 'zod';
import { defineSettings, optionalUrl, setting } from '../kernel/settings.js';

export const telemetrySettings = defineSettings(
  'Metrics and traces',
  {
    OTEL_EXPORTER_OTLP_ENDPOINT: setting(
      optionalUrl(['http', 'https'], { path: true }),
      'export OpenTelemetry traces over OTLP/HTTP (e.g. `http://collector:4318`; the exporter also reads the standard `OTEL_EXPORTER_OTLP_*` variables); unset: tracing off',
    ),
    OTEL_SERVICE_NAME: setting(z.string().default('switchboard'), 'the service name on traces'),
  },
  (values) => ({ otlpEndpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: values.OTEL_SERVICE_NAME }),
);
