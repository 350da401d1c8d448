// Runs a worker of the official TypeScript SDK against the server at argv[2] and prints one JSON line with what
// each feature returned. Exits non-zero on any error. Used by TypeScriptSdkTests.
const { NativeConnection, Worker, Runtime, DefaultLogger } = require('@temporalio/worker');
const { Connection, Client } = require('@temporalio/client');

async function waitFor(what, check) {
  const deadline = Date.now() + 120000;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main() {
  const address = process.argv[2];
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const taskQueue = `ts-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    namespace: 'default',
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: { greet: async (name) => `hello ${name}` },
  });
  const client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
  const result = await worker.runUntil(async () => {
    const handle = await client.workflow.start('conformance', { taskQueue, workflowId: `${taskQueue}-conformance`, args: ['ts'] });
    await waitFor('the activity and the timer', async () => (await handle.query('state')) === 'waiting');
    const renamedFrom = await handle.executeUpdate('rename', { args: ['renamed'] });
    await handle.signal('approve');
    const workflow = await handle.result();

    const schedule = await client.schedule.create({
      scheduleId: `${taskQueue}-schedule`,
      spec: { intervals: [{ every: '1 day' }] },
      action: { type: 'startWorkflow', workflowType: 'child', args: ['schedule'], taskQueue },
      state: { triggerImmediately: true },
    });
    const action = await waitFor('the schedule to start a workflow', async () => (await schedule.describe()).info.recentActions[0]);
    const scheduled = await client.workflow.getHandle(action.action.workflow.workflowId).result();
    await schedule.delete();

    const counted = await client.workflow.count(`TaskQueue = '${taskQueue}' GROUP BY ExecutionStatus`);
    const groups = {};
    for (const group of counted.groups) {
      groups[group.groupValues[0]] = group.count;
    }
    return { renamedFrom, workflow, scheduled, count: counted.count, groups };
  });
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
