"""Uploaded files: what they are (``detect``) and their records (``reader``), no database."""
