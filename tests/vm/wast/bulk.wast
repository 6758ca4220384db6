;; Wasmbed vm conformance: bulk memory and passive data segments.
;; SPDX-License-Identifier: Apache-2.0
;; WebAssembly 2.0, sections 4.4.7 (memory.fill, memory.copy, memory.init,
;; data.drop) and 4.5.4 (active segments are dropped after instantiation).

(module
  (memory (export "mem") 1 2)
  (data $p "\01\02\03\04\05")
  (data $a (i32.const 100) "\aa\bb")
  (func (export "load8") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32)
    (memory.init $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_active") (param i32 i32 i32)
    (memory.init $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop") (data.drop $p))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
)

(assert_return (invoke "load8" (i32.const 100)) (i32.const 0xaa))
(assert_return (invoke "load8" (i32.const 101)) (i32.const 0xbb))

;; fill: in bounds, zero length at the end, out of bounds.
(invoke "fill" (i32.const 10) (i32.const 0x1ff) (i32.const 3))
(assert_return (invoke "load8" (i32.const 9)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 10)) (i32.const 0xff))
(assert_return (invoke "load8" (i32.const 12)) (i32.const 0xff))
(assert_return (invoke "load8" (i32.const 13)) (i32.const 0))
(invoke "fill" (i32.const 0x10000) (i32.const 1) (i32.const 0))
(assert_trap (invoke "fill" (i32.const 0x10000) (i32.const 1)
                            (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 0xffff) (i32.const 1)
                            (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 1) (i32.const 1)
                            (i32.const -1)) "out of bounds memory access")
;; A trapping fill writes nothing.
(assert_return (invoke "load8" (i32.const 0xffff)) (i32.const 0))

;; copy: forward and backward overlap, bounds on both ends.
(invoke "fill" (i32.const 200) (i32.const 7) (i32.const 4))
(invoke "copy" (i32.const 202) (i32.const 200) (i32.const 4))
(assert_return (invoke "load8" (i32.const 200)) (i32.const 7))
(assert_return (invoke "load8" (i32.const 205)) (i32.const 7))
(assert_return (invoke "load8" (i32.const 206)) (i32.const 0))
(invoke "copy" (i32.const 199) (i32.const 200) (i32.const 6))
(assert_return (invoke "load8" (i32.const 199)) (i32.const 7))
(assert_return (invoke "load8" (i32.const 205)) (i32.const 7))
(invoke "copy" (i32.const 0x10000) (i32.const 0) (i32.const 0))
(assert_trap (invoke "copy" (i32.const 0xfffe) (i32.const 0)
                            (i32.const 3)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 0xfffe)
                            (i32.const 3)) "out of bounds memory access")

;; init from the passive segment; bounds on segment and memory.
(invoke "init" (i32.const 300) (i32.const 1) (i32.const 3))
(assert_return (invoke "load8" (i32.const 299)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 300)) (i32.const 2))
(assert_return (invoke "load8" (i32.const 302)) (i32.const 4))
(assert_return (invoke "load8" (i32.const 303)) (i32.const 0))
(invoke "init" (i32.const 0) (i32.const 5) (i32.const 0))
(assert_trap (invoke "init" (i32.const 0) (i32.const 4) (i32.const 2))
             "out of bounds memory access")
(assert_trap (invoke "init" (i32.const 0xffff) (i32.const 0)
                            (i32.const 2)) "out of bounds memory access")
;; An active segment was dropped at instantiation: only n = 0 works.
(invoke "init_active" (i32.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init_active" (i32.const 0) (i32.const 0)
                                   (i32.const 1)) "out of bounds")
;; After data.drop, the segment has length 0; dropping twice is fine.
(invoke "drop")
(invoke "drop")
(invoke "init" (i32.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init" (i32.const 0) (i32.const 0) (i32.const 1))
             "out of bounds memory access")

;; Growth makes room; the maximum is respected; new pages are zero.
(assert_trap (invoke "fill" (i32.const 0x10000) (i32.const 9)
                            (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "load8" (i32.const 0x1ffff)) (i32.const 0))
(invoke "fill" (i32.const 0x10000) (i32.const 9) (i32.const 0x10000))
(assert_return (invoke "load8" (i32.const 0x1ffff)) (i32.const 9))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 2))

;; memory.init and data.drop need the data count section.
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\04\01\60\00\00"              ;; type () -> ()
    "\03\02\01\00"                    ;; one function
    "\05\03\01\00\01"                 ;; memory 1
    "\0a\07\01\05\00\fc\09\00\0b"     ;; data.drop 0
    "\0b\04\01\01\01\00")             ;; passive data "\00"
  "data count section required")
(module binary
  "\00asm" "\01\00\00\00"
  "\01\04\01\60\00\00"
  "\03\02\01\00"
  "\05\03\01\00\01"
  "\0c\01\01"                         ;; data count 1
  "\0a\07\01\05\00\fc\09\00\0b"
  "\0b\04\01\01\01\00")
(assert_invalid
  (module (memory 1) (func (memory.init 0 (i32.const 0) (i32.const 0)
                                          (i32.const 0))))
  "unknown data segment")
(assert_invalid
  (module (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory")

;; Partial initialisation: segments before a failing one stay written.
(module $M
  (memory (export "mem") 1)
  (func (export "load8") (param i32) (result i32)
    (i32.load8_u (local.get 0))))
(register "M" $M)
(assert_trap
  (module
    (memory (import "M" "mem") 1)
    (data (i32.const 0) "ok")
    (data (i32.const 0xffff) "xx"))
  "out of bounds memory access")
(assert_return (invoke $M "load8" (i32.const 0)) (i32.const 0x6f))
(assert_return (invoke $M "load8" (i32.const 1)) (i32.const 0x6b))
(assert_return (invoke $M "load8" (i32.const 0xffff)) (i32.const 0))
