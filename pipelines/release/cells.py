"""Every released count as a cell, and the identities (totals, flows, nesting) that tie cells together."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.release.tables import RELEASED_TABLES, TALENT_FLOWS, TALENT_FLOWS_OD, ReleasedTable


def _key(table: ReleasedTable) -> pl.Expr:
    """The cell's dimensions as one string: the key of its noise and of its identity."""
    return pl.concat_str([pl.col(d).cast(pl.String) for d in table.dimensions], separator="|")


def to_cells(true_tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every count of every table as one row: table, column, key, year block and true value.

    The complements of nested counts are cells too, with ``written`` false: they are never
    released, but subtraction reveals them, so suppression must treat them as counts.
    ``dims`` keeps the dimensions (as a struct) so identities can be found by joining.
    """
    frames = []
    for table in RELEASED_TABLES:
        complements = {c: pl.col(whole) - pl.col(part) for whole, (part, c) in table.nested.items()}
        wide = true_tables[table.name].with_columns(
            key=_key(table),
            block=pl.lit(f"{table.system or table.name}|") + pl.col(table.year).cast(pl.String),
            is_margin=pl.any_horizontal([pl.col(d) == "all" for d in table.totals])
            if table.totals
            else pl.lit(False),
            dims=pl.struct([pl.col(d).cast(pl.String) for d in table.dimensions]),
            **complements,
        )
        long = wide.unpivot(
            on=[*table.counts, *complements],
            index=["key", "block", "is_margin", "dims"],
            variable_name="measure",
            value_name="value",
        )
        frames.append(
            long.with_columns(
                table=pl.lit(table.name),
                value=pl.col("value").cast(pl.Float64),
                written=pl.col("measure").is_in(list(table.counts)),
            )
        )
    cells = pl.concat(frames, how="vertical_relaxed").select(
        "table", "measure", "key", "block", "is_margin", "written", "value", "dims"
    )
    # A stable order makes the cell ids, and so every tie-break, the same on every run.
    return cells.sort("table", "measure", "key").with_row_index("cell")


def _total_identities(cells: pl.DataFrame, table: ReleasedTable) -> pl.DataFrame:
    """Sum of the parts - the 'all' cell = 0, for every total dimension of the table.

    Parts and total share every other dimension and the column; a group holding a total and
    no parts (e.g. level 'all' with a field) states nothing.
    """
    of_table = cells.filter(pl.col("table") == table.name).unnest("dims")
    identities = []
    for dim in table.totals:
        others = [d for d in table.dimensions if d != dim]
        line = pl.concat_str(
            [pl.lit(f"{table.name}|{dim}|"), pl.col("measure"), *[pl.lit("|") + pl.col(d) for d in others]]
        )
        rows = of_table.select(
            "cell", "block", constraint=line, coef=pl.when(pl.col(dim) == "all").then(-1).otherwise(1)
        )
        with_both = rows.group_by("constraint").agg(
            has_total=(pl.col("coef") < 0).any(), has_parts=(pl.col("coef") > 0).any()
        )
        identities.append(
            rows.join(
                with_both.filter("has_total", "has_parts").select("constraint"), on="constraint"
            ).with_columns(kind=pl.lit("total"))
        )
    return pl.concat(identities) if identities else pl.DataFrame()


def _flow_identities(cells: pl.DataFrame) -> pl.DataFrame:
    """How talent_flows and talent_flows_od tie together, per year.

    Every move leaves one city and arrives in another: per family, arrivals summed over the
    cities equal departures summed over the cities. The movers out of a city (to every
    destination) are its departures, the movers into it its arrivals (family 'all').
    """
    flows = cells.filter(pl.col("table") == TALENT_FLOWS.name).unnest("dims")
    od = cells.filter(pl.col("table") == TALENT_FLOWS_OD.name).unnest("dims")
    moves = flows.filter(pl.col("measure").is_in(["arrivals", "departures"]))
    balance = moves.select(
        "cell",
        "block",
        constraint=pl.concat_str(
            [pl.lit("balance|"), pl.col("year"), pl.lit("|"), pl.col("occupation_family")]
        ),
        coef=pl.when(pl.col("measure") == "arrivals").then(1).otherwise(-1),
        kind=pl.lit("balance"),
    )
    city_totals = moves.filter(pl.col("occupation_family") == "all")
    margins = []
    for end, measure in (("origin_city", "departures"), ("destination_city", "arrivals")):

        def line(city: str, end: str = end) -> pl.Expr:
            return pl.concat_str([pl.lit(f"od|{end}|"), pl.col("year"), pl.lit("|"), pl.col(city)])

        margins.append(od.select("cell", "block", constraint=line(end), coef=pl.lit(1)))
        margins.append(
            city_totals.filter(pl.col("measure") == measure).select(
                "cell", "block", constraint=line("city"), coef=pl.lit(-1)
            )
        )
    od_margins = pl.concat(margins).with_columns(kind=pl.lit("total"))
    return pl.concat([balance, od_margins.select(balance.columns)])


def _nesting_identities(cells: pl.DataFrame, table: ReleasedTable) -> pl.DataFrame:
    """Whole = part + complement, per cell of the table: a total of two parts, one never written."""
    of_table = cells.filter(pl.col("table") == table.name)
    lines = [
        of_table.filter(pl.col("measure").is_in([whole, part, complement])).select(
            "cell",
            "block",
            constraint=pl.concat_str([pl.lit(f"{table.name}|nested|{whole}|"), pl.col("key")]),
            coef=pl.when(pl.col("measure") == whole).then(-1).otherwise(1),
            kind=pl.lit("total"),
        )
        for whole, (part, complement) in table.nested.items()
    ]
    return pl.concat(lines)


def identities(cells: pl.DataFrame) -> pl.DataFrame:
    """Every linear identity the released cells obey: constraint, cell, coef (+1/-1), kind, block.

    kind 'total': the parts (+1) sum to the total (-1), the people of each part being among
    the total's (nested counts too: whole = part + complement); kind 'balance': two sums agree.
    """
    parts = [_total_identities(cells, t) for t in RELEASED_TABLES if t.totals]
    parts += [_nesting_identities(cells, t) for t in RELEASED_TABLES if t.nested]
    parts.append(_flow_identities(cells))
    columns = ["constraint", "cell", "coef", "kind", "block"]
    return pl.concat([p.select(columns) for p in parts if p.height]).with_columns(
        pl.col("coef").cast(pl.Int8)
    )


def same_group(cells: pl.DataFrame, lines: pl.DataFrame) -> np.ndarray:
    """Per cell, the smallest id of the cells counting the same people.

    A total with a single part counts exactly its part's people (level VO has one field, so
    VO 'all' and VO's field are one group): the two are one group, noised alike, else the
    average of the two values would halve the noise's variance. Chains of such totals make
    one group, found by spreading the smallest id along the lines until nothing changes.
    """
    totals = lines.filter(pl.col("kind") == "total")
    single = totals.group_by("constraint").agg(
        parts=(pl.col("coef") > 0).sum(), a=pl.col("cell").min(), b=pl.col("cell").max()
    )
    single = single.filter(pl.col("parts") == 1)
    a, b = single["a"].to_numpy(), single["b"].to_numpy()
    group = np.arange(cells.height)
    while len(a):
        low = np.minimum(group[a], group[b])
        if (group[a] == low).all() and (group[b] == low).all():
            break
        np.minimum.at(group, a, low)
        np.minimum.at(group, b, low)
    return group


def nested_pairs(lines: pl.DataFrame, group: np.ndarray) -> pl.DataFrame:
    """Every (outer, inner) pair of cells of different groups whose outer holds the inner's people.

    A total holds each of its parts (a whole its part and complement; a city's departures its
    movers to each destination), and holding is transitive (a city's members hold its movers
    to one destination): subtracting the inner from the outer reveals the people between them.
    """
    totals = lines.filter(pl.col("kind") == "total")
    direct = (
        totals.filter(pl.col("coef") < 0)
        .select("constraint", outer="cell")
        .join(totals.filter(pl.col("coef") > 0).select("constraint", inner="cell"), on="constraint")
        .select("outer", "inner")
        .unique()
    )
    pairs, frontier = direct, direct
    while frontier.height:
        step = frontier.join(direct.rename({"outer": "inner", "inner": "next"}), on="inner")
        frontier = step.select("outer", inner="next").unique().join(pairs, on=["outer", "inner"], how="anti")
        pairs = pl.concat([pairs, frontier])
    different = group[pairs["outer"].to_numpy()] != group[pairs["inner"].to_numpy()]
    return pairs.filter(pl.Series(different)).sort("outer", "inner")
