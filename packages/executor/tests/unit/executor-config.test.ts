import { describe, expect, it } from "vitest";
import { executorOptionsFromEnv } from "../../src/config";

describe("executor configuration", () => {
  it("passes EXECUTOR_CHECKPOINTING to the worker", () => {
    expect(executorOptionsFromEnv({ EXECUTOR_CHECKPOINTING: "false" }).worker.checkpointing).toBe(false);
    expect(executorOptionsFromEnv({ EXECUTOR_CHECKPOINTING: "true" }).worker.checkpointing).toBe(true);
    expect(executorOptionsFromEnv({}).worker.checkpointing).toBe(true);
  });

  it("refuses a malformed EXECUTOR_CHECKPOINTING, naming it", () => {
    expect(() => executorOptionsFromEnv({ EXECUTOR_CHECKPOINTING: "yes" })).toThrow(/EXECUTOR_CHECKPOINTING/);
  });
});
