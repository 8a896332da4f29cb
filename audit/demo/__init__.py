"""Deterministic demo data: master data, weeks of audits that tell a story, synthetic shelf photos.

Everything is drawn from numpy Generators derived from `seed` (one independent stream per stage, so
adding photos does not change the audits), with every date and timestamp counted from `today`: the same
arguments give the same rows. Audits and their lines are built as whole arrays and bulk-inserted from
DataFrames in chunks, in audit-id order; nothing is inserted row by row, so 5,000 stores × 104 weeks
(about 15 million SKU lines) loads in minutes with bounded memory.

The story the charts tell: stores differ (a Beta-distributed store quality plus merchandiser and dealer
effects), East improves and North declines over the period, and compliance dips where a competitor runs
a campaign, which also shows as bursts of competitor observations.

One module per reason to change: catalogue.py (the names, brands and products the demo draws from),
master.py (regions, dealers, people, products, stores), visits.py (campaigns, the audits' when and who, visit
plans), answers.py (lines, POP checks, competitor observations), pictures.py (shelf and store-front photos),
generate.py (generate_demo: the stages in order; it calls audit/demo_actions.py last), common.py (what
they share). This module names what the rest of the app uses.
"""

from audit.demo.catalogue import COMPETITORS, DEALERS, POP_TYPES, REGIONS
from audit.demo.common import DemoError, DemoSummary
from audit.demo.generate import DEMO_TABLES, generate_demo
from audit.demo.pictures import _camera_jpeg, draw_shelf, draw_storefront

__all__ = [
    "COMPETITORS",
    "DEALERS",
    "DEMO_TABLES",
    "POP_TYPES",
    "REGIONS",
    "DemoError",
    "DemoSummary",
    "_camera_jpeg",
    "draw_shelf",
    "draw_storefront",
    "generate_demo",
]
