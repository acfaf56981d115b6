// Commerce Layer's concrete promotion types through the SDK, the read-only `promotions` list of
// all of them, a coupon codes promotion rule on one (its polymorphic `promotion`), and the
// import of the rule's coupons.
const { run, failure, untilDone, unique } = require('./client.cjs')

run(async (cl) => {
  const prefix = unique('PROMO')
  const dates = { starts_at: '2026-01-01T00:00:00.000Z', expires_at: '2036-01-01T00:00:00.000Z' }
  const percentage = await cl.percentage_discount_promotions.create({ name: `${prefix} 10%`, percentage: 10, ...dates })
  const fixed = await cl.fixed_amount_promotions.create({
    name: `${prefix} 5 EUR`, fixed_amount_cents: 500, currency_code: 'EUR', ...dates
  })
  const shipping = await cl.free_shipping_promotions.create({ name: `${prefix} shipping`, ...dates })
  const retrieved = await cl.percentage_discount_promotions.retrieve(percentage.id)
  const updated = await cl.percentage_discount_promotions.update({ id: percentage.id, percentage: 15 })
  const all = await cl.promotions.list({ filters: { name_start: prefix }, sort: ['name'] })
  const rule = await cl.coupon_codes_promotion_rules.create({
    promotion: cl.percentage_discount_promotions.relationship(percentage.id)
  })
  const ruleWithPromotion = await cl.coupon_codes_promotion_rules.retrieve(rule.id, { include: ['promotion'] })
  const coupon = await cl.coupons.create({
    code: `${prefix}ONE`, promotion_rule: cl.coupon_codes_promotion_rules.relationship(rule.id)
  })
  const imported = await untilDone(cl.imports, (await cl.imports.create({
    resource_type: 'coupons',
    parent_resource_id: rule.id,
    inputs: [{ code: `${prefix}TWO` }, { code: `${prefix}THREE`, usage_limit: 1 }]
  })).id)
  const coupons = await cl.coupons.list({ filters: { code_start: prefix }, include: ['promotion_rule'], sort: ['code'] })
  await cl.fixed_amount_promotions.delete(fixed.id)
  return {
    created: [percentage, fixed, shipping].map((promotion) => promotion.type),
    retrieved: { type: retrieved.type, percentage: retrieved.percentage, name: retrieved.name },
    updated: updated.percentage,
    listed: all.map((promotion) => [promotion.type, promotion.name]),
    rule: {
      type: rule.type,
      promotion_type: ruleWithPromotion.promotion && ruleWithPromotion.promotion.type,
      promotion_id: ruleWithPromotion.promotion && ruleWithPromotion.promotion.id
    },
    percentage_id: percentage.id,
    coupon: coupon.code,
    imported: { status: imported.status, created_count: imported.created_count, errors_count: imported.errors_count },
    coupons: coupons.map((item) => [item.code, item.promotion_rule && item.promotion_rule.id]),
    rule_id: rule.id,
    after_delete: await failure(cl.fixed_amount_promotions.retrieve(fixed.id)),
    prefix
  }
})
