#!/usr/bin/env python3
"""Prints the README's shipped-models table from weights/manifest.json."""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
rows = json.loads((root / "weights" / "manifest.json").read_text())
print("| weights | dataset | parameterization | variance | quality ratio (≤ 2.0 for epsilon) | −ELBO nats/dim | train command |")
print("|---|---|---|---|---|---|---|")
for m in rows:
    e = m["eval"]
    print(f"| `{m['file']}` | {e['dataset']} | {e['parameterization']} | {e['variance']} | "
          f"{e['quality']['ratio']:.3f} | {e['nelbo']['total']:.3f} | `{m['train_command']}` |")
print()
print("Each row's eval command: `ptheta eval --weights weights/FILE --samples 2000 --elbo-points 1000 --seed 0 --json` "
      "(2000 samples of the full 1000-step chain; the ELBO over 1000 held-out points).")
