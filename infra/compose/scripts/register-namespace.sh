#!/bin/sh
# Registers the namespace the workers use and the typed search attributes the sweep workflow sets
# (NcapDataset, NcapStatus, NcapWinner as Keyword, NcapWinnerProbability as Double: the workers upsert
# them when NCAP_SEARCH_ATTRIBUTES=1).
# Idempotent. Env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, NAMESPACE_RETENTION (e.g. 30d).
set -eu

namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${NAMESPACE_RETENTION:-30d}"

echo "waiting for Temporal at ${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "Temporal did not become healthy" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --namespace "$namespace" --retention "$retention"
  echo "namespace $namespace created (retention $retention)"
fi

# A new namespace can take a few seconds to reach every service: retry the first registrations.
for entry in NcapDataset:Keyword NcapStatus:Keyword NcapWinner:Keyword NcapWinnerProbability:Double; do
  name="${entry%%:*}"
  type="${entry#*:}"
  tries=0
  until temporal operator search-attribute list --namespace "$namespace" | grep -qw "$name"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 15 ]; then
      echo "could not register search attribute $name" >&2
      exit 1
    fi
    temporal operator search-attribute create --namespace "$namespace" --name "$name" --type "$type" >/dev/null 2>&1 || sleep 2
  done
  echo "search attribute $name ($type) registered"
done
