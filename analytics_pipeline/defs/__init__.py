"""Dagster definitions, one folder per domain (assets, checks, schedules, sensors)."""

import warnings

import dagster as dg

# Backfill policies and partition-mapping options we rely on are marked beta; say so once, here.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
