// Cleanups through the SDK: SKUs made by an import, then a cleanup of those matching a filter,
// polled until completed and listed by status.
const { run, untilDone, unique } = require('./client.cjs')

run(async (cl) => {
  const prefix = unique('CLN')
  const category = await cl.shipping_categories.create({ name: prefix, code: prefix })
  await untilDone(cl.imports, (await cl.imports.create({
    resource_type: 'skus',
    inputs: ['KEEP1', 'DROP1', 'DROP2', 'DROP3'].map((code) => ({
      code: `${prefix}${code}`, name: code, shipping_category_code: category.code
    }))
  })).id)
  const created = await cl.cleanups.create({ resource_type: 'skus', filters: { code_start: `${prefix}DROP` } })
  const done = await untilDone(cl.cleanups, created.id, ['completed', 'interrupted'])
  const listed = await cl.cleanups.list({ filters: { status_eq: 'completed', resource_type_eq: 'skus' } })
  const left = await cl.skus.list({ filters: { code_start: prefix } })
  return {
    created: { type: created.type, status: created.status, resource_type: created.resource_type, filters: created.filters },
    done: {
      status: done.status,
      records_count: done.records_count,
      processed_count: done.processed_count,
      errors_count: done.errors_count
    },
    listed: listed.map((cleanup) => cleanup.id).includes(created.id),
    left: left.map((sku) => sku.code),
    prefix
  }
})
