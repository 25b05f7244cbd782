#!/usr/bin/env python3
"""Prints the README's shipped-models table from weights/manifest.json: for each model the figures
over several draws (`evals`, tools/record-evals.py) of every chain the page offers (`ptheta info
--json`'s "page_chains", from the catalog: the default variance first, then the others, then the
respacing experiment where there is one) and of the full chain, and the recorded one-draw eval.
Needs `cargo build --release --bin ptheta`."""
import json
import pathlib
import subprocess

root = pathlib.Path(__file__).resolve().parent.parent
rows = json.loads((root / "weights" / "manifest.json").read_text())
BIN = root / "target" / "release" / "ptheta"


def spread(m, variance, steps):
    e = next((x for x in m.get("evals", []) if x["steps"] == steps and x["variance"] == variance), None)
    return f"{e['quality']['ratio']:.2f} ± {e['quality']['sd']:.2f}" if e else "–"


print("| weights | page chain | page chain: quality ratio (mean ± sd, 5 draws) | other chains the page offers "
      "| full chain (mean ± sd, 5 draws) | full chain, seed 0 | −ELBO nats/dim | train command |")
print("|---|---|---|---|---|---|---|---|")
for m in rows:
    info = json.loads(subprocess.run([BIN, "info", "--weights", root / "weights" / m["file"], "--json"],
                                     check=True, capture_output=True, text=True).stdout)
    chains = [(c["variance"], c["steps"]) for c in info["page_chains"]]
    default = next(c for c in chains if c[0] == info["default_variance"])
    others = "; ".join(f"{v}, {s} steps: {spread(m, v, s)}" for v, s in chains if (v, s) != default)
    e = m["eval"]
    full = (e["variance"], info["config"]["timesteps"])
    print(f"| `{m['file']}` | {default[0]}, {default[1]} steps | {spread(m, *default)} | {others} | "
          f"{spread(m, *full)} | {e['quality']['ratio']:.3f} | {e['nelbo']['total']:.3f} | `{m['train_command']}` |")
print()
print("Seed-0 eval command of each row: `ptheta eval --weights weights/FILE --samples 2000 --elbo-points 1000 --seed 0 --json` "
      "(2000 samples of the full 1000-step chain; the ELBO over 1000 held-out points). Mean ± sd: "
      "`ptheta eval --weights weights/FILE --samples 2000 --steps S --variance V --seeds 5 --elbo-points 0 --seed 0 --json` "
      "(five independent draws of the chain and of the data).")
