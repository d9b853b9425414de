# shellcheck shell=bash
# Finding a JDK, for the scripts that build or run Fanout (./fanout, .ci/run, scripts/bench.sh):
#
#   . scripts/lib/jdk.sh
#   JDK="$(find_jdk 21)"     # the home of a JDK 21+, or nothing
#
# The order: $JAVA_HOME, then the newest JDK under /usr/lib/jvm (Debian, Ubuntu) or
# /Library/Java/JavaVirtualMachines (macOS), then the one behind `java` on the PATH.
# A JDK counts only with both java and javac.

# jdk_major HOME: the feature version of the JDK in HOME, or nothing.
jdk_major() {
  local home="$1" v=""
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  [ -f "$home/release" ] && v="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
  [ -n "$v" ] || v="$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = //p')" || true
  v="${v#1.}" # 1.8.0_402 -> 8.0_402
  v="${v%%[!0-9]*}"
  printf '%s' "$v"
}

# find_jdk MIN: prints the home of the first JDK of version MIN or newer, or nothing.
find_jdk() {
  local min="$1" home major best="" best_major=0 java
  if [ -n "${JAVA_HOME:-}" ]; then
    major="$(jdk_major "$JAVA_HOME")"
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then
      printf '%s' "$JAVA_HOME"
      return
    fi
  fi
  for home in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$home" ] || continue
    major="$(jdk_major "$home")"
    if [ -n "$major" ] && [ "$major" -ge "$min" ] && [ "$major" -gt "$best_major" ]; then
      best="$home" best_major="$major"
    fi
  done
  if [ -n "$best" ]; then
    printf '%s' "$best"
    return
  fi
  if java="$(command -v java 2>/dev/null)"; then
    home="$(dirname "$(dirname "$(readlink -f "$java")")")"
    major="$(jdk_major "$home")"
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then
      printf '%s' "$home"
    fi
  fi
}
