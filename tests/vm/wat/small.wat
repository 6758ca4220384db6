;; Wasmbed vm unit tests: a small module for arena and RAM figures.
;; SPDX-License-Identifier: Apache-2.0
(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 16) "wasmbed")
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g))
  (func (export "byte") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
)
