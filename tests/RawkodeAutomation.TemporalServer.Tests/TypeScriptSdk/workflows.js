// Workflows for TypeScriptSdkTests, written the way the TypeScript SDK's documentation writes them.
const wf = require('@temporalio/workflow');

// Only startToCloseTimeout, the usual way: the server must fill in schedule-to-close.
const { greet } = wf.proxyActivities({ startToCloseTimeout: '30 seconds' });

const approve = wf.defineSignal('approve');
const state = wf.defineQuery('state');
const rename = wf.defineUpdate('rename');

async function child(name) {
  return `child of ${name}`;
}

async function countdown(remaining) {
  if (remaining > 0) {
    await wf.continueAsNew(remaining - 1);
  }
  return 'counted down';
}

async function conformance(name) {
  let approved = false;
  let phase = 'started';
  wf.setHandler(approve, () => {
    approved = true;
  });
  wf.setHandler(state, () => phase);
  wf.setHandler(rename, (newName) => {
    const old = name;
    name = newName;
    return old;
  });
  const greeting = await greet(name);
  await wf.sleep('1 second');
  phase = 'waiting';
  await wf.condition(() => approved);
  const childResult = await wf.executeChild(child, { args: [name] });
  const countdownResult = await wf.executeChild(countdown, { args: [2] });
  return { greeting, name, childResult, countdownResult };
}

module.exports = { conformance, child, countdown };
