// Prices through the SDK: a price list and a SKU, then prices created, retrieved and listed with
// their includes, filtered through a relationship, updated and deleted.
const { run, failure, unique } = require('./client.cjs')

run(async (cl) => {
  const prefix = unique('PRC')
  const category = await cl.shipping_categories.create({ name: `Merch ${prefix}` })
  const sku = await cl.skus.create({
    code: prefix, name: 'Mug', shipping_category: cl.shipping_categories.relationship(category.id)
  })
  const eur = await cl.price_lists.create({ name: `EUR ${prefix}`, currency_code: 'EUR' })
  const usd = await cl.price_lists.create({ name: `USD ${prefix}`, currency_code: 'USD' })
  const inEur = await cl.prices.create({
    amount_cents: 1000, compare_at_amount_cents: 1200,
    price_list: cl.price_lists.relationship(eur.id), sku: cl.skus.relationship(sku.id)
  })
  const inUsd = await cl.prices.create({
    amount_cents: 1100, price_list: cl.price_lists.relationship(usd.id), sku_code: prefix
  })
  const retrieved = await cl.prices.retrieve(inEur.id, { include: ['sku', 'price_list'] })
  const listed = await cl.prices.list({
    filters: { sku_code_eq: prefix, amount_cents_gteq: 1000 },
    include: ['price_list'],
    sort: ['-amount_cents']
  })
  const updated = await cl.prices.update({ id: inUsd.id, amount_cents: 1150 })
  await cl.prices.delete(inEur.id)
  return {
    prefix,
    created: [inEur, inUsd].map((price) => price.amount_cents),
    retrieved: {
      sku_code: retrieved.sku && retrieved.sku.code,
      price_list: retrieved.price_list && retrieved.price_list.currency_code
    },
    listed: listed.map((price) => [price.amount_cents, price.price_list && price.price_list.currency_code]),
    updated: updated.amount_cents,
    after_delete: await failure(cl.prices.retrieve(inEur.id)),
    remaining: (await cl.skus.retrieve(sku.id, { include: ['prices'] })).prices.map((price) => price.amount_cents)
  }
})
