// A realistic flow through the official Trigger.dev TypeScript client (@trigger.dev/sdk, pinned
// in package-lock.json), against the server at TRIGGER_API_URL. The official client validates
// every answer with its own zod schemas, so a shape the server gets wrong fails its step.
//
//   TRIGGER_API_URL=http://127.0.0.1:3030 TRIGGER_SECRET_KEY=tr_dev_... \
//   TRIGGER_PROJECT_REF=proj_... node flow.mjs [step ...]
//
// It prints one line per step: "ok <step>", "FAIL <step>: <error>" or "skip <step>", then
// "summary ok=N fail=N skip=N"; the exit status is 1 when a step failed. Steps named in
// FLOW_SKIP (comma-separated) are skipped; step names on the command line run only those.
//
// The tasks are triggered by id (no task definitions): the server runs them. The pytest test
// (test_official_client.py) registers these handlers in the emulator:
//   flow-echo      returns {echo: payload, attempt}
//   flow-fail      raises ValueError("flow-fail always fails") on each of its 2 attempts
//   flow-metadata  sets metadata.progress = 1 and metadata.seen = payload.value
//   flow-token     waits on the waitpoint token payload.tokenId and returns its data
//   flow-scheduled a task schedules are made for
//   flow-size      returns {length: payload.blob.length}
//   flow-agent     the task sessions start; returns its payload
// Every step makes its own runs, so one failing step does not fail the next.
//
// The last step, schedules-firing, moves the server's clock through the emulator's control
// endpoint (POST /_emulator/clock), so it needs an emulator on a virtual clock
// (trigger emulator --clock virtual); against a real-time server it fails and says so.

import {
  batch,
  configure,
  deployments,
  envvars,
  idempotencyKeys,
  query,
  queues,
  runs,
  schedules,
  sessions,
  tasks,
  wait,
} from "@trigger.dev/sdk";
import { apiClientManager, ErrorGroupDetail, ListErrorsResponse } from "@trigger.dev/core/v3";
import { CheckFailed, check, describe, need, runSteps, same, step } from "./steps.mjs";

const baseURL = need("TRIGGER_API_URL");
const accessToken = need("TRIGGER_SECRET_KEY");
const projectRef = need("TRIGGER_PROJECT_REF");
const environment = process.env.TRIGGER_ENVIRONMENT ?? "dev";
// A run name unique to this invocation, so lists filtered by it see only this run's runs.
const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// No retries: an answer the client rejects must fail its step now, not after backoff.
configure({ baseURL, accessToken, requestOptions: { retry: { maxAttempts: 1 } } });

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Retrieve a run until `predicate` holds (the official runs.poll waits only for completion).
async function retrieveUntil(runId, predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runs.retrieve(runId);
    if (predicate(run)) return run;
    if (Date.now() > deadline) {
      throw new CheckFailed(`${runId} never became ${what} (status ${run.status})`);
    }
    await sleep(25);
  }
}

// Call `fetch` until `predicate` holds of its answer (the last answer after `timeoutMs`).
async function eventually(fetch, predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch();
    if (predicate(answer) || Date.now() > deadline) return answer;
    await sleep(50);
  }
}

function done(runId) {
  return runs.poll(runId, { pollIntervalMs: 25 });
}

// An error from the client with the HTTP status it carries.
async function refused(promise, status, what) {
  try {
    await promise;
  } catch (error) {
    check(error?.status === status, `${what}: expected HTTP ${status}, got ${describe(error)}`);
    return error;
  }
  throw new CheckFailed(`${what}: expected HTTP ${status}, but it succeeded`);
}

// -- tasks and runs ---------------------------------------------------------------------------

step("trigger", async () => {
  const handle = await tasks.trigger("flow-echo", { hello: "world" }, { tags: [`flow-${stamp}`] });
  check(/^run_/.test(handle.id), `run id ${handle.id}`);
  check(typeof handle.publicAccessToken === "string", "a public access token comes with the run");
  check(handle.isCached !== true, "a first trigger is not cached");
});

step("retrieve-until-done", async () => {
  const handle = await tasks.trigger("flow-echo", { n: 1 });
  const run = await done(handle.id);
  same(run.status, "COMPLETED", "status");
  check(run.isCompleted && run.isSuccess && !run.isFailed, "completed flags");
  same(run.output, { echo: { n: 1 }, attempt: 1 }, "output");
  same(run.payload, { n: 1 }, "payload");
  same(run.taskIdentifier, "flow-echo", "taskIdentifier");
  check(run.finishedAt instanceof Date, "finishedAt is a date");
  check(run.createdAt instanceof Date, "createdAt is a date");
  same(run.attemptCount, 1, "attemptCount");
});

step("failed-run", async () => {
  const handle = await tasks.trigger("flow-fail", {}, { maxAttempts: 2 });
  const run = await done(handle.id);
  same(run.status, "FAILED", "status");
  check(run.isFailed && !run.isSuccess, "failed flags");
  same(run.attemptCount, 2, "attemptCount");
  check(/flow-fail always fails/.test(run.error?.message ?? ""), `error ${JSON.stringify(run.error)}`);
});

// The official client has no call for error groups (SURFACE D19): the step sends the requests
// itself and checks every answer with the client's own schemas for them.
async function errorsApi(method, path, body) {
  const response = await fetch(`${baseURL}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  check(response.ok, `${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

step("error-groups", async () => {
  const handle = await tasks.trigger("flow-fail", { order: `err-${stamp}` }, { maxAttempts: 1 });
  same((await done(handle.id)).status, "FAILED", "the run failed");
  const listed = ListErrorsResponse.parse(
    await errorsApi("GET", "/api/v1/errors?filter%5BtaskIdentifier%5D=flow-fail")
  );
  same(listed.data.length, 1, "one group for the task's one kind of error");
  const group = listed.data[0];
  check(/^error_[0-9a-f]{16}$/.test(group.id), `group id ${group.id}`);
  same(group.errorMessage, "flow-fail always fails", "errorMessage");
  check(group.count >= 1 && group.lastSeen instanceof Date, "count and lastSeen");
  const detail = ErrorGroupDetail.parse(await errorsApi("GET", `/api/v1/errors/${group.id}`));
  same(detail.taskIdentifier, "flow-fail", "retrieve");
  const resolved = ErrorGroupDetail.parse(
    await errorsApi("POST", `/api/v1/errors/${group.id}/resolve`, { resolvedInVersion: "20260101.2" })
  );
  same([resolved.status, resolved.resolvedInVersion], ["resolved", "20260101.2"], "resolved");
  check(resolved.resolvedAt instanceof Date, "resolvedAt is a date");
  const byStatus = ListErrorsResponse.parse(
    await errorsApi("GET", "/api/v1/errors?filter%5Bstatus%5D=resolved")
  );
  check(byStatus.data.some((g) => g.id === group.id), "listed as resolved");
  const ignored = ErrorGroupDetail.parse(
    await errorsApi("POST", `/api/v1/errors/${group.id}/ignore`, { duration: 3_600_000, reason: "flow" })
  );
  same([ignored.status, ignored.ignoredReason], ["ignored", "flow"], "ignored");
  check(ignored.ignoredUntil instanceof Date, "ignoredUntil is a date");
  const back = ErrorGroupDetail.parse(
    await errorsApi("POST", `/api/v1/errors/${group.id}/unresolve`)
  );
  same(back.status, "unresolved", "unresolved");
});

step("list-filters-and-pages", async () => {
  const tag = `list-${stamp}`;
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await tasks.trigger("flow-echo", { i }, { tags: [tag] })).id);
  }
  await Promise.all(ids.map(done));
  // Newest first, two to a page: 2 + 2 + 1, following the cursors.
  let page = await runs.list({ tag, limit: 2 });
  const seen = page.data.map((r) => r.id);
  same(page.data.length, 2, "first page size");
  check(page.hasNextPage(), "a second page");
  page = await page.getNextPage();
  seen.push(...page.data.map((r) => r.id));
  page = await page.getNextPage();
  seen.push(...page.data.map((r) => r.id));
  check(!page.hasNextPage(), "three pages in all");
  same(seen, [...ids].reverse(), "ids across pages");
  // Back from the last page: the real server answers a page[before] page oldest first.
  check(page.hasPreviousPage(), "a previous page");
  const back = await page.getPreviousPage();
  same(back.data.map((r) => r.id), ids.slice(1, 3), "previous page");
  // Auto-pagination, and filters that keep all or none of them.
  const all = [];
  for await (const run of runs.list({ tag, limit: 2 })) all.push(run.id);
  same(all, [...ids].reverse(), "for await over pages");
  const completed = await runs.list({ tag, status: ["COMPLETED"], taskIdentifier: "flow-echo" });
  same(completed.data.length, 5, "status + taskIdentifier filter");
  const item = completed.data[0];
  check(item.env?.name === environment, `env.name ${item.env?.name}`);
  same(item.tags, [tag], "tags on a list row");
  const none = await runs.list({ tag, status: ["FAILED"] });
  same(none.data.length, 0, "FAILED filter");
  const recent = await runs.list({ tag, period: "1h" });
  same(recent.data.length, 5, "period filter");
});

step("cancel", async () => {
  const handle = await tasks.trigger("flow-echo", {}, { delay: "1h" });
  const canceled = await runs.cancel(handle.id);
  same(canceled.id, handle.id, "cancel answers the run id");
  const run = await runs.retrieve(handle.id);
  same(run.status, "CANCELED", "status");
  check(run.isCancelled && run.isCompleted, "canceled flags");
  // Canceling again is not an error.
  same((await runs.cancel(handle.id)).id, handle.id, "second cancel");
  await refused(runs.cancel("run_doesnotexist0000000000"), 404, "cancel of an unknown run");
});

step("replay", async () => {
  const handle = await tasks.trigger("flow-echo", { again: true }, { tags: [`replay-${stamp}`] });
  await done(handle.id);
  const replayed = await runs.replay(handle.id);
  check(replayed.id !== handle.id && /^run_/.test(replayed.id), `replayed id ${replayed.id}`);
  const run = await done(replayed.id);
  same(run.payload, { again: true }, "replayed payload");
  same(run.output, { echo: { again: true }, attempt: 1 }, "replayed output");
  same(run.tags, [`replay-${stamp}`], "replayed tags");
});

step("reschedule", async () => {
  const handle = await tasks.trigger("flow-echo", {}, { delay: "1h" });
  const delayed = await runs.retrieve(handle.id);
  same(delayed.status, "DELAYED", "status");
  check(delayed.delayedUntil instanceof Date, "delayedUntil is a date");
  const moved = await runs.reschedule(handle.id, { delay: "2h" });
  same(moved.id, handle.id, "rescheduled run");
  check(moved.delayedUntil > delayed.delayedUntil, "delayedUntil moved later");
  // Now: it runs at once.
  const soon = new Date(Date.now() + 50);
  await runs.reschedule(handle.id, { delay: soon });
  const run = await done(handle.id);
  same(run.status, "COMPLETED", "rescheduled run ran");
  await refused(runs.reschedule(handle.id, { delay: "1h" }), 400, "reschedule of a finished run");
});

step("tags", async () => {
  const api = apiClientManager.clientOrThrow();
  const handle = await tasks.trigger("flow-echo", {}, { tags: [`b-${stamp}`, `a-${stamp}`] });
  await done(handle.id);
  same((await runs.retrieve(handle.id)).tags, [`a-${stamp}`, `b-${stamp}`], "tags sorted");
  const added = await api.addTags(handle.id, { tags: [`c-${stamp}`] });
  check(typeof added.message === "string", "addTags answers a message");
  const run = await runs.retrieve(handle.id);
  same(run.tags, [`a-${stamp}`, `b-${stamp}`, `c-${stamp}`], "tags after addTags");
  // The real server lists runs from a replica, so the added tag may take a moment to show.
  const listed = await eventually(() => runs.list({ tag: `c-${stamp}` }), (p) => p.data.length);
  same(listed.data.map((r) => r.id), [handle.id], "list by the added tag");
});

step("metadata", async () => {
  const api = apiClientManager.clientOrThrow();
  const handle = await tasks.trigger("flow-echo", {}, { delay: "1h", metadata: { stage: "new" } });
  same((await runs.retrieve(handle.id)).metadata, { stage: "new" }, "metadata at trigger");
  const replaced = await api.updateRunMetadata(handle.id, { metadata: { stage: "set" } });
  same(replaced.metadata, { stage: "set" }, "metadata replaced");
  // With operations the real server applies them to the stored metadata and ignores `metadata`.
  const updated = await api.updateRunMetadata(handle.id, {
    metadata: { ignored: true },
    operations: [
      { type: "increment", key: "count", value: 2 },
      { type: "append", key: "log", value: "one" },
    ],
  });
  same(updated.metadata, { stage: "set", count: 2, log: ["one"] }, "operations applied");
  // Read back through retrieve: the client's getRunMetadata() expects an object, but the real
  // server answers that route with the serialized string, so it fails there too.
  same((await runs.retrieve(handle.id)).metadata, updated.metadata, "metadata on retrieve");
  await runs.cancel(handle.id);
  // A handler's metadata is visible through the API.
  const other = await tasks.trigger("flow-metadata", { value: "x" });
  const run = await done(other.id);
  same(run.metadata, { progress: 1, seen: "x" }, "metadata set by the handler");
});

step("public-access-token", async () => {
  const handle = await tasks.trigger("flow-echo", { pat: 1 });
  await done(handle.id);
  // The token that came with the trigger reads that run, and only it.
  const scoped = apiClientManager.clientOrThrow({ baseURL, accessToken: handle.publicAccessToken });
  const run = await scoped.retrieveRun(handle.id);
  same(run.id, handle.id, "retrieve with the run's public token");
  const other = await tasks.trigger("flow-echo", { pat: 2 }, { delay: "1h" });
  await refused(scoped.retrieveRun(other.id), 403, "another run with that token");
  await runs.cancel(other.id);
});

// -- idempotency ------------------------------------------------------------------------------

step("idempotency-keys", async () => {
  const key = await idempotencyKeys.create(`order-${stamp}`);
  check(/^[0-9a-f]{64}$/.test(String(key)), `a hashed key, got ${key}`);
  const first = await tasks.trigger("flow-echo", { order: 1 }, { idempotencyKey: key });
  const again = await tasks.trigger("flow-echo", { order: 2 }, { idempotencyKey: key });
  same(again.id, first.id, "a repeat answers the same run");
  same(again.isCached, true, "isCached on the repeat");
  const run = await done(first.id);
  same(run.idempotencyKey, `order-${stamp}`, "retrieve shows the user's key");
  // Reset: the next trigger makes a new run.
  const reset = await idempotencyKeys.reset("flow-echo", key);
  check(typeof reset.id === "string", "reset answers the key");
  const fresh = await tasks.trigger("flow-echo", { order: 3 }, { idempotencyKey: key });
  check(fresh.id !== first.id, "a new run after reset");
  await done(fresh.id);
});

// -- batches ----------------------------------------------------------------------------------

step("batch-trigger", async () => {
  const tag = `batch-${stamp}`;
  // batch.trigger is the two-phase v3 API: create the batch, then stream its items as NDJSON.
  const result = await batch.trigger([
    { id: "flow-echo", payload: { item: 0 }, options: { tags: [tag] } },
    { id: "flow-echo", payload: { item: 1 }, options: { tags: [tag] } },
    { id: "flow-metadata", payload: { value: "b" }, options: { tags: [tag] } },
  ]);
  check(/^batch_/.test(result.batchId), `batch id ${result.batchId}`);
  same(result.runCount, 3, "runCount");
  check(typeof result.publicAccessToken === "string", "a public access token for the batch");
  // The server creates a v3 batch's runs after the items are sealed, so wait for them.
  const retrieved = await eventually(
    () => batch.retrieve(result.batchId),
    (b) => b.runs.length === 3
  );
  same(retrieved.id, result.batchId, "batch retrieve");
  same(retrieved.runCount, 3, "retrieved runCount");
  same(retrieved.runs.length, 3, "one run per item");
  const finished = await Promise.all(retrieved.runs.map((id) => done(id)));
  same(
    finished.map((r) => r.payload).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [{ item: 0 }, { item: 1 }, { value: "b" }],
    "the items' payloads"
  );
  check(finished.every((r) => r.isSuccess), "every item completed");
  const listed = await runs.list({ batch: result.batchId });
  same(listed.data.map((r) => r.id).sort(), [...retrieved.runs].sort(), "runs listed by batch");
  const byTask = await tasks.batchTrigger("flow-echo", [{ payload: { x: 1 } }, { payload: { x: 2 } }]);
  same(byTask.runCount, 2, "tasks.batchTrigger runCount");
  const second = await eventually(
    () => batch.retrieve(byTask.batchId),
    (b) => b.runs.length === 2
  );
  await Promise.all(second.runs.map((id) => done(id)));
});

step("large-payload", async () => {
  // Payloads of 512 KiB or more are uploaded to a presigned URL and sent by reference.
  const blob = "x".repeat(600 * 1024);
  const handle = await tasks.trigger("flow-size", { blob });
  const run = await done(handle.id);
  same(run.output, { length: blob.length }, "the handler saw the whole payload");
  check(run.payload?.blob === blob, "retrieve resolves the offloaded payload");
});

// -- bulk actions -----------------------------------------------------------------------------

step("bulk-actions", async () => {
  const tag = `bulk-${stamp}`;
  const ids = [];
  for (let i = 0; i < 3; i++) {
    ids.push((await tasks.trigger("flow-echo", { i }, { delay: "1h", tags: [tag] })).id);
  }
  const created = await runs.bulk.cancel({ runIds: ids, name: `cancel-${stamp}` });
  check(/^bulk_/.test(created.id), `bulk action id ${created.id}`);
  const canceled = await runs.bulk.poll(created.id, { pollIntervalMs: 50 });
  same([canceled.type, canceled.status], ["CANCEL", "COMPLETED"], "type and status");
  same(canceled.name, `cancel-${stamp}`, "name");
  // The real server counts `total` on a replica, so only the outcome counts are compared.
  same([canceled.counts.success, canceled.counts.failure], [3, 0], "success and failure counts");
  for (const id of ids) same((await runs.retrieve(id)).status, "CANCELED", `${id} status`);
  // Replay by filter: the three canceled runs run again.
  const replay = await runs.bulk.replay({ filter: { tag, status: ["CANCELED"] } });
  const replayed = await runs.bulk.poll(replay.id, { pollIntervalMs: 50 });
  same([replayed.type, replayed.status], ["REPLAY", "COMPLETED"], "replay type and status");
  same(replayed.counts.total, 3, "replayed count");
  const fresh = await eventually(
    () => runs.list({ tag, status: ["COMPLETED"] }),
    (page) => page.data.length === 3
  );
  same(fresh.data.length, 3, "the replays completed");
  const listed = [];
  for await (const action of runs.bulk.list({ limit: 10 })) {
    listed.push(action.id);
    if (listed.length >= 50) break;
  }
  check(listed.includes(created.id) && listed.includes(replay.id), "both actions listed");
});

// -- deployments ------------------------------------------------------------------------------

step("deployments-current", async () => {
  const current = await deployments.retrieveCurrent();
  same(current.status, "DEPLOYED", "the current deployment is deployed");
  check(typeof current.version === "string", `version ${current.version}`);
});

step("deployments-list", async () => {
  const current = await deployments.retrieveCurrent();
  const page = await deployments.list({ limit: 10 });
  check(page.data.some((d) => d.id === current.id), "the current deployment is listed");
});

// -- schedules --------------------------------------------------------------------------------

step("schedules", async () => {
  const created = await schedules.create({
    task: "flow-scheduled",
    cron: "0 9 * * 1",
    timezone: "Europe/London",
    externalId: `user-${stamp}`,
    deduplicationKey: `dedup-${stamp}`,
  });
  check(/^sched_/.test(created.id), `schedule id ${created.id}`);
  same(created.task, "flow-scheduled", "task");
  same(created.active, true, "active");
  same(created.generator.expression, "0 9 * * 1", "cron");
  check(created.nextRun instanceof Date, "nextRun is a date");
  same((await schedules.retrieve(created.id)).externalId, `user-${stamp}`, "retrieve");
  const page = await schedules.list({ perPage: 100 });
  check(page.data.some((s) => s.id === created.id), "listed");
  const updated = await schedules.update(created.id, { task: "flow-scheduled", cron: "30 10 * * *" });
  same(updated.generator.expression, "30 10 * * *", "updated cron");
  same((await schedules.deactivate(created.id)).active, false, "deactivated");
  same((await schedules.activate(created.id)).active, true, "activated");
  same((await schedules.del(created.id)).id, created.id, "deleted");
  await refused(schedules.retrieve(created.id), 404, "a deleted schedule");
  const zones = await schedules.timezones();
  check(zones.timezones.includes("Europe/London"), "timezones");
});

// -- environment variables --------------------------------------------------------------------

step("envvars", async () => {
  const name = `FLOW_${stamp.toUpperCase()}`;
  same((await envvars.create(projectRef, environment, { name, value: "one" })).success, true, "create");
  same((await envvars.retrieve(projectRef, environment, name)).value, "one", "retrieve");
  const listed = await envvars.list(projectRef, environment);
  check(listed.some((v) => v.name === name && v.value === "one"), "listed");
  // envvars.update(projectRef, slug, name, params) throws "name is not defined" outside a task
  // in @trigger.dev/sdk 4.8.3 (a bug of the SDK), so this one call goes through its ApiClient.
  const api = apiClientManager.clientOrThrow();
  const changed = await api.updateEnvVar(projectRef, environment, name, { value: "two" });
  same(changed.success, true, "update");
  same((await envvars.retrieve(projectRef, environment, name)).value, "two", "updated value");
  const uploaded = await envvars.upload(projectRef, environment, {
    variables: { [name]: "three", [`${name}_B`]: "b" },
    override: true,
  });
  same(uploaded.success, true, "upload");
  same((await envvars.retrieve(projectRef, environment, name)).value, "three", "overridden");
  same((await envvars.del(projectRef, environment, name)).success, true, "delete");
  await refused(envvars.retrieve(projectRef, environment, name), 404, "a deleted variable");
  await envvars.del(projectRef, environment, `${name}_B`);
});

// -- queues -----------------------------------------------------------------------------------

step("queues-pause-resume", async () => {
  const warm = await tasks.trigger("flow-echo", {});
  await done(warm.id); // the task's queue exists once a run used it
  const queue = { type: "task", name: "flow-echo" };
  const before = await queues.retrieve(queue);
  same(before.name, "flow-echo", "queue name");
  same(before.type, "task", "queue type");
  same(before.paused, false, "not paused");
  const page = await queues.list({ perPage: 100 });
  check(page.data.some((q) => q.id === before.id), "listed");
  same((await queues.pause(queue)).paused, true, "paused");
  try {
    const held = await tasks.trigger("flow-echo", { held: true });
    await sleep(300);
    same((await runs.retrieve(held.id)).status, "QUEUED", "a run of a paused queue waits");
    same((await queues.resume(queue)).paused, false, "resumed");
    same((await done(held.id)).status, "COMPLETED", "resume releases the run");
  } finally {
    await queues.resume(queue);
  }
  same((await queues.overrideConcurrencyLimit(queue, 3)).concurrencyLimit, 3, "override");
  const reset = await queues.resetConcurrencyLimit(queue);
  check(reset.concurrency?.overriddenAt == null, "reset clears the override");
});

// -- waitpoint tokens -------------------------------------------------------------------------

step("waitpoint-tokens", async () => {
  const tag = `token-${stamp}`;
  const token = await wait.createToken({ timeout: "1h", tags: [tag], idempotencyKey: `tok-${stamp}` });
  check(/^waitpoint_/.test(token.id), `token id ${token.id}`);
  check(typeof token.url === "string", "a callback url");
  const repeat = await wait.createToken({ timeout: "1h", idempotencyKey: `tok-${stamp}` });
  same(repeat.id, token.id, "the idempotency key answers the same token");
  same(repeat.isCached, true, "isCached on the repeat");
  same((await wait.retrieveToken(token.id)).status, "WAITING", "waiting");
  const listed = [];
  for await (const item of wait.listTokens({ tags: [tag] })) listed.push(item.id);
  same(listed, [token.id], "listed by tag");
  same((await wait.completeToken(token.id, { approved: true })).success, true, "completed");
  const completed = await wait.retrieveToken(token.id);
  same(completed.status, "COMPLETED", "status after completion");
  same(completed.output, { approved: true }, "output");
  const pending = await wait.listTokens({ status: "WAITING", tags: [tag] });
  same(pending.data.length, 0, "no waiting token left");
});

step("waitpoint-resumes-run", async () => {
  const token = await wait.createToken({ timeout: "1h" });
  const handle = await tasks.trigger("flow-token", { tokenId: token.id });
  await retrieveUntil(handle.id, (r) => r.status === "WAITING", "WAITING");
  await wait.completeToken(token.id, { answer: 42 });
  const run = await done(handle.id);
  same(run.status, "COMPLETED", "status");
  same(run.output, { answer: 42 }, "the handler got the token's data");
});

// -- sessions ---------------------------------------------------------------------------------

step("sessions", async () => {
  const externalId = `chat-${stamp}`;
  const created = await sessions.start({
    type: "chat.agent",
    taskIdentifier: "flow-agent",
    triggerConfig: { basePayload: { chatId: externalId } },
    externalId,
    tags: [`sess-${stamp}`],
    metadata: { plan: "pro" },
  });
  check(/^session_/.test(created.id), `session id ${created.id}`);
  check(/^run_/.test(created.runId), `first run ${created.runId}`);
  same(created.isCached, false, "a new session");
  check(typeof created.publicAccessToken === "string", "a session token");
  const again = await sessions.start({
    type: "chat.agent",
    taskIdentifier: "flow-agent",
    triggerConfig: { basePayload: { chatId: externalId } },
    externalId,
  });
  same([again.id, again.isCached], [created.id, true], "the same session, cached");
  same((await sessions.retrieve(externalId)).id, created.id, "retrieve by external id");
  const listed = [];
  for await (const item of sessions.list({ tag: `sess-${stamp}` })) listed.push(item.id);
  same(listed, [created.id], "listed by tag");
  const updated = await sessions.update(created.id, { tags: [`gold-${stamp}`] });
  same(updated.tags, [`gold-${stamp}`], "tags replaced");
  // Channel records: the management append and read of the session's channels.
  const session = sessions.open(created.id);
  await session.in.send({ text: "hello" });
  await session.channel("approvals").in.send("yes");
  const api = apiClientManager.clientOrThrow();
  const records = await api.readSessionStreamRecords(externalId, "in");
  same(records.records.map((r) => r.data), ['{"text":"hello"}'], "the in channel's records");
  const named = await api.readSessionStreamRecords(externalId, "in", { channel: "approvals" });
  same(named.records.map((r) => r.data), ["yes"], "the named channel's records");
  const closed = await sessions.close(created.id, { reason: "done" });
  check(closed.closedAt instanceof Date, "closedAt is a date");
  same(closed.closedReason, "done", "closedReason");
  const closedList = await sessions.list({ tag: `gold-${stamp}`, status: "CLOSED" });
  same(closedList.data.map((s) => s.id), [created.id], "listed as closed");
  await refused(
    sessions.start(
      {
        type: "chat.agent",
        taskIdentifier: "flow-agent",
        triggerConfig: { basePayload: {} },
        externalId,
      },
      { retry: { maxAttempts: 1 } }
    ),
    409,
    "starting a closed session again"
  );
});

// -- query ------------------------------------------------------------------------------------

step("query", async () => {
  const ids = [];
  for (let i = 0; i < 2; i++) ids.push((await tasks.trigger("flow-echo", { q: i })).id);
  ids.push((await tasks.trigger("flow-fail", { q: 2 }, { maxAttempts: 1 })).id);
  await Promise.all(ids.map(done));
  const list = ids.map((id) => `'${id}'`).join(", ");
  const counted = await query.execute(`SELECT count() FROM runs WHERE run_id IN (${list})`);
  same(counted.results, [{ count: 3 }], "count()");
  const grouped = await query.execute(
    `SELECT status, count() AS n FROM runs WHERE run_id IN (${list}) ` +
      "AND (status = 'Completed' OR status = 'Failed') GROUP BY status ORDER BY status"
  );
  same(grouped.format, "json", "format");
  same(
    grouped.results,
    [
      { status: "Completed", n: 2 },
      { status: "Failed", n: 1 },
    ],
    "WHERE with IN, AND, OR and count() by status"
  );
  const rows = await query.execute(
    `SELECT run_id, task_identifier FROM runs WHERE run_id IN (${list}) ` +
      "AND task_identifier != 'flow-fail' ORDER BY triggered_at DESC LIMIT 1"
  );
  same(rows.results, [{ run_id: ids[1], task_identifier: "flow-echo" }], "ORDER BY and LIMIT");
  const csv = await query.execute(`SELECT count() AS n FROM runs WHERE run_id IN (${list})`, {
    format: "csv",
  });
  same([csv.format, csv.results], ["csv", "n\n3"], "CSV");
  await refused(query.execute("SELECT nope FROM runs"), 400, "an unknown column");
  const api = apiClientManager.clientOrThrow();
  const schema = await api.getQuerySchema();
  check(schema.tables.some((t) => t.name === "runs"), "the schema lists runs");
  const dashboards = await query.dashboards.list();
  check(dashboards.dashboards.length > 0, "built-in dashboards");
});

// -- schedules firing (needs a virtual clock) -------------------------------------------------

async function control(method, path, body) {
  const response = await fetch(`${baseURL}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  check(response.ok, `${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

step("schedules-firing", async () => {
  const clock = await control("GET", "/_emulator/clock");
  check(clock.mode !== "real", "needs an emulator on a virtual clock (--clock virtual)");
  const created = await schedules.create({
    task: "flow-scheduled",
    cron: "0 * * * *",
    timezone: "Europe/Paris",
    externalId: `fire-${stamp}`,
    deduplicationKey: `fire-${stamp}`,
  });
  // Three hours and a minute later, the hourly schedule has fired three times.
  const moved = await control("POST", "/_emulator/clock", { advance: 3 * 3600 + 60 });
  check(moved.nowMs >= clock.nowMs + (3 * 3600 + 60) * 1000, `the clock moved (${moved.now})`);
  const page = await eventually(
    () => runs.list({ schedule: created.id }),
    (p) => p.data.length >= 3
  );
  same(page.data.length, 3, "runs of the schedule");
  const fired = await Promise.all(page.data.map((r) => runs.retrieve(r.id)));
  for (const run of fired) {
    same(run.taskIdentifier, "flow-scheduled", "task");
    same(run.payload.scheduleId, created.id, "payload.scheduleId");
    same(run.payload.timezone, "Europe/Paris", "payload.timezone");
    same(run.payload.externalId, `fire-${stamp}`, "payload.externalId");
    same(run.schedule?.id, created.id, "run.schedule.id");
  }
  const times = fired.map((r) => Date.parse(r.payload.timestamp));
  same(
    times.slice(1).map((t, i) => times[i] - t),
    [3_600_000, 3_600_000],
    "one run an hour, newest first"
  );
  same(Date.parse(fired[0].payload.lastTimestamp), times[1], "lastTimestamp is the run before");
  same((await schedules.del(created.id)).id, created.id, "deleted");
});

// -- run them ---------------------------------------------------------------------------------

await runSteps();
