-- Rate-limit counters (better-auth's sign-in limits, the public API's per-token limits) are written on
-- every counted request. Unlogged, a write commits without waiting for the WAL to reach disk; after a
-- crash the counters start from zero, which for a one-minute window is harmless.
ALTER TABLE "rate_limit" SET UNLOGGED;
