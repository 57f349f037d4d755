"""analytics_pipeline: batch analytics for video platforms."""
