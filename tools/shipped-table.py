#!/usr/bin/env python3
"""Prints the README's shipped-models table from weights/manifest.json: for each model the figures
over several draws (`evals`, tools/record-evals.py) of every chain the page offers (`ptheta info
--json`'s "page_chains", from the catalog: the default variance first, then the others, then the
respacing experiment where there is one) and of the full chain, and the recorded one-draw eval.
Then the digits models' table: their image figures (`ptheta eval` on the digits) for the full chain
and every chain the page would offer. Needs `cargo build --release --bin ptheta`."""
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
for m in (r for r in rows if "quality" in r["eval"]):
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

images = [r for r in rows if "images" in r["eval"]]
if images:
    def pm(s, digits=3):
        return f"{s['mean']:.{digits}f} ± {s['sd']:.{digits}f}"

    def cells(e):
        i = e["images"]
        return f"{pm(i['confidence'])} | {pm(i['classes'], 2)} | {pm(i['nearest'])}"

    print()
    print("| weights | chain | classifier confidence | digits drawn (of 10) | nearest training digit | −ELBO nats/dim |")
    print("|---|---|---|---|---|---|")
    for m in images:
        e = m["eval"]
        print(f"| `{m['file']}` | {e['variance']}, {e['steps']} steps | {cells(e)} | {e['nelbo']['total']:.3f} |")
        for x in m.get("evals", []):
            if (x["variance"], x["steps"]) != (e["variance"], e["steps"]):
                print(f"| | {x['variance']}, {x['steps']} steps | {cells(x)} | {x['nelbo']['total']:.3f} |")
    r = images[0]["eval"]["images"]["reference"]
    print(f"| real held-out digits | | {r['confidence']:.3f} | {r['classes']:.2f} | {r['nearest']:.3f} | |")
    print()
    print(f"The classifier's accuracy on the held-out digits: {r['accuracy']:.3f}. Means ± sd over "
          f"{images[0]['eval']['seeds']} draws of {images[0]['eval']['samples']} samples; eval commands: "
          + "; ".join(f"`{m['eval_command']}`" for m in images) + ".")
