;; Wasmbed vm unit tests: the WASI subset, call by call.
;; SPDX-License-Identifier: Apache-2.0
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32)
                     (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; iovec at 0: {ptr 16, len 5}; text at 16
  (data (i32.const 0) "\10\00\00\00\05\00\00\00")
  (data (i32.const 16) "hello")
  (func (export "write") (param $fd i32) (result i32)
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1)
                    (i32.const 32)))
  (func (export "written") (result i32) (i32.load (i32.const 32)))
  (func (export "write_bad_iov") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0xfffffff0) (i32.const 1)
                    (i32.const 32)))
  (func (export "clock") (result i64)
    (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 40)))
    (i64.load (i32.const 40)))
  (func (export "random") (result i32)
    (call $random (i32.const 48) (i32.const 8)))
  (func (export "random_word") (result i64) (i64.load (i32.const 48)))
  (func (export "args") (result i32)
    (i32.store (i32.const 56) (i32.const 99))
    (drop (call $args_sizes (i32.const 56) (i32.const 60)))
    (i32.load (i32.const 56)))
  (func (export "path_open") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0)
                     (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0)
                     (i32.const 0)))
  (func (export "exit") (param i32) (call $exit (local.get 0)))
)
