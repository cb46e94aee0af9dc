#!/usr/bin/env bash
# Proxy benchmarks (issue 3).
#   scripts/bench-proxy.sh [instances]          render: 1,000 instances x 3 routes, median after warm-up (<= 50 ms)
#   scripts/bench-proxy.sh sync [n] [rounds]    steady-state sync on the dev host's real LXD (throwaway project
#                                               bench-proxy, n busybox containers): LXD calls per sync (target 1),
#                                               file writes and reloads per no-change sync (target 0)
set -euo pipefail

main() {
  cd "$(dirname "$0")/.."
  mvn -q -o test-compile
  mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
  local cp="target/test-classes:target/classes:$(cat target/cp.txt)"
  if [[ "${1:-}" == sync ]]; then
    java -cp "$cp" io.terrarium.proxy.ProxySyncBenchmark "${2:-3}" "${3:-10}"
  else
    java -cp "$cp" io.terrarium.proxy.ProxyRenderBenchmark "${1:-1000}"
  fi
}

main "$@"
