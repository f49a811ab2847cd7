#ifndef CTORCH_H
#define CTORCH_H

// Plain C interface over libtorch. No C++ type or exception crosses it: every
// fallible call returns CTORCH_OK or CTORCH_ERROR and writes a NUL-terminated
// message into the caller's `error` buffer (truncated to `error_capacity`).
//
// The shim is built as its own shared library (libCTorchShim.so) and loaded at
// run time: Swift code sees this header through the CTorchAPI module and calls
// the functions through the `*_fn` pointer types below, bound with dlsym, so
// that processes which never load a model never load libtorch.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CTORCH_OK = 0,
    CTORCH_ERROR = 1,
    /// The model ran but returned something other than torchvision's detections.
    CTORCH_BAD_OUTPUT = 2,
};

enum {
    CTORCH_DEVICE_CPU = 0,
    CTORCH_DEVICE_CUDA = 1,
};

/// Opaque handle to a loaded TorchScript module.
typedef struct ctorch_model ctorch_model;

/// Opaque handle to the detections of one batch; owns every array it hands out.
typedef struct ctorch_result ctorch_result;

/// One input frame: float32 planar CHW RGB in [0, 1], 3 * height * width values,
/// read in place (not copied) for the duration of the call.
typedef struct {
    const float *pixels;
    int64_t height;
    int64_t width;
} ctorch_frame;

/// The detections of one frame. Arrays are row-major and owned by the result;
/// a pointer may be NULL when its array is empty (N = 0).
typedef struct {
    int32_t has_embeddings;     // the model returned `embeddings`
    int32_t has_frame_embedding; // the model returned `frame_embedding`
    int64_t count;              // N detections
    int64_t keypoint_count;     // K keypoints per detection
    int64_t embedding_size;     // D of embeddings, 0 when absent
    int64_t frame_embedding_size; // size of frame_embedding, 0 when absent
    const float *boxes;         // N x 4, x1 y1 x2 y2 in pixels
    const int64_t *labels;      // N
    const float *scores;        // N
    const float *keypoints;     // N x K x 3, x y visibility
    const float *keypoints_scores; // N x K
    const float *embeddings;    // N x D
    const float *frame_embedding; // frame_embedding_size values
} ctorch_frame_detections;

/// dlopen()s a library of TorchScript operators (torchvision's `_C*.so`) so that
/// models using them load. Safe to call again with the same path.
int32_t ctorch_load_operator_library(const char *path, char *error, size_t error_capacity);

/// Loads a TorchScript file onto `device` (CTORCH_DEVICE_*), in eval mode.
/// `threads` is the intra-op thread count used by every ctorch_model_detect call.
int32_t ctorch_model_load(const char *path, int32_t device, int32_t threads,
                          ctorch_model **model, char *error, size_t error_capacity);

/// Frees a model; NULL is ignored.
void ctorch_model_free(ctorch_model *model);

/// Runs the model's forward on a batch of frames. On success `*result` holds one
/// ctorch_frame_detections per frame; free it with ctorch_result_free.
int32_t ctorch_model_detect(ctorch_model *model, const ctorch_frame *frames, int64_t frame_count,
                            ctorch_result **result, char *error, size_t error_capacity);

/// Runs the model's forward on one float32 NCHW tensor of `batch` x `channels` x `height` x
/// `width` values (read in place, not copied) and expects a float [batch, D] tensor back. On
/// success `*output` holds batch * D values, row-major (free it with ctorch_floats_free), and
/// `*dimension` is D; a model returning anything else gives CTORCH_BAD_OUTPUT.
int32_t ctorch_model_embed(ctorch_model *model, const float *input, int64_t batch, int64_t channels,
                           int64_t height, int64_t width, float **output, int64_t *dimension,
                           char *error, size_t error_capacity);

/// Frees values returned by ctorch_model_embed; NULL is ignored.
void ctorch_floats_free(float *values);

/// Number of frames in a result.
int64_t ctorch_result_frame_count(const ctorch_result *result);

/// The detections of frame `index` (0 <= index < frame count); pointers stay valid
/// until the result is freed.
ctorch_frame_detections ctorch_result_frame(const ctorch_result *result, int64_t index);

/// Frees a result; NULL is ignored.
void ctorch_result_free(ctorch_result *result);

// Pointer types of the functions above, for callers that bind them with dlsym.
typedef int32_t (*ctorch_load_operator_library_fn)(const char *, char *, size_t);
typedef int32_t (*ctorch_model_load_fn)(const char *, int32_t, int32_t, ctorch_model **, char *, size_t);
typedef void (*ctorch_model_free_fn)(ctorch_model *);
typedef int32_t (*ctorch_model_detect_fn)(ctorch_model *, const ctorch_frame *, int64_t, ctorch_result **,
                                          char *, size_t);
typedef ctorch_frame_detections (*ctorch_result_frame_fn)(const ctorch_result *, int64_t);
typedef void (*ctorch_result_free_fn)(ctorch_result *);
typedef int32_t (*ctorch_model_embed_fn)(ctorch_model *, const float *, int64_t, int64_t, int64_t, int64_t, float **,
                                         int64_t *, char *, size_t);
typedef void (*ctorch_floats_free_fn)(float *);

#ifdef __cplusplus
}
#endif

#endif
