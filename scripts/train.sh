#!/usr/bin/env bash
# Trains the Rasa model into models/, only when the training inputs changed.
# The model is named by a hash of everything that shapes it, so an unchanged tree reuses it.
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=$(ls nlu/config.yml nlu/domain.yml data/nlu/*.yml data/rules/*.yml nlu/components/*.py nlu/text/*.py nlu/requirements.lock)
hash=$(cat $inputs | sha256sum | cut -c1-16)
name="motcua-$hash"
mkdir -p models
if [ -f "models/$name.tar.gz" ] && [ "${FORCE:-0}" != "1" ]; then
  touch "models/$name.tar.gz"   # newest *.tar.gz wins
  echo "[train] model up to date: models/$name.tar.gz"
  exit 0
fi
echo "[train] training models/$name.tar.gz"
start=$(date +%s)
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
  SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore \
  .venv-rasa/bin/rasa train --config nlu/config.yml --domain nlu/domain.yml \
  --data data/nlu data/rules --out models --fixed-model-name "$name" --quiet "$@"
echo "[train] done in $(( $(date +%s) - start )) s: models/$name.tar.gz"
