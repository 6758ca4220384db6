;; Wasmbed vm conformance: element segments in all eight encodings and
;; constant expressions (Binaryen 108's elem.wast cannot be converted).
;; SPDX-License-Identifier: Apache-2.0
;; WebAssembly 2.0, sections 5.5.12 (element section), 3.3.10 (constant
;; expressions) and 4.5.4 (instantiation).

(module $G
  (global (export "base") i32 (i32.const 2))
  (global (export "mut") (mut i32) (i32.const 0)))
(register "G" $G)

(module
  (import "G" "base" (global $base i32))
  (type $r (func (result i32)))
  (table $a 8 funcref)
  (table $b 4 funcref)
  (func $f1 (result i32) (i32.const 1))
  (func $f2 (result i32) (i32.const 2))
  (func $f3 (result i32) (i32.const 3))
  (global $gf funcref (ref.func $f3))  ;; declares $f3 for ref.func
  (elem (i32.const 0) $f1)
  (elem $p1 func $f2 $f3)
  (elem (table $b) (i32.const 1) func $f3)
  (elem declare func $f1)
  (elem (global.get $base) funcref (ref.func $f2) (ref.null func))
  (elem $p5 funcref (ref.func $f1) (ref.func $f3))
  (elem (table $b) (i32.const 2) funcref (ref.func $f2))
  (elem declare funcref (ref.func $f2))
  (func (export "a") (param i32) (result i32)
    (call_indirect $a (type $r) (local.get 0)))
  (func (export "b") (param i32) (result i32)
    (call_indirect $b (type $r) (local.get 0)))
  (func (export "init_a") (param i32 i32 i32)
    (table.init $a $p1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_a5") (param i32 i32 i32)
    (table.init $a $p5 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "global_ref") (result i32)
    (call_indirect $a (type $r) (i32.const 7))))

(assert_return (invoke "a" (i32.const 0)) (i32.const 1))
(assert_trap (invoke "a" (i32.const 1)) "uninitialized element")
(assert_return (invoke "a" (i32.const 2)) (i32.const 2))
(assert_trap (invoke "a" (i32.const 3)) "uninitialized element")
(assert_trap (invoke "b" (i32.const 0)) "uninitialized element")
(assert_return (invoke "b" (i32.const 1)) (i32.const 3))
(assert_return (invoke "b" (i32.const 2)) (i32.const 2))
(invoke "init_a" (i32.const 5) (i32.const 0) (i32.const 2))
(assert_return (invoke "a" (i32.const 5)) (i32.const 2))
(assert_return (invoke "a" (i32.const 6)) (i32.const 3))
(invoke "init_a5" (i32.const 6) (i32.const 0) (i32.const 2))
(assert_return (invoke "a" (i32.const 6)) (i32.const 1))
(assert_return (invoke "global_ref") (i32.const 3))

;; Offsets must be constant: a mutable global is not.
(assert_invalid
  (module (import "G" "mut" (global (mut i32))) (table 1 funcref)
    (func $f) (elem (global.get 0) $f))
  "constant expression required")
(assert_invalid
  (module (table 1 funcref) (func $f)
    (elem (i32.add (i32.const 0) (i32.const 0)) $f))
  "constant expression required")
(assert_invalid
  (module (table 1 funcref) (func $f) (elem (i64.const 0) $f))
  "type mismatch")
(assert_invalid
  (module (table 1 funcref) (elem (i32.const 0) 5))
  "unknown function")
(assert_invalid
  (module (func $f) (elem (i32.const 0) $f))
  "unknown table")
;; A segment that does not fit traps at instantiation, after the ones
;; before it were written.
(module $S (table (export "t") 2 funcref)
  (func (export "get_null") (param i32) (result i32)
    (ref.is_null (table.get 0 (local.get 0)))))
(register "S" $S)
(assert_trap
  (module (import "S" "t" (table 2 funcref)) (func $f)
    (elem (i32.const 0) $f) (elem (i32.const 1) $f $f))
  "out of bounds table access")
(assert_return (invoke $S "get_null" (i32.const 0)) (i32.const 0))
(assert_return (invoke $S "get_null" (i32.const 1)) (i32.const 1))
