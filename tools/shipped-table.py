#!/usr/bin/env python3
"""Prints the README's shipped-models table from weights/manifest.json: the recorded one-seed eval
of the full chain, and the figures over several draws (`evals`, tools/record-evals.py) for the
chain the page runs (its default variance and steps) and for the full chain."""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
rows = json.loads((root / "weights" / "manifest.json").read_text())
PAGE_STEPS = 50
MEAN_MODELS = ("mean", "mean-variance")


def spread(m, steps):
    e = next((x for x in m.get("evals", []) if x["steps"] == steps and x["variance"] == m["eval"]["variance"]), None)
    return f"{e['quality']['ratio']:.2f} ± {e['quality']['sd']:.2f}" if e else "–"


print("| weights | variance | page chain: steps | page chain: quality ratio (mean ± sd, 5 draws) "
      "| full 1000-step chain: quality ratio (mean ± sd, 5 draws) | full chain, seed 0 | −ELBO nats/dim | train command |")
print("|---|---|---|---|---|---|---|---|")
for m in rows:
    e = m["eval"]
    page = 1000 if e["parameterization"] in MEAN_MODELS else PAGE_STEPS
    print(f"| `{m['file']}` | {e['variance']} | {page} | {spread(m, page)} | {spread(m, 1000)} | "
          f"{e['quality']['ratio']:.3f} | {e['nelbo']['total']:.3f} | `{m['train_command']}` |")
print()
print("Seed-0 eval command of each row: `ptheta eval --weights weights/FILE --samples 2000 --elbo-points 1000 --seed 0 --json` "
      "(2000 samples of the full 1000-step chain; the ELBO over 1000 held-out points). Mean ± sd: "
      "`ptheta eval --weights weights/FILE --samples 2000 --steps S --seeds 5 --elbo-points 0 --seed 0 --json` "
      "(five independent draws of the chain and of the data).")
