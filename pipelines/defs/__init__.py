"""The Dagster definitions of the code location, one module per part of the data flow.

Loaded by ``pipelines/definitions.py`` with ``dagster.load_from_defs_folder`` (the layout
the ``dg`` CLI expects, ``[tool.dg]`` in pyproject.toml). Only Dagster definitions live
here; they call the library code beside this folder, which never imports them.

- ``lake.py``: ``parquet_lake`` (group generate)
- ``warehouse.py``: ``raw/*``, ``truth/*``, ``raw/calendar`` and ``metrics/*`` (groups warehouse, metrics)
- ``checks.py``: the data-quality asset checks
- ``report.py``, ``release.py``: ``insight_report``, ``release/public_release``
- ``publish.py``: ``published_warehouse``
- ``jobs.py``, ``runs.py``, ``resources.py``: the main job and its schedule, the dead-run sensor, the resources
"""
