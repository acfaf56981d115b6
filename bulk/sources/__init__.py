"""Uploaded files opened (``reader``) by the rules of ``fileformats``, no database; a file they
cannot read is a ``SourceError`` (``errors``)."""
