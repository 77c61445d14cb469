"""Evaluation: per language and category, hard cases, calibration, public sets."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from moderation.assessment import CATEGORIES, LANGUAGES, Assessment
from moderation.corpus import CorpusError, LabelledText, load_corpus
from moderation.model import ModelParams
from moderation.moderator import Moderator
from moderation.normalise import detect_language


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def expected_calibration_error(scores: Sequence[float], labels: Sequence[int], bins: int = 10) -> float:
    """ECE with equal-width bins."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=float)
    if len(s) == 0:
        return 0.0
    idx = np.minimum((s * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            ece += mask.mean() * abs(s[mask].mean() - y[mask].mean())
    return round(float(ece), 4)


def _flagged(a: Assessment) -> bool:
    return a.decision != "clear"


def _top_category(a: Assessment) -> str:
    return max(a.categories, key=lambda c: a.categories[c])


def _assess_rows(moderator: Moderator, rows: Sequence[LabelledText]) -> list[tuple[LabelledText, Assessment]]:
    """Each row with its assessment (rows grouped by language and kind, assessed with both given)."""
    results: list[tuple[LabelledText, Assessment]] = []
    for lang in LANGUAGES:
        for kind in ("article", "ad"):
            group = [r for r in rows if r.lang == lang and r.kind == kind]
            if group:
                res = moderator.assess_many([r.text for r in group], kind=kind, lang=lang, explain=False)
                results.extend(zip(group, res, strict=True))
    return results


def evaluate_rows(moderator: Moderator, rows: Sequence[LabelledText], examples: int = 4) -> dict[str, Any]:
    """Full report on labelled rows (normally the corpus test split).

    A row counts as flagged when the decision is review or block.
    """
    return _report(_assess_rows(moderator, rows), moderator, examples)


def _report(
    results: Sequence[tuple[LabelledText, Assessment]], moderator: Moderator, examples: int
) -> dict[str, Any]:
    """``evaluate_rows``'s report on assessed rows; ``moderator`` gives the version and policy."""
    by_lang: dict[str, Any] = {}
    for lang in LANGUAGES:
        lr = [(r, a) for r, a in results if r.lang == lang]
        if not lr:
            continue
        tp = sum(1 for r, a in lr if r.is_stereotype and _flagged(a))
        fp = sum(1 for r, a in lr if not r.is_stereotype and _flagged(a))
        fn = sum(1 for r, a in lr if r.is_stereotype and not _flagged(a))
        hard = [(r, a) for r, a in lr if not r.is_stereotype and r.hard_case]
        hard_fp = sum(1 for _, a in hard if _flagged(a))
        entry = _prf(tp, fp, fn)
        entry.update(
            {
                "n": len(lr),
                "hard_cases": len(hard),
                "hard_fpr": round(hard_fp / len(hard), 4) if hard else 0.0,
                "ece": expected_calibration_error(
                    [a.score for _, a in lr], [int(r.is_stereotype) for r, _ in lr]
                ),
                # the rows are assessed with their language given, so detection is measured apart
                "lang_detection_accuracy": round(
                    sum(1 for r, _ in lr if detect_language(r.text) == r.lang) / len(lr), 4
                ),
            }
        )
        by_lang[lang] = entry
    by_category: dict[str, Any] = {}
    for c in CATEGORIES:
        tp = sum(1 for r, a in results if r.category == c and _flagged(a) and _top_category(a) == c)
        fp = sum(1 for r, a in results if r.category != c and _flagged(a) and _top_category(a) == c)
        fn = sum(1 for r, a in results if r.category == c and not (_flagged(a) and _top_category(a) == c))
        entry = _prf(tp, fp, fn)
        in_cat = [a for r, a in results if r.category == c]
        entry["detected"] = round(sum(1 for a in in_cat if _flagged(a)) / len(in_cat), 4) if in_cat else 0.0
        entry["n"] = len(in_cat)
        by_category[c] = entry
    hard_types: dict[str, Any] = {}
    for hc in sorted({r.hard_case for r, _ in results if r.hard_case}, key=str):
        hc_results = [a for r, a in results if r.hard_case == hc and not r.is_stereotype]
        hard_types[str(hc)] = {
            "n": len(hc_results),
            "fpr": round(sum(map(_flagged, hc_results)) / len(hc_results), 4),
        }
    hard_all = [a for r, a in results if r.hard_case and not r.is_stereotype]
    all_tp = sum(1 for r, a in results if r.is_stereotype and _flagged(a))
    all_fp = sum(1 for r, a in results if not r.is_stereotype and _flagged(a))
    all_fn = sum(1 for r, a in results if r.is_stereotype and not _flagged(a))
    f1s = [v["f1"] for v in by_lang.values()]
    gate = {
        "f1_min_lang": round(min(f1s), 4) if f1s else 0.0,
        "f1_macro_lang": round(float(np.mean(f1s)), 4) if f1s else 0.0,
        "hard_fpr": round(sum(map(_flagged, hard_all)) / len(hard_all), 4) if hard_all else 0.0,
    }
    confusions: dict[str, list[dict[str, Any]]] = {"false_negatives": [], "false_positives": []}
    for r, a in sorted(results, key=lambda ra: -abs(ra[1].score - int(ra[0].is_stereotype))):
        key = (
            "false_negatives"
            if r.is_stereotype and not _flagged(a)
            else "false_positives"
            if not r.is_stereotype and _flagged(a)
            else None
        )
        if key and sum(1 for x in confusions[key] if x["lang"] == r.lang) < examples:
            confusions[key].append(
                {
                    "id": r.id,
                    "lang": r.lang,
                    "kind": r.kind,
                    "category": r.category,
                    "hard_case": r.hard_case,
                    "score": round(a.score, 3),
                    "decision": a.decision,
                    "text": r.text,
                }
            )
    decisions: defaultdict[str, int] = defaultdict(int)
    for _, a in results:
        decisions[a.decision] += 1
    return {
        "model_version": moderator.model_version,
        "n": len(results),
        "overall": {
            **_prf(all_tp, all_fp, all_fn),
            "ece": expected_calibration_error(
                [a.score for _, a in results], [int(r.is_stereotype) for r, _ in results]
            ),
        },
        "by_lang": by_lang,
        "by_category": by_category,
        "hard_cases": hard_types,
        "decisions": dict(decisions),
        "gate": gate,
        "confusions": confusions,
        "policy": moderator.policy.to_dict(),
    }


def cross_validate_corpus(
    corpus_dir: str | Path | None = None,
    folds: int = 5,
    seed: int = 0,
    params: ModelParams | None = None,
) -> dict[str, Any]:
    """The production model, cross-validated on the corpus **train** split only.

    This is the figure rules, features, parameters and thresholds are chosen on
    (docs/moderation_eval.md); the test split is never read here. The train rows are split into
    ``folds`` folds stratified by language and label (shuffled with ``seed``); for each fold a
    model is trained on the other folds with ``params`` (default: the defaults) and the held-out rows are
    assessed under the configured policy. ``report`` is ``evaluate_rows``'s report on the pooled
    out-of-fold assessments; ``folds`` gives each fold's lowest per-language F1.
    """
    from sklearn.model_selection import StratifiedKFold

    from moderation.training import train_model

    rows = [r for r in load_corpus(corpus_dir) if r.split != "test"]
    strata = [f"{r.lang}:{r.label}" for r in rows]
    counts = Counter(strata)
    for stratum, n in sorted(counts.items()):
        if n < folds:
            raise CorpusError(
                f"cross-validation needs at least {folds} train rows of each language and label; "
                f"{stratum} has {n}"
            )
    pooled: list[tuple[LabelledText, Assessment]] = []
    per_fold: list[float] = []
    started = time.perf_counter()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    moderator = Moderator(None, "cross-validation")
    for k, (fit_idx, held_idx) in enumerate(splitter.split(rows, strata)):
        fold = Moderator(train_model([rows[i] for i in fit_idx], params), f"cross-validation fold {k + 1}")
        assessed = _assess_rows(fold, [rows[i] for i in held_idx])
        per_fold.append(_report(assessed, fold, 0)["gate"]["f1_min_lang"])
        pooled.extend(assessed)
    return {
        "rows": len(rows),
        "folds": per_fold,
        "seed": seed,
        "params": (params or ModelParams()).to_dict(),
        "report": _report(pooled, moderator, 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


def cross_validation_summary(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per-language F1 and hard-case false positives of several ``cross_validate_corpus`` runs
    (other fold assignments of the same rows), each and their mean: a parameter or rule change
    is judged on the mean, since one assignment moves a 400-row language by a row or two."""
    per_seed = [
        {
            "seed": run["seed"],
            **{f"f1_{lang}": run["report"]["by_lang"][lang]["f1"] for lang in run["report"]["by_lang"]},
            "hard_fpr": run["report"]["gate"]["hard_fpr"],
        }
        for run in runs
    ]
    keys = [k for k in per_seed[0] if k != "seed"] if per_seed else []
    mean = {k: round(float(np.mean([s[k] for s in per_seed])), 4) for k in keys}
    return {"seeds": per_seed, "mean": mean, "params": runs[0]["params"] if runs else {}}


def gate_metrics(moderator: Moderator, corpus_dir: str | Path | None = None) -> dict[str, float]:
    """The metrics the promotion gate compares, on the corpus test split."""
    rows = [r for r in load_corpus(corpus_dir) if r.split == "test"]
    gate: dict[str, float] = evaluate_rows(moderator, rows)["gate"]
    return gate


def evaluate_rubia(moderator: Moderator, public_dir: Path) -> dict[str, Any]:
    """Share of RuBia stereotyped sentences flagged, and of their gender-swapped versions."""
    from moderation.corpus import load_rubia_gender

    pairs = load_rubia_gender(public_dir)
    pro = moderator.assess_many([p for p, _ in pairs], lang="ru", explain=False)
    anti = moderator.assess_many([a for _, a in pairs], lang="ru", explain=False)
    return {
        "pairs": len(pairs),
        "pro_flagged": round(sum(map(_flagged, pro)) / len(pairs), 4),
        "anti_flagged": round(sum(map(_flagged, anti)) / len(pairs), 4),
        "pro_mean_score": round(float(np.mean([a.score for a in pro])), 4),
        "anti_mean_score": round(float(np.mean([a.score for a in anti])), 4),
        "pro_scored_higher": round(
            sum(1 for p, a in zip(pro, anti, strict=True) if p.score > a.score) / len(pairs), 4
        ),
    }


def evaluate_crows(moderator: Moderator, public_dir: Path) -> dict[str, Any]:
    """Diagnostics only (never trained on): CrowS-Pairs gender, more vs less stereotypical."""
    from moderation.corpus import load_crows_gender

    pairs = load_crows_gender(public_dir)
    more = moderator.assess_many([m for m, _ in pairs], lang="en", explain=False)
    less = moderator.assess_many([s for _, s in pairs], lang="en", explain=False)
    return {
        "pairs": len(pairs),
        "more_flagged": round(sum(map(_flagged, more)) / len(pairs), 4),
        "less_flagged": round(sum(map(_flagged, less)) / len(pairs), 4),
        "more_scored_higher": round(
            sum(1 for m, s in zip(more, less, strict=True) if m.score > s.score) / len(pairs), 4
        ),
    }


def evaluate_edos(public_dir: Path, limit: int | None = None) -> dict[str, Any]:
    """EDOS task A: train on train+dev, report macro-F1 on the official test split.

    The model is ``moderation.edos.NbLogisticRegression`` (NB-weighted logistic regression on word, char_wb
    and gender-term n-grams; see that module for how it was chosen by cross-validation on train+dev and on
    the dev split). Two fits: one on the train split scored on dev (a figure the choices were made on),
    then one with the same hyper-parameters on train+dev scored on test. ``limit`` trains on a subset (for
    quick checks).
    """
    from sklearn.metrics import f1_score

    from moderation.corpus import load_edos
    from moderation.edos import EdosParams, NbLogisticRegression

    data = load_edos(public_dir)
    train_only = [(t, y) for t, y, _, s in data if s == "train"]
    dev = [(t, y) for t, y, _, s in data if s == "dev"]
    test = [(t, y) for t, y, _, s in data if s == "test"]
    if limit:
        train_only = train_only[:limit]
        dev = dev[: max(200, limit // 4)]
        test = test[: max(200, limit // 4)]
    train = train_only + dev

    params = EdosParams()
    dev_model = NbLogisticRegression(params).fit([t for t, _ in train_only], [y for _, y in train_only])
    dev_pred = dev_model.predict([t for t, _ in dev])
    dev_f1 = float(f1_score([y for _, y in dev], dev_pred, average="macro"))

    started = time.perf_counter()
    model = NbLogisticRegression(params).fit([t for t, _ in train], [y for _, y in train])
    train_seconds = time.perf_counter() - started
    pred = model.predict([t for t, _ in test])
    return {
        "method": (
            "NB-weighted logistic regression, word 1-3 + char_wb 2-5 + gender-term 1-3 TF-IDF, "
            "normalised text"
        ),
        "params": {
            "word_ngrams": list(params.word_ngrams),
            "char_ngrams": list(params.char_ngrams),
            "gender_ngrams": list(params.gender_ngrams) if params.gender_ngrams else None,
            "min_df": params.min_df,
            "nb_alpha": params.nb_alpha,
            "C": params.C,
            "threshold": params.threshold,
        },
        "train_rows": len(train),
        "test_rows": len(test),
        "dev_macro_f1": round(dev_f1, 4),
        "macro_f1": round(float(f1_score([y for _, y in test], pred, average="macro")), 4),
        "train_seconds": round(train_seconds, 1),
        "reference": {
            "tfidf_lr_baseline": 0.777,
            "shared_task_median": 0.8322,
            "shared_task_best": 0.8746,
        },
    }


def cross_validate_edos(
    public_dir: Path, folds: int = 5, seed: int = 0, limit: int | None = None
) -> dict[str, Any]:
    """EDOS task A: stratified k-fold cross-validation of the evaluation model on train+dev only.

    This is the figure every choice of ``moderation.edos`` was made on (docs/moderation_eval.md); the
    test split is never read here. Rows are in the order ``evaluate_edos`` trains on (train, then dev);
    the folds are shuffled with ``seed``; vectorisers and NB ratios are fitted inside each fold.
    ``macro_f1`` is the macro-F1 of the pooled out-of-fold predictions, ``folds`` the per-fold figures.
    ``limit`` keeps the first rows of train and dev (for quick checks).
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from moderation.corpus import load_edos
    from moderation.edos import EdosParams, NbLogisticRegression

    data = load_edos(public_dir)
    train = [(t, y) for t, y, _, s in data if s == "train"]
    dev = [(t, y) for t, y, _, s in data if s == "dev"]
    if limit:
        train, dev = train[:limit], dev[: max(100, limit // 7)]
    rows = train + dev
    texts = [t for t, _ in rows]
    labels = np.asarray([y for _, y in rows], dtype=int)
    params = EdosParams()
    pooled = np.zeros(len(rows), dtype=int)
    per_fold: list[float] = []
    started = time.perf_counter()
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_idx, held_idx in splitter.split(texts, labels):
        model = NbLogisticRegression(params).fit([texts[i] for i in fit_idx], labels[fit_idx])
        pred = model.predict([texts[i] for i in held_idx])
        pooled[held_idx] = pred
        per_fold.append(round(float(f1_score(labels[held_idx], pred, average="macro")), 4))
    return {
        "rows": len(rows),
        "folds": per_fold,
        "seed": seed,
        "macro_f1": round(float(f1_score(labels, pooled, average="macro")), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _render_tables(rep: dict[str, Any], out: list[str], where: str) -> None:
    """The language, hard-case and category tables of an ``evaluate_rows`` report."""
    out.append("| language | n | precision | recall | F1 | hard cases | FPR on hard cases | ECE |")
    out.append("|---|---|---|---|---|---|---|---|")
    for lang, m in rep["by_lang"].items():
        out.append(
            f"| {lang} | {m['n']} | {m['precision']:.3f} | {m['recall']:.3f} | "
            f"**{m['f1']:.3f}** | {m['hard_cases']} | **{m['hard_fpr']:.1%}** | "
            f"{m['ece']:.3f} |"
        )
    detected = ", ".join(f"{lang} {m['lang_detection_accuracy']:.1%}" for lang, m in rep["by_lang"].items())
    o = rep["overall"]
    out.append(
        f"| all | {rep['n']} | {o['precision']:.3f} | {o['recall']:.3f} | "
        f"{o['f1']:.3f} | | {rep['gate']['hard_fpr']:.1%} | {o['ece']:.3f} |"
    )
    out.append("")
    out.append(
        "Rows are assessed with their language given; language detection on the same rows "
        f"(language not given): {detected}.\n"
    )
    out.append("| hard case | n | flagged (false positives) |\n|---|---|---|")
    for hc, m in rep["hard_cases"].items():
        out.append(f"| {hc} | {m['n']} | {m['fpr']:.1%} |")
    out.append("")
    out.append(
        "| category | n | detected (flagged) | precision | recall | F1 (flagged with the "
        "right top category) |\n|---|---|---|---|---|---|"
    )
    for cat, m in rep["by_category"].items():
        out.append(
            f"| {cat} | {m['n']} | {m['detected']:.1%} | {m['precision']:.3f} | "
            f"{m['recall']:.3f} | {m['f1']:.3f} |"
        )
    out.append("")
    out.append(f"Decisions on the {where}: {rep['decisions']}.\n")


def render_markdown(report: dict[str, Any]) -> str:
    """The evaluation report as Markdown tables (for docs/moderation_eval.md)."""
    out: list[str] = []
    corpus = report.get("corpus_test")
    if corpus:
        out.append(f"Model `{corpus['model_version']}`, corpus test split: {corpus['n']} rows.\n")
        _render_tables(corpus, out, "test split")
        for key, title in (
            ("false_negatives", "Missed stereotypes"),
            ("false_positives", "Acceptable texts flagged"),
        ):
            out.append(f"**{title}** (largest errors first):\n")
            for ex in corpus["confusions"][key]:
                label = ex["category"] or ex["hard_case"] or "plain"
                out.append(
                    f"- `{ex['id']}` ({ex['lang']}, {ex['kind']}, {label}, score "
                    f"{ex['score']:.2f}, {ex['decision']}): {ex['text']}"
                )
            out.append("")
    corpus_cv = report.get("corpus_cv")
    if corpus_cv and "report" in corpus_cv:
        folds = " / ".join(f"{f:.3f}" for f in corpus_cv["folds"])
        out.append(
            f"Corpus train split, {len(corpus_cv['folds'])}-fold cross-validation ({corpus_cv['rows']} "
            f"rows, stratified by language and label, seed {corpus_cv['seed']}, test split not read): "
            f"pooled out-of-fold assessments; lowest per-language F1 by fold {folds}.\n"
        )
        _render_tables(corpus_cv["report"], out, "train split (out of fold)")
    summary = report.get("corpus_cv_seeds")
    if summary and summary.get("seeds"):
        langs = [k[3:] for k in summary["mean"] if k.startswith("f1_")]
        changed = {k: v for k, v in summary["params"].items() if ModelParams().to_dict().get(k) != v}
        shown = ", ".join(f"{k} {v}" for k, v in changed.items()) or "the default parameters"
        out.append(
            f"Corpus train split, the same cross-validation with {len(summary['seeds'])} fold "
            f"assignments ({shown}):\n"
        )
        out.append("| seed | " + " | ".join(f"F1 {lang}" for lang in langs) + " | hard-case FP |")
        out.append("|---|" + "---|" * (len(langs) + 1))
        for row in [*summary["seeds"], {"seed": "**mean**", **summary["mean"]}]:
            cells = [f"{row[f'f1_{lang}']:.4f}" for lang in langs] + [f"{100 * row['hard_fpr']:.2f}%"]
            out.append(f"| {row['seed']} | " + " | ".join(cells) + " |")
        out.append("")
    edos = report.get("edos_task_a")
    if edos and "macro_f1" in edos:
        ref = edos["reference"]
        out.append("| EDOS task A (test split) | macro-F1 |\n|---|---|")
        out.append(
            f"| {edos['method']}, trained on train+dev ({edos['train_rows']} rows) | "
            f"**{edos['macro_f1']:.3f}** (dev split, trained on train only: {edos['dev_macro_f1']:.3f}) |"
        )
        out.append(f"| word+char TF-IDF logistic regression (reference) | {ref['tfidf_lr_baseline']:.3f} |")
        out.append(f"| shared-task median | {ref['shared_task_median']:.3f} |")
        out.append(f"| shared-task best | {ref['shared_task_best']:.3f} |")
        out.append("")
    cv = report.get("edos_task_a_cv")
    if cv and "macro_f1" in cv:
        folds = " / ".join(f"{f:.3f}" for f in cv["folds"])
        out.append(
            f"EDOS task A, {len(cv['folds'])}-fold cross-validation on train+dev ({cv['rows']} rows, "
            f"seed {cv['seed']}, test split not read): pooled out-of-fold macro-F1 "
            f"**{cv['macro_f1']:.3f}** (folds {folds}).\n"
        )
    rubia = report.get("rubia")
    if rubia and "pairs" in rubia:
        out.append(
            f"RuBia (gender, {rubia['pairs']} unique pairs): stereotyped sentences flagged "
            f"{rubia['pro_flagged']:.1%}, gender-swapped counterparts flagged "
            f"{rubia['anti_flagged']:.1%}; mean score {rubia['pro_mean_score']:.3f} vs "
            f"{rubia['anti_mean_score']:.3f}; the stereotyped member scored higher in "
            f"{rubia['pro_scored_higher']:.1%} of pairs.\n"
        )
    crows = report.get("crows_pairs")
    if crows and "pairs" in crows:
        out.append(
            f"CrowS-Pairs gender (diagnostics only, {crows['pairs']} pairs): more-stereotypical "
            f"sentence flagged {crows['more_flagged']:.1%}, less-stereotypical "
            f"{crows['less_flagged']:.1%}; more-stereotypical scored higher in "
            f"{crows['more_scored_higher']:.1%}.\n"
        )
    return "\n".join(out)
