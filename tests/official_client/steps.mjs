// The harness the official-client scripts (flow.mjs, realtime.mjs, streams.mjs) share: checks
// that fail a step with a readable message, and the runner that prints one line per step,
//   "ok <step>" | "FAIL <step>: <error>" | "skip <step>"
// then "summary ok=N fail=N skip=N", and exits 1 when a step failed. Step names on the
// command line run only those; names in FLOW_SKIP (comma-separated) are skipped.

const SCRIPT = (process.argv[1] ?? "script").split("/").pop();

export class CheckFailed extends Error {}

export function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${SCRIPT}: set ${name}`);
    process.exit(2);
  }
  return value;
}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

export function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

export function describe(error) {
  if (error instanceof CheckFailed) return error.message;
  const status = error?.status !== undefined ? `HTTP ${error.status} ` : "";
  const name = error?.name && error.name !== "Error" ? `${error.name}: ` : "";
  const text = `${status}${name}${error?.message ?? String(error)}`;
  return text.replace(/\s+/g, " ").trim().slice(0, 2000);
}

const steps = [];

export function step(name, fn) {
  steps.push({ name, fn });
}

function timeout(ms) {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new CheckFailed(`no end after ${ms} ms`)), ms).unref(),
  );
}

// Run the steps declared with `step`; `timeoutMs` bounds each one.
export async function runSteps({ timeoutMs } = {}) {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !steps.some((s) => s.name === name));
  if (unknown.length) {
    console.error(`${SCRIPT}: unknown step(s) ${unknown.join(", ")}`);
    process.exit(2);
  }
  const skip = new Set((process.env.FLOW_SKIP ?? "").split(",").map((s) => s.trim()).filter(Boolean));
  for (const name of skip) {
    if (!steps.some((s) => s.name === name)) {
      console.error(`${SCRIPT}: FLOW_SKIP names an unknown step ${name}`);
      process.exit(2);
    }
  }
  const counts = { ok: 0, fail: 0, skip: 0 };
  for (const { name, fn } of steps) {
    if (only.length && !only.includes(name)) continue;
    if (skip.has(name)) {
      counts.skip++;
      console.log(`skip ${name}`);
      continue;
    }
    try {
      await (timeoutMs ? Promise.race([fn(), timeout(timeoutMs)]) : fn());
      counts.ok++;
      console.log(`ok ${name}`);
    } catch (error) {
      counts.fail++;
      console.log(`FAIL ${name}: ${describe(error)}`);
      if (process.env.FLOW_DEBUG && error?.stack) console.error(error.stack);
    }
  }
  console.log(`summary ok=${counts.ok} fail=${counts.fail} skip=${counts.skip}`);
  process.exit(counts.fail ? 1 : 0);
}
