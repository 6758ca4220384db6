#!/usr/bin/env python3
# Wasmbed bench: bytes each archive contributes to a firmware image, read
# from the GNU ld link map (flash: .text/.rodata/.data; RAM: .data/.bss).
# SPDX-License-Identifier: Apache-2.0
# Usage: map-sizes.py IMAGE.map
import re
import sys
from collections import defaultdict

ENTRY = re.compile(r'^\s*(\.\S+)?\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)')
flash = defaultdict(int)
ram = defaultdict(int)
section = None
in_map = False
for line in open(sys.argv[1], errors='replace'):
    if line.startswith('Linker script and memory map'):
        in_map = True
        continue
    if not in_map:
        continue
    m = re.match(r'^ (\.\S+)\s*$', line)
    if m:
        section = m.group(1)
        continue
    m = ENTRY.match(line)
    if not m:
        continue
    name = m.group(1) or section or ''
    size = int(m.group(3), 16)
    obj = m.group(4)
    lib = re.sub(r'\(.*$', '', obj.split('/')[-1])
    if '.' not in lib:
        continue
    if name.startswith(('.text', '.rodata')):
        flash[lib] += size
    elif name.startswith('.data'):
        flash[lib] += size
        ram[lib] += size
    elif name.startswith('.bss') or name.startswith('COMMON'):
        ram[lib] += size
for lib in sorted(flash, key=lambda k: -flash[k]):
    print(f'{lib:28} flash {flash[lib]:8d}  static RAM {ram[lib]:6d}')
