"""Optuna samplers on NAS-Bench-Macro, for autonas's strategy benchmark.

Reads one JSON request on stdin:
  {"file": path to nas-bench-macro_cifar10.json, "samplers": ["tpe", "random"],
   "seeds": [..], "queries": 200, "max_trials": 3000}
and writes one JSON object on stdout: {"optuna": version, "runs": {sampler: [{seed, curve, trials, seconds}]}}.

A query is the first evaluation of a distinct network: encodings that differ only in where an
identity layer stands inside a stage are one network in the benchmark (one entry), so a repeat is
answered from a cache and not counted, as autonas's deduplication does for its own strategies.
`curve[q]` is the best mean accuracy after q + 1 queries.
"""
import json
import sys
import time

import optuna

STAGES = (2, 3, 3)


def class_key(key: str) -> str:
    out, i = "", 0
    for n in STAGES:
        stage = key[i:i + n]
        out += stage[0] + stage[1:].replace("0", "").ljust(n - 1, "0")
        i += n
    return out


def run(sampler_name: str, seed: int, table: dict, queries: int, max_trials: int) -> dict:
    if sampler_name == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed)
    elif sampler_name == "random":
        sampler = optuna.samplers.RandomSampler(seed=seed)
    else:
        raise SystemExit(f"unknown sampler {sampler_name}")
    study = optuna.create_study(direction="maximize", sampler=sampler)
    seen = {}
    curve = []
    started = time.perf_counter()

    def objective(trial):
        key = "".join(str(trial.suggest_categorical(f"layer_{i}", [0, 1, 2])) for i in range(8))
        c = class_key(key)
        acc = table[key]["mean_acc"]
        if c not in seen:
            seen[c] = acc
            curve.append(max(acc, curve[-1]) if curve else acc)
            if len(curve) >= queries:
                study.stop()
        return acc

    study.optimize(objective, n_trials=max_trials)
    return {"seed": seed, "curve": curve, "trials": len(study.trials), "seconds": time.perf_counter() - started}


def main() -> None:
    req = json.load(sys.stdin)
    with open(req["file"]) as f:
        table = json.load(f)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = {}
    for name in req["samplers"]:
        runs[name] = [run(name, seed, table, req["queries"], req.get("max_trials", 3000)) for seed in req["seeds"]]
    json.dump({"optuna": optuna.__version__, "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
