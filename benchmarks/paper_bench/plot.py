"""The evaluation plot: per-type scores of each system, then the latency distributions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PLOTTED_SCORES = (
    ("recall@5", "recall@5"),
    ("mrr", "MRR"),
    ("keyword_accuracy", "keyword acc."),
    ("citation_precision_gold", "citation precision"),
    ("citation_recall", "citation recall"),
    ("abstention_accuracy", "abstention acc."),
)


def plot_reports(reports: dict[str, dict[str, Any]], path: Path) -> Path:
    """One bar chart of scores per question type for each report, and box plots of latency."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        len(reports) + 1, 1, figsize=(11, 3.6 * (len(reports) + 1)), squeeze=False
    )
    for axis, (system, report) in zip(axes[:-1, 0], reports.items(), strict=True):
        groups = {**report["by_type"], "overall": report["overall"]}
        width = 0.8 / len(PLOTTED_SCORES)
        for number, (key, label) in enumerate(PLOTTED_SCORES):
            values = [metrics.get(key) for metrics in groups.values()]
            offset = (number - len(PLOTTED_SCORES) / 2 + 0.5) * width
            axis.bar(
                [i + offset for i in range(len(groups))],
                [value or 0.0 for value in values],
                width,
                label=label,
            )
            for i, value in enumerate(values):
                if value is not None and value < 0.02:  # a zero score is a result, not a gap
                    axis.text(i + offset, 0.01, "0", ha="center", va="bottom", fontsize=7)
        axis.set_xticks(range(len(groups)), [name.replace("_", " ") for name in groups])
        axis.set_ylim(0, 1.05)
        axis.set_title(f"{system}: scores by question type")
        axis.legend(
            fontsize=7, ncol=len(PLOTTED_SCORES), loc="upper center", bbox_to_anchor=(0.5, -0.12)
        )
    latency_axis = axes[-1, 0]
    series, labels = [], []
    for system, report in reports.items():
        for name in report.get("latency_ms", {}):
            values = [r["timings"][name] for r in report["results"] if name in r["timings"]]
            if values:
                series.append(values)
                labels.append(f"{system}\n{name.removesuffix('_ms')}")
    if series:
        latency_axis.boxplot(series, tick_labels=labels)
        latency_axis.set_yscale("log")
    latency_axis.set_ylabel("ms (log scale)")
    latency_axis.set_title("Latency distribution per question")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
