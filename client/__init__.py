"""The ``bulkport`` client commands: import, export and job inspection against any Bulkport
server, over HTTP only.

It imports nothing of the server (import-linter says so): it is what a sync job on another
machine runs, and the server's code could be a different version there.
"""
