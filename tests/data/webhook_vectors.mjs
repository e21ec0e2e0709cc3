// Test vectors for trigger.webhooks.construct_event, computed with Node's own crypto exactly as
// Trigger.dev signs alert webhooks (deliverAlert.server.ts: HMAC-SHA256 over
// Buffer.from(JSON.stringify(payload), "utf-8"), key Buffer.from(secret, "utf-8"), hex digest).
// Run once, `node tests/data/webhook_vectors.mjs > tests/data/webhook_vectors.json`; the JSON
// is committed, so the Python tests never compute an expected signature with the code under test.
import { createHmac } from "node:crypto";

const organization = { id: "clx8org0001", slug: "acme-corp", name: "Acme Corp" };
const project = { id: "clx8prj0001", ref: "proj_rbvtqmoqcbdwqkqlcvdz", slug: "billing", name: "Billing" };
const environment = { id: "clx8env0001", type: "PRODUCTION", slug: "prod" };

const runFailed = {
  id: "clx9alert0001",
  created: new Date("2024-05-23T11:59:03.512Z"),
  webhookVersion: "v1",
  type: "alert.run.failed",
  object: {
    task: {
      id: "charge-customer",
      filePath: "src/trigger/billing.ts",
      exportName: "chargeCustomer",
      version: "20240523.4",
      sdkVersion: "4.8.3",
      cliVersion: "4.8.3",
    },
    run: {
      id: "run_cm1a2b3c4d5e6f7g8h9i0j1k",
      number: 1842,
      status: "FAILED",
      createdAt: new Date("2024-05-23T11:58:40.001Z"),
      startedAt: new Date("2024-05-23T11:58:41.250Z"),
      completedAt: new Date("2024-05-23T11:59:02.999Z"),
      isTest: false,
      idempotencyKey: "8c3f0d1e2b4a59687c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b",
      tags: ["customer:cus_9s8d7f", "plan:pro"],
      error: {
        type: "BUILT_IN_ERROR",
        name: "StripeCardError",
        message: "Your card was declined.",
        stackTrace: "StripeCardError: Your card was declined.\n    at chargeCustomer (src/trigger/billing.ts:42:11)",
      },
      isOutOfMemoryError: false,
      machine: "small-1x",
      dashboardUrl: "https://cloud.trigger.dev/orgs/acme-corp/projects/billing/env/prod/runs/run_cm1a2b3c4d5e6f7g8h9i0j1k",
    },
    environment,
    organization,
    project,
  },
};

const deploymentSuccess = {
  id: "clx9alert0002",
  created: new Date("2024-05-24T08:00:00.000Z"),
  webhookVersion: "v1",
  type: "alert.deployment.success",
  object: {
    environment,
    organization,
    project,
    git: {
      branch: "main",
      commitSha: "4f1c2a9e7b3d",
      commitMessage: "Retry declined cards once",
      commitUrl: "https://github.com/acme/billing/commit/4f1c2a9e7b3d",
      branchUrl: "https://github.com/acme/billing/tree/main",
      pullRequestNumber: 318,
      pullRequestTitle: "Retry declined cards once",
      pullRequestUrl: "https://github.com/acme/billing/pull/318",
      provider: "github",
    },
    deployment: {
      id: "cly0dep0001",
      status: "DEPLOYED",
      version: "20240524.1",
      shortCode: "k3j2h1",
      deployedAt: new Date("2024-05-24T07:59:58.120Z"),
    },
    tasks: [
      { id: "charge-customer", filePath: "src/trigger/billing.ts", exportName: "chargeCustomer", triggerSource: "STANDARD" },
      { id: "nightly-invoices", filePath: "src/trigger/invoices.ts", triggerSource: "SCHEDULED" },
    ],
  },
};

const deploymentFailed = {
  id: "clx9alert0003",
  created: new Date("2024-05-24T09:30:00.000Z"),
  webhookVersion: "v1",
  type: "alert.deployment.failed",
  object: {
    environment: { ...environment, type: "PREVIEW", slug: "preview", branchName: "feature/retries" },
    organization,
    project,
    deployment: {
      id: "cly0dep0002",
      status: "FAILED",
      version: "20240524.2",
      shortCode: "p9o8i7",
      failedAt: new Date("2024-05-24T09:29:41.007Z"),
    },
    error: {
      name: "BuildError",
      message: "Could not resolve \"stripe\"",
      stderr: "✘ [ERROR] Could not resolve \"stripe\"",
    },
  },
};

const errorGroup = {
  id: "clx9alert0004",
  created: new Date("2024-05-25T14:02:11.000Z"),
  webhookVersion: "v1",
  type: "alert.error",
  object: {
    classification: "regression",
    error: {
      fingerprint: "3f9a1c2b7d4e5f60",
      type: "TypeError",
      message: "Cannot read properties of undefined (reading 'id')",
      stackTrace: "TypeError: Cannot read properties of undefined (reading 'id')",
      firstSeen: new Date("2024-05-20T08:15:00.000Z"),
      lastSeen: new Date("2024-05-25T14:01:59.000Z"),
      occurrenceCount: 42,
      taskIdentifier: "sync-customer",
    },
    environment: { id: "clx8env0001", name: "prod" },
    organization,
    project,
    dashboardUrl: "https://cloud.trigger.dev/orgs/acme-corp/projects/billing/env/prod/errors/error_3f9a1c2b",
  },
};

// Non-ASCII text in the body and in the secret: both are signed as UTF-8.
const unicodeRun = structuredClone(runFailed);
unicodeRun.id = "clx9alert0005";
unicodeRun.created = new Date("2024-05-26T10:00:00.000Z");
unicodeRun.object.run.error = {
  type: "STRING_ERROR",
  raw: "Paiement refusé pour Zoë — 支払い失敗 💳",
};
unicodeRun.object.run.tags = ["client:zoë", "région:île-de-france"];

const events = [
  ["run failed", runFailed, "whsec_9f1e2d3c4b5a69788796a5b4c3d2e1f0"],
  ["deployment success", deploymentSuccess, "V1StGXR8_Z5jdHi6B-myT"],
  ["deployment failed", deploymentFailed, "whsec_9f1e2d3c4b5a69788796a5b4c3d2e1f0"],
  ["error group", errorGroup, "V1StGXR8_Z5jdHi6B-myT"],
  ["unicode body and secret", unicodeRun, "clé-secrète-✓-ünïcode"],
  // A key longer than SHA-256's 64-byte block is hashed first (RFC 2104).
  ["long secret", runFailed, "k".repeat(100) + "-rotated-2024-05"],
];

const vectors = events.map(([name, event, secret]) => {
  const payload = JSON.stringify(event);
  const signature = createHmac("sha256", Buffer.from(secret, "utf-8"))
    .update(Buffer.from(payload, "utf-8"))
    .digest("hex");
  return { name, type: event.type, secret, payload, signature };
});

// The same event pretty-printed: other bytes, so another signature (signing covers bytes).
const pretty = JSON.stringify(runFailed, null, 2);
vectors.push({
  name: "pretty-printed body",
  type: runFailed.type,
  secret: "whsec_9f1e2d3c4b5a69788796a5b4c3d2e1f0",
  payload: pretty,
  signature: createHmac("sha256", "whsec_9f1e2d3c4b5a69788796a5b4c3d2e1f0").update(pretty).digest("hex"),
});

process.stdout.write(JSON.stringify({ generator: "tests/data/webhook_vectors.mjs", node: process.version, vectors }, null, 2) + "\n");
