"""The static HTML report site: platform overview, video, course and creator pages for a date range.

`write_report(settings, start, end, output)` is what `analytics-pipeline report` and the weekly
report asset call; `build_site(con, ...)` does the work from any warehouse connection.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from analytics_pipeline.report.site import SiteSummary, build_site


def write_report(settings, start: date, end: date, output: Path | str) -> SiteSummary:
    """Build the site for [start, end] from the settings' warehouse (read-only) into `output`."""
    from analytics_pipeline.errors import UsageError
    from analytics_pipeline.lib.duck import connect_warehouse

    if not Path(settings.warehouse_path).exists():
        raise UsageError(f"no warehouse at {settings.warehouse_path}: run `analytics-pipeline materialize` first")
    con = connect_warehouse(settings)  # read-only; the report runs only its own queries
    try:
        return build_site(con, start, end, output)
    except FileExistsError as exc:
        raise UsageError(f"--output {exc}") from None
    finally:
        con.close()


__all__ = ["SiteSummary", "build_site", "write_report"]
