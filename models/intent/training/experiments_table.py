"""Prints a Markdown table of every experiment report in .train-cache/experiments/ (for models/intent/EXPERIMENTS.md)."""
import json
import sys
from pathlib import Path

d = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / ".train-cache" / "experiments")
rows = []
for p in sorted(d.glob("*.json"), key=lambda p: p.stat().st_mtime):
    r = json.loads(p.read_text())
    c = r["config"]
    o = r["oos"]["at_chosen"]
    rows.append("| {name} | H{hidden} L{layers} FFN{ffn} ens{ensemble} mlm{mlm_epochs} ep{epochs} ls{label_smoothing} "
                "cw{contrastive_weight} glove={glove} | {acc:.4f} | {b77:.4f} | {f1:.4f} | {rec:.3f} / {fpr:.3f} | "
                "{cfrec:.3f} / {cffpr:.3f} | {var} | {params:.2f}M | {secs:.0f} |".format(
                    name=r["name"], acc=r["accuracy"], b77=r["banking77_accuracy"], f1=r["macro_f1"],
                    rec=o["oos_recall"], fpr=o["false_oos_rate"], cfrec=o["cross_fitted_oos_recall"],
                    cffpr=o["cross_fitted_false_oos_rate"], var=r["oos"]["chosen_variant"],
                    params=r["n_parameters"] / 1e6, secs=r["train_seconds"], **c))
print("| run | config | val acc | BANKING77 acc | macro-F1 | OOS recall / false-OOS (tuned on val) | "
      "same, 2-fold cross-fitted | OOS rule | params | train s |")
print("|---|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
