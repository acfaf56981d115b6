// Imports through the SDK: created with inputs (JSON and CSV), polled until completed, listed
// filtered by status and type, updated (reference, metadata), deleted.
const { run, failure, untilDone, unique } = require('./client.cjs')

run(async (cl) => {
  const prefix = unique('IMP')
  const category = await cl.shipping_categories.create({ name: `Merch ${prefix}`, code: prefix })
  const json = await cl.imports.create({
    resource_type: 'skus',
    format: 'json',
    reference: `${prefix}-json`,
    inputs: [1, 2, 3].map((n) => ({ code: `${prefix}${n}`, name: `Item ${n}`, shipping_category_code: prefix }))
  })
  // The CSV import renames a SKU of the JSON one: it starts once that one is done (a worker
  // with two threads would otherwise run both at once, in either order).
  const jsonDone = await untilDone(cl.imports, json.id)
  const csv = await cl.imports.create({
    resource_type: 'skus',
    format: 'csv',
    reference: `${prefix}-csv`,
    inputs: `code,name,shipping_category_code\n${prefix}4,Item 4,${prefix}\n${prefix}1,Item 1 (renamed),${prefix}\n`
  })
  const csvDone = await untilDone(cl.imports, csv.id)
  const listed = await cl.imports.list({
    filters: { status_eq: 'completed', resource_type_eq: 'skus', reference_start: prefix },
    sort: ['reference']
  })
  const updated = await cl.imports.update({ id: json.id, reference_origin: 'sdk-check', metadata: { checked: true } })
  await cl.imports.delete(csv.id)
  const skus = await cl.skus.list({ filters: { code_start: prefix }, sort: ['code'] })
  return {
    prefix,
    created: { status: json.status, inputs_size: json.inputs_size, format: csv.format },
    done: [jsonDone, csvDone].map((job) => ({
      status: job.status,
      processed_count: job.processed_count,
      created_count: job.created_count,
      updated_count: job.updated_count,
      errors_count: job.errors_count,
      has_attachment: typeof job.attachment_url === 'string'
    })),
    listed: listed.map((job) => job.reference),
    updated: { reference_origin: updated.reference_origin, metadata: updated.metadata },
    after_delete: await failure(cl.imports.retrieve(csv.id)),
    skus: skus.map((sku) => [sku.code, sku.name]),
    empty_inputs: await failure(cl.imports.create({ resource_type: 'skus', inputs: [] }))
  }
})
