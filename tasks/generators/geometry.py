"""Spatial columns (GEOMETRY, POINT, POLYGON, ...) as WKT text.

A binary geometry needs the database's own encoding (MySQL's SRID-prefixed WKB,
PostGIS EWKB); WKT is what every spatial database reads back with
ST_GeomFromText, so a column of these is written as WKT text and the reader
warns that it did so.
"""

from __future__ import annotations

import numpy as np

from tasks.generator_runtime.kernel import str_array
from tasks.generators.registry import generator


def wkt_coords(b, count, decimals=6):
    """`count` "lon lat" pairs per row as text arrays, inside the valid WGS84 ranges."""
    lon = np.round(b.rng.uniform(-179.0, 179.0, (b.n, count)), decimals)
    lat = np.round(b.rng.uniform(-85.0, 85.0, (b.n, count)), decimals)
    return [[f"{x:.{decimals}f} {y:.{decimals}f}" for x, y in zip(xs, ys, strict=True)]
            for xs, ys in zip(lon, lat, strict=True)]


@generator("geometry.wkt", output="string", fits=("string",), params={"kind": "POINT"}, helpers=(wkt_coords,))
def gen_wkt(b, p):
    """WKT text: POINT(lon lat); LINESTRING / POLYGON as a small shape around a point."""
    kind = str(p.get("kind") or "POINT").upper()
    if kind in ("POINT", "GEOMETRY", "GEOGRAPHY", "MULTIPOINT"):
        rows = wkt_coords(b, 1)
        text = [f"POINT({r[0]})" for r in rows]
        return str_array(text)
    rows = wkt_coords(b, 3)
    if kind in ("LINESTRING", "MULTILINESTRING"):
        return str_array([f"LINESTRING({', '.join(r)})" for r in rows])
    return str_array([f"POLYGON(({', '.join([*r, r[0]])}))" for r in rows])

