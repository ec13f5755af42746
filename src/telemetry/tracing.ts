// OpenTelemetry traces, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the SDK is imported then,
// and not at all otherwise, so `traced` costs one comparison when tracing is off. Spans carry
// operation types, integration slugs, hosts and status codes; never tokens, user ids or URL paths.
import type { Attributes, Span, Tracer } from '@opentelemetry/api';

let tracer: Tracer | undefined;
let spanStatusError = 2; // SpanStatusCode.ERROR, without importing the API when off
let shutdown: (() => Promise<void>) | undefined;
let flush: (() => Promise<void>) | undefined;

export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

/**
 * Starts the SDK: a Node tracer provider (async context propagation) exporting in batches over
 * OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads the standard OTEL_* variables, such as
 * OTEL_EXPORTER_OTLP_HEADERS).
 */
export async function startTracing(options: { serviceName: string; serviceVersion?: string }): Promise<void> {
  if (tracer) return;
  const [api, { NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion ?? 'unknown' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  spanStatusError = api.SpanStatusCode.ERROR;
  tracer = api.trace.getTracer('switchboard', options.serviceVersion);
  shutdown = () => provider.shutdown();
  flush = () => provider.forceFlush();
}

/** Exports the spans buffered so far now (tests; the batch processor otherwise sends every second). */
export async function flushTracing(): Promise<void> {
  await flush?.();
}

/** Sends the spans still buffered and stops the SDK (at shutdown). */
export async function stopTracing(): Promise<void> {
  const stop = shutdown;
  tracer = undefined;
  shutdown = undefined;
  flush = undefined;
  await stop?.().catch(() => {});
}

/**
 * Runs `work` inside a span named `name` (the active span while it runs, so nested calls become its
 * children). A thrown error marks the span failed with the error's class name only: messages may
 * carry provider answers. With tracing off, `work` runs as it is, with no span.
 */
export function traced<T>(name: string, attributes: Attributes, work: (span: Span | undefined) => T): T {
  if (!tracer) return work(undefined);
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    const fail = (error: unknown) => {
      span.setStatus({ code: spanStatusError, message: (error as Error)?.name ?? 'Error' });
      span.end();
      throw error;
    };
    try {
      const result = work(span);
      if (result instanceof Promise) {
        return result.then((value) => {
          span.end();
          return value;
        }, fail) as T;
      }
      span.end();
      return result;
    } catch (error) {
      return fail(error);
    }
  });
}
