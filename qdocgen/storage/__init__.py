"""Putting files in place safely: what qdocgen writes (documents, forms, the figures and their
collection log, a plan draft, the build record) is written whole or not at all, and never over a
file someone changed by hand. Below every layer that writes, above none: it knows nothing of plans,
figures or documents, only of paths and bytes."""
