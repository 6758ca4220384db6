#!/usr/bin/env bash
# Builds src/agent as C99 for Cortex-M4 (-Os, the cross-built wolfSSL
# headers) and checks its text against the 24 KB budget of issue 6.
# SPDX-License-Identifier: Apache-2.0
# Usage: cortex_m4_size.sh SRC_DIR DEPS_INCLUDE_DIR CC
set -euo pipefail
src=$1 deps=$2 cc=$3
budget=$((24 * 1024))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ ! -f "$deps/user_settings.h" ]]; then
    echo "cortex_m4_size: no cross wolfSSL headers in $deps (scripts/setup)"
    exit 1
fi
for f in "$src"/src/agent/*.c; do
    "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -mcpu=cortex-m4 \
        -mthumb -Os -ffunction-sections -fdata-sections \
        -DWOLFSSL_USER_SETTINGS -I"$deps" -I"$src/src/agent" \
        -I"$src/src/proto" -I"$src/src/vm" -c "$f" \
        -o "$out/$(basename "$f" .c).o"
done
text=$(arm-none-eabi-size -t "$out"/*.o | awk '/TOTALS/ { print $1 }')
echo "agent text for Cortex-M4 -Os: $text bytes (budget $budget)"
((text <= budget))
