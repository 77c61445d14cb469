#!/usr/bin/env python3
"""Fetch the public data sets and specs that live in ``../shared`` from their public origins.

The repository never contains these files. When ``../shared`` (or ``--dest``) lacks them, this
script downloads each file from the exact commit named in its PROVENANCE, verifies the sha256
(for files copied unmodified) or the row counts (for derived files), and writes a short
PROVENANCE.txt beside them. Files already present are checked and left alone.

    python scripts/fetch_shared.py                 # fetch what is missing into ../shared
    python scripts/fetch_shared.py --check         # only verify what is there
    python scripts/fetch_shared.py --only edos,rubia

Standard library only, so it runs before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the same folder the application reads (moderation.config.shared_dir)
DEFAULT_DEST = Path(os.environ.get("HUSHBAKHT_SHARED_DIR") or ROOT.parent / "shared")
TIMEOUT = 60


def raw_url(repo: str, commit: str, path: str) -> str:
    """Raw GitHub URL of ``path`` at ``commit``."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclass(frozen=True)
class Remote:
    """One file copied unmodified from a public repository."""

    repo: str
    commit: str
    path: str
    target: str  # relative to the data set folder
    sha256: str | None = None
    consumed: bool = False  # read by the data set's derive step, then deleted

    @property
    def url(self) -> str:
        return raw_url(self.repo, self.commit, self.path)


@dataclass
class DataSet:
    """A folder under ``<dest>`` with its files, derived files and checks."""

    folder: str
    licence: str
    files: list[Remote]
    derive: Callable[[Path], None] | None = None
    checks: list[Callable[[Path], str | None]] = field(default_factory=list)


# ---- helpers ------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(url: str) -> bytes:
    if not url.startswith("https://"):
        raise ValueError(f"refusing non-https URL {url}")
    with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:  # noqa: S310 (https only)
        data: bytes = resp.read()
    return data


def csv_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def expect_rows(
    name: str, count: int | tuple[int, int], delimiter: str = ","
) -> Callable[[Path], str | None]:
    def check(folder: Path) -> str | None:
        n = len(csv_rows(folder / name, delimiter))
        lo, hi = (count, count) if isinstance(count, int) else count
        return None if lo <= n <= hi else f"{name}: {n} rows, expected {count}"

    return check


# ---- derivations (documented in each PROVENANCE) -------------------------------------------


def derive_crows_gender(folder: Path) -> None:
    """crows_pairs_gender_subset.csv = rows of the full file with bias_type == "gender"."""
    src = folder / "crows_pairs_anonymized.csv"
    with open(src, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader if r[header.index("bias_type")] == "gender"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Unnamed: 0", *header[1:]])
    writer.writerows(rows)
    (folder / "crows_pairs_gender_subset.csv").write_text(out.getvalue(), encoding="utf-8")
    (folder / "LICENSE_NOTE.txt").write_text(
        'From nyu-mll/crows-pairs README.md (commit 8aaac11), section "License": CrowS-Pairs '
        "is licensed under a Creative Commons Attribution-ShareAlike 4.0 International License. "
        "Its data statement says it should not be used to train models.\n",
        encoding="utf-8",
    )


def derive_gender_decoder(folder: Path) -> None:
    """gaucher_wordlist_stems.csv from the two lists in app/wordlists.py."""
    source = (folder / "wordlists.py").read_text(encoding="utf-8")
    lists: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    lists[target.id] = [ast.literal_eval(e) for e in node.value.elts]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["stem", "coding"])
    for stem in lists["feminine_coded_words"]:
        writer.writerow([stem, "feminine"])
    for stem in lists["masculine_coded_words"]:
        writer.writerow([stem, "masculine"])
    (folder / "gaucher_wordlist_stems.csv").write_text(out.getvalue(), encoding="utf-8")
    (folder / "wordlists.py").unlink()


def derive_stereoset(folder: Path) -> None:
    """JSON array -> one record per line, content unchanged."""
    src = folder / "gender_test.json"
    records = json.loads(src.read_text(encoding="utf-8"))
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    (folder / "stereoset_gender_intrasentence_dev.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    src.unlink()


def check_edos_splits(folder: Path) -> str | None:
    rows = csv_rows(folder / "edos_labelled_aggregated.csv")
    splits = {s: sum(1 for r in rows if r["split"] == s) for s in ("train", "dev", "test")}
    expected = {"train": 14000, "dev": 2000, "test": 4000}
    return None if splits == expected else f"EDOS splits {splits}, expected {expected}"


def check_gender_decoder(folder: Path) -> str | None:
    rows = csv_rows(folder / "gaucher_wordlist_stems.csv")
    fem = sum(1 for r in rows if r["coding"] == "feminine")
    masc = sum(1 for r in rows if r["coding"] == "masculine")
    return None if (fem, masc) == (50, 52) else f"gender decoder {fem}/{masc}, expected 50/52"


def check_jsonl(name: str, count: int) -> Callable[[Path], str | None]:
    def check(folder: Path) -> str | None:
        n = sum(1 for line in (folder / name).read_text(encoding="utf-8").splitlines() if line)
        return None if n == count else f"{name}: {n} records, expected {count}"

    return check


# ---- the catalogue (commits and hashes from each PROVENANCE.txt) ---------------------------

EDOS = ("rewire-online/edos", "b1f1fbcca9d42de0395432ada8fcfb5c35f68c77")
GEST = ("kinit-sk/gest", "7dd908cae11720ee5d95e43a4ab94fb410c8b790")
RUBIA = ("vergrig/RuBia-Dataset", "eaab66eae197c2bc22152eb051f8b526dcb7cef8")
CROWS = ("nyu-mll/crows-pairs", "8aaac11c485473159ec9328a65253a5be9a479dc")
DECODER = ("lovedaybrooke/gender-decoder", "73724e6b428713f0df7d7e2e226aec4769eeb0db")
EDITBIAS = ("zjunlp/EditBias", "5ecfebcf154a40107cf7e885ab0a3c8274378a5b")
STEREOSET = ("moinnadeem/StereoSet", "master")  # PROVENANCE gives only a short commit prefix: the
# branch is named, and the licence text fetched from it is pinned by its sha256 instead
TWILIO = ("twilio/twilio-oai", "d50069b44ea8cd23141385bdb6db48f16ff75bb5")

DATASETS: dict[str, DataSet] = {
    "edos": DataSet(
        "data/moderation/edos",
        "CC0 1.0",
        [
            Remote(
                *EDOS,
                "data/edos_labelled_aggregated.csv",
                "edos_labelled_aggregated.csv",
                "607bdbb766e1803a28f0eb8fc21c14b6b9dfa20039f726ba6767438584b47f9b",
            ),
            Remote(
                *EDOS,
                "leaderboard/leaderboard_task_A.csv",
                "leaderboard_task_A.csv",
                "12394de1a55ec25c5923f4143a6866dbb0a7bf6e428bf3c49f4adf859ce89283",
            ),
            Remote(
                *EDOS,
                "leaderboard/leaderboard_task_B.csv",
                "leaderboard_task_B.csv",
                "f703d6bdde3b019ad0b3f6e18fe355a3f1657066a254c9336c3e28a64d545c59",
            ),
            Remote(
                *EDOS,
                "leaderboard/leaderboard_task_C.csv",
                "leaderboard_task_C.csv",
                "eab7221dce952d919ff02c6e2d66e2523e926cd013e329bf622e9f75a5011292",
            ),
            Remote(*EDOS, "LICENSE", "LICENSE"),
        ],
        checks=[expect_rows("edos_labelled_aggregated.csv", 20000), check_edos_splits],
    ),
    "gest": DataSet(
        "data/moderation/gest",
        "Apache-2.0",
        [
            Remote(
                *GEST,
                "data/gest.csv",
                "gest.csv",
                "7e306adaa2913b660c6ddccddb26703a1de8c880cb0597ad27db4bca75380eea",
            ),
            Remote(
                *GEST,
                "data/gest_1.1.csv",
                "gest_1.1.csv",
                "51d14d5dc648d5be867d40bd312c016471c485827f6c28488c7234b9d30fcd9c",
            ),
            Remote(
                *GEST,
                "data/annotations.csv",
                "annotations.csv",
                "a1129f3724b6d4f770b657a6a15b216f7284c5f23cc06fa90c911a53eb6a9c45",
            ),
            Remote(
                *GEST,
                "data/translations/amazon_translate/ru/translations.csv",
                "translations_ru/amazon_translate_ru.csv",
                "e92ae038e89065658a0482591bb012873bfef9eeaf1a63e67c1e9f192411473f",
            ),
            Remote(
                *GEST,
                "data/translations/deepl/ru/translations.csv",
                "translations_ru/deepl_ru.csv",
                "4449dd58165301f211d0493c214ac40c3488f4d2cabe5bac5589c74c25a2a844",
            ),
            Remote(
                *GEST,
                "data/translations/google_translate/ru/translations.csv",
                "translations_ru/google_translate_ru.csv",
                "033a2a365561d8a687950e94bbbab6c8cfd18f5182da61082bf8dcfa7f423e17",
            ),
            Remote(
                *GEST,
                "data/translations/nllb_3b/ru/translations.csv",
                "translations_ru/nllb_3b_ru.csv",
                "7a9214035d131a4b4e08a3390e27edbc05ede39032061e612cb31c4cd81e9c52",
            ),
            Remote(*GEST, "LICENSE", "LICENSE"),
        ],
        checks=[
            expect_rows("gest.csv", 3565),
            expect_rows("gest_1.1.csv", 3565),
            expect_rows("annotations.csv", 4001),
        ],
    ),
    "rubia": DataSet(
        "data/moderation/rubia",
        "CC BY 4.0",
        [
            Remote(
                *RUBIA,
                "rubia.tsv",
                "rubia.tsv",
                "a2daa5f1c5745214ca377b8971938e6be7e6f409b443a881670f9566a456c373",
            ),
            Remote(*RUBIA, "LICENSE", "LICENSE"),
        ],
        checks=[expect_rows("rubia.tsv", 2221, delimiter="\t")],
    ),
    "gender_decoder": DataSet(
        "data/moderation/gender_decoder",
        "MIT",
        [
            Remote(*DECODER, "app/wordlists.py", "wordlists.py", consumed=True),
            Remote(*DECODER, "License.md", "LICENSE.md"),
        ],
        derive=derive_gender_decoder,
        checks=[check_gender_decoder],
    ),
    "crows_pairs": DataSet(
        "data/moderation/crows_pairs",
        "CC BY-SA 4.0 (diagnostics only)",
        [
            Remote(
                *CROWS,
                "data/crows_pairs_anonymized.csv",
                "crows_pairs_anonymized.csv",
                "dfb36986ce0502abbaf7055b9176da3d08d48e07df1251991b5dfbcbceab9d0c",
            ),
        ],
        derive=derive_crows_gender,
        checks=[
            expect_rows("crows_pairs_anonymized.csv", 1508),
            expect_rows("crows_pairs_gender_subset.csv", 262),
        ],
    ),
    "stereoset_gender": DataSet(
        "data/moderation/stereoset_gender",
        "CC BY-SA 4.0 (diagnostics only)",
        [
            Remote(*EDITBIAS, "data/stereoset/gender_test.json", "gender_test.json", consumed=True),
            Remote(*EDITBIAS, "LICENSE", "LICENSE_EditBias_MIT"),
            Remote(
                *STEREOSET,
                "LICENSE.md",
                "LICENSE.md",
                "5e436ff8ffbb77d8607220e9bce20c8915d860010feeb6c1ebef5a85688e9b39",
            ),
        ],
        derive=derive_stereoset,
        checks=[check_jsonl("stereoset_gender_intrasentence_dev.jsonl", 253)],
    ),
    "twilio": DataSet(
        "specs/twilio",
        "MIT",
        [
            Remote(
                *TWILIO,
                "spec/json/twilio_api_v2010.json",
                "twilio_api_v2010.json",
                "99cae87a6bb1725f71363364cbd30282a13140374b2d5f9bdd5bdfa5d4c8a6d7",
            ),
            Remote(*TWILIO, "LICENSE", "LICENSE"),
        ],
    ),
}

# Files whose presence means a data set is already in place.
MARKERS = {
    "edos": "edos_labelled_aggregated.csv",
    "gest": "gest_1.1.csv",
    "rubia": "rubia.tsv",
    "gender_decoder": "gaucher_wordlist_stems.csv",
    "crows_pairs": "crows_pairs_gender_subset.csv",
    "stereoset_gender": "stereoset_gender_intrasentence_dev.jsonl",
    "twilio": "twilio_api_v2010.json",
}


def verify(name: str, ds: DataSet, folder: Path) -> list[str]:
    """Problems with a data set already on disk (empty list: all good)."""
    problems = []
    for remote in ds.files:
        path = folder / remote.target
        if remote.consumed:
            continue
        if not path.exists():
            problems.append(f"{name}/{remote.target}: missing")
        elif remote.sha256:
            actual = sha256_bytes(path.read_bytes())
            if actual != remote.sha256:
                problems.append(f"{name}/{remote.target}: sha256 {actual} != {remote.sha256}")
    for check in ds.checks:
        try:
            problem = check(folder)
        except (OSError, KeyError, ValueError) as exc:
            problem = f"{name}: {exc}"
        if problem:
            problems.append(problem)
    return problems


class FetchError(Exception):
    """A data set could not be fetched (network, or a file that does not match its hash)."""


def fetch(name: str, ds: DataSet, folder: Path) -> None:
    """Download, verify and derive one data set into ``folder``.

    Every file is downloaded and checked before the first one is written, so a failed download
    leaves nothing behind (``FetchError`` says which file and why)."""
    downloaded: list[tuple[Remote, bytes]] = []
    for remote in ds.files:
        print(f"  {remote.url}", file=sys.stderr)
        try:
            data = download(remote.url)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"{name}: could not download {remote.url}: {reason}") from exc
        if remote.sha256 and sha256_bytes(data) != remote.sha256:
            raise FetchError(f"{name}: {remote.path} sha256 mismatch; nothing written")
        downloaded.append((remote, data))
    folder.mkdir(parents=True, exist_ok=True)
    for remote, data in downloaded:
        target = folder / remote.target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if ds.derive:
        try:
            ds.derive(folder)
        except (OSError, ValueError, KeyError, SyntaxError) as exc:
            raise FetchError(f"{name}: deriving its files failed: {exc!r}") from exc
    sources = "\n".join(
        f"  {r.url} -> {r.target}" + (f" (sha256 {r.sha256})" if r.sha256 else "") for r in ds.files
    )
    (folder / "PROVENANCE.txt").write_text(
        f"Fetched by scripts/fetch_shared.py. Licence: {ds.licence}.\nSources:\n{sources}\n", encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dest", type=Path, default=DEFAULT_DEST, help=f"shared folder (default {DEFAULT_DEST})"
    )
    parser.add_argument("--only", default="", help="comma-separated data set names")
    parser.add_argument("--check", action="store_true", help="verify only, download nothing")
    parser.add_argument("--force", action="store_true", help="download even when present")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(DATASETS)
    unknown = set(names) - set(DATASETS)
    if unknown:
        parser.error(f"unknown data sets: {', '.join(sorted(unknown))}")
    failures = 0
    for name in names:
        ds = DATASETS[name]
        folder = args.dest / ds.folder
        present = (folder / MARKERS[name]).exists()
        if present and not args.force:
            problems = verify(name, ds, folder)
            status = "ok" if not problems else "PROBLEMS"
            print(f"{name}: present, {status}", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
            failures += bool(problems)
            continue
        if args.check:
            print(f"{name}: missing", file=sys.stderr)
            failures += 1
            continue
        print(f"{name}: fetching", file=sys.stderr)
        try:
            fetch(name, ds, folder)
        except FetchError as exc:
            print(f"  FAILED: {exc}", file=sys.stderr)
            failures += 1
            continue
        problems = verify(name, ds, folder)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
