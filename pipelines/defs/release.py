"""``release/public_release`` (group release): the privacy-safe release of the run's warehouse,
staged for publishing together with it (the package pipelines/release holds how it is built)."""

# No `from __future__ import annotations`: Dagster reads the config and resource types of
# the asset function from its annotations at decoration time.
import dagster as dg
import pydantic

from pipelines.keys import RELEASE_KEY, WAREHOUSE_POOL, table_key
from pipelines.release import (
    DEFAULT_MIN_CELL_SIZE,
    DEFAULT_NOISE_SCALE,
    READ_TABLES,
    STATUSES,
    ReleaseSettings,
    check_protection,
    publish,
    release_secret,
    status_counts,
)
from pipelines.resources import WarehouseResource


class ReleaseConfig(dg.Config):
    """How the public release is protected (launchpad: ops.release__public_release.config)."""

    min_cell_size: int = pydantic.Field(
        default=DEFAULT_MIN_CELL_SIZE, description="Counts of fewer people than this are suppressed."
    )
    noise_scale: float = pydantic.Field(
        default=DEFAULT_NOISE_SCALE,
        description="Scale of the discrete Laplace noise on counts of people; 0 = none.",
    )
    # No seed here: the noise's key is the install's secret (release_secret), never config
    # that is shown in the launchpad and stored with every run.

    @pydantic.model_validator(mode="after")
    def _protection_is_valid(self) -> "ReleaseConfig":
        check_protection(self.min_cell_size, self.noise_scale)
        return self


@dg.asset(
    key=RELEASE_KEY,
    # Reads the working database: in the writers' pool, so that no other run rewrites the
    # file while the release reads it.
    pool=WAREHOUSE_POOL,
    group_name="release",
    kinds={"duckdb", "csv"},
    deps=[table_key(t) for t in READ_TABLES],
    description=(
        "The privacy-safe public release, published with the warehouse in <warehouse dir>/public/: platform aggregates only (talent flows, "
        "moves between cities, job changes, time to a first job, skill demand) with a minimum cell size, "
        "complementary suppression, deterministic noise and a status flag per value; release.duckdb, one CSV "
        "per table and RELEASE.md. The noise's key is the install's secret (EGS_RELEASE_SECRET or "
        "$DAGSTER_HOME/release.secret), never stored with the release."
    ),
)
def public_release(context: dg.AssetExecutionContext, config: ReleaseConfig, warehouse: WarehouseResource):
    """The release, from the database the run built (its metrics checked), beside the published file."""
    try:
        # The data folder holds the release and is copied, shared and cleaned: no secret in it.
        secret = release_secret(outside=[warehouse.layout.root])
    except (ValueError, OSError) as err:  # the message names the variable or file and the remedy
        raise dg.Failure(description=str(err), allow_retries=False) from None
    con = warehouse.connect(read_only=True)
    try:
        settings = ReleaseSettings(min_cell_size=config.min_cell_size, noise_scale=config.noise_scale, secret=secret)
        target = warehouse.layout.staged_release(context.run_id)  # published with the warehouse and report
        tables = publish(con, target, settings)
    finally:
        con.close()
    statuses = {s: sum(status_counts(f)[s] for f in tables.values()) for s in STATUSES}
    context.log.info(
        f"released {len(tables)} tables to {target}: " + ", ".join(f"{n:,} {s}" for s, n in statuses.items())
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(warehouse.layout.release)),  # where publishing shows it
            "staged": dg.MetadataValue.path(str(target)),
            "min_cell_size": settings.min_cell_size,
            "noise_scale": settings.noise_scale,
            **{f"rows/{name}": frame.height for name, frame in tables.items()},
            **{f"values/{s}": n for s, n in statuses.items()},
            "RELEASE.md": dg.MetadataValue.md((target / "RELEASE.md").read_text(encoding="utf-8")),
        }
    )
