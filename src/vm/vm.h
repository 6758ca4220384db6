/* Wasmbed WebAssembly engine: the one public interface of src/vm.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, section 7 (embedding),
 * without SIMD; plus the custom-page-sizes proposal.
 *
 * Life of a module: vm_arena_init() over a buffer the embedder owns,
 * vm_load() (decode + full validation), vm_instantiate() (link imports,
 * allocate memory, tables, globals and the execution stacks, run segment
 * initialisers and the start function), then vm_call() + vm_resume() as
 * many times as wanted. The engine never calls malloc and never writes the
 * module bytes, which may sit in read-only flash for as long as the module
 * lives. Values cross the interface as 64-bit slots: i32 and f32 in the
 * low 32 bits (f32/f64 as IEEE bit patterns), funcref as a vm_func pointer,
 * externref as an opaque host word; 0 is the null reference.
 */
#ifndef WASMBED_VM_H
#define WASMBED_VM_H

#include <stddef.h>
#include <stdint.h>

/* The one error type of the engine. */
typedef enum vm_rc {
    VM_OK = 0,
    VM_SUSPENDED,      /* out of fuel or a host function asked to pause */
    VM_ERR_MALFORMED,  /* the bytes are not a WebAssembly binary */
    VM_ERR_INVALID,    /* decoded, but breaks a validation rule */
    VM_ERR_NOMEM,      /* the arena is too small; the message says for what */
    VM_ERR_LINK,       /* an import is missing or has the wrong type */
    VM_ERR_TRAP,       /* execution trapped; see vm_error.trap */
    VM_ERR_ARG,        /* the embedder called the interface wrongly */
    VM_ERR_EXIT        /* WASI proc_exit was called; see vm_error.exit_code */
} vm_rc;

typedef enum vm_trap {
    VM_TRAP_NONE = 0,
    VM_TRAP_UNREACHABLE,
    VM_TRAP_MEMORY_OOB,
    VM_TRAP_TABLE_OOB,
    VM_TRAP_DIV_ZERO,
    VM_TRAP_INT_OVERFLOW,
    VM_TRAP_BAD_CONVERSION,
    VM_TRAP_UNINIT_ELEMENT,
    VM_TRAP_INDIRECT_TYPE,
    VM_TRAP_STACK_EXHAUSTED,
    VM_TRAP_HOST
} vm_trap;

/* What went wrong, for a person: msg is always NUL-terminated. */
typedef struct vm_error {
    vm_rc rc;
    vm_trap trap;
    uint32_t offset;        /* byte offset in the module, for load errors */
    int32_t exit_code;      /* for VM_ERR_EXIT */
    char msg[160];
} vm_error;

/* Value types, with their binary encodings. */
enum {
    VM_I32 = 0x7F, VM_I64 = 0x7E, VM_F32 = 0x7D, VM_F64 = 0x7C,
    VM_FUNCREF = 0x70, VM_EXTERNREF = 0x6F
};

/* Kinds of import and export. */
enum { VM_EXTERN_FUNC = 0, VM_EXTERN_TABLE, VM_EXTERN_MEMORY,
       VM_EXTERN_GLOBAL };

/* The one block of RAM everything lives in. Filled from both ends:
 * permanent data from the bottom, scratch used while loading from the
 * top. Fields are private. */
typedef struct vm_arena {
    uint8_t *base;
    size_t size, lo, hi, peak;
} vm_arena;

typedef struct vm_module vm_module;
typedef struct vm_instance vm_instance;
typedef struct vm_func vm_func;

/* Host function: reads its parameters from args, writes its results to
 * results (never the same array), returns VM_OK, VM_SUSPENDED (results
 * written; the caller pauses right after the call) or VM_ERR_TRAP after
 * filling err (vm_error_set helps). caller is the calling instance, whose
 * memory vm_memory_ptr reaches. */
typedef vm_rc (*vm_host_cb)(void *ctx, vm_instance *caller,
                            const uint64_t *args, uint64_t *results,
                            vm_error *err);

/* A host function offered to modules. sig lists parameter letters, a
 * colon, result letters: i=i32 I=i64 f=f32 F=f64 r=funcref e=externref;
 * "ii:i" takes two i32 and returns one. Name and sig "*" match any
 * function of the module with at most one result (a fallback); module
 * "*" matches any module. */
typedef struct vm_host_func {
    const char *module, *name, *sig;
    vm_host_cb cb;
    void *ctx;
} vm_host_func;

/* A global, table or memory the embedder owns and offers as an import,
 * or one an instance exports. Fields are readable; use the functions
 * below to set them up. */
typedef struct vm_global {
    uint64_t val;
    uint8_t type, mut;
} vm_global;

typedef struct vm_table {
    uint64_t *elems;
    uint32_t size, cap, max;
    uint8_t type, has_max;
} vm_table;

typedef struct vm_memory {
    uint8_t *data;
    uint64_t size, cap;       /* in bytes */
    uint64_t max_pages;
    uint8_t page_log2, has_max;
    uint8_t prezeroed;        /* bytes past size are known to be zero */
} vm_memory;

/* One resolved import or export. */
typedef struct vm_extern {
    uint8_t kind;
    union {
        vm_func *func;
        vm_table *table;
        vm_memory *memory;
        vm_global *global;
    } u;
} vm_extern;

/* Called for an import no vm_host_func matched: fill out and return
 * VM_OK, or return VM_ERR_LINK. Names are not NUL-terminated. */
typedef vm_rc (*vm_resolve_cb)(void *ctx, const char *module, size_t mlen,
                               const char *name, size_t nlen,
                               vm_extern *out);

typedef struct vm_imports {
    const vm_host_func *funcs;
    size_t nfuncs;
    vm_resolve_cb resolve;
    void *resolve_ctx;
} vm_imports;

/* Sizes chosen per application; zero fields take the defaults below. */
typedef struct vm_config {
    uint32_t stack_slots;    /* value stack, 8 bytes each (default 512) */
    uint32_t frames;         /* call depth (default 64) */
    uint32_t table_slack;    /* entries a table may grow beyond its
                                initial size (default 0) */
    uint64_t memory_limit;   /* bytes of linear memory at most (default:
                                what the arena has left) */
    int arena_zeroed;        /* the arena's free space is all zero bytes
                                (a fresh mapping): growth skips zeroing */
    uint64_t code_bytes;     /* arena bytes the instance may spend on
                                translating its functions to register
                                code, several times faster than running
                                them in place; 0 (default) runs them in
                                place from the module bytes. If the
                                translation needs more, or the build
                                leaves it out, functions run in place. */
} vm_config;

/* Arena --------------------------------------------------------------- */

void vm_arena_init(vm_arena *a, void *buf, size_t size);
/* Bytes in use now and at most so far. */
size_t vm_arena_used(const vm_arena *a);
size_t vm_arena_peak(const vm_arena *a);

/* Loading ------------------------------------------------------------- */

/* Decodes and validates bytes[0..len) into a module allocated in a. The
 * bytes must stay unchanged and readable while the module is used. */
vm_rc vm_load(vm_arena *a, const uint8_t *bytes, size_t len,
              vm_module **out, vm_error *err);

/* Links, allocates and initialises an instance of m in a, then runs the
 * start function, if any, with unlimited fuel. */
vm_rc vm_instantiate(vm_arena *a, const vm_module *m,
                     const vm_imports *imports, const vm_config *cfg,
                     vm_instance **out, vm_error *err);

/* Bytes of arena the instance's translated code takes; 0 when its
 * functions run in place (see vm_config.code_bytes). */
uint64_t vm_translated_bytes(const vm_instance *inst);

/* Exports ------------------------------------------------------------- */

/* Finds the export called name[0..len) or returns VM_ERR_ARG. */
vm_rc vm_export(const vm_instance *inst, const char *name, size_t len,
                vm_extern *out);
/* Exports by position, 0 <= i < vm_export_count; the name points into
 * the module bytes and is not NUL-terminated. */
uint32_t vm_export_count(const vm_instance *inst);
vm_rc vm_export_at(const vm_instance *inst, uint32_t i, const char **name,
                   size_t *len, vm_extern *out);

/* The exported function called name (NUL-terminated), or NULL. */
vm_func *vm_export_func(const vm_instance *inst, const char *name);

/* Parameter and result counts and types of a function. */
uint32_t vm_func_nparams(const vm_func *f);
uint32_t vm_func_nresults(const vm_func *f);
uint8_t vm_func_param(const vm_func *f, uint32_t i);
uint8_t vm_func_result(const vm_func *f, uint32_t i);

/* Running ------------------------------------------------------------- */

/* Prepares a call of f with nargs arguments on inst's stacks; nothing
 * runs until vm_resume. Fails if inst is in the middle of another call. */
vm_rc vm_call(vm_instance *inst, vm_func *f, const uint64_t *args,
              uint32_t nargs, vm_error *err);

/* Runs the prepared call for at most fuel units (one unit per call and
 * per loop back edge; UINT64_MAX for no limit). Returns VM_OK when the
 * call finished (results via vm_result), VM_SUSPENDED when fuel ran out
 * or a host function asked to pause (call vm_resume again to go on), or
 * an error; a trap ends the call. */
vm_rc vm_resume(vm_instance *inst, uint64_t fuel, vm_error *err);

/* The i-th result of the finished call. */
uint64_t vm_result(const vm_instance *inst, uint32_t i);

/* vm_call + vm_resume with no fuel limit + copy of the results. */
vm_rc vm_invoke(vm_instance *inst, vm_func *f, const uint64_t *args,
                uint32_t nargs, uint64_t *results, uint32_t nresults,
                vm_error *err);

/* Memory and state ---------------------------------------------------- */

/* Pointer to [off, off+len) of inst's memory 0, or NULL if outside. */
void *vm_memory_ptr(vm_instance *inst, uint64_t off, uint64_t len);

/* Embedder-owned imports: set up over storage the embedder provides. */
void vm_global_init(vm_global *g, uint8_t type, int mut, uint64_t val);
void vm_table_init(vm_table *t, uint8_t type, uint64_t *elems,
                   uint32_t size, uint32_t cap, uint32_t max, int has_max);
void vm_memory_init(vm_memory *m, uint8_t *data, uint64_t pages,
                    uint64_t cap_bytes, uint64_t max_pages, int has_max);

/* Fills err with rc, trap and a message (plain text, truncated to fit). */
void vm_error_set(vm_error *err, vm_rc rc, vm_trap trap, const char *msg);

/* WASI preview 1 subset -------------------------------------------------- */

/* Console sink for fd 1 and 2. */
typedef void (*vm_wasi_write_cb)(void *ctx, int fd, const uint8_t *buf,
                                 size_t len);
typedef uint64_t (*vm_wasi_clock_cb)(void *ctx, uint32_t clock_id);
typedef void (*vm_wasi_random_cb)(void *ctx, uint8_t *buf, size_t len);

typedef struct vm_wasi {
    vm_wasi_write_cb write;
    vm_wasi_clock_cb clock;     /* nanoseconds */
    vm_wasi_random_cb random;
    void *ctx;
} vm_wasi;

#define VM_WASI_NFUNCS 13

/* Writes the WASI functions, bound to w (which must outlive every
 * instance linked with them), to out[0..VM_WASI_NFUNCS). */
void vm_wasi_funcs(vm_wasi *w, vm_host_func out[VM_WASI_NFUNCS]);

#endif
