"""Import analyses: what an uploaded file holds and how its columns map (POST
/api/import_analyses), in one streaming pass over its records."""
