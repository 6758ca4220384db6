#!/usr/bin/env bash
# Builds src/agent as C99 for Cortex-M4 (-Os, the cross-built wolfSSL
# headers), checks its text against the 24 KB budget of issue 6, and
# links it with src/proto, src/vm, the cross wolfSSL and libcbor and a
# stub port, so that a symbol the boards lack fails here.
# SPDX-License-Identifier: Apache-2.0
# Usage: cortex_m4_size.sh SRC_DIR DEPS_DIR CC
set -euo pipefail
src=$1 deps=$2 cc=$3
budget=$((24 * 1024))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [[ ! -f "$deps/include/user_settings.h" ]]; then
    echo "cortex_m4_size: no cross wolfSSL in $deps (scripts/setup)"
    exit 1
fi
# Hard float, as the cross wolfSSL is built.
arch=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
cflags=(-std=c99 -Os -ffunction-sections -fdata-sections
        -DWOLFSSL_USER_SETTINGS -I"$deps/include" -I"$src/src/agent"
        -I"$src/src/proto" -I"$src/src/vm")

mkdir "$out/agent" "$out/rest"
for f in "$src"/src/agent/*.c; do
    "$cc" "${arch[@]}" "${cflags[@]}" -pedantic -Wall -Wextra -Werror \
        -c "$f" -o "$out/agent/$(basename "$f" .c).o"
done
text=$(arm-none-eabi-size -t "$out"/agent/*.o | awk '/TOTALS/ {print $1}')
echo "agent text for Cortex-M4 -Os: $text bytes (budget $budget)"
((text <= budget))

# The boards' engine: without translation (vm_xlate_none.c).
for f in "$src"/src/proto/proto*.c "$src"/src/vm/vm_*.c \
         "$src"/tests/agent/m4_stub.c; do
    [[ $f == */vm_xlate.c || $f == */vm_xexec.c ]] && continue
    "$cc" "${arch[@]}" "${cflags[@]}" -c "$f" \
        -o "$out/rest/$(basename "$f" .c).o"
done
"$cc" "${arch[@]}" -Os -Wl,--gc-sections --specs=nano.specs \
    --specs=nosys.specs -o "$out/agent.elf" "$out"/agent/*.o \
    "$out"/rest/*.o "$deps/lib/libwolfssl.a" "$deps/lib/libcbor.a" -lm \
    2> >(grep -v "is not implemented and will always fail" >&2)
arm-none-eabi-size "$out/agent.elf"
