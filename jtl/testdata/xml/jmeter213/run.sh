#!/bin/sh
# Regenerates ../jmeter213.jtl with real JMeter 2.13 (see ../../../../../shared/jmeter)
# against JMeter's HttpMirrorServer on 127.0.0.1. Run from this directory.
set -eu
JMETER=${JMETER_BIN:-/opt/jmeter-2.13/jmeter}
JM=/usr/share/jmeter
PORT=${PORT:-18283}
TMP=$(mktemp -d)
java -cp "$JM/lib/ext/ApacheJMeter_http.jar:$JM/lib/ext/ApacheJMeter_core.jar:$JM/lib/jorphan.jar" \
  org.apache.jmeter.protocol.http.control.HttpMirrorServer "$PORT" >"$TMP/mirror.log" 2>&1 &
MIRROR=$!
trap 'kill $MIRROR 2>/dev/null || true; rm -rf "$TMP"' EXIT
i=0
until grep -q "up and running" "$TMP/mirror.log" 2>/dev/null; do
  i=$((i+1)); [ $i -le 100 ] || { cat "$TMP/mirror.log" >&2; exit 1; }; sleep 0.1
done
"$JMETER" -n -t plan.jmx -l "$TMP/out.jtl" -j "$TMP/jmeter.log" -Jmirror.port="$PORT" \
  -Jjmeter.save.saveservice.output_format=xml \
  -Jjmeter.save.saveservice.responseHeaders=true \
  -Jjmeter.save.saveservice.assertion_results_failure_message=true \
  -Jjmeter.save.saveservice.thread_counts=true \
  -Jjmeter.save.saveservice.url=true \
  -Jsample_variables=retryAfter >/dev/null
cp "$TMP/out.jtl" ../jmeter213.jtl
