import "server-only";
import { context, trace, type Attributes, type Tracer } from "@opentelemetry/api";
import { inSpan } from "@longhaul/executor/tracing";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/**
 * OpenTelemetry traces for runs, cycles, steps and model calls, exported over OTLP/HTTP. Off unless
 * started with an endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, read by the caller's env schema: this module
 * is shared by the app and the executor, which validate their environments separately). While off,
 * withSpan only calls its function: no provider, no context manager, nothing allocated.
 */
let provider: NodeTracerProvider | null = null;
let tracer: Tracer | null = null;

export type TracingOptions = {
  serviceName: string;
  /** The collector's base URL (e.g. http://127.0.0.1:4318); spans go to <endpoint>/v1/traces. */
  endpoint?: string;
  /** Tests pass an in-memory exporter; spans are then exported one by one, synchronously. */
  exporter?: SpanExporter;
};

/** Starts tracing when an endpoint or an exporter is given; returns whether tracing is on. */
export function startTracing({ serviceName, endpoint, exporter }: TracingOptions): boolean {
  if (provider) return true;
  if (!endpoint && !exporter) return false;
  const processor = exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint!.replace(/\/+$/, "")}/v1/traces` }));
  provider = new NodeTracerProvider({ resource: resourceFromAttributes({ "service.name": serviceName }), spanProcessors: [processor] });
  // register() installs the AsyncLocalStorage context manager: a span started inside another's
  // function (a model call inside a cycle) becomes its child across awaits.
  provider.register();
  tracer = provider.getTracer("longhaul");
  return true;
}

/** Flushes what is buffered and turns tracing off (process shutdown, tests). */
export async function stopTracing() {
  const current = provider;
  provider = null;
  tracer = null;
  if (!current) return;
  await current.shutdown();
  trace.disable();
  context.disable();
}

export function isTracingOn(): boolean {
  return tracer !== null;
}

/** Runs `fn` inside a span (a child of the active one); records a thrown error on it. A no-op when tracing is off. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!tracer) return fn();
  return inSpan(tracer, name, attributes, fn);
}

/** Adds attributes known only at the end (tokens, the outcome) to the active span. */
export function annotateSpan(attributes: Attributes) {
  if (!tracer) return;
  trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * Wraps the Inngest serve handler's POST: each SDK request (the executor running one run's steps) is
 * a `run.request` span, so the cycles and model calls of that request nest under it.
 */
export function traceSdkRequests<Req extends Request, Rest extends unknown[], Res>(
  handler: (request: Req, ...rest: Rest) => Promise<Res>,
): (request: Req, ...rest: Rest) => Promise<Res> {
  return (request, ...rest) => {
    if (!tracer) return handler(request, ...rest);
    const url = new URL(request.url);
    const attributes = {
      "run.id": request.headers.get("x-run-id") ?? "",
      "function.id": url.searchParams.get("fnId") ?? "",
      "step.id": url.searchParams.get("stepId") ?? "",
    };
    return withSpan("run.request", attributes, () => handler(request, ...rest));
  };
}
