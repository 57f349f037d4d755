"""The lake resource: settings and storage for assets, overridable in tests."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import dagster as dg

from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import Settings, load_settings


class LakeResource(dg.ConfigurableResource):
    """Where the data root and warehouse are; empty fields fall back to the environment."""

    data_root: str | None = None
    warehouse_path: str | None = None

    def get_settings(self) -> Settings:
        s = load_settings()
        if self.data_root:
            s = replace(s, data_root=self.data_root)
            if not self.warehouse_path and "://" not in self.data_root:
                s = replace(s, warehouse_path=f"{self.data_root}/warehouse/analytics.duckdb")
        if self.warehouse_path:
            s = replace(s, warehouse_path=self.warehouse_path)
        return s

    def get_storage(self) -> Storage:
        return Storage.from_settings(self.get_settings())
