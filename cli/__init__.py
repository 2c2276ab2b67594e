"""The `itsm` command line: a thin face over `sim`, `reports` and `game`."""
