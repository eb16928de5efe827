import { SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";

/**
 * Spans for the executor's steps through the OpenTelemetry API only, as a library does: they go to
 * whatever tracer provider the process registered (scripts/executor.ts starts one when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set) and cost next to nothing otherwise (the API's no-op tracer).
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return trace.getTracer("longhaul-executor").startActiveSpan(name, { attributes }, async (span) => {
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
