// Versions through the SDK's resource adapter (SDK 6 has no versions class): a SKU created and
// updated leaves two versions, listed by filters and under the SKU.
const { run, adapter, unique } = require('./client.cjs')

run(async (cl) => {
  const prefix = unique('VER')
  const category = await cl.shipping_categories.create({ name: `Merch ${prefix}` })
  const sku = await cl.skus.create({
    code: prefix, name: 'Before', shipping_category: cl.shipping_categories.relationship(category.id)
  })
  await cl.skus.update({ id: sku.id, name: 'After' })
  const resources = adapter(cl)
  const listed = await resources.list({ type: 'versions' }, {
    filters: { resource_type_eq: 'skus', resource_id_eq: sku.id },
    sort: ['created_at']
  })
  const nested = await resources.fetch('versions', `skus/${sku.id}/versions`, {})
  return {
    sku_id: sku.id,
    listed: listed.map((version) => ({
      type: version.type, event: version.event, resource_id: version.resource_id, changes: version.changes
    })),
    record_count: listed.meta.recordCount,
    nested: nested.map((version) => version.event)
  }
})
