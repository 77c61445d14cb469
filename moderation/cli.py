"""Command line: ``hushbakht moderation ...`` or ``python -m moderation ...``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from moderation.config import PolicyError, default_registry_dir, public_data_dir
from moderation.corpus import CorpusError
from moderation.registry import RegistryError

_registry_option = click.option(
    "--registry",
    "registry_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Registry folder (default: MODERATION_REGISTRY_DIR or <data dir>/moderation/registry).",
)
_EVALUATION_SET_HELP = "Corpus folder whose test split is the evaluation set (default: the package's)."


def _corpus_option(help_text: str) -> Any:
    """``--corpus``: an existing folder (a typo is a usage error, not an empty evaluation set)."""
    return click.option(
        "--corpus",
        "corpus_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        help=help_text,
    )


def _registry(path: Path | None) -> Path:
    return path if path is not None else default_registry_dir()


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, sort_keys=False))


class _Group(click.Group):
    """Turns a bad policy file, a malformed corpus or decisions row, or a registry that refuses
    to load (a tampered or unsafe model) into a one-line error (exit 1) instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (PolicyError, CorpusError, RegistryError) as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(name="moderation", cls=_Group)
def cli() -> None:
    """Moderation model: check texts, train, evaluate and promote models."""


def _check_line(moderator: Any, raw: bytes, n: int) -> dict[str, Any]:
    """The output for input line ``n`` (its bytes, without the line end)."""
    obj: Any = None
    try:
        line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        if not line.strip():
            raise ValueError("empty line")
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ValueError("expected a JSON object")
        text = obj.get("text")
        if not isinstance(text, str):
            raise ValueError("field 'text' must be a string")
        kind = obj.get("kind") or "article"
        if kind not in ("article", "ad"):
            raise ValueError("field 'kind' must be 'article' or 'ad'")
        lang = obj.get("lang")
        if lang is not None and lang not in ("tg", "ru", "en"):
            raise ValueError("field 'lang' must be tg, ru, en or null")
        result: dict[str, Any] = moderator.assess(text, kind=kind, lang=lang).to_dict()
        if "id" in obj:
            result = {"id": obj["id"], **result}
        return result
    except UnicodeDecodeError as exc:
        return {"line": n, "error": f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})"}
    except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
        error: dict[str, Any] = {"line": n}
        if isinstance(obj, dict) and "id" in obj:
            error["id"] = obj["id"]
        error["error"] = str(exc)
        return error


@cli.command()
@_registry_option
def check(registry_dir: Path | None) -> None:
    """Assess JSON lines {"text", "kind", "lang", "id"} from stdin; one JSON line out per input line.

    Output line k always answers input line k. A line that cannot be assessed (blank, not
    UTF-8, not a JSON object, missing or non-string text, unknown kind or lang) yields
    {"line": k, "id": ..., "error": "..."} ("id" when the line's id could be read) and
    processing continues.
    """
    from moderation.moderator import load_moderator

    moderator = load_moderator(_registry(registry_dir))
    # bytes, so that a line that is not UTF-8 gets its error line instead of ending the run
    binary = getattr(sys.stdin, "buffer", None)
    lines = binary if binary is not None else (s.encode("utf-8", "surrogateescape") for s in sys.stdin)
    for n, raw in enumerate(lines, start=1):
        result = _check_line(moderator, raw.rstrip(b"\r\n"), n)
        click.echo(json.dumps(result, ensure_ascii=False))
        sys.stdout.flush()


@cli.command()
@_registry_option
@_corpus_option("Corpus folder with {tg,ru,en}.jsonl (default: the package's).")
@click.option(
    "--decisions",
    "decisions",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Moderator decisions (JSON lines); repeatable.",
)
@click.option("--promote/--no-promote", default=False, help="Promote the new version if the gate allows it.")
def train(
    registry_dir: Path | None, corpus_dir: Path | None, decisions: tuple[Path, ...], promote: bool
) -> None:
    """Train a model on the corpus train split (+ decisions) and register it."""
    from moderation import registry
    from moderation.training import train as do_train

    root = _registry(registry_dir)
    version = do_train(corpus_dir, root, decisions)
    meta = registry.metadata(version, root)
    out: dict[str, Any] = {
        "version": version,
        "metrics": meta.get("metrics"),
        "training_seconds": meta.get("training_seconds"),
    }
    if promote:
        try:
            out["promoted"] = registry.promote(version, root, corpus_dir)
        except registry.PromotionRefused as exc:
            out["promotion_refused"] = exc.reasons
    _echo_json(out)


def _model_params(items: tuple[str, ...]) -> Any:
    """``ModelParams`` with the ``NAME=VALUE`` changes of ``--cv-param`` (None when there are none);
    each value is read as its default's type (a pair as ``a,b``)."""
    import dataclasses

    from moderation.model import ModelParams

    if not items:
        return None
    defaults = ModelParams()
    names = [f.name for f in dataclasses.fields(ModelParams)]
    changes: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise click.BadParameter(
                f"{item!r}: expected NAME=VALUE with NAME one of {', '.join(names)}", param_hint="--cv-param"
            )
        current = getattr(defaults, name)
        try:
            if isinstance(current, tuple):
                value: Any = tuple(int(v) for v in raw.split(","))
                if len(value) != 2 or not 1 <= value[0] <= value[1]:
                    raise ValueError
            elif isinstance(current, int):
                value = int(raw)
            else:
                value = float(raw)
                if not value > 0:
                    raise ValueError
        except ValueError:
            kind = "two integers a,b with 1 <= a <= b" if isinstance(current, tuple) else (
                "an integer" if isinstance(current, int) else "a positive number")
            raise click.BadParameter(f"{item!r}: {name} takes {kind}", param_hint="--cv-param") from None
        changes[name] = value
    return dataclasses.replace(defaults, **changes)


@cli.command()
@_registry_option
@click.option(
    "--version",
    "version",
    default=None,
    help="Version to evaluate (default: the promoted one; rules only when none).",
)
@_corpus_option(_EVALUATION_SET_HELP)
@click.option("--rubia/--no-rubia", default=False, help="Also run the RuBia pair check.")
@click.option("--crows/--no-crows", default=False, help="Also run CrowS-Pairs diagnostics.")
@click.option(
    "--edos/--no-edos",
    default=False,
    help="Also train and score EDOS task A (about 35 s).",
)
@click.option(
    "--edos-cv",
    is_flag=True,
    help="Also cross-validate the EDOS model on train+dev, 5 folds (about 90 s; never reads test).",
)
@click.option(
    "--corpus-cv",
    is_flag=True,
    help=(
        "Also cross-validate the model on the corpus train split, 5 folds stratified by language "
        "and label (about 40 s; never reads test)."
    ),
)
@click.option(
    "--cv-seed",
    "cv_seeds",
    type=int,
    multiple=True,
    help=(
        "With --corpus-cv: the fold assignment (default 0); repeat it for several, reported each "
        "and averaged."
    ),
)
@click.option(
    "--cv-param",
    "cv_params",
    multiple=True,
    metavar="NAME=VALUE",
    help=(
        "With --corpus-cv: a model parameter other than the default (C=32, word_ngrams=1,3, "
        "rule_feature_weight=2, ...); repeatable. The promoted model is not affected."
    ),
)
@click.option("--markdown", is_flag=True, help="Print Markdown tables instead of JSON.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON report here as well.",
)
def evaluate(
    registry_dir: Path | None,
    version: str | None,
    corpus_dir: Path | None,
    rubia: bool,
    crows: bool,
    edos: bool,
    edos_cv: bool,
    corpus_cv: bool,
    cv_seeds: tuple[int, ...],
    cv_params: tuple[str, ...],
    markdown: bool,
    output: Path | None,
) -> None:
    """Evaluate a model on the corpus test split (and optionally public sets)."""
    from moderation import registry
    from moderation.corpus import load_corpus
    from moderation.evaluation import (
        cross_validate_corpus,
        cross_validate_edos,
        cross_validation_summary,
        evaluate_crows,
        evaluate_edos,
        evaluate_rows,
        evaluate_rubia,
        render_markdown,
    )
    from moderation.moderator import Moderator, load_moderator

    if (cv_seeds or cv_params) and not corpus_cv:
        raise click.UsageError("--cv-seed and --cv-param go with --corpus-cv")
    params = _model_params(cv_params)
    root = _registry(registry_dir)
    moderator = Moderator(registry.load_model(version, root), version) if version else load_moderator(root)
    test_rows = [r for r in load_corpus(corpus_dir) if r.split == "test"]
    report: dict[str, Any] = {"corpus_test": evaluate_rows(moderator, test_rows)}
    if corpus_cv:
        runs = [cross_validate_corpus(corpus_dir, seed=seed, params=params) for seed in cv_seeds or (0,)]
        report["corpus_cv"] = runs[0]
        if len(runs) > 1 or cv_params:
            report["corpus_cv_seeds"] = cross_validation_summary(runs)
    public = public_data_dir()
    for wanted, name, fn in (
        (rubia, "rubia", evaluate_rubia),
        (crows, "crows_pairs", evaluate_crows),
    ):
        if wanted:
            report[name] = fn(moderator, public) if public.is_dir() else {"skipped": f"{public} is absent"}
    if edos:
        report["edos_task_a"] = (
            evaluate_edos(public) if public.is_dir() else {"skipped": f"{public} is absent"}
        )
    if edos_cv:
        report["edos_task_a_cv"] = (
            cross_validate_edos(public) if public.is_dir() else {"skipped": f"{public} is absent"}
        )
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text, encoding="utf-8")
    click.echo(render_markdown(report) if markdown else text)


@cli.command()
@_registry_option
@click.argument("version")
@_corpus_option(_EVALUATION_SET_HELP)
@click.option("--force", is_flag=True, help="Skip the gate (recorded in the history).")
def promote(registry_dir: Path | None, version: str, corpus_dir: Path | None, force: bool) -> None:
    """Promote VERSION if it is not worse than the promoted model on the evaluation sets."""
    from moderation import registry

    root = _registry(registry_dir)
    previous = registry.promoted_version(root)
    try:
        promoted = registry.promote(version, root, corpus_dir, force=force)
    except registry.PromotionRefused as exc:
        _echo_json({"promoted": None, "current": previous, "refused": exc.reasons})
        sys.exit(2)
    except (registry.RegistryError, PolicyError, CorpusError) as exc:
        _echo_json({"promoted": None, "current": previous, "error": str(exc)})
        sys.exit(1)
    state = registry.promotion_state(root)
    _echo_json({"promoted": promoted, "previous": previous, "generation": state.get("generation")})


@cli.command(name="list")
@_registry_option
def list_versions(registry_dir: Path | None) -> None:
    """List registered versions with their metrics; the promoted one is marked."""
    from moderation import registry

    root = _registry(registry_dir)
    promoted = registry.promoted_version(root)
    for v in registry.list_versions(root):
        meta = registry.metadata(v, root)
        _echo_json(
            {
                "version": v,
                "promoted": v == promoted,
                "created_at": meta.get("created_at"),
                "metrics": meta.get("metrics"),
                "n_train": meta.get("data", {}).get("n_train"),
            }
        )


def main() -> None:
    """Entry point for ``python -m moderation``."""
    cli(prog_name="moderation")
