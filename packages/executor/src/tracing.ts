import { SpanStatusCode, trace, type Attributes, type Tracer } from "@opentelemetry/api";

/**
 * Runs `fn` inside an active span of `tracer` (a child of the active one); a thrown error is recorded
 * on the span, which ends either way. Exported for apps that trace their own work the same way.
 */
export async function inSpan<T>(tracer: Tracer, name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Spans for the executor's steps through the OpenTelemetry API only, as a library does: they go to
 * whatever tracer provider the process registered (scripts/executor.ts starts one when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set) and cost next to nothing otherwise (the API's no-op tracer).
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return inSpan(trace.getTracer("longhaul-executor"), name, attributes, fn);
}
