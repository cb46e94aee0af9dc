#!/usr/bin/env bash
# Proxy render benchmark: 1,000 instances x 3 routes, median after warm-up (issue 3: <= 50 ms).
# Usage: scripts/bench-proxy.sh [instances]
set -euo pipefail

main() {
  cd "$(dirname "$0")/.."
  mvn -q -o test-compile
  mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
  java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
    io.terrarium.proxy.ProxyRenderBenchmark "${1:-1000}"
}

main "$@"
