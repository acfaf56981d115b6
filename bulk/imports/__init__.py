"""Imports: ``service`` (the API's side), ``run`` (a worker's), and the stages ``run`` takes
every chunk through, in order: ``parse``, ``build``, ``resolve``, ``validate``, ``apply``,
``report``; then, once, ``cleanup`` and ``archive``."""
