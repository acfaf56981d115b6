"""A code reference several records answer to is an item error, never a guess."""

from tests.support import factories
from tests.support.jobs import run_import


def test_sku_option_name_shared_by_two_markets_is_ambiguous(api):
    line = factories.line_item(api, factories.order(api), factories.sku(api, code="MUG"))
    first = factories.sku_option(api, name="Engraving", market_row=factories.market(api))
    factories.sku_option(api, name="Engraving", market_row=factories.market(api))
    factories.sku_option(api, name="Gift wrap")
    inputs = [
        {"line_item_id": line["id"], "sku_option_name": "Engraving", "quantity": 1,
         "options": {"text": "Hi"}},
        {"line_item_id": line["id"], "sku_option_name": "Gift wrap", "quantity": 1,
         "options": {"paper": "red"}},
        {"line_item_id": line["id"], "sku_option_id": first["id"], "quantity": 2,
         "options": {"text": "Yo"}},
    ]  # fmt: skip
    done = run_import(api, "line_item_options", inputs, skip_errors=True)
    assert (done["processed_count"], done["errors_count"]) == (2, 1), done["errors_log"]
    (messages,) = done["errors_log"].values()
    assert messages == {"sku_option": ["matches several records by that code: give its id instead"]}
