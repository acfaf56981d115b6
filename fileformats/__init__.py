"""The rules that read an uploaded file, shared by the server (bulk/sources) and the client
(client/sources) so that both read a file alike: what it is (``detect``), its delimited text
(``delimited``), its spreadsheets (``sheets``) and its header (``headers``).

Imports nothing of ours, so the client can use it on another machine. Every problem is a
``FileFormatError`` whose message says what is wrong with the file ("is a PNG image, not a CSV
file"); each side names the file its own way (the server's ``SourceError``, the client's
``ClientError`` with the file's path).
"""
