"""Exports: ``service`` (the API's side), ``run`` (a worker's): ``plan`` once, then ``shape``
page by page, then ``writers``."""
