// Realtime subscriptions through the official Trigger.dev TypeScript client (@trigger.dev/sdk,
// pinned in package-lock.json) against the server at TRIGGER_API_URL: runs.subscribeToRun,
// runs.subscribeToRunsWithTag and runs.subscribeToBatch, with the secret key and with a run's
// public access token. The client's Electric shape stream checks the headers of every answer
// and its zod schema every row, so a wire mistake fails the step.
//
//   TRIGGER_API_URL=http://127.0.0.1:3030 TRIGGER_SECRET_KEY=tr_dev_... node realtime.mjs [step ...]
//
// Output as flow.mjs: "ok <step>" / "FAIL <step>: <error>" per step, then "summary ok=N fail=N".
// The pytest wrapper (test_official_realtime.py) registers the handlers:
//   rt-wait   waits on the waitpoint token payload.tokenId and returns its data
//   rt-echo   returns {echo: payload}

import { auth, batch, configure, runs, tasks, wait } from "@trigger.dev/sdk";
import { check, need, runSteps, same, step } from "./steps.mjs";

const baseURL = need("TRIGGER_API_URL");
const accessToken = need("TRIGGER_SECRET_KEY");
const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const STEP_TIMEOUT_MS = 30_000;

configure({ baseURL, accessToken, requestOptions: { retry: { maxAttempts: 1 } } });

function collapsed(statuses) {
  return statuses.filter((status, i) => i === 0 || statuses[i - 1] !== status);
}

step("subscribe-to-run", async () => {
  const token = await wait.createToken({ timeout: "1h" });
  const handle = await tasks.trigger("rt-wait", { tokenId: token.id, order: "ord_1042" });
  const statuses = [];
  let last;
  let completed = false;
  for await (const run of runs.subscribeToRun(handle.id)) {
    statuses.push(run.status);
    last = run;
    if (run.status === "WAITING" && !completed) {
      completed = true;
      await wait.completeToken(token.id, { approved: true });
    }
  }
  // The iteration ended by itself once completedAt was set.
  const seen = collapsed(statuses);
  check(seen.includes("WAITING"), `WAITING was seen: ${seen}`);
  same(seen[seen.length - 1], "COMPLETED", "the last status");
  same(last.output, { approved: true }, "output");
  same(last.payload, { tokenId: token.id, order: "ord_1042" }, "payload");
  check(last.finishedAt instanceof Date, "finishedAt is a Date");
  check(last.createdAt instanceof Date && !Number.isNaN(last.createdAt.getTime()), "createdAt");
  same(last.isCompleted && last.isSuccess, true, "isCompleted and isSuccess");
  same(last.id, handle.id, "id is the friendly id");
  same(last.taskIdentifier, "rt-wait", "taskIdentifier");
});

step("subscribe-with-public-token", async () => {
  const handle = await tasks.trigger("rt-echo", { n: 7 }, { tags: [`pat-${stamp}`] });
  const statuses = [];
  let last;
  await auth.withAuth({ accessToken: handle.publicAccessToken }, async () => {
    for await (const run of runs.subscribeToRun(handle.id, { skipColumns: ["payload"] })) {
      statuses.push(run.status);
      last = run;
    }
  });
  same(statuses[statuses.length - 1], "COMPLETED", "the last status");
  same(last.output, { echo: { n: 7 } }, "output");
  same(last.payload, undefined, "the skipped payload");
  same(last.tags, [`pat-${stamp}`], "tags");
});

step("subscribe-to-runs-with-tag", async () => {
  const tag = `tag-${stamp}`;
  const first = await tasks.trigger("rt-echo", { n: 1 }, { tags: [tag, "eu"] });
  let second;
  const finished = new Map();
  for await (const run of runs.subscribeToRunsWithTag([tag, "eu"], { createdAt: "1h" })) {
    if (!second) second = await tasks.trigger("rt-echo", { n: 2 }, { tags: ["eu", tag] });
    if (run.isCompleted) finished.set(run.id, run.output);
    if (finished.has(first.id) && finished.has(second.id)) break; // cancels the stream
  }
  same(finished.get(first.id), { echo: { n: 1 } }, "the first run");
  same(finished.get(second.id), { echo: { n: 2 } }, "the run triggered after subscribing");
});

step("subscribe-to-batch", async () => {
  const made = await batch.trigger([
    { id: "rt-echo", payload: { n: 1 } },
    { id: "rt-echo", payload: { n: 2 } },
  ]);
  const finished = new Map();
  for await (const run of runs.subscribeToBatch(made.batchId)) {
    if (run.isCompleted) finished.set(run.id, run.output.echo.n);
    if (finished.size === 2) break;
  }
  same([...finished.values()].sort(), [1, 2], "both runs of the batch");
});

await runSteps({ timeoutMs: STEP_TIMEOUT_MS });
