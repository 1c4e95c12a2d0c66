// `jirad mcp` driven by the official TypeScript SDK (@modelcontextprotocol/sdk 1.32.2, protocol
// 2025-11-25) over stdio, against `jirad demo`: a form-only elicitation client (which the Python
// SDK cannot declare) answering a delete, structured output validated by the SDK, a subscribed
// issue's updates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ADMIN, jirad, startDemo } from '../demo.mjs';

let demo;
before(async () => { demo = await startDemo(); });
after(() => demo?.stop());

/** A connected client; `answer(params)` answers each elicitation (form only is declared). */
async function connect(answer, extraArgs = []) {
  const client = new Client({ name: 'jirad-ts-test', version: '1' },
    { capabilities: answer ? { elicitation: { form: {} } } : {} });
  if (answer) client.setRequestHandler(ElicitRequestSchema, async (req) => answer(req.params));
  await client.connect(new StdioClientTransport({ command: jirad, args: [...demo.args, ...extraArgs] }));
  return client;
}

test('listing: no administration, every tool annotated with an output schema', async () => {
  const client = await connect();
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const admin of ADMIN) assert.ok(!names.includes(admin), admin);
    for (const t of tools) {
      assert.equal(typeof t.annotations.readOnlyHint, 'boolean', t.name);
      assert.equal(typeof t.annotations.destructiveHint, 'boolean', t.name);
      assert.equal(t.outputSchema.type, 'object', t.name);
    }
  } finally {
    await client.close();
  }
});

test('a form-only client is asked before a delete, and its answer decides', async () => {
  const asked = [];
  const answers = [{ action: 'cancel' }, { action: 'accept', content: { confirm: true } }];
  const client = await connect((params) => {
    asked.push(params);
    return answers[asked.length - 1];
  });
  try {
    const created = await client.callTool({ name: 'issues_create',
      arguments: { project: 'DEMO', type: 'Task', summary: 'From TypeScript' } });
    const key = created.structuredContent.key;
    const cancelled = await client.callTool({ name: 'issues_delete', arguments: { key } });
    assert.equal(cancelled.isError, true);
    assert.equal((await client.callTool({ name: 'issues_get', arguments: { key } })).isError, false);
    const deleted = await client.callTool({ name: 'issues_delete', arguments: { key } });
    assert.equal(deleted.isError, false, JSON.stringify(deleted));
    assert.equal(asked.length, 2);
    assert.notEqual(asked[0].mode, 'url');
    assert.match(asked[0].message, new RegExp(`${key}.*cannot be undone`));
    assert.equal((await client.callTool({ name: 'issues_get', arguments: { key } })).isError, true);
  } finally {
    await client.close();
  }
});

test('structured results pass the SDK validation against each output schema', async () => {
  const client = await connect();
  try {
    await client.listTools();
    for (const [name, args] of [['issues_get', { key: 'DEMO-5' }],
      ['issues_list', { project: 'DEMO', limit: 4 }], ['issues_comments', { key: 'DEMO-5' }],
      ['users_me', {}], ['cache_stats', {}]]) {
      const r = await client.callTool({ name, arguments: args });
      assert.equal(r.isError, false, `${name}: ${JSON.stringify(r)}`);
      assert.equal(typeof r.structuredContent, 'object', name);
    }
  } finally {
    await client.close();
  }
});

test('a subscribed issue reports its updates', async () => {
  const client = await connect();
  try {
    const updated = new Promise((resolve) => {
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri));
    });
    await client.subscribeResource({ uri: 'jira://issue/DEMO-9' });
    await client.callTool({ name: 'issues_update',
      arguments: { key: 'DEMO-9', summary: 'Seen from TypeScript' } });
    // The daemon's watch reports the change on its next check (seconds).
    assert.equal(await updated, 'jira://issue/DEMO-9');
    const read = await client.readResource({ uri: 'jira://issue/DEMO-9' });
    assert.match(read.contents[0].text, /Seen from TypeScript/);
  } finally {
    await client.close();
  }
});
