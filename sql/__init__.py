"""The SQL models, shipped inside the wheel as `analytics_pipeline.sql` (see pyproject.toml)."""
