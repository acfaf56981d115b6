"""Cleanups: delete the records of one type that filters match. ``service`` is the API's side,
``run`` the worker's."""
