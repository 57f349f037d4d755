"""The lake resource: the code location's one `Settings`, and the storage it points at."""

from __future__ import annotations

from functools import cached_property

import dagster as dg

from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import Settings


class Lake:
    """Where the data root and the warehouse are, and the rest of the settings, for assets and sensors."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def get_settings(self) -> Settings:
        return self.settings

    @cached_property
    def storage(self) -> Storage:
        return Storage.from_settings(self.settings)

    def get_storage(self) -> Storage:
        return self.storage


# how assets, ops and sensors ask for it: `lake: LakeResource`
LakeResource = dg.ResourceParam[Lake]
