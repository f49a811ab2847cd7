#ifndef COVINO_H
#define COVINO_H

// Plain C interface over OpenVINO's C API (libopenvino_c), for the `detect` stage's
// `runtime: openvino`. Like ctorch.h: every fallible call returns COVINO_OK or an error code
// and writes a NUL-terminated message into the caller's `error` buffer.
//
// The shim is its own shared library (libCOpenVINOShim.so), linked against the wheel's
// libopenvino_c with an rpath to it, and loaded at run time: Swift sees this header through the
// COpenVINOAPI module and binds the functions with dlsym, so processes that never run an
// OpenVINO model never load OpenVINO.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    COVINO_OK = 0,
    COVINO_ERROR = 1,
    /// The model does not have the one image input the contract needs.
    COVINO_BAD_MODEL = 2,
};

enum {
    COVINO_ELEMENT_OTHER = 0,
    COVINO_ELEMENT_F32 = 1,
    COVINO_ELEMENT_I64 = 2,
    COVINO_ELEMENT_I32 = 3,
};

enum { COVINO_MAX_RANK = 8 };

/// Opaque handle to a model compiled for the CPU; its weights are shared by all its requests.
typedef struct covino_model covino_model;

/// Opaque handle to one infer request of a model: one forward pass at a time.
typedef struct covino_request covino_request;

/// One output tensor of the last pass of a request. `data` stays valid until the request's
/// next pass or its release.
typedef struct {
    int32_t element_type;          // COVINO_ELEMENT_*
    int64_t rank;
    int64_t dims[COVINO_MAX_RANK];
    const void *data;
} covino_output;

/// Reads an OpenVINO IR (.xml beside its .bin) or ONNX file and compiles it for the CPU with
/// `threads` inference threads in all (0: OpenVINO's choice) and `streams` passes that may run
/// at once. The model must take one input of rank 3, a CHW float image.
int32_t covino_model_load(const char *path, int32_t threads, int32_t streams, covino_model **model,
                          char *error, size_t error_capacity);

/// Frees a model; NULL is ignored. Its requests must be freed first.
void covino_model_free(covino_model *model);

/// Number of outputs of a model.
int64_t covino_model_output_count(const covino_model *model);

/// The name of output `index` (0 <= index < output count), owned by the model.
const char *covino_model_output_name(const covino_model *model, int64_t index);

/// Creates an infer request of `model`.
int32_t covino_request_create(covino_model *model, covino_request **request, char *error, size_t error_capacity);

/// Frees a request; NULL is ignored.
void covino_request_free(covino_request *request);

/// Runs one pass over one float32 CHW image of `channels` x `height` x `width` values (read in
/// place, not copied, for the duration of the call).
int32_t covino_request_infer(covino_request *request, const float *pixels, int64_t channels, int64_t height,
                             int64_t width, char *error, size_t error_capacity);

/// The output named `name` of the request's last pass.
int32_t covino_request_output(covino_request *request, const char *name, covino_output *output, char *error,
                              size_t error_capacity);

// Pointer types of the functions above, for callers that bind them with dlsym.
typedef int32_t (*covino_model_load_fn)(const char *, int32_t, int32_t, covino_model **, char *, size_t);
typedef void (*covino_model_free_fn)(covino_model *);
typedef int64_t (*covino_model_output_count_fn)(const covino_model *);
typedef const char *(*covino_model_output_name_fn)(const covino_model *, int64_t);
typedef int32_t (*covino_request_create_fn)(covino_model *, covino_request **, char *, size_t);
typedef void (*covino_request_free_fn)(covino_request *);
typedef int32_t (*covino_request_infer_fn)(covino_request *, const float *, int64_t, int64_t, int64_t, char *,
                                           size_t);
typedef int32_t (*covino_request_output_fn)(covino_request *, const char *, covino_output *, char *, size_t);

#ifdef __cplusplus
}
#endif

#endif
