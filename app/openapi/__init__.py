"""The API reference: an OpenAPI 3.1 document generated from the resource declarations
(`GET /api/openapi.json`) and Swagger UI rendering it (`GET /docs`), served from the package.

    values      the JSON Schema of an attribute's value (its kind, choices, bounds)
    shared      what every operation shares: media type, errors, headers, parameters, security
    schemas     per type: the resource object, request documents, filters, upload form
    paths       per type: the operations of each route `app/jsonapi/endpoints` builds
    fixed       the routes that are not a type's (OAuth, JWKS, the caller's records, ...)
    document    the whole document, built once per app
    routes      the two routes and Swagger UI's static files
"""
