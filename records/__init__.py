"""The bottom layer: the vocabulary every stage shares, importing none of them.

- :mod:`records.call`: the call record every spider yields, its statuses, its stable id;
- :mod:`records.clock`: "today", the Copenhagen time zone, when a call is open;
- :mod:`records.language`: Danish or English;
- :mod:`records.sources`: each source's default address;
- :mod:`records.store`: the SQLite store, one object per concern.

Layers go one way (docs/architecture.md): the shell (``fondsradar``) → the stages
(``crawler``, ``matcher``, ``digests``) → ``records``. A test parses every import to keep it so.
"""
