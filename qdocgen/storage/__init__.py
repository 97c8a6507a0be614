"""Keeping files whole: one writer at a time (lock), changes to several files together (journal),
and the temporary files a killed command leaves behind (temporaries). See docs/security.md §5."""
