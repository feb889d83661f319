"""One module per benchmark figure; each returns its rows of the result table."""
