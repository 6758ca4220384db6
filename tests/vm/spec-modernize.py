#!/usr/bin/env python3
# Wasmbed: rewrites obsolete spec assertions so wast2json 1.0.32 reads them.
# SPDX-License-Identifier: Apache-2.0
#
# Binaryen's copy of the spec tests still uses the 2017 forms
#   (assert_return_canonical_nan ACTION)  (assert_return_arithmetic_nan ACTION)
# which today are written (assert_return ACTION (T.const nan:canonical)).
# The result type T is the prefix of the invoked export's name when it is
# f32./f64. (conversions, float_exprs, float_misc), else the type of the
# first float argument (f32.wast, f64.wast). Nothing else is changed.
# Usage: spec-modernize.py IN.wast OUT.wast
import re
import sys

FORMS = {"assert_return_canonical_nan": "canonical",
         "assert_return_arithmetic_nan": "arithmetic"}


def close_of(text, i):
    """Index just past the s-expression opening at text[i]."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = text.index('"', i + 1)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced")


def result_type(action):
    m = re.match(r'\(invoke\s+(?:\$\S+\s+)?"(f32|f64)\.', action)
    if m:
        return m.group(1)
    m = re.search(r"\((f32|f64)\.const", action)
    return m.group(1) if m else "f32"


def modernize(text):
    out, i = [], 0
    pat = re.compile(r"\((assert_return_(?:canonical|arithmetic)_nan)\s")
    while True:
        m = pat.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        end = close_of(text, m.start())
        action = text[m.end():end - 1].strip()
        kind = FORMS[m.group(1)]
        out.append(text[i:m.start()])
        out.append("(assert_return %s (%s.const nan:%s))"
                   % (action, result_type(action), kind))
        i = end


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        src = f.read()
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(modernize(src))
