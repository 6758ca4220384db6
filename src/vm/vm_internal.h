/* Wasmbed WebAssembly engine: structures shared by the engine's files.
 * SPDX-License-Identifier: Apache-2.0
 * Implements: WebAssembly Core Specification 2.0, sections 2 (structure)
 * and 4.2 (runtime structure), as this engine represents them.
 */
#ifndef WASMBED_VM_INTERNAL_H
#define WASMBED_VM_INTERNAL_H

#include <stdarg.h>
#include "vm.h"

#define VM_REF_NULL 0u
#define VM_MAX_HOST_RESULTS 8u
#define VM_UNKNOWN 0u          /* the bottom type of the validator */

enum { VM_MODE_ACTIVE, VM_MODE_PASSIVE, VM_MODE_DECLARATIVE };

/* Function type: params[0..np) then results[0..nr) in types. */
typedef struct vm_functype {
    uint32_t np, nr;
    const uint8_t *types;
} vm_functype;

typedef struct vm_importdef {
    const uint8_t *mod, *name;
    uint32_t mlen, nlen;
    uint8_t kind;
    uint32_t index;       /* into funcs, tables, mems or globals */
} vm_importdef;

/* One branch of a function body, in the order the branches occur: the
 * interpreter walks these beside the code (Titzer's side table). Targets
 * are pointers, so a taken branch needs no base registers. */
typedef struct vm_branch {
    const uint8_t *pc;          /* target in the module bytes */
    const struct vm_branch *at; /* side-table position at the target;
                                   while validating a forward branch, the
                                   next entry waiting for the same label */
    uint32_t height;            /* slots above the frame base kept below */
    uint32_t arity;             /* values carried to the target, or'ed
                                   with VM_BRANCH_LOOP for a loop's back
                                   edge */
} vm_branch;

#define VM_BRANCH_LOOP 0x80000000u

typedef struct vm_funcdef {
    const uint8_t *body;  /* first instruction */
    const uint8_t *end;   /* the final end opcode */
    uint32_t nlocals;     /* declared locals, beyond the parameters */
    uint32_t max_height;  /* operand slots the body needs at most */
    const vm_branch *side;
} vm_funcdef;

typedef struct vm_tabledef {
    uint8_t type, has_max;
    uint32_t min, max;
} vm_tabledef;

typedef struct vm_memdef {
    uint64_t min, max;
    uint8_t has_max, page_log2;
} vm_memdef;

typedef struct vm_globaldef {
    uint8_t type, mut;
    const uint8_t *init;
} vm_globaldef;

typedef struct vm_exportdef {
    const uint8_t *name;
    uint32_t nlen;
    uint8_t kind;
    uint32_t index;
} vm_exportdef;

typedef struct vm_elemdef {
    uint8_t mode, type, exprs;
    uint32_t table, count;
    const uint8_t *offset, *items;
} vm_elemdef;

typedef struct vm_datadef {
    uint8_t mode;
    uint32_t len;
    const uint8_t *offset, *bytes;
} vm_datadef;

struct vm_module {
    const uint8_t *bytes;
    size_t len;
    vm_functype *types;
    vm_importdef *imports;
    uint32_t *functype;           /* type index of every function */
    vm_funcdef *funcs;            /* defined functions only */
    vm_tabledef *tables;
    vm_memdef *mems;
    vm_globaldef *globals;
    vm_exportdef *exports;
    vm_elemdef *elems;
    vm_datadef *datas;
    uint8_t *declared;            /* bitmap: funcs ref.func may name */
    uint32_t ntypes, nimports, nfuncs, nfunc_imports, ntables,
             ntable_imports, nmems, nmem_imports, nglobals,
             nglobal_imports, nexports, nelems, ndatas, start, ndatacount;
    uint8_t has_start, has_datacount;
};

struct vm_func {
    const vm_functype *type;
    vm_instance *inst;            /* NULL for host functions */
    const vm_funcdef *def;
    vm_host_cb host;
    void *host_ctx;
    /* Translated form (vm_xlate.c), NULL when the function runs in
     * place: code, the constants copied to fp[xkbase..xkbase + xnk) at
     * entry after xnloc zeroed locals, and the slots a frame takes. */
    const uint64_t *xcode, *xconst;
    uint32_t xkbase, xnk, xnloc, xframe;
};

/* Caller state saved by a call. */
typedef struct vm_frame {
    const void *pc;             /* module bytes, or translated code */
    const vm_branch *stp;
    uint64_t *fp;
    vm_func *fn;
} vm_frame;

enum { VM_IDLE, VM_READY, VM_RUNNING, VM_DONE };

struct vm_instance {
    const vm_module *mod;
    vm_func **funcs;
    vm_table **tables;
    vm_memory *mem;
    vm_global **globals;
    uint8_t *elem_dropped, *data_dropped;
    uint64_t *stack, *stack_end;
    vm_frame *frames, *frames_end;
    /* Saved registers of a suspended or prepared call. */
    const uint8_t *pc;
    const vm_branch *stp;
    uint64_t *sp, *fp, tos;
    vm_frame *fr;
    vm_func *fn, *entry;
    const uint64_t *xpc;          /* translated code: where to go on */
    uint64_t xbytes;              /* arena taken by translated code */
    uint8_t state;
    uint8_t xmode;                /* functions run translated */
};

/* vm_arena.c */
void *vm_arena_alloc(vm_arena *a, size_t size, const char *what,
                     vm_error *err);
void *vm_arena_scratch(vm_arena *a, size_t size, const char *what,
                       vm_error *err);
void vm_arena_scratch_reset(vm_arena *a, size_t mark);
void *vm_arena_alloc_raw(vm_arena *a, size_t size, const char *what,
                         vm_error *err);
size_t vm_arena_free(const vm_arena *a);

/* vm_error.c */
void vm_errorf(vm_error *err, vm_rc rc, vm_trap trap, const char *fmt,
               ...);
void vm_trap_set(vm_error *err, vm_trap trap);

/* vm_decode.c: LEB128 reader over [p, end). */
typedef struct vm_reader {
    const uint8_t *p, *end, *base;
} vm_reader;
int vm_read_u32(vm_reader *r, uint32_t *out);
int vm_read_s32(vm_reader *r, int32_t *out);
int vm_read_s33(vm_reader *r, int64_t *out);
int vm_read_s64(vm_reader *r, int64_t *out);
int vm_read_u8(vm_reader *r, uint8_t *out);
/* LEB128 in code validation has checked: no bounds, no errors. Inline:
 * the interpreter reads multi-byte immediates (memory offsets) with
 * them. */
static inline uint32_t vm_leb_u32(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint32_t v = 0;
    unsigned shift = 0;
    uint8_t b;

    do {
        b = *p++;
        v |= (uint32_t)(b & 0x7Fu) << shift;
        shift += 7;
    } while (b & 0x80u);
    *pp = p;
    return v;
}

/* The same for a signed LEB128 of up to 64 bits, sign-extended. */
static inline uint64_t vm_leb_s64(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;

    do {
        b = *p++;
        v |= (uint64_t)(b & 0x7Fu) << shift;
        shift += 7;
    } while (b & 0x80u);
    if (shift < 64 && (b & 0x40u))
        v |= ~(uint64_t)0 << shift;
    *pp = p;
    return v;
}

/* vm_validate.c */
vm_rc vm_validate_func(vm_arena *a, vm_module *m, uint32_t idx,
                       const uint8_t *p, const uint8_t *end,
                       vm_error *err);
vm_rc vm_validate_const(vm_module *m, const uint8_t **pp,
                        const uint8_t *end, uint8_t type,
                        uint32_t nglobals, vm_error *err);
int vm_is_numtype(uint8_t t);
int vm_is_valtype(uint8_t t);
int vm_is_reftype(uint8_t t);

/* vm_exec.c */
void vm_eval_const(const vm_instance *inst, const uint8_t **pp,
                   uint64_t *out);
vm_rc vm_table_init_seg(vm_instance *inst, uint32_t tab, uint32_t seg,
                        uint32_t dst, uint32_t src, uint32_t n);
vm_rc vm_memory_init_seg(vm_instance *inst, uint32_t seg, uint32_t dst,
                         uint32_t src, uint32_t n);
int vm_functype_eq(const vm_functype *a, const vm_functype *b);
uint64_t vm_elem_item(const vm_instance *inst, const vm_elemdef *e,
                      const uint8_t **pp);

/* vm_xlate.c, or its absence (vm_xlate_none.c): translates every
 * function of inst into at most limit bytes of a; VM_OK or an error
 * (the arena is left as it was). */
vm_rc vm_xlate(vm_arena *a, vm_instance *inst, uint64_t limit,
               vm_error *err);

/* vm_xexec.c, or vm_xlate_none.c: runs inst's prepared call of a
 * translated function, with the results of the in-place loop; sets up
 * the frame at fp of a call of translated f. */
vm_rc vm_xrun(vm_instance *inst, uint64_t fuel, vm_error *err);
void vm_xenter(vm_instance *inst, vm_func *f, uint64_t *fp);

#endif
