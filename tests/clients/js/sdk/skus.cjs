// SKUs through the SDK: create (with relationships), retrieve with an include, list with
// filters, sort, include and sparse fields, a related list, count, update (relationships
// replaced and cleared the SDK's way), a duplicate refused, delete.
const { run, failure, unique } = require('./client.cjs')

run(async (cl) => {
  const prefix = unique('SDK')
  const category = await cl.shipping_categories.create({ name: `Merch ${prefix}` })
  const tag = await cl.tags.create({ name: prefix.toLowerCase() })
  const created = []
  for (const size of ['S', 'M', 'L']) {
    created.push(await cl.skus.create({
      code: `${prefix}${size}`,
      name: `T-shirt ${size}`,
      metadata: { size },
      shipping_category: cl.shipping_categories.relationship(category.id),
      tags: [cl.tags.relationship(tag.id)]
    }))
  }
  const fields = await cl.skus.list({ filters: { code_start: prefix }, fields: { skus: ['code'] }, pageSize: 1 })
  const related = await cl.shipping_categories.skus(category.id, { filters: { code_end: 'M' } })
  const duplicate = await failure(cl.skus.create({
    code: `${prefix}S`, name: 'again', shipping_category: cl.shipping_categories.relationship(category.id)
  }))
  const retrieved = await cl.skus.retrieve(created[0].id, { include: ['shipping_category'] })
  const listed = await cl.skus.list({
    filters: { code_start: prefix, name_in: ['T-shirt S', 'T-shirt L'] },
    include: ['shipping_category'],
    sort: { code: 'desc' },
    pageSize: 25
  })
  const counted = await cl.skus.count({ filters: { code_start: prefix } })
  const updated = await cl.skus.update({ id: created[1].id, name: 'T-shirt M (new)', reference: 'sdk' })
  const cleared = await cl.skus.update({
    id: created[0].id,
    do_not_ship: true,
    shipping_category: cl.shipping_categories.relationship(null),
    tags: [cl.tags.relationship(null)]
  }, { include: ['shipping_category', 'tags'] })
  await cl.skus.delete(created[2].id)
  return {
    prefix,
    category_id: category.id,
    created: created.map((sku) => ({ id: sku.id, type: sku.type, code: sku.code, metadata: sku.metadata })),
    retrieved: {
      code: retrieved.code,
      shipping_category: retrieved.shipping_category && { id: retrieved.shipping_category.id, name: retrieved.shipping_category.name }
    },
    listed: {
      codes: listed.map((sku) => sku.code),
      categories: listed.map((sku) => sku.shipping_category && sku.shipping_category.id),
      record_count: listed.meta.recordCount,
      page_count: listed.meta.pageCount
    },
    counted,
    fields: { keys: Object.keys(fields[0]).sort(), page_count: fields.meta.pageCount },
    related: related.map((sku) => sku.code),
    duplicate,
    cleared: { shipping_category: cleared.shipping_category, tags: cleared.tags },
    tagged: (await cl.skus.tags(created[1].id)).map((t) => t.name),
    updated: { name: updated.name, reference: updated.reference },
    after_delete: await failure(cl.skus.retrieve(created[2].id)),
    remaining: (await cl.skus.list({ filters: { code_start: prefix } })).map((sku) => sku.code)
  }
})
