from tests.imports.helpers import post_import, run_import
def test_nul(api):
    r = post_import(api, "tags", [{"name": "a\u0000b"}])
    print("JSON", r.status_code, r.text[:300])
    r = post_import(api, "tags", "name\na\u0000b\n")
    print("CSV", r.status_code, r.text[:300])
    r = post_import(api, "tags", "name,x\n\"a\n")
    print("CSV2", r.status_code, r.text[:300])
