// Webhooks through the SDK: one on imports.complete pointing at RECEIVER_URL (shared_secret
// shown at create), listed by topic, an import that fires it, its delivery listed among the
// webhook's last event callbacks, the circuit reset, then an update and a delete. The test
// checks the delivery the receiver got.
const { run, failure, untilDone, unique, sleep } = require('./client.cjs')

async function firstCallback (cl, webhookId) {
  const deadline = Date.now() + 30000
  for (;;) {
    const [callback] = await cl.webhooks.last_event_callbacks(webhookId)
    if (callback) return callback
    if (Date.now() > deadline) throw new Error(`webhook ${webhookId}: no event callback after 30 s`)
    await sleep(100)
  }
}

run(async (cl) => {
  const prefix = unique('HOOK')
  const webhook = await cl.webhooks.create({
    name: prefix, topic: 'imports.complete', callback_url: process.env.RECEIVER_URL, include_resources: []
  })
  const listed = await cl.webhooks.list({ filters: { topic_eq: 'imports.complete', name_eq: prefix } })
  const category = await cl.shipping_categories.create({ name: prefix, code: prefix })
  const job = await untilDone(cl.imports, (await cl.imports.create({
    resource_type: 'skus', inputs: [{ code: prefix, name: 'Hooked', shipping_category_code: category.code }]
  })).id)
  const callback = await firstCallback(cl, webhook.id)
  const reset = await cl.webhooks._reset_circuit(webhook.id)
  const updated = await cl.webhooks.update({ id: webhook.id, callback_url: `${process.env.RECEIVER_URL}/moved` })
  const retrieved = await cl.webhooks.retrieve(webhook.id)
  const invalid = await failure(cl.webhooks.create({ topic: 'imports.complete', callback_url: 'not a url' }))
  return {
    webhook_id: webhook.id,
    shared_secret: webhook.shared_secret,
    secret_on_retrieve: retrieved.shared_secret || null,
    topic: webhook.topic,
    listed: listed.map((item) => item.id),
    import_id: job.id,
    import_status: job.status,
    callback: { callback_url: callback.callback_url, response_code: callback.response_code },
    reset: { circuit_state: reset.circuit_state, circuit_failure_count: reset.circuit_failure_count },
    updated: updated.callback_url,
    invalid: invalid && invalid.status,
    deleted: (await cl.webhooks.delete(webhook.id), await failure(cl.webhooks.retrieve(webhook.id)))
  }
})
