"""Moderation benchmark: training time, load time, throughput on ~500-word articles, model size.

    python benchmarks/moderation.py [--articles 300] [--markdown]

Runs on one core (BLAS threads pinned to 1) with a model trained from the project corpus into a
temporary registry, so it never touches ./var.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import load_moderator, registry  # noqa: E402
from moderation.corpus import load_corpus  # noqa: E402
from moderation.training import train  # noqa: E402


def make_articles(n: int, words: int = 500, seed: int = 7, clean: bool = False) -> list[tuple[str, str]]:
    """~``words``-word articles stitched from corpus passages of one language each
    (``clean``: acceptable passages only, the common case for published content)."""
    rng = random.Random(seed)
    rows = load_corpus()
    by_lang: dict[str, list[str]] = {}
    for r in rows:
        if clean and r.is_stereotype:
            continue
        by_lang.setdefault(r.lang, []).append(r.text)
    langs = sorted(by_lang)
    out = []
    for i in range(n):
        lang = langs[i % len(langs)]
        parts: list[str] = []
        count = 0
        while count < words:
            text = rng.choice(by_lang[lang])
            parts.append(text)
            count += len(text.split())
        out.append((lang, " ".join(parts)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        reg = Path(tmp) / "registry"
        started = time.perf_counter()
        version = train(registry_dir=reg)
        train_seconds = time.perf_counter() - started
        registry.promote(version, reg, force=True)
        meta = registry.metadata(version, reg)
        size = (reg / "versions" / version / "model.joblib").stat().st_size

        started = time.perf_counter()
        moderator = load_moderator(reg)
        load_seconds = time.perf_counter() - started
        # cold start: a fresh interpreter importing the package and loading the model
        code = (
            "import time; t=time.perf_counter(); import moderation; "
            f"moderation.load_moderator({str(reg)!r}); print(time.perf_counter()-t)"
        )
        cold = float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
            ).stdout.strip()
        )

        articles = make_articles(args.articles)
        clean = make_articles(args.articles, clean=True, seed=11)
        avg_words = sum(len(t.split()) for _, t in articles) / len(articles)
        moderator.assess(articles[0][1])  # warm-up

        def run(items: list[tuple[str, str]]) -> tuple[float, float, dict[str, int]]:
            decisions: dict[str, int] = {}
            wall, cpu = time.perf_counter(), time.process_time()
            for _, text in items:
                d = moderator.assess(text).decision
                decisions[d] = decisions.get(d, 0) + 1
            return (
                len(items) / (time.perf_counter() - wall),
                len(items) / (time.process_time() - cpu),
                decisions,
            )

        single, single_cpu, decisions = run(articles)
        clean_rate, clean_cpu, clean_decisions = run(clean)
        # the same articles again: per-process memos (words' character n-grams, the rules each
        # word can start) are warm, as in a long-running worker
        _, warm_cpu, _ = run(articles)
        _, warm_clean_cpu, _ = run(clean)
        started = time.perf_counter()
        for i in range(0, len(articles), 50):
            moderator.assess_many([t for _, t in articles[i : i + 50]])
        batched = len(articles) / (time.perf_counter() - started)
        # adversarial inputs of 100,000 characters, each a single sentence: clause breaks and
        # debunking markers everywhere, or one stereotype repeated (the rules' context analysis
        # must stay linear in the sentence's length)
        hostile = [
            (" - myth" * 15000)[:100_000],
            ("some say: a woman's place is in the kitchen, but - myth: or not - " * 1500)[:100_000],
            ("a woman's place is in the kitchen, " * 2900)[:100_000],
            # a doubting question whose emphatic phrases are far from its opener
            ("Разве " + "это не миф, что жена должна слушаться мужа, и " * 2200)[:99_999] + "?",
            # a rule's anchor word followed by nothing but blanks (a gap followed by optional
            # blanks was quadratic: 22 s for 50,000 spaces)
            "Кухня" + " " * 99_995,
            # dashes before a question's opening (the yes/no opener backtracked: 80 s)
            "-" * 99_983 + " муж лучше знает?",
        ]
        worst = 0.0
        for text in hostile:
            cpu = time.process_time()
            moderator.assess(text)
            worst = max(worst, time.process_time() - cpu)

    result = {
        "model_version": version,
        "train_rows": meta["data"]["n_train"],
        "training_seconds": round(train_seconds, 1),
        "training_seconds_fit_only": meta["training_seconds"],
        "load_seconds": round(load_seconds, 3),
        "cold_import_and_load_seconds": round(cold, 3),
        "model_size_bytes": size,
        "articles": len(articles),
        "avg_words_per_article": round(avg_words),
        "articles_per_second_single": round(single, 1),
        "articles_per_cpu_second_single": round(single_cpu, 1),
        "clean_articles_per_second": round(clean_rate, 1),
        "clean_articles_per_cpu_second": round(clean_cpu, 1),
        "decisions_on_clean_articles": clean_decisions,
        "articles_per_cpu_second_warm": round(warm_cpu, 1),
        "clean_articles_per_cpu_second_warm": round(warm_clean_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "articles_per_second_batch50": round(batched, 1),
        "worst_adversarial_100k_chars_cpu_seconds": round(worst, 3),
        "decisions_on_benchmark_articles": decisions,
        "cpu_count": os.cpu_count(),
    }
    if args.markdown:
        print("| measure | value | target |\n|---|---|---|")
        print(
            f"| training time (corpus, {result['train_rows']} rows, incl. evaluation) | "
            f"{result['training_seconds']} s | < 180 s |"
        )
        print(f"| model load (in process) | {result['load_seconds']} s | < 2 s |")
        print(f"| cold start (import + load) | {result['cold_import_and_load_seconds']} s | |")
        print(
            f"| throughput, one core, one call per article (~{result['avg_words_per_article']}"
            f" words) | {result['articles_per_second_single']} articles/s | >= 200 |"
        )
        print(
            "| same, per CPU-second (excludes waiting for a busy CPU) | "
            f"{result['articles_per_cpu_second_single']} articles/s | >= 200 |"
        )
        print(
            "| clean articles (acceptable passages only), wall / per CPU-second | "
            f"{result['clean_articles_per_second']} / {result['clean_articles_per_cpu_second']}"
            " articles/s | >= 200 |"
        )
        print(
            "| second pass over the same articles (memos warm), per CPU-second, mixed / clean | "
            f"{result['articles_per_cpu_second_warm']} / {result['clean_articles_per_cpu_second_warm']}"
            " articles/s | >= 200 |"
        )
        print(
            f"| throughput, one core, batches of 50 | {result['articles_per_second_batch50']} articles/s | |"
        )
        print(
            f"| machine load average (1 min) at the end of the run | "
            f"{result['load_average_1min']} on {result['cpu_count']} cores | |"
        )
        print(
            "| slowest of six adversarial 100,000-character one-sentence texts, CPU | "
            f"{result['worst_adversarial_100k_chars_cpu_seconds']} s | |"
        )
        print(f"| model size on disk | {size / 1e6:.2f} MB | |")
    else:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
