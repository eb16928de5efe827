// Runs once when the Next server starts: validating the environment here stops a misconfigured
// server immediately, with a message naming the variable, instead of at the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { env } = await import("./server/env");
    // Traces (runs, cycles, model calls) only when a collector is configured.
    const { startTracing } = await import("./server/operations/tracing");
    startTracing({ serviceName: "longhaul", endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
  }
}
