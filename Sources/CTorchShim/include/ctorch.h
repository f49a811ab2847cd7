#ifndef CTORCH_H
#define CTORCH_H

// Plain C interface over libtorch. No C++ type or exception crosses it:
// every call returns 0 on success or non-zero with a message in `error`.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Opaque handle to a loaded TorchScript module.
typedef struct ctorch_model ctorch_model;

/// Sets libtorch's intra-op thread count (it defaults to one here).
void ctorch_set_num_threads(int32_t threads);

#ifdef __cplusplus
}
#endif

#endif
