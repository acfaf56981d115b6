"""Bulkport: a JSON:API commerce server with Commerce Layer-style bulk imports and exports."""
