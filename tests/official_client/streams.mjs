// Realtime run streams read and written through the official Trigger.dev TypeScript client
// (@trigger.dev/sdk 4.8.3, pinned in package-lock.json), against the server at TRIGGER_API_URL.
//
//   TRIGGER_API_URL=http://127.0.0.1:3030 TRIGGER_SECRET_KEY=tr_dev_... node streams.mjs [step ...]
//
// It prints one line per step, "ok <step>" or "FAIL <step>: <error>", then
// "summary ok=N fail=N"; the exit status is 1 when a step failed. Step names on the command
// line run only those. The pytest test (test_official_streams.py) registers the handler:
//   stream-writer  writes payload.count chunks {index, text} to the stream payload.key,
//                  payload.delayMs apart, then returns {written: count}

import { configure, runs, streams, tasks } from "@trigger.dev/sdk";
import { apiClientManager } from "@trigger.dev/core/v3";
import { CheckFailed, check, need, runSteps, same, step } from "./steps.mjs";

const baseURL = need("TRIGGER_API_URL");
const accessToken = need("TRIGGER_SECRET_KEY");

// No retries of API calls: an answer the client rejects must fail its step now.
configure({ baseURL, accessToken, requestOptions: { retry: { maxAttempts: 1 } } });

function expectedChunks(count) {
  return Array.from({ length: count }, (_, index) => ({ index, text: `chunk ${index}` }));
}

async function collect(iterable, limit = Infinity) {
  const items = [];
  for await (const item of iterable) {
    items.push(item);
    if (items.length >= limit) break;
  }
  return items;
}

async function writer(count, delayMs, key = "progress") {
  return tasks.trigger("stream-writer", { count, delayMs, key });
}

async function done(runId, timeoutMs = 10_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const run = await runs.retrieve(runId);
    if (run.isCompleted) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new CheckFailed(`run ${runId} did not complete`);
}

// runs.fetchStream sends no Timeout-Seconds: the server would hold the read for 60 s after
// the last chunk, so the step stops reading once it has every chunk (cancelling the read).
step("fetch-stream-live", async () => {
  const handle = await writer(5, 40);
  const stream = await runs.fetchStream(handle.id, "progress");
  same(await collect(stream, 5), expectedChunks(5), "chunks");
  same((await done(handle.id)).output, { written: 5 }, "output");
});

// streams.read sends Timeout-Seconds: the server ends the read that long after the last
// chunk, which completes the iteration: every chunk exactly once, in order.
step("streams-read-to-the-end", async () => {
  const handle = await writer(5, 20);
  const stream = await streams.read(handle.id, "progress", { timeoutInSeconds: 1 });
  same(await collect(stream), expectedChunks(5), "chunks");
  const again = await streams.read(handle.id, "progress", { timeoutInSeconds: 1 });
  same(await collect(again), expectedChunks(5), "a second read from the start");
});

step("default-key", async () => {
  const handle = await writer(2, 0, "default");
  await done(handle.id);
  same(await collect(await streams.read(handle.id, { timeoutInSeconds: 1 })), expectedChunks(2), "chunks");
});

// runs.subscribeToRun(...).withStreams() finds the stream in the run's realtimeStreams column
// and reads it beside the run's changes.
step("subscribe-with-streams", async () => {
  const handle = await writer(5, 40);
  const chunks = [];
  let completed = false;
  for await (const part of runs.subscribeToRun(handle.id).withStreams()) {
    if (part.type === "run") {
      completed = completed || part.run.isCompleted;
      if (part.run.isCompleted) same(part.run.output, { written: 5 }, "output");
    } else {
      same(part.type, "progress", "stream key");
      chunks.push(part.chunk);
    }
    if (completed && chunks.length === 5) break;
  }
  same(chunks, expectedChunks(5), "chunks");
});

step("create-and-append", async () => {
  const apiClient = apiClientManager.clientOrThrow();
  // A delayed run has not completed: its streams take writes.
  const handle = await tasks.trigger("stream-writer", { count: 0 }, { delay: "1h" });
  const created = await apiClient.createStream(handle.id, "self", "notes");
  same(created.version, "v1", "version");
  const first = await apiClient.appendToStream(handle.id, "self", "notes", "first note");
  same(first, { ok: true }, "append answer");
  await apiClient.appendToStream(handle.id, "self", "notes", '{"looks":"like json"}');
  const chunks = await collect(await streams.read(handle.id, "notes", { timeoutInSeconds: 1 }));
  // Appended parts are stored as strings, and read back as strings.
  same(chunks, ["first note", '{"looks":"like json"}'], "appended parts");
});

step("append-to-a-completed-run-is-refused", async () => {
  const apiClient = apiClientManager.clientOrThrow();
  const handle = await writer(1, 0);
  await done(handle.id);
  let error;
  try {
    await apiClient.appendToStream(handle.id, "self", "notes", "too late");
  } catch (caught) {
    error = caught;
  }
  check(error !== undefined, "the append was accepted");
  same(error.status, 400, "status");
});

step("input-stream-send", async () => {
  const handle = await tasks.trigger("stream-writer", { count: 0 }, { delay: "1h" });
  const approval = streams.input({ id: "approval" });
  await approval.send(handle.id, { approved: true });
});

step("unknown-run-fails-the-read", async () => {
  let error;
  try {
    await collect(await streams.read("run_doesnotexist0000000000", "progress", { timeoutInSeconds: 1 }));
  } catch (caught) {
    error = caught;
  }
  check(error !== undefined, "the read of an unknown run ended without an error");
  same(error.status, 404, "status");
});

await runSteps();
