"""Pure helpers: no Dagster imports below this package."""
