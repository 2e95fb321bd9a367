"""NLU and gateway benchmarks (issue: foundation).

- intent accuracy and macro F1 on a held-out, stratified 20 % split of data/nlu that the
  benchmark model never sees, as typed and with the diacritics stripped;
- dossier code extraction on the held-out annotated examples and on generated loose forms;
- /model/parse latency p50/p95;
- REST round trip through the gateway vs directly to Rasa, interleaved in the same run;
- training time of the full model (NLU + dialogue) and of the split model.
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import Metrics, metric, percentile
from bot.devstack import RASA, ROOT, Stack, rasa_env
from nlu.text import fold
from nlu.training_data import Example, load_examples, write_examples

SEED = 20261124
RESULTS = Path(__file__).resolve().parent / "results"
HELD_OUT = 0.2


def held_out(example: Example) -> bool:
    """About one example in five, chosen by a hash of its text: the split is stable, so adding
    training data never moves an existing example between training and test."""
    digest = hashlib.sha256(f"{SEED}:{example.intent}:{example.raw}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT * 100


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    train = [ex for ex in examples if not held_out(ex)]
    test = [ex for ex in examples if held_out(ex)]
    return train, test


def train(out: Path, *, nlu_only: bool, data: list[Path], name: str) -> float:
    args = [str(RASA), "train"] + (["nlu"] if nlu_only else [])
    args += ["--config", str(ROOT / "nlu" / "config.yml")]
    if nlu_only:
        args += ["--nlu", *map(str, data)]
    else:
        args += ["--domain", str(ROOT / "nlu" / "domain.yml"), "--data", *map(str, data)]
    args += ["--out", str(out), "--fixed-model-name", name, "--quiet"]
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=rasa_env(), check=True, capture_output=True)
    return time.perf_counter() - started


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def loose_code_messages(n: int) -> list[tuple[str, str]]:
    """Generated messages with a dossier code typed in a loose form, and the canonical code."""
    rng = random.Random(SEED + 1)
    templates = [
        "hồ sơ {} đến đâu rồi ạ", "ho so {} xong chua", "{}", "tra cứu giúp em mã {}",
        "mã hs: {}.", "cho hoi hs {} the nao roi", "HỒ SƠ {} CÓ KẾT QUẢ CHƯA", "{} ạ",
    ]  # fmt: skip
    out = []
    for _ in range(n):
        agency = f"{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}.{rng.randint(0, 99):02d}"
        letter = rng.choice("GHKX")
        code = (
            f"{agency}.{letter}{rng.randint(1, 99):02d}-"
            f"{rng.randint(24, 26):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-"
            f"{rng.randint(0, 9999):04d}"
        )
        typed = code
        if rng.random() < 0.5:
            typed = typed.lower()
        if rng.random() < 0.4:
            typed = typed.replace("-", rng.choice([" - ", " -", "- ", " "]))
        if rng.random() < 0.3:
            head, tail = typed[:6], typed[6:]
            typed = head.replace("0", "O") + tail.replace("0", rng.choice(["O", "0"]))
        out.append((rng.choice(templates).format(typed), code))
    return out


def parse_all(rasa_url: str, texts: list[str]) -> tuple[list[dict[str, Any]], list[float]]:
    results, latencies = [], []
    with httpx.Client(timeout=30) as client:
        for text in texts[:20]:  # warm up
            client.post(f"{rasa_url}/model/parse", json={"text": text})
        for text in texts:
            started = time.perf_counter()
            response = client.post(f"{rasa_url}/model/parse", json={"text": text})
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            results.append(response.json())
    return results, latencies


def codes_of(parsed: dict[str, Any]) -> list[str]:
    return [e["value"] for e in parsed.get("entities", []) if e.get("entity") == "dossier_code"]


def run_rasa(model: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(RASA), "run", "--enable-api", "--model", str(model), "--port", str(port),
         "--interface", "127.0.0.1", "--endpoints", str(ROOT / "nlu" / "endpoints.yml")],
        cwd=ROOT, env=rasa_env({**os.environ, "MOTCUA_ACTION_ENDPOINT": "http://127.0.0.1:1/webhook"}),
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_model(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/status", timeout=2).json().get("model_file"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"Rasa at {url} did not load a model")


def accuracy_benchmarks(workdir: Path, port: int) -> Metrics:
    train_set, test_set = split(load_examples())
    train_file = workdir / "train.yml"
    write_examples(train_set, train_file)
    seconds = train(workdir, nlu_only=True, data=[train_file], name="split")
    rasa = run_rasa(workdir / "split.tar.gz", port, workdir / "rasa.log")
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_model(url)
        except TimeoutError:
            print((workdir / "rasa.log").read_text("utf-8", "replace")[-3000:])
            raise
        gold = [ex.intent for ex in test_set]
        typed, latencies = parse_all(url, [ex.text for ex in test_set])
        plain, _ = parse_all(url, [fold(ex.text) for ex in test_set])
        # nlu_fallback counts as a miss: the citizen would not get the right answer.
        typed_pred = [r["intent"]["name"] for r in typed]
        plain_pred = [r["intent"]["name"] for r in plain]
        annotated = [(ex, r) for ex, r in zip(test_set, typed, strict=True) if ex.entities]
        code_hits = sum(1 for ex, r in annotated if codes_of(r) == [e.value for e in ex.entities])
        generated = loose_code_messages(500)
        gen_parsed, _ = parse_all(url, [text for text, _ in generated])
        gen_hits = sum(
            1 for (_, code), r in zip(generated, gen_parsed, strict=True) if codes_of(r) == [code]
        )
    finally:
        rasa.terminate()
        rasa.wait(30)
    n = len(test_set)
    errors = [
        f"{ex.intent:28s} -> {r['intent']['name']:28s} {r['intent']['confidence']:.2f}  {ex.text}"
        for ex, r in zip(test_set, typed, strict=True)
        if r["intent"]["name"] != ex.intent
    ]
    (RESULTS / "nlu_errors.txt").write_text("\n".join(errors) + "\n", encoding="utf-8")
    fallbacks = sum(1 for p in typed_pred if p == "nlu_fallback")
    return {
        "nlu_fallback_rate_held_out": metric(fallbacks / n, "ratio", lower_is_better=True),
        "nlu_intent_accuracy_typed": metric(
            sum(g == p for g, p in zip(gold, typed_pred, strict=True)) / n,
            "ratio", lower_is_better=False),
        "nlu_intent_accuracy_no_diacritics": metric(
            sum(g == p for g, p in zip(gold, plain_pred, strict=True)) / n,
            "ratio", lower_is_better=False),
        "nlu_intent_macro_f1_typed": metric(
            macro_f1(gold, typed_pred), "ratio", lower_is_better=False),
        "nlu_intent_macro_f1_no_diacritics": metric(
            macro_f1(gold, plain_pred), "ratio", lower_is_better=False),
        "nlu_held_out_examples": metric(n, "count", lower_is_better=False),
        "nlu_dossier_code_extraction_held_out": metric(
            code_hits / max(len(annotated), 1), "ratio", lower_is_better=False),
        "nlu_dossier_code_extraction_generated": metric(
            gen_hits / len(generated), "ratio", lower_is_better=False),
        "nlu_parse_latency_p50": metric(percentile(latencies, 0.5), "ms", lower_is_better=True),
        "nlu_parse_latency_p95": metric(percentile(latencies, 0.95), "ms", lower_is_better=True),
        "nlu_train_seconds_split_model": metric(seconds, "s", lower_is_better=True),
    }  # fmt: skip


def round_trip_benchmarks(workdir: Path, ports: list[int], rounds: int = 300) -> Metrics:
    seconds = train(workdir, nlu_only=False, data=[ROOT / "data" / "nlu", ROOT / "data" / "rules"],
                    name="full")  # fmt: skip
    rasa_port, http_port, actions_port = ports
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite:///{workdir}/bench.db"}
    for args in (
        ["db", "upgrade"],
        ["import-procedures", "data/procedures"],
        ["import-dossiers", "data/demo/dossiers.csv"],
    ):
        subprocess.run(
            [sys.executable, "-m", "core.cli", *args], cwd=ROOT, env=env, check=True,
            capture_output=True,
        )  # fmt: skip
    stack = Stack(
        rasa_url=f"http://127.0.0.1:{rasa_port}", http_port=http_port, actions_port=actions_port,
        model_path=workdir / "full.tar.gz", env=env, with_worker=False,
    )  # fmt: skip
    messages = [ex.text for ex in load_examples() if not ex.entities][::7][:60]
    direct, gateway = [], []
    stack.start()
    try:
        stack.wait_ready()
        with httpx.Client(timeout=30) as client:
            targets = {
                "direct": f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                "gateway": f"http://127.0.0.1:{http_port}/webhooks/rest/webhook",
            }
            for i in range(rounds + 20):
                text = messages[i % len(messages)]
                order = ["direct", "gateway"] if i % 2 else ["gateway", "direct"]
                for which in order:
                    started = time.perf_counter()
                    response = client.post(
                        targets[which], json={"sender": f"bench{i}", "message": text}
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200 and response.json()
                    if i >= 20:
                        (direct if which == "direct" else gateway).append(elapsed)
    finally:
        stack.stop()
    ratio = statistics.median(gateway) / statistics.median(direct)
    return {
        "rest_round_trip_direct_rasa_p50": metric(
            statistics.median(direct), "ms", lower_is_better=True),
        "rest_round_trip_gateway_p50": metric(
            statistics.median(gateway), "ms", lower_is_better=True),
        "rest_round_trip_gateway_vs_direct_ratio": metric(ratio, "ratio", lower_is_better=True),
        "rest_round_trip_gateway_p95": metric(
            percentile(gateway, 0.95), "ms", lower_is_better=True),
        "nlu_train_seconds_full_model": metric(seconds, "s", lower_is_better=True),
    }  # fmt: skip


def run(free_port: Any) -> Metrics:
    results: Metrics = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        workdir = Path(tmp)
        results |= accuracy_benchmarks(workdir, free_port())
        results |= round_trip_benchmarks(workdir, [free_port(), free_port(), free_port()])
    return results
