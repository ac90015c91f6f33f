#!/usr/bin/env bash
# Runs every native Go fuzz target of the module, one at a time, each for
# FUZZTIME, and fails if any of them finds a failing input.
#
#   bench/fuzz.sh                              # every target, 5s each
#   FUZZTIME=10m bench/fuzz.sh                 # a campaign: 10 minutes each
#   FUZZTIME=2m bench/fuzz.sh ./persistence/rdb ./session/resp   # some packages
#   FUZZ='Restore|Import' FUZZTIME=30m bench/fuzz.sh ./command ./persistence/rdb
#
# The targets are discovered, not listed: every package with a
# "func Fuzz" in a _test.go file, then `-test.list '^Fuzz'` of its test
# binary (what `go test -list '^Fuzz'` prints).
# FUZZ (a regular expression, default: all) narrows the targets by name;
# FUZZPARALLEL sets go test's -parallel (fuzzing workers; default: all
# CPUs); FUZZMINIMIZETIME bounds the minimizing of each new input
# (default 2s: go's own 60s can take a whole short run, its executions
# not counted). The corpus the fuzzer grows lives in go's cache
# ($(go env GOCACHE)/fuzz/<package>/<target>) and carries over from one
# run to the next; `go clean -fuzzcache` drops it.
#
# A failing input is written by go test to the package's
# testdata/fuzz/<target>/<hash>; this script prints every such new file
# at the end. Reproduce one with
#   go test -run '<target>/<hash>' ./<package>
# and, once the decoder is fixed, commit the file: it is then a seed that
# every plain `go test` runs as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-5s}
minimize=${FUZZMINIMIZETIME:-2s}
only=${FUZZ:-.}
par=()
if [ -n "${FUZZPARALLEL:-}" ]; then par=(-test.parallel "$FUZZPARALLEL"); fi

if [ $# -gt 0 ]; then
	pkgs=("$@")
else
	mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
failed=()
count=0
start=$SECONDS
for pkg in "${pkgs[@]}"; do
	# One instrumented test binary per package (go test -fuzz would link
	# one per target), run in the package's directory as go test does.
	bin=$tmp/fuzz.test
	go test -c -fuzz=. -o "$bin" "$pkg"
	dir=$(go list -f '{{.Dir}}' "$pkg")
	cache=$(go env GOCACHE)/fuzz/$(go list "$pkg")
	mapfile -t targets < <(cd "$dir" && "$bin" -test.list '^Fuzz' | grep '^Fuzz' | grep -E "$only" || true)
	for t in "${targets[@]}"; do
		count=$((count + 1))
		echo "== $pkg $t ($fuzztime)"
		if (cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^$t\$" -test.fuzztime "$fuzztime" \
			-test.fuzzminimizetime "$minimize" -test.fuzzcachedir "$cache" "${par[@]}" 2>&1) | tee "$out"; then
			continue
		fi
		# Go 1.26's coordinator may end a run that found nothing with a
		# bare "context deadline exceeded" (go.dev/issue/75804): not a
		# failure of the target, which always writes its failing input.
		if grep -q '^    context deadline exceeded$' "$out" && ! grep -q 'Failing input written' "$out"; then
			echo "== $pkg $t: go's fuzztime race (go.dev/issue/75804), no failing input: ignored"
			continue
		fi
		failed+=("$pkg $t")
	done
done
echo "== $count fuzz targets in $((SECONDS - start))s"

new=$(git status --porcelain --untracked-files=all -- '*testdata/fuzz/*' | sed -n 's/^?? //p')
if [ -n "$new" ]; then
	echo "== new failing inputs (reproduce: go test -run '<target>/<file>' ./<package>):"
	for f in $new; do
		echo "--- $f"
		head -c 2000 "$f"
		echo
	done
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "== FAILED:"
	printf '   %s\n' "${failed[@]}"
	exit 1
fi
