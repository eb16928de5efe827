// Runs once when the Next server starts: validating the environment here stops a misconfigured
// server immediately, with a message naming the variable, instead of at the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    await import("./server/env");
  }
}
